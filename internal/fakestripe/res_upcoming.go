package fakestripe

import "net/http"

// Upcoming invoices (GET /v1/invoices/upcoming?customer=…): the preview of
// the next invoice of a customer's subscription that is still billing
// (active, trialing or past due, not set to cancel), with the customer's
// pending invoice items and the discount in force. It has no id, as
// Stripe's has none; a customer without such a subscription gets Stripe's
// invoice_upcoming_none error.

// upcomingParams are the parameters the fake's preview honours, besides
// expand.
var upcomingParams = []string{"customer", "subscription"}

func (d *dataset) upcomingInvoice(params map[string]*param) (map[string]any, *apiError) {
	if _, err := singleParams(params, upcomingParams); err != nil {
		return nil, err // an unknown parameter, before looking anything up
	}
	customer, sub := int32(-1), int32(-1)
	if p, ok := params["subscription"]; ok {
		id, err := p.scalar("string")
		if err != nil {
			return nil, err
		}
		row, found := d.subscriptions.lookup(id)
		if !found {
			return nil, noSuchObject(http.StatusBadRequest, "subscription", id, "subscription")
		}
		sub, customer = row, d.subscriptionRows[row].customer
	}
	if p, ok := params["customer"]; ok {
		id, err := p.scalar("string")
		if err != nil {
			return nil, err
		}
		row, found := d.customers.lookup(id)
		if !found {
			return nil, noSuchObject(http.StatusBadRequest, "customer", id, "customer")
		}
		if sub >= 0 && row != customer {
			return nil, badParam("subscription", "The subscription %s does not belong to the customer %s.", d.subscriptions.ids[sub], id)
		}
		customer = row
	}
	if customer < 0 {
		return nil, missingParam("customer")
	}
	if sub < 0 {
		sub = d.nextBillingSubscription(customer)
	}
	if sub < 0 || !d.subscriptionRows[sub].billsAgain() {
		return nil, &apiError{status: http.StatusNotFound, Type: "invalid_request_error", Code: "invoice_upcoming_none",
			DocURL:  "https://stripe.com/docs/error-codes/invoice-upcoming-none",
			Message: "No upcoming invoices for customer: " + d.customers.ids[customer]}
	}
	return d.single(params, upcomingParams, func() map[string]any { return d.renderUpcoming(customer, sub) })
}

// billsAgain: the subscription will issue another invoice.
func (s *subscriptionRow) billsAgain() bool {
	return (s.status == subActive || s.status == subTrialing || s.status == subPastDue) && !s.cancelAtPeriodEnd
}

// nextBillingSubscription is the customer's subscription that bills next,
// or -1.
func (d *dataset) nextBillingSubscription(customer int32) int32 {
	best := int32(-1)
	for _, si := range d.subscriptionsByCustomer.of(customer) {
		s := &d.subscriptionRows[si]
		if s.billsAgain() && (best < 0 || s.periodEnd < d.subscriptionRows[best].periodEnd) {
			best = si
		}
	}
	return best
}

// upcomingDiscount is the discount the next invoice gets: the
// subscription's if in force then, else the customer's.
func (d *dataset) upcomingDiscount(customer, sub int32, t int64) int32 {
	s := &d.subscriptionRows[sub]
	if d.discountAppliesAt(s.discount, t) {
		return s.discount
	}
	if k := d.customerRows[customer].discount; k >= 0 {
		disc := &d.discountRows[k]
		if disc.start <= t && (disc.end == 0 || t < disc.end) {
			return k
		}
	}
	return -1
}

func (d *dataset) renderUpcoming(customer, sub int32) map[string]any {
	s := &d.subscriptionRows[sub]
	c := &d.customerRows[customer]
	next := addInterval(s.created, s.interval, int(s.periods)+1)
	if s.status == subTrialing {
		next = addInterval(s.periodEnd, s.interval, 1)
	}
	inv := invoiceRow{created: s.periodEnd, customer: customer, subscription: sub, currency: s.currency, status: invDraft,
		sendInvoice: s.sendInvoice, automaticTax: s.automaticTax, reason: reasonSubscriptionCycle,
		periodStart: s.periodStart, periodEnd: s.periodEnd, linePeriodStart: s.periodEnd, linePeriodEnd: next,
		charge: -1, paymentIntent: -1, discount: d.upcomingDiscount(customer, sub, s.periodEnd)}
	if inv.sendInvoice {
		inv.dueDate = inv.created + 30*day
	}
	var views []lineView
	for _, item := range d.subscriptionItems.byParent.of(sub) {
		it := &d.subItemRows[item]
		views = append(views, lineView{price: it.price, quantity: it.quantity, amount: d.priceRows[it.price].unitAmount * int64(it.quantity),
			periodStart: inv.linePeriodStart, periodEnd: inv.linePeriodEnd, subscription: sub, subItem: item, invoiceItem: -1})
	}
	for _, k := range d.pendingItems(customer) {
		x := &d.invoiceItemRows[k]
		views = append(views, lineView{price: x.price, quantity: x.quantity, amount: x.amount,
			periodStart: x.created, periodEnd: x.created, subscription: -1, subItem: -1, invoiceItem: k})
	}
	amounts := make([]int64, len(views))
	for k := range views {
		views[k].currency, views[k].discount = inv.currency, inv.discount
		amounts[k] = views[k].amount
		inv.subtotal += amounts[k]
	}
	if inv.discount >= 0 {
		for k, a := range d.couponRows[d.discountRows[inv.discount].coupon].shares(amounts, inv.currency) {
			views[k].discountAmount = a
			inv.discountAmount += a
		}
	}
	inv.total = inv.subtotal - inv.discountAmount

	obj := deepCopy(d.fixtures["invoice"]).(map[string]any)
	delete(obj, "id") // a preview has no id
	obj["object"] = "invoice"
	obj["livemode"] = false
	obj["created"] = inv.created
	d.fillInvoice(obj, &inv)
	// The customer's credit balance pays for part of it.
	obj["starting_balance"] = c.balance
	obj["amount_due"] = max(0, inv.total+c.balance)
	obj["amount_remaining"] = obj["amount_due"]
	obj["description"] = nil
	obj["hosted_invoice_url"], obj["invoice_pdf"], obj["number"] = nil, nil, nil
	obj["next_payment_attempt"] = nil
	if !inv.sendInvoice {
		obj["next_payment_attempt"] = inv.created + hour
	}
	obj["webhooks_delivered_at"] = nil
	lines := make([]any, len(views))
	r := d.rowRNG(d.customers, customer, "upcoming_lines")
	for k, v := range views {
		line := deepCopy(d.fixtures["line_item"]).(map[string]any)
		line["id"] = "il_tmp_" + randomChars(r, idLength)
		line["object"] = "line_item"
		line["livemode"] = false
		d.fillLine(line, v)
		lines[k] = line
	}
	obj["lines"] = map[string]any{"object": "list", "data": lines, "has_more": false,
		"url": "/v1/invoices/upcoming/lines?customer=" + d.customers.ids[customer]}
	return obj
}
