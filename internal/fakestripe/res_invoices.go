package fakestripe

import "fmt"

type invoiceStatus uint8

const (
	invDraft invoiceStatus = iota
	invOpen
	invPaid
	invVoid
	invUncollectible
)

var invoiceStatusNames = []string{"draft", "open", "paid", "void", "uncollectible"}

func (s invoiceStatus) String() string { return invoiceStatusNames[s] }

type billingReason uint8

const (
	reasonManual billingReason = iota
	reasonSubscriptionCreate
	reasonSubscriptionCycle
)

func (b billingReason) String() string {
	return [...]string{"manual", "subscription_create", "subscription_cycle"}[b]
}

// maxInvoicesPerSubscription bounds how many of a subscription's billing
// periods have an invoice (the most recent ones), which keeps the number
// of invoices proportional to the scale.
const maxInvoicesPerSubscription = 6

// maxOneOffLines is the most lines of an invoice outside subscriptions.
const maxOneOffLines = 3

type invoiceLineSpec struct {
	price    int32
	quantity int32
}

type invoiceRow struct {
	created      int64
	customer     int32
	subscription int32 // -1 for one-off invoices
	currency     currencyID
	status       invoiceStatus
	sendInvoice  bool
	automaticTax bool
	reason       billingReason
	trial        bool // the $0 invoice opening a trial
	// periodStart/End are the invoice's period_*; linePeriodStart/End the
	// period its subscription lines bill.
	periodStart, periodEnd         int64
	linePeriodStart, linePeriodEnd int64
	dueDate, finalizedAt, paidAt   int64 // 0 = null
	voidedAt, uncollectibleAt      int64
	subtotal                       int64 // the lines' sum
	total                          int64 // subtotal less the discount
	discount                       int32 // -1: none
	discountAmount                 int64
	creditNoted                    int64 // issued credit notes' sum
	creditNotes                    int32 // credit notes issued so far
	charge                         int32 // the successful payment, or -1
	paymentIntent                  int32 // -1: none (no payment attempt)
	attempts                       int32 // payment attempts (charges)
	paidOutOfBand                  bool
	number                         int32 // 0 = none yet (draft)
	oneOffLines                    [maxOneOffLines]invoiceLineSpec
	oneOffCount                    uint8
}

var invoicesDef = &resourceDef{
	name: "invoices", object: "invoice", prefix: "in",
	listPath: "/v1/invoices", retrieve: true,
	filters: []filterDef{
		enumFilter("collection_method", collectionMethods, func(d *dataset, i int32) string {
			return collectionMethod(d.invoiceRows[i].sendInvoice)
		}),
		createdFilter(),
		refFilter("customer", "customers", func(d *dataset) refIndex { return d.invoicesByCustomer }),
		rangeFilter("due_date", func(d *dataset, i int32) (int64, bool) {
			due := d.invoiceRows[i].dueDate
			return due, due != 0
		}),
		enumFilter("status", invoiceStatusNames, func(d *dataset, i int32) string { return d.invoiceRows[i].status.String() }),
		refFilter("subscription", "subscriptions", func(d *dataset) refIndex { return d.invoicesBySubscription }),
	},
	expandable: []string{"application", "charge", "customer", "default_payment_method", "default_source",
		"latest_revision", "on_behalf_of", "payment_intent", "quote", "subscription", "test_clock"},
	render: renderInvoice,
}

func (d *dataset) genInvoices() {
	r := d.genRNG("invoices")
	var rows []invoiceRow
	for si := range d.subscriptionRows {
		rows = d.appendSubscriptionInvoices(r, rows, int32(si))
	}
	var goods []int32
	for pi, p := range d.productRows {
		if !p.plan {
			goods = append(goods, int32(pi))
		}
	}
	for j := 0; j < d.scale/20; j++ {
		rows = append(rows, d.oneOffInvoice(r, goods))
	}
	sortByCreated(rows, func(inv *invoiceRow) int64 { return inv.created })
	injectTies(r, len(rows), func(i int) *int64 { return &rows[i].created }, func(i int) int64 {
		inv := &rows[i]
		if inv.subscription >= 0 {
			return inv.created // billed at the period boundary, exactly
		}
		floor := d.customerRows[inv.customer].created
		for k := 0; k < int(inv.oneOffCount); k++ {
			floor = max(floor, d.priceRows[inv.oneOffLines[k].price].created)
		}
		return floor
	})
	for i := range rows {
		inv := &rows[i]
		c := &d.customerRows[inv.customer]
		c.billed = true
		if inv.status != invDraft {
			c.invoiceNumber++
			inv.number = c.invoiceNumber
		}
	}
	d.invoiceRows = rows
	d.invoices = d.registerTable(invoicesDef, len(rows), createdColumn(rows, func(inv *invoiceRow) int64 { return inv.created }), nil)
	d.invoicesByCustomer = newRefIndex(columnOf(rows, func(inv *invoiceRow) int32 { return inv.customer }), len(d.customerRows))
	d.invoicesBySubscription = newRefIndex(columnOf(rows, func(inv *invoiceRow) int32 { return inv.subscription }), len(d.subscriptionRows))
	d.genLineItems()
	d.genInvoiceItems()
}

// appendSubscriptionInvoices bills the last periods of subscription si.
func (d *dataset) appendSubscriptionInvoices(r *rng, rows []invoiceRow, si int32) []invoiceRow {
	s := &d.subscriptionRows[si]
	for k := max(0, int(s.periods)-maxInvoicesPerSubscription); k < int(s.periods); k++ {
		inv := invoiceRow{
			created: addInterval(s.created, s.interval, k), customer: s.customer, subscription: si,
			currency: s.currency, sendInvoice: s.sendInvoice, automaticTax: s.automaticTax,
			reason: reasonSubscriptionCycle, charge: -1, status: invPaid, discount: -1, paymentIntent: -1,
		}
		inv.periodStart, inv.periodEnd = addInterval(s.created, s.interval, k-1), inv.created
		inv.linePeriodStart, inv.linePeriodEnd = inv.created, addInterval(s.created, s.interval, k+1)
		if k == 0 {
			inv.reason, inv.periodStart = reasonSubscriptionCreate, inv.created
		}
		if s.status == subTrialing {
			inv.trial, inv.linePeriodEnd = true, s.trialEnd
		}
		last := k == int(s.periods)-1
		switch {
		case inv.trial:
		case last && (s.status == subPastDue || s.status == subUnpaid || s.status == subIncomplete):
			inv.status = invOpen
		case last && s.status == subIncompleteExpired:
			inv.status = invVoid
		case last && s.status == subCanceled && s.paymentFailed:
			inv.status = invUncollectible
		case r.chance(0.01):
			inv.status = invVoid
		}
		if !inv.trial {
			amounts := make([]int64, s.items)
			for k := range amounts {
				amounts[k] = d.priceRows[s.itemPrices[k]].unitAmount * int64(s.itemQuantities[k])
				inv.subtotal += amounts[k]
			}
			inv.total = inv.subtotal
			if d.discountAppliesAt(s.discount, inv.created) {
				inv.discount = s.discount
				for _, a := range d.couponRows[d.discountRows[s.discount].coupon].shares(amounts, s.currency) {
					inv.discountAmount += a
				}
				inv.total -= inv.discountAmount
			}
		}
		d.setInvoiceTimes(r, &inv)
		rows = append(rows, inv)
	}
	return rows
}

// oneOffInvoice bills one to three goods outside any subscription.
func (d *dataset) oneOffInvoice(r *rng, goods []int32) invoiceRow {
	inv := invoiceRow{subscription: -1, charge: -1, reason: reasonManual, discount: -1, paymentIntent: -1}
	t := r.between(d.start, d.end)
	inv.customer = d.customerBefore(r, t)
	if inv.customer < 0 {
		inv.customer = 0
		t = max(t, d.customerRows[0].created)
	}
	inv.currency = d.customerRows[inv.customer].currency
	inv.sendInvoice = r.chance(0.5)
	inv.automaticTax = r.chance(0.1)
	inv.oneOffCount = uint8(1 + r.intn(maxOneOffLines))
	for k := 0; k < int(inv.oneOffCount); k++ {
		price := d.priceByKey[priceKey{pick(r, goods), inv.currency, false, monthly}]
		line := invoiceLineSpec{price: price, quantity: int32(r.between(1, 3))}
		inv.oneOffLines[k] = line
		inv.subtotal += d.priceRows[price].unitAmount * int64(line.quantity)
		inv.total = inv.subtotal
		t = max(t, d.priceRows[price].created)
	}
	inv.created = t
	inv.periodStart, inv.periodEnd = t, t
	inv.linePeriodStart, inv.linePeriodEnd = t, t
	inv.status = pickWeighted(r, []weighted[invoiceStatus]{{invDraft, 10}, {invOpen, 15}, {invPaid, 60}, {invVoid, 10}, {invUncollectible, 5}})
	d.setInvoiceTimes(r, &inv)
	return inv
}

// setInvoiceTimes sets the due date and status transition times; an
// invoice that would be paid after "now" is still open.
func (d *dataset) setInvoiceTimes(r *rng, inv *invoiceRow) {
	if inv.sendInvoice {
		inv.dueDate = inv.created + 30*day
	}
	if inv.status == invDraft {
		return
	}
	inv.finalizedAt = inv.created
	if inv.reason == reasonSubscriptionCycle {
		inv.finalizedAt = min(d.end, inv.created+hour) // Stripe waits an hour before finalizing renewals
	}
	switch inv.status {
	case invPaid:
		switch {
		case inv.total == 0:
			inv.paidAt = inv.finalizedAt
		case inv.sendInvoice:
			inv.paidAt = inv.finalizedAt + r.between(hour, 25*day)
		default:
			inv.paidAt = inv.finalizedAt + r.between(1, 120)
		}
		if inv.paidAt > d.end {
			inv.status, inv.paidAt = invOpen, 0
		}
	case invVoid:
		inv.voidedAt = min(d.end, inv.finalizedAt+r.between(day, 10*day))
	case invUncollectible:
		inv.uncollectibleAt = min(d.end, inv.finalizedAt+r.between(7*day, 30*day))
	}
}

// embeddedListLimit is how many children an embedded list (invoice.lines,
// charge.refunds) shows, as Stripe does.
const embeddedListLimit = 10

// embeddedList renders the first children of a parent as Stripe's nested
// list object.
func (d *dataset) embeddedList(t *table, rows []int32, url string) map[string]any {
	n := min(len(rows), embeddedListLimit)
	data := make([]any, n)
	for k := 0; k < n; k++ {
		data[k] = d.render(t, rows[k])
	}
	return map[string]any{"object": "list", "data": data, "has_more": len(rows) > n, "url": url}
}

func (d *dataset) invoiceNumber(i int32) any {
	inv := &d.invoiceRows[i]
	if inv.number == 0 {
		return nil
	}
	return fmt.Sprintf("%s-%04d", d.invoicePrefix(inv.customer), inv.number)
}

func renderInvoice(d *dataset, obj map[string]any, i int32) {
	inv := &d.invoiceRows[i]
	id := d.invoices.ids[i]
	d.fillInvoice(obj, inv)
	obj["description"] = nil
	if inv.subscription < 0 && d.rowRNG(d.invoices, i, "memo").chance(0.5) {
		obj["description"] = "Thanks for your business!"
	}
	obj["hosted_invoice_url"] = nil
	obj["invoice_pdf"] = nil
	if inv.status != invDraft {
		page := "https://invoice.stripe.com/i/acct_fakestripesql/test_" + randomChars(d.rowRNG(d.invoices, i, "url"), 40)
		obj["hosted_invoice_url"] = page
		obj["invoice_pdf"] = page + "/pdf"
	}
	obj["lines"] = d.embeddedList(d.lineItems, d.lineItems.byParent.of(i), "/v1/invoices/"+id+"/lines")
	obj["number"] = d.invoiceNumber(i)
}

// fillInvoice patches an invoice fixture copy with the fields that follow
// from the row alone (invoices and upcoming invoices share it).
func (d *dataset) fillInvoice(obj map[string]any, inv *invoiceRow) {
	c := &d.customerRows[inv.customer]
	paid := inv.status == invPaid
	var amountPaid, remaining int64
	switch inv.status {
	case invPaid:
		amountPaid = inv.total
	case invDraft, invOpen, invUncollectible:
		remaining = inv.total
	}
	obj["account_country"] = "US"
	obj["account_name"] = "StripeSQL Demo"
	obj["account_tax_ids"] = nil
	obj["amount_due"] = inv.total
	obj["amount_paid"] = amountPaid
	obj["amount_remaining"] = remaining
	obj["amount_shipping"] = 0
	obj["application"] = nil
	obj["application_fee_amount"] = nil
	obj["attempt_count"] = inv.attempts
	obj["attempted"] = inv.attempts > 0 || paid
	obj["auto_advance"] = !inv.sendInvoice && (inv.status == invDraft || inv.status == invOpen)
	tax := fixtureObject(d, "invoice", "automatic_tax")
	tax["enabled"], tax["status"] = inv.automaticTax, nil
	if inv.automaticTax && inv.status != invDraft {
		tax["status"] = "complete"
	}
	obj["automatic_tax"] = tax
	obj["billing_reason"] = inv.reason.String()
	obj["charge"] = d.charges.ref(inv.charge)
	obj["collection_method"] = collectionMethod(inv.sendInvoice)
	obj["currency"] = inv.currency.String()
	obj["custom_fields"] = nil
	obj["customer"] = d.customers.ids[inv.customer]
	obj["customer_address"] = nil
	obj["customer_email"] = nullableString(c.email)
	obj["customer_name"] = nullableString(c.name())
	obj["customer_phone"] = nil
	obj["customer_shipping"] = nil
	obj["customer_tax_exempt"] = "none"
	obj["customer_tax_ids"] = []any{}
	obj["default_payment_method"] = nil
	obj["default_source"] = nil
	obj["default_tax_rates"] = []any{}
	obj["discount"] = d.discountObject(inv.discount)
	obj["discounts"] = []any{}
	obj["total_discount_amounts"] = []any{}
	if inv.discount >= 0 {
		id := d.discounts.ids[inv.discount]
		obj["discounts"] = []any{id}
		obj["total_discount_amounts"] = []any{map[string]any{"amount": inv.discountAmount, "discount": id}}
	}
	obj["due_date"] = nullableTime(inv.dueDate)
	obj["effective_at"] = nullableTime(inv.finalizedAt)
	obj["ending_balance"] = nil
	if inv.status != invDraft {
		obj["ending_balance"] = 0
	}
	obj["footer"] = nil
	obj["from_invoice"] = nil
	obj["last_finalization_error"] = nil
	obj["latest_revision"] = nil
	obj["metadata"] = map[string]any{}
	obj["next_payment_attempt"] = nil
	if inv.status == invOpen && !inv.sendInvoice {
		obj["next_payment_attempt"] = inv.finalizedAt + 3*day
	}
	obj["on_behalf_of"] = nil
	obj["paid"] = paid
	obj["paid_out_of_band"] = inv.paidOutOfBand
	obj["payment_intent"] = d.paymentIntents.ref(inv.paymentIntent)
	obj["period_end"] = inv.periodEnd
	obj["period_start"] = inv.periodStart
	obj["post_payment_credit_notes_amount"] = inv.creditNoted
	obj["pre_payment_credit_notes_amount"] = 0
	obj["quote"] = nil
	obj["receipt_number"] = nil
	obj["rendering"] = nil
	obj["shipping_cost"] = nil
	obj["shipping_details"] = nil
	obj["starting_balance"] = 0
	obj["statement_descriptor"] = nil
	obj["status"] = inv.status.String()
	transitions := fixtureObject(d, "invoice", "status_transitions")
	transitions["finalized_at"] = nullableTime(inv.finalizedAt)
	transitions["marked_uncollectible_at"] = nullableTime(inv.uncollectibleAt)
	transitions["paid_at"] = nullableTime(inv.paidAt)
	transitions["voided_at"] = nullableTime(inv.voidedAt)
	obj["status_transitions"] = transitions
	obj["subscription"] = d.subscriptions.ref(inv.subscription)
	obj["subscription_details"] = nil
	if inv.subscription >= 0 {
		obj["subscription_details"] = map[string]any{"metadata": map[string]any{}}
	}
	obj["subscription_proration_date"] = nil
	obj["subtotal"] = inv.subtotal
	obj["subtotal_excluding_tax"] = inv.subtotal
	obj["tax"] = nil
	if inv.automaticTax {
		obj["tax"] = 0
	}
	obj["test_clock"] = nil
	obj["threshold_reason"] = nil
	obj["total"] = inv.total
	obj["total_excluding_tax"] = inv.total
	obj["total_tax_amounts"] = []any{}
	obj["transfer_data"] = nil
	obj["webhooks_delivered_at"] = nullableTime(inv.finalizedAt)
}
