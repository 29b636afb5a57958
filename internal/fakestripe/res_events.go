package fakestripe

import "strings"

// Events: what happened in the last 30 days before "now", the retention of
// Stripe's events API. A generated event's data.object is the object as it
// is now (the fake keeps no history of earlier states); an event of a
// change (changes.go) carries the object as of the change.

// eventRetention is how far back Stripe keeps events.
const eventRetention = 30 * day

type eventKind uint8

// eventKinds are the event types the fake emits, with the resource whose
// object the event carries and whether Stripe emits it on its own (no API
// request behind it).
var eventKinds = []struct {
	name      string
	resource  string
	automatic bool
}{
	{"customer.created", "customers", false},
	{"charge.succeeded", "charges", false},
	{"charge.failed", "charges", false},
	{"charge.pending", "charges", false},
	{"charge.refunded", "charges", false},
	{"charge.dispute.created", "disputes", true},
	{"payment_intent.created", "payment_intents", false},
	{"payment_intent.succeeded", "payment_intents", false},
	{"payment_intent.payment_failed", "payment_intents", false},
	{"payment_intent.canceled", "payment_intents", true},
	{"invoice.created", "invoices", true},
	{"invoice.finalized", "invoices", true},
	{"invoice.paid", "invoices", true},
	{"invoice.payment_failed", "invoices", true},
	{"invoice.voided", "invoices", false},
	{"customer.subscription.created", "subscriptions", false},
	{"customer.subscription.deleted", "subscriptions", false},
	{"payout.created", "payouts", true},
	{"payout.paid", "payouts", true},
	{"payout.failed", "payouts", true},
	{"checkout.session.completed", "checkout_sessions", false},
	{"checkout.session.expired", "checkout_sessions", true},
	{"credit_note.created", "credit_notes", false},
	{"invoiceitem.created", "invoice_items", false},
	{"transfer.created", "transfers", false},
	{"application_fee.created", "application_fees", true},
	{"product.created", "products", false},
	{"price.created", "prices", false},
	{"coupon.created", "coupons", false},
	{"promotion_code.created", "promotion_codes", false},
	// Emitted by API writes and test hooks (changes.go).
	{"customer.updated", "customers", false},
	{"customer.deleted", "customers", false},
	{"charge.updated", "charges", false},
	{"product.updated", "products", false},
	{"product.deleted", "products", false},
	{"price.updated", "prices", false},
	{"invoice.updated", "invoices", false},
	{"customer.subscription.updated", "subscriptions", false},
	{"coupon.updated", "coupons", false},
	{"coupon.deleted", "coupons", false},
	{"tax_rate.created", "tax_rates", false},
	{"tax_rate.updated", "tax_rates", false},
	{"invoiceitem.deleted", "invoice_items", false},
}

func eventKindOf(name string) eventKind {
	for k, e := range eventKinds {
		if e.name == name {
			return eventKind(k)
		}
	}
	panic("fakestripe: unknown event type " + name)
}

type eventRow struct {
	created int64
	kind    eventKind
	source  int32 // row of the object, in the kind's resource
	// object is the object as of a change (changes.go); nil for generated
	// events, which carry the object as it is now.
	object map[string]any
	// previous is an update's data.previous_attributes.
	previous map[string]any
}

var eventsDef = &resourceDef{
	name: "events", object: "event", prefix: "evt",
	listPath: "/v1/events", retrieve: true,
	filters: []filterDef{
		createdFilter(),
		boolFilter("delivery_success", func(d *dataset, i int32) (bool, bool) { return d.pendingWebhooks(i) == 0, true }),
		eventTypeFilter(),
		inFilter("types", func(d *dataset, i int32) string { return eventKinds[d.eventRows[i].kind].name }),
	},
	render: renderEvent,
}

// eventTypeFilter is the type parameter: an event type, or a pattern with
// * wildcards ("charge.*", "*.succeeded").
func eventTypeFilter() filterDef {
	return filterDef{name: "type", compile: func(d *dataset, _ *table, p param) (rowFilter, *apiError) {
		pattern, err := p.scalar("string")
		if err != nil {
			return rowFilter{}, err
		}
		match := make([]bool, len(eventKinds))
		for k, e := range eventKinds {
			match[k] = matchWildcard(pattern, e.name)
		}
		return matchIf(func(i int32) bool { return match[d.eventRows[i].kind] }), nil
	}}
}

// matchWildcard matches s against pattern, where * stands for any run of
// characters.
func matchWildcard(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, part := range parts[1 : len(parts)-1] {
		k := strings.Index(s, part)
		if k < 0 {
			return false
		}
		s = s[k+len(part):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// genEvents runs last: it reads every other resource.
func (d *dataset) genEvents() {
	var rows []eventRow
	since := d.end - eventRetention
	emit := func(name string, source int32, at int64) {
		if at >= since && at <= d.end && at != 0 {
			rows = append(rows, eventRow{created: at, kind: eventKindOf(name), source: source})
		}
	}
	created := func(name string, t *table) {
		for i := rowsBefore(t.created, since-1); i < t.len(); i++ {
			emit(name, int32(i), t.created[i])
		}
	}
	created("customer.created", d.customers)
	for i, c := range d.chargeRows {
		emit("charge."+c.status.String(), int32(i), c.created)
		if c.invoice >= 0 && c.status == chargeFailed {
			emit("invoice.payment_failed", c.invoice, c.created)
		}
		if pi := c.paymentIntent; pi >= 0 && c.status == chargeFailed {
			emit("payment_intent.payment_failed", pi, c.created)
		}
	}
	for _, x := range d.refundRows {
		emit("charge.refunded", x.charge, x.created)
	}
	created("charge.dispute.created", d.disputes)
	for i, pi := range d.paymentIntentRows {
		emit("payment_intent.created", int32(i), pi.created)
		if pi.status == piSucceeded {
			emit("payment_intent.succeeded", int32(i), d.chargeRows[pi.latestCharge].created)
		}
		emit("payment_intent.canceled", int32(i), pi.canceledAt)
	}
	for i, inv := range d.invoiceRows {
		emit("invoice.created", int32(i), inv.created)
		emit("invoice.finalized", int32(i), inv.finalizedAt)
		emit("invoice.paid", int32(i), inv.paidAt)
		emit("invoice.voided", int32(i), inv.voidedAt)
	}
	for i, s := range d.subscriptionRows {
		emit("customer.subscription.created", int32(i), s.created)
		if s.status == subCanceled {
			emit("customer.subscription.deleted", int32(i), s.endedAt)
		}
	}
	for i, p := range d.payoutRows {
		emit("payout.created", int32(i), p.created)
		if status := p.status(d.end); status == "paid" || status == "failed" {
			emit("payout."+status, int32(i), p.arrival)
		}
	}
	for i, cs := range d.sessionRows {
		switch cs.status {
		case sessionComplete:
			emit("checkout.session.completed", int32(i), min(d.end, cs.created+120))
		case sessionExpired:
			emit("checkout.session.expired", int32(i), cs.created+sessionLifetime)
		}
	}
	created("credit_note.created", d.creditNotes)
	created("invoiceitem.created", d.invoiceItems)
	created("transfer.created", d.transfers)
	created("application_fee.created", d.applicationFees)
	created("product.created", d.products)
	created("price.created", d.prices)
	created("coupon.created", d.coupons)
	created("promotion_code.created", d.promotionCodes)
	sortByCreated(rows, func(e *eventRow) int64 { return e.created })
	d.eventRows = rows
	d.events = d.registerTable(eventsDef, len(rows), createdColumn(rows, func(e *eventRow) int64 { return e.created }), nil)
}

// pendingWebhooks: the last day's events are still being delivered (an
// endpoint is down and Stripe retries).
func (d *dataset) pendingWebhooks(i int32) int {
	if d.eventRows[i].created > d.end-day {
		return 1
	}
	return 0
}

func renderEvent(d *dataset, obj map[string]any, i int32) {
	e := &d.eventRows[i]
	kind := eventKinds[e.kind]
	obj["account"] = nil
	obj["api_version"] = apiVersion
	data := map[string]any{}
	if e.object != nil {
		data["object"] = deepCopy(e.object)
	} else {
		data["object"] = d.render(d.tables[kind.resource], e.source)
	}
	if e.previous != nil {
		data["previous_attributes"] = deepCopy(e.previous)
	}
	obj["data"] = data
	obj["pending_webhooks"] = d.pendingWebhooks(i)
	obj["request"] = map[string]any{"id": nil, "idempotency_key": nil}
	if !kind.automatic {
		r := d.rowRNG(d.events, i, "request")
		obj["request"] = map[string]any{"id": "req_" + randomChars(r, 14), "idempotency_key": randomUUID(r)}
	}
	obj["type"] = kind.name
}

// randomUUID draws a version-4 UUID, as client libraries send for
// idempotency keys.
func randomUUID(r *rng) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 36)
	for k := 0; k < 32; k++ {
		if k == 8 || k == 12 || k == 16 || k == 20 {
			b = append(b, '-')
		}
		c := hex[r.intn(16)]
		switch k {
		case 12:
			c = '4'
		case 16:
			c = hex[8+r.intn(4)]
		}
		b = append(b, c)
	}
	return string(b)
}
