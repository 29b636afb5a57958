package fakestripe

// Payment intents: one per invoice with payment attempts (all its charges
// point to it), one per standalone charge but for a tenth of legacy
// charges made without one, and abandoned ones that never got a charge.

type piStatus uint8

const (
	piSucceeded piStatus = iota
	piRequiresCapture
	piProcessing
	piRequiresPaymentMethod
	piCanceled
)

func (s piStatus) String() string {
	return [...]string{"succeeded", "requires_capture", "processing", "requires_payment_method", "canceled"}[s]
}

type paymentIntentRow struct {
	created      int64
	customer     int32 // -1: a guest
	invoice      int32 // -1: not an invoice's
	charge       int32 // the one charge of a standalone intent, else -1
	currency     currencyID
	amount       int64
	status       piStatus
	latestCharge int32 // -1: none
	canceledAt   int64 // 0 = null
}

var paymentIntentsDef = &resourceDef{
	name: "payment_intents", object: "payment_intent", prefix: "pi",
	listPath: "/v1/payment_intents", retrieve: true,
	filters: []filterDef{
		createdFilter(),
		refFilter("customer", "customers", func(d *dataset) refIndex { return d.paymentIntentsByCustomer }),
	},
	expandable: []string{"application", "customer", "invoice", "latest_charge", "on_behalf_of", "payment_method", "review"},
	render:     renderPaymentIntent,
}

// genPaymentIntents runs after charges and links them to their intents.
func (d *dataset) genPaymentIntents() {
	r := d.genRNG("payment_intents")
	var rows []paymentIntentRow
	for ii := range d.invoiceRows {
		inv := &d.invoiceRows[ii]
		if charges := d.chargesByInvoice.of(int32(ii)); len(charges) > 0 {
			rows = append(rows, paymentIntentRow{created: inv.finalizedAt, customer: inv.customer, invoice: int32(ii), charge: -1,
				currency: inv.currency, amount: inv.total})
		}
	}
	for ci, c := range d.chargeRows {
		if c.invoice < 0 && !r.chance(0.1) {
			rows = append(rows, paymentIntentRow{created: c.created, customer: c.customer, invoice: -1, charge: int32(ci),
				currency: c.currency, amount: c.amount})
		}
	}
	for k := 0; k < d.scale/50; k++ {
		pi := paymentIntentRow{created: r.between(d.start, d.end), customer: -1, invoice: -1, charge: -1, latestCharge: -1,
			status: piRequiresPaymentMethod, currency: pickCurrency(r)}
		if r.chance(0.7) {
			pi.customer = d.customerBefore(r, pi.created)
		}
		pi.amount = randomAmount(r, pi.currency)
		if pi.created < d.end-day && r.chance(0.6) {
			pi.status, pi.canceledAt = piCanceled, pi.created+r.between(hour, day)
		}
		rows = append(rows, pi)
	}
	sortByCreated(rows, func(pi *paymentIntentRow) int64 { return pi.created })
	for i := range rows {
		pi := &rows[i]
		charges := []int32{pi.charge}
		if pi.invoice >= 0 {
			charges = d.chargesByInvoice.of(pi.invoice)
			d.invoiceRows[pi.invoice].paymentIntent = int32(i)
		} else if pi.charge < 0 {
			continue
		}
		for _, ch := range charges {
			d.chargeRows[ch].paymentIntent = int32(i)
		}
		pi.latestCharge = charges[len(charges)-1]
		pi.status = d.intentStatus(pi, charges)
	}
	d.paymentIntentRows = rows
	d.paymentIntents = d.registerTable(paymentIntentsDef, len(rows), createdColumn(rows, func(pi *paymentIntentRow) int64 { return pi.created }), nil)
	d.paymentIntentsByCustomer = newRefIndex(columnOf(rows, func(pi *paymentIntentRow) int32 { return pi.customer }), len(d.customerRows))
	d.chargesByPaymentIntent = newRefIndex(columnOf(d.chargeRows, func(c *chargeRow) int32 { return c.paymentIntent }), len(rows))
}

// intentStatus derives an intent's status from its charges (and invoice).
func (d *dataset) intentStatus(pi *paymentIntentRow, charges []int32) piStatus {
	status := piRequiresPaymentMethod
	for _, ch := range charges {
		switch c := &d.chargeRows[ch]; {
		case c.status == chargeSucceeded && c.captured:
			return piSucceeded
		case c.status == chargeSucceeded:
			status = piRequiresCapture
		case c.status == chargePending && status == piRequiresPaymentMethod:
			status = piProcessing
		}
	}
	if pi.invoice >= 0 && d.invoiceRows[pi.invoice].status == invVoid && status == piRequiresPaymentMethod {
		pi.canceledAt = d.invoiceRows[pi.invoice].voidedAt
		return piCanceled
	}
	return status
}

func renderPaymentIntent(d *dataset, obj map[string]any, i int32) {
	pi := &d.paymentIntentRows[i]
	id := d.paymentIntents.ids[i]
	obj["amount"] = pi.amount
	obj["amount_capturable"] = int64(0)
	if pi.status == piRequiresCapture {
		obj["amount_capturable"] = pi.amount
	}
	obj["amount_received"] = int64(0)
	if pi.status == piSucceeded {
		obj["amount_received"] = pi.amount
	}
	obj["application"] = nil
	obj["application_fee_amount"] = nil
	obj["automatic_payment_methods"] = nil
	obj["canceled_at"] = nullableTime(pi.canceledAt)
	obj["cancellation_reason"] = nil
	if pi.status == piCanceled {
		obj["cancellation_reason"] = "abandoned"
		if pi.invoice >= 0 {
			obj["cancellation_reason"] = "void_invoice"
		}
	}
	obj["capture_method"] = "automatic"
	if pi.status == piRequiresCapture {
		obj["capture_method"] = "manual"
	}
	obj["client_secret"] = id + "_secret_" + randomChars(d.rowRNG(d.paymentIntents, i, "secret"), 25)
	obj["confirmation_method"] = "automatic"
	obj["currency"] = pi.currency.String()
	obj["customer"] = d.customers.ref(pi.customer)
	obj["description"] = nil
	obj["invoice"] = d.invoices.ref(pi.invoice)
	obj["last_payment_error"] = nil
	obj["latest_charge"] = d.charges.ref(pi.latestCharge)
	obj["metadata"] = map[string]any{}
	if pi.latestCharge >= 0 && d.chargeRows[pi.latestCharge].invoice < 0 {
		// A standalone payment's order_id: Stripe copies a payment
		// intent's metadata to the charges it creates, so both carry it.
		obj["metadata"] = d.generatedMetadata(d.charges, pi.latestCharge)
	}
	obj["next_action"] = nil
	obj["on_behalf_of"] = nil
	obj["payment_method"] = nil
	obj["transfer_group"] = nil
	if pi.latestCharge >= 0 {
		c := &d.chargeRows[pi.latestCharge]
		obj["description"] = nullableString(d.chargeDescription(pi.latestCharge))
		obj["payment_method"] = d.chargePaymentMethod(pi.latestCharge)
		obj["transfer_group"] = nullableString(transferGroup(c.transferGroup))
		if c.status == chargeFailed && pi.status != piSucceeded {
			f := d.chargeFailure(pi.latestCharge)
			obj["last_payment_error"] = map[string]any{"type": "card_error", "code": f.code, "decline_code": "generic_decline",
				"message": f.message, "charge": d.charges.ids[pi.latestCharge]}
		}
	}
	obj["payment_method_configuration_details"] = nil
	obj["payment_method_options"] = map[string]any{}
	obj["payment_method_types"] = []any{"card"}
	obj["processing"] = nil
	obj["receipt_email"] = nil
	obj["review"] = nil
	obj["setup_future_usage"] = nil
	obj["shipping"] = nil
	obj["statement_descriptor"] = nil
	obj["statement_descriptor_suffix"] = nil
	obj["status"] = pi.status.String()
	obj["transfer_data"] = nil
}
