package fakestripe

// Checkout sessions: the hosted page a share of subscriptions and of
// one-off payments went through (complete), and abandoned sessions that
// expired after a day (or are still open, in the last day).

type sessionStatus uint8

const (
	sessionComplete sessionStatus = iota
	sessionExpired
	sessionOpen
)

var sessionStatusNames = []string{"complete", "expired", "open"}

func (s sessionStatus) String() string { return sessionStatusNames[s] }

type checkoutSessionRow struct {
	created       int64
	status        sessionStatus
	customer      int32 // -1: a guest
	subscription  int32 // -1: payment mode
	paymentIntent int32
	invoice       int32
	currency      currencyID
	subtotal      int64
	discount      int64
}

var checkoutSessionsDef = &resourceDef{
	name: "checkout_sessions", object: "checkout.session", prefix: "cs_test",
	listPath: "/v1/checkout/sessions", retrieve: true,
	filters: []filterDef{
		createdFilter(),
		refFilter("customer", "customers", func(d *dataset) refIndex { return d.sessionsByCustomer }),
		hashFilter("customer_details", subField{key: "email", value: func(d *dataset, i int32) string {
			return d.sessionEmail(i)
		}}),
		refFilter("payment_intent", "payment_intents", func(d *dataset) refIndex { return d.sessionsByPaymentIntent }),
		eqFilter("payment_link", func(*dataset, int32) string { return "" }), // no payment links
		enumFilter("status", sessionStatusNames, func(d *dataset, i int32) string { return d.sessionRows[i].status.String() }),
		refFilter("subscription", "subscriptions", func(d *dataset) refIndex { return d.sessionsBySubscription }),
	},
	expandable: []string{"customer", "invoice", "payment_intent", "payment_link", "setup_intent", "subscription"},
	render:     renderCheckoutSession,
}

// sessionLifetime is how long a session stays open.
const sessionLifetime = day

func (d *dataset) genCheckoutSessions() {
	r := d.genRNG("checkout_sessions")
	var rows []checkoutSessionRow
	before := func(t, floor int64) int64 { return max(floor, d.start, t-r.between(60, 900)) }
	for si := range d.subscriptionRows {
		s := &d.subscriptionRows[si]
		if s.status == subIncomplete || s.status == subIncompleteExpired || !r.chance(0.4) {
			continue
		}
		cs := checkoutSessionRow{created: before(s.created, d.customerRows[s.customer].created), customer: s.customer,
			subscription: int32(si), paymentIntent: -1, invoice: -1, currency: s.currency}
		if invs := d.invoicesBySubscription.of(int32(si)); len(invs) > 0 && d.invoiceRows[invs[0]].reason == reasonSubscriptionCreate {
			inv := &d.invoiceRows[invs[0]]
			cs.invoice, cs.subtotal, cs.discount = invs[0], inv.subtotal, inv.discountAmount
		}
		rows = append(rows, cs)
	}
	for pi := range d.paymentIntentRows {
		p := &d.paymentIntentRows[pi]
		if p.status != piSucceeded || p.invoice >= 0 || !r.chance(0.3) {
			continue
		}
		floor := d.start
		if p.customer >= 0 {
			floor = d.customerRows[p.customer].created
		}
		rows = append(rows, checkoutSessionRow{created: before(p.created, floor), customer: p.customer, subscription: -1,
			paymentIntent: int32(pi), invoice: -1, currency: p.currency, subtotal: p.amount})
	}
	for k := 0; k < d.scale/40; k++ {
		cs := checkoutSessionRow{created: r.between(d.start, d.end), status: sessionExpired, customer: -1,
			subscription: -1, paymentIntent: -1, invoice: -1, currency: pickCurrency(r)}
		if cs.created+sessionLifetime > d.end {
			cs.status = sessionOpen
		}
		if r.chance(0.5) {
			cs.customer = d.customerBefore(r, cs.created)
		}
		cs.subtotal = randomAmount(r, cs.currency)
		rows = append(rows, cs)
	}
	sortByCreated(rows, func(cs *checkoutSessionRow) int64 { return cs.created })
	d.sessionRows = rows
	d.checkoutSessions = d.registerTable(checkoutSessionsDef, len(rows), createdColumn(rows, func(cs *checkoutSessionRow) int64 { return cs.created }), nil)
	d.sessionsByCustomer = newRefIndex(columnOf(rows, func(cs *checkoutSessionRow) int32 { return cs.customer }), len(d.customerRows))
	d.sessionsByPaymentIntent = newRefIndex(columnOf(rows, func(cs *checkoutSessionRow) int32 { return cs.paymentIntent }), len(d.paymentIntentRows))
	d.sessionsBySubscription = newRefIndex(columnOf(rows, func(cs *checkoutSessionRow) int32 { return cs.subscription }), len(d.subscriptionRows))
}

// sessionEmail is the email a completed session collected ("" otherwise).
func (d *dataset) sessionEmail(i int32) string {
	cs := &d.sessionRows[i]
	switch {
	case cs.status != sessionComplete:
		return ""
	case cs.customer >= 0:
		return d.customerRows[cs.customer].email
	}
	r := d.rowRNG(d.checkoutSessions, i, "guest")
	return emailLocal(pick(r, firstNames), pick(r, lastNames)) + ".guest@example.com"
}

func renderCheckoutSession(d *dataset, obj map[string]any, i int32) {
	cs := &d.sessionRows[i]
	id := d.checkoutSessions.ids[i]
	complete := cs.status == sessionComplete
	obj["allow_promotion_codes"] = cs.subscription >= 0
	obj["amount_subtotal"] = cs.subtotal
	obj["amount_total"] = cs.subtotal - cs.discount
	obj["currency"] = cs.currency.String()
	obj["customer"] = d.customers.ref(cs.customer)
	obj["customer_creation"] = "if_required"
	obj["customer_details"] = nil
	if complete {
		details := fixtureObject(d, "checkout.session", "customer_details")
		details["address"], details["phone"], details["tax_ids"] = nil, nil, []any{}
		details["email"] = nullableString(d.sessionEmail(i))
		details["name"] = nil
		if cs.customer >= 0 {
			details["name"] = nullableString(d.customerRows[cs.customer].name())
		}
		details["tax_exempt"] = "none"
		obj["customer_details"] = details
	}
	obj["customer_email"] = nil
	obj["expires_at"] = cs.created + sessionLifetime
	obj["invoice"] = d.invoices.ref(cs.invoice)
	obj["invoice_creation"] = nil
	obj["line_items"] = nil
	obj["metadata"] = map[string]any{}
	obj["mode"] = "payment"
	obj["payment_status"] = "unpaid"
	if cs.subscription >= 0 {
		obj["mode"] = "subscription"
		obj["customer_creation"] = "always"
	}
	if complete {
		obj["payment_status"] = "paid"
		if cs.subtotal == 0 {
			obj["payment_status"] = "no_payment_required"
		}
	}
	obj["payment_intent"] = d.paymentIntents.ref(cs.paymentIntent)
	obj["payment_link"] = nil
	obj["status"] = cs.status.String()
	obj["subscription"] = d.subscriptions.ref(cs.subscription)
	obj["success_url"] = "https://example.com/success"
	obj["cancel_url"] = "https://example.com/cancel"
	obj["total_details"] = map[string]any{"amount_discount": cs.discount, "amount_shipping": 0, "amount_tax": 0}
	obj["ui_mode"] = "hosted"
	obj["url"] = nil
	if cs.status == sessionOpen {
		obj["url"] = "https://checkout.stripe.com/c/pay/" + id
	}
}
