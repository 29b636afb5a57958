package fakestripe

import "fmt"

type chargeStatus uint8

const (
	chargeSucceeded chargeStatus = iota
	chargePending
	chargeFailed
)

func (s chargeStatus) String() string { return [...]string{"succeeded", "pending", "failed"}[s] }

type chargeRow struct {
	created        int64
	customer       int32 // -1: a guest payment
	invoice        int32 // -1: not an invoice payment
	currency       currencyID
	status         chargeStatus
	captured       bool
	amount         int64
	amountRefunded int64
	transferGroup  int32 // -1 = null
	txn            int32 // balance transaction, -1 if none
	paymentIntent  int32 // -1: a legacy charge made without one
	disputed       bool
}

var chargesDef = &resourceDef{
	name: "charges", object: "charge", prefix: "ch",
	listPath: "/v1/charges", retrieve: true,
	filters: []filterDef{
		createdFilter(),
		refFilter("customer", "customers", func(d *dataset) refIndex { return d.chargesByCustomer }),
		refFilter("payment_intent", "payment_intents", func(d *dataset) refIndex { return d.chargesByPaymentIntent }),
		eqFilter("transfer_group", func(d *dataset, i int32) string { return transferGroup(d.chargeRows[i].transferGroup) }),
	},
	expandable: []string{"application", "application_fee", "balance_transaction", "customer", "failure_balance_transaction",
		"invoice", "on_behalf_of", "payment_intent", "review", "source_transfer", "transfer"},
	render: renderCharge,
}

func transferGroup(g int32) string {
	if g < 0 {
		return ""
	}
	return fmt.Sprintf("group_%d", g)
}

// genCharges makes the invoice payments (and failed attempts) first, at
// most half the scale, then standalone payments up to the scale.
func (d *dataset) genCharges() {
	r := d.genRNG("charges")
	rows := make([]chargeRow, 0, d.scale)
	invoiceCap := d.scale / 2
	for i := range d.invoiceRows {
		inv := &d.invoiceRows[i]
		rows = d.appendInvoiceCharges(r, rows, int32(i), invoiceCap)
		if inv.status == invPaid && inv.total > 0 && inv.paidAt != 0 && !d.invoiceHasPayment(rows, int32(i)) {
			inv.paidOutOfBand = true
		}
	}
	standalone := d.scale - len(rows)
	times := uniformTimes(r, standalone, d.start, d.end)
	groups := max(1, d.scale/100)
	for _, t := range times {
		c := chargeRow{created: t, customer: -1, invoice: -1, transferGroup: -1, txn: -1, paymentIntent: -1}
		if r.chance(0.85) {
			c.customer = d.customerBefore(r, t)
		}
		c.currency = pickCurrency(r)
		if c.customer >= 0 && r.chance(0.9) {
			c.currency = d.customerRows[c.customer].currency
		}
		c.amount = randomAmount(r, c.currency)
		c.status = pickWeighted(r, []weighted[chargeStatus]{{chargeSucceeded, 92}, {chargeFailed, 5}, {chargePending, 3}})
		c.captured = c.status == chargeSucceeded && r.chance(0.97) || c.status == chargePending
		if r.chance(0.05) {
			c.transferGroup = int32(r.intn(groups))
		}
		rows = append(rows, c)
	}
	sortByCreated(rows, func(c *chargeRow) int64 { return c.created })
	injectTies(r, len(rows), func(i int) *int64 { return &rows[i].created }, func(i int) int64 {
		c := &rows[i]
		switch {
		case c.invoice >= 0:
			return c.created // paid at the invoice's paid_at, exactly
		case c.customer >= 0:
			return d.customerRows[c.customer].created
		}
		return d.start
	})
	d.chargeRows = rows
	d.charges = d.registerTable(chargesDef, len(rows), createdColumn(rows, func(c *chargeRow) int64 { return c.created }), nil)
	d.chargesByCustomer = newRefIndex(columnOf(rows, func(c *chargeRow) int32 { return c.customer }), len(d.customerRows))
	d.chargesByInvoice = newRefIndex(columnOf(rows, func(c *chargeRow) int32 { return c.invoice }), len(d.invoiceRows))
	for i := range rows {
		if c := &rows[i]; c.invoice >= 0 {
			inv := &d.invoiceRows[c.invoice]
			inv.attempts++
			if c.status == chargeSucceeded {
				inv.charge = int32(i)
			}
		}
	}
}

// appendInvoiceCharges adds the payment attempts of invoice i while fewer
// than limit charges exist: the successful payment of a paid invoice
// (sometimes after a decline), declines on open or uncollectible ones.
func (d *dataset) appendInvoiceCharges(r *rng, rows []chargeRow, i int32, limit int) []chargeRow {
	inv := &d.invoiceRows[i]
	if inv.total == 0 || inv.finalizedAt == 0 {
		return rows
	}
	attempt := func(t int64, status chargeStatus) {
		if len(rows) < limit {
			rows = append(rows, chargeRow{created: t, customer: inv.customer, invoice: i, currency: inv.currency,
				status: status, captured: status == chargeSucceeded, amount: inv.total, transferGroup: -1, txn: -1, paymentIntent: -1})
		}
	}
	autoCollected := !inv.sendInvoice
	switch inv.status {
	case invPaid:
		if inv.sendInvoice && r.chance(0.3) {
			return rows // paid by bank transfer, outside Stripe
		}
		if autoCollected && r.chance(0.05) && inv.paidAt > inv.finalizedAt {
			attempt(inv.finalizedAt, chargeFailed)
		}
		attempt(inv.paidAt, chargeSucceeded)
	case invOpen, invUncollectible:
		if autoCollected {
			attempt(min(d.end, inv.finalizedAt+r.between(1, 120)), chargeFailed)
		}
	}
	return rows
}

func (d *dataset) invoiceHasPayment(rows []chargeRow, i int32) bool {
	for k := len(rows) - 1; k >= 0 && rows[k].invoice == i; k-- {
		if rows[k].status == chargeSucceeded {
			return true
		}
	}
	return false
}

// chargeDescription is the charge's description (also its balance
// transaction's), or "" for null.
func (d *dataset) chargeDescription(i int32) string {
	c := &d.chargeRows[i]
	if c.invoice >= 0 {
		if d.invoiceRows[c.invoice].subscription >= 0 {
			return "Subscription " + map[billingReason]string{reasonSubscriptionCreate: "creation", reasonSubscriptionCycle: "update"}[d.invoiceRows[c.invoice].reason]
		}
		return "Payment for Invoice"
	}
	r := d.rowRNG(d.charges, i, "description")
	if r.chance(0.4) {
		return ""
	}
	return pick(r, chargeDescriptions)
}

type failure struct{ code, message string }

var failures = []failure{
	{"card_declined", "Your card was declined."},
	{"expired_card", "Your card has expired."},
	{"incorrect_cvc", "Your card's security code is incorrect."},
	{"processing_error", "An error occurred while processing your card. Try again in a little bit."},
}

func renderCharge(d *dataset, obj map[string]any, i int32) {
	c := &d.chargeRows[i]
	r := d.rowRNG(d.charges, i, "cosmetic")
	id := d.charges.ids[i]
	var customer *customerRow
	if c.customer >= 0 {
		customer = &d.customerRows[c.customer]
	}
	obj["amount"] = c.amount
	obj["amount_captured"] = int64(0)
	if c.captured && c.status == chargeSucceeded {
		obj["amount_captured"] = c.amount
	}
	obj["amount_refunded"] = c.amountRefunded
	obj["balance_transaction"] = d.balanceTransactions.ref(c.txn)
	billing := fixtureObject(d, "charge", "billing_details")
	billing["address"] = nil
	billing["email"], billing["name"], billing["phone"] = nil, nil, nil
	if customer != nil {
		billing["email"] = nullableString(customer.email)
		billing["name"] = nullableString(customer.name())
	} else if r.chance(0.7) {
		billing["name"] = pick(r, firstNames) + " " + pick(r, lastNames)
	}
	if r.chance(0.5) {
		billing["address"] = address(r)
	}
	obj["billing_details"] = billing
	obj["calculated_statement_descriptor"] = nil
	if c.status == chargeSucceeded {
		obj["calculated_statement_descriptor"] = "STRIPESQL DEMO"
	}
	obj["captured"] = c.captured
	obj["currency"] = c.currency.String()
	obj["customer"] = d.customers.ref(c.customer)
	obj["description"] = nullableString(d.chargeDescription(i))
	obj["disputed"] = c.disputed
	obj["failure_balance_transaction"] = nil
	obj["failure_code"], obj["failure_message"] = nil, nil
	outcome := map[string]any{"network_status": "approved_by_network", "reason": nil, "risk_level": "normal",
		"risk_score": r.between(0, 64), "seller_message": "Payment complete.", "type": "authorized"}
	if c.status == chargeFailed {
		f := d.chargeFailure(i)
		obj["failure_code"], obj["failure_message"] = f.code, f.message
		outcome["network_status"], outcome["reason"], outcome["type"] = "declined_by_network", "generic_decline", "issuer_declined"
		outcome["seller_message"] = "The bank did not return any further details with this decline."
	}
	obj["outcome"] = outcome
	obj["fraud_details"] = map[string]any{}
	obj["invoice"] = d.invoices.ref(c.invoice)
	obj["metadata"] = map[string]any{}
	if c.invoice < 0 && r.chance(0.3) {
		obj["metadata"] = map[string]any{"order_id": fmt.Sprintf("order_%06d", r.intn(1000000))}
	}
	obj["on_behalf_of"] = nil
	obj["paid"] = c.status == chargeSucceeded
	obj["payment_intent"] = d.paymentIntents.ref(c.paymentIntent)
	obj["payment_method"] = d.chargePaymentMethod(i)
	obj["payment_method_details"] = d.cardDetails(r, c)
	obj["receipt_email"] = nil
	if customer != nil && r.chance(0.5) {
		obj["receipt_email"] = nullableString(customer.email)
	}
	obj["receipt_number"] = nil
	obj["receipt_url"] = "https://pay.stripe.com/receipts/payment/" + randomChars(r, 48)
	obj["refunded"] = c.amountRefunded > 0 && c.amountRefunded == c.amount
	obj["refunds"] = d.embeddedList(d.refunds, d.refundsByCharge.of(i), "/v1/charges/"+id+"/refunds")
	obj["review"] = nil
	obj["shipping"] = nil
	obj["source_transfer"] = nil
	obj["statement_descriptor"] = nil
	obj["statement_descriptor_suffix"] = nil
	obj["status"] = c.status.String()
	obj["transfer"] = nil
	obj["transfer_data"] = nil
	obj["transfer_group"] = nullableString(transferGroup(c.transferGroup))
}

// cardDetails patches the fixture's card payment_method_details.
func (d *dataset) cardDetails(r *rng, c *chargeRow) map[string]any {
	details := fixtureObject(d, "charge", "payment_method_details")
	card, _ := details["card"].(map[string]any)
	if card == nil {
		return details
	}
	brand := pickWeighted(r, cardBrands)
	card["brand"], card["network"] = brand, brand
	card["country"] = pick(r, []string{"US", "US", "US", "GB", "DE", "FR", "JP", "KW"})
	card["exp_month"] = r.between(1, 12)
	card["exp_year"] = r.between(2025, 2030)
	card["fingerprint"] = randomChars(r, 16)
	card["funding"] = pickWeighted(r, []weighted[string]{{"credit", 70}, {"debit", 25}, {"prepaid", 5}})
	card["last4"] = fmt.Sprintf("%04d", r.intn(10000))
	if over, ok := card["overcapture"].(map[string]any); ok {
		over["maximum_amount_capturable"] = c.amount
	}
	if checks, ok := card["checks"].(map[string]any); ok {
		checks["cvc_check"] = "pass"
		if c.status == chargeFailed && r.chance(0.5) {
			checks["cvc_check"] = "fail"
		}
	}
	return details
}

// chargeFailure is why failed charge i was declined.
func (d *dataset) chargeFailure(i int32) failure {
	return pick(d.rowRNG(d.charges, i, "failure"), failures)
}

// chargePaymentMethod is the id of the card charge i was made with.
func (d *dataset) chargePaymentMethod(i int32) string { return makeID(d.seed, "pm", int(i), 0) }
