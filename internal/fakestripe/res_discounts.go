package fakestripe

// Discounts: a coupon applied to a subscription (from its creation, often
// through a promotion code) or, recently, to a customer. They have no
// endpoint of their own: customers, subscriptions and invoices embed them,
// and subscription invoices are reduced by them.

type discountRow struct {
	coupon       int32
	promo        int32 // -1: applied without a promotion code
	customer     int32
	subscription int32 // -1: a customer discount
	start, end   int64 // end 0 = null (once, forever)
}

var discountsDef = &resourceDef{
	name: "discounts", object: "discount", prefix: "di",
	expandable: []string{"customer", "promotion_code"},
	render:     renderDiscount,
}

// applyDiscount starts a discount for customer (and sub, or -1) at t with
// a coupon drawn among those redeemable then, and returns its row, or -1
// when none is.
func (d *dataset) applyDiscount(r *rng, customer, sub int32, t int64, cur currencyID) int32 {
	var eligible []int32
	for ci := range d.couponRows {
		if d.couponRows[ci].redeemable(t, cur) {
			eligible = append(eligible, int32(ci))
		}
	}
	if len(eligible) == 0 {
		return -1
	}
	coupon := pick(r, eligible)
	c := &d.couponRows[coupon]
	disc := discountRow{coupon: coupon, promo: -1, customer: customer, subscription: sub, start: t}
	if c.duration == durationRepeating {
		disc.end = addInterval(t, monthly, int(c.months))
	}
	if r.chance(0.5) {
		if disc.promo = d.redeemableCode(coupon, customer, t); disc.promo >= 0 {
			d.promoRows[disc.promo].timesRedeemed++
		}
	}
	c.timesRedeemed++
	d.discountRows = append(d.discountRows, disc)
	return int32(len(d.discountRows) - 1)
}

// appliesAt reports whether discount k reduces an invoice created at t; a
// once coupon reduces only the invoice issued when it was applied.
func (d *dataset) discountAppliesAt(k int32, t int64) bool {
	if k < 0 {
		return false
	}
	disc := &d.discountRows[k]
	switch d.couponRows[disc.coupon].duration {
	case durationOnce:
		return t == disc.start
	case durationRepeating:
		return disc.start <= t && t < disc.end
	}
	return disc.start <= t
}

// discountCurrent reports whether discount k is still in force "now"
// (objects show only their current discount).
func (d *dataset) discountCurrent(k int32) bool {
	if k < 0 {
		return false
	}
	disc := &d.discountRows[k]
	switch d.couponRows[disc.coupon].duration {
	case durationOnce:
		return disc.subscription < 0 // a customer's once coupon waits for the next invoice
	case durationRepeating:
		return disc.end > d.end
	}
	return true
}

// genCustomerDiscounts gives a few customers a coupon in the last weeks,
// after their last invoice (so that no past invoice should have been
// reduced; their upcoming invoice is), then registers every discount.
func (d *dataset) genCustomerDiscounts() {
	r := d.genRNG("customer_discounts")
	for ci := range d.customerRows {
		c := &d.customerRows[ci]
		c.discount = -1
		if !r.chance(0.04) {
			continue
		}
		t := max(c.created, d.end-20*day)
		if invs := d.invoicesByCustomer.of(int32(ci)); len(invs) > 0 {
			t = max(t, d.invoiceRows[invs[len(invs)-1]].created+1)
		}
		if t = t + r.between(0, 5*day); t > d.end {
			continue
		}
		c.discount = d.applyDiscount(r, int32(ci), -1, t, c.currency)
	}
	d.discounts = d.registerTable(discountsDef, len(d.discountRows), nil, nil)
}

func renderDiscount(d *dataset, obj map[string]any, i int32) {
	disc := &d.discountRows[i]
	obj["checkout_session"] = nil
	obj["coupon"] = d.render(d.coupons, disc.coupon)
	obj["customer"] = d.customers.ids[disc.customer]
	obj["end"] = nullableTime(disc.end)
	obj["invoice"] = nil
	obj["invoice_item"] = nil
	obj["promotion_code"] = d.promotionCodes.ref(disc.promo)
	obj["start"] = disc.start
	obj["subscription"] = d.subscriptions.ref(disc.subscription)
}

// discountObject renders discount k, or null for -1.
func (d *dataset) discountObject(k int32) any {
	if k < 0 {
		return nil
	}
	return d.render(d.discounts, k)
}
