package fakestripe

import (
	"sort"
	"time"
)

type subStatus uint8

const (
	subActive subStatus = iota
	subPastDue
	subUnpaid
	subCanceled
	subIncomplete
	subIncompleteExpired
	subTrialing
	subPaused
)

var subStatusNames = [...]string{"active", "past_due", "unpaid", "canceled", "incomplete", "incomplete_expired", "trialing", "paused"}

func (s subStatus) String() string { return subStatusNames[s] }

// maxItems is the most items a generated subscription has.
const maxItems = 2

type subscriptionRow struct {
	created           int64
	customer          int32
	currency          currencyID
	status            subStatus
	sendInvoice       bool // collection_method send_invoice, else charge_automatically
	interval          interval
	automaticTax      bool
	periodStart       int64 // current period
	periodEnd         int64
	periods           int32 // billing periods so far (the current one included)
	canceledAt        int64 // 0 = null, as the other times
	endedAt           int64
	cancelAt          int64
	trialStart        int64
	trialEnd          int64
	cancelAtPeriodEnd bool
	paymentFailed     bool // canceled for failed payments
	itemPrices        [maxItems]int32
	itemQuantities    [maxItems]int32
	items             uint8
	latestInvoice     int32
	discount          int32 // -1: none
}

var subscriptionsDef = &resourceDef{
	name: "subscriptions", object: "subscription", prefix: "sub",
	listPath: "/v1/subscriptions", retrieve: true,
	filters: []filterDef{
		hashFilter("automatic_tax", subField{key: "enabled", allowed: booleans, value: func(d *dataset, i int32) string {
			return boolString(d.subscriptionRows[i].automaticTax)
		}}),
		enumFilter("collection_method", collectionMethods, func(d *dataset, i int32) string {
			return collectionMethod(d.subscriptionRows[i].sendInvoice)
		}),
		createdFilter(),
		rangeFilter("current_period_end", func(d *dataset, i int32) (int64, bool) { return d.subscriptionRows[i].periodEnd, true }),
		rangeFilter("current_period_start", func(d *dataset, i int32) (int64, bool) { return d.subscriptionRows[i].periodStart, true }),
		refFilter("customer", "customers", func(d *dataset) refIndex { return d.subscriptionsByCustomer }),
		refFilter("price", "prices", func(d *dataset) refIndex { return d.subscriptionsByPrice }),
		subscriptionStatusFilter(),
		eqFilter("test_clock", func(*dataset, int32) string { return "" }),
	},
	expandable: []string{"application", "customer", "default_payment_method", "default_source", "latest_invoice",
		"on_behalf_of", "pending_setup_intent", "schedule", "test_clock"},
	render: renderSubscription,
}

var collectionMethods = []string{"charge_automatically", "send_invoice"}

func collectionMethod(sendInvoice bool) string { return collectionMethods[boolIndex(sendInvoice)] }

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

func boolString(b bool) string { return booleans[1-boolIndex(b)] }

// subscriptionStatusFilter is Stripe's status parameter: a status, "all",
// or "ended" (canceled or incomplete_expired); without it canceled
// subscriptions are hidden.
func subscriptionStatusFilter() filterDef {
	allowed := []string{"active", "all", "canceled", "ended", "incomplete", "incomplete_expired", "past_due", "paused", "trialing", "unpaid"}
	status := func(d *dataset, i int32) subStatus { return d.subscriptionRows[i].status }
	return filterDef{
		name: "status",
		compile: func(d *dataset, _ *table, p param) (rowFilter, *apiError) {
			want, err := p.scalar("string")
			if err != nil {
				return rowFilter{}, err
			}
			if err := checkEnum("status", want, allowed); err != nil {
				return rowFilter{}, err
			}
			switch want {
			case "all":
				return rowFilter{}, nil
			case "ended":
				return matchIf(func(i int32) bool { s := status(d, i); return s == subCanceled || s == subIncompleteExpired }), nil
			}
			return matchIf(func(i int32) bool { return status(d, i).String() == want }), nil
		},
		absent: func(d *dataset) rowFilter {
			return matchIf(func(i int32) bool { return status(d, i) != subCanceled })
		},
	}
}

// addInterval returns the start of billing period k of a subscription
// anchored at t (calendar months or years, in UTC).
func addInterval(t int64, iv interval, k int) int64 {
	u := time.Unix(t, 0).UTC()
	if iv == yearly {
		return u.AddDate(k, 0, 0).Unix()
	}
	return u.AddDate(0, k, 0).Unix()
}

func (d *dataset) genSubscriptions() {
	r := d.genRNG("subscriptions")
	n := max(1, d.scale/10)
	rows := make([]subscriptionRow, n)
	var plans []int32 // plan products, by creation
	for pi, p := range d.productRows {
		if p.plan {
			plans = append(plans, int32(pi))
		}
	}
	for i := range rows {
		s := &rows[i]
		recent := r.chance(0.15) // a share starts in the last month: trials, incomplete
		s.created = r.between(d.start, d.end)
		if recent {
			s.created = r.between(d.end-30*day, d.end)
		}
		s.customer = d.customerBefore(r, s.created)
		if s.customer < 0 {
			s.customer = 0
			s.created = max(s.created, d.customerRows[0].created)
		}
		s.currency = d.customerRows[s.customer].currency
		s.sendInvoice = r.chance(0.2)
		s.automaticTax = r.chance(0.15)
		if s.currency <= 1 && r.chance(0.2) { // yearly prices exist in usd and eur
			s.interval = yearly
		}
		available := plans[:max(1, sort.Search(len(plans), func(k int) bool { return d.productRows[plans[k]].created > s.created }))]
		s.items = 1
		if r.chance(0.2) && len(available) > 1 {
			s.items = 2
		}
		first := r.intn(len(available))
		for k := 0; k < int(s.items); k++ {
			product := available[(first+k)%len(available)]
			s.itemPrices[k] = d.priceByKey[priceKey{product, s.currency, true, s.interval}]
			s.itemQuantities[k] = 1
			if r.chance(0.3) {
				s.itemQuantities[k] = int32(r.between(2, 20))
			}
			s.created = max(s.created, d.priceRows[s.itemPrices[k]].created)
		}
		if recent {
			s.status = pickWeighted(r, []weighted[subStatus]{{subTrialing, 35}, {subIncomplete, 15}, {subActive, 50}})
		} else {
			s.status = pickWeighted(r, []weighted[subStatus]{{subActive, 58}, {subPastDue, 8}, {subUnpaid, 3},
				{subCanceled, 25}, {subIncompleteExpired, 3}, {subPaused, 3}})
		}
	}
	sortByCreated(rows, func(s *subscriptionRow) int64 { return s.created })
	injectTies(r, n, func(i int) *int64 { return &rows[i].created }, func(i int) int64 {
		floor := d.customerRows[rows[i].customer].created
		for k := 0; k < int(rows[i].items); k++ {
			floor = max(floor, d.priceRows[rows[i].itemPrices[k]].created)
		}
		return floor
	})
	for i := range rows {
		d.setSubscriptionTimes(r, &rows[i])
	}
	// A share start with a coupon; drawn from their own stream so that the
	// rest of the account does not depend on the coupons.
	dr := d.genRNG("subscription_discounts")
	for i := range rows {
		rows[i].discount = -1
		if s := &rows[i]; dr.chance(0.12) {
			s.discount = d.applyDiscount(dr, s.customer, int32(i), s.created, s.currency)
		}
	}
	d.subscriptionRows = rows
	d.subscriptions = d.registerTable(subscriptionsDef, n, createdColumn(rows, func(s *subscriptionRow) int64 { return s.created }), nil)
	d.subscriptionsByCustomer = newRefIndex(columnOf(rows, func(s *subscriptionRow) int32 { return s.customer }), len(d.customerRows))
	d.subscriptionsByPrice = newMultiRefIndex(n, len(d.priceRows), func(i int, emit func(int32)) {
		s := &rows[i]
		for k := 0; k < int(s.items); k++ {
			if k == 0 || s.itemPrices[k] != s.itemPrices[0] {
				emit(s.itemPrices[k])
			}
		}
	})
	d.genSubscriptionItems()
}

// setSubscriptionTimes derives the period, trial and cancellation times
// from the status, with the account's end as "now".
func (d *dataset) setSubscriptionTimes(r *rng, s *subscriptionRow) {
	until := d.end // the last instant the subscription billed
	switch s.status {
	case subCanceled:
		s.canceledAt = r.between(min(s.created+day, d.end), d.end)
		s.endedAt = s.canceledAt
		s.paymentFailed = r.chance(0.3)
		until = s.canceledAt
	case subIncompleteExpired:
		s.endedAt = min(s.created+23*hour, d.end)
		until = s.created
	case subIncomplete:
		until = s.created
	case subTrialing:
		s.trialStart = s.created
		s.trialEnd = max(s.created+30*day, d.end+day)
		until = s.created
	}
	k := 0
	for addInterval(s.created, s.interval, k+1) <= until {
		k++
	}
	s.periods = int32(k + 1)
	s.periodStart = addInterval(s.created, s.interval, k)
	s.periodEnd = addInterval(s.created, s.interval, k+1)
	if s.status == subTrialing {
		s.periodEnd = s.trialEnd
	}
	if s.status == subActive && r.chance(0.1) {
		s.cancelAtPeriodEnd = true
		s.cancelAt = s.periodEnd
		s.canceledAt = r.between(s.periodStart, d.end)
	}
}

func renderSubscription(d *dataset, obj map[string]any, i int32) {
	s := &d.subscriptionRows[i]
	r := d.rowRNG(d.subscriptions, i, "cosmetic")
	tax := fixtureObject(d, "subscription", "automatic_tax")
	tax["enabled"] = s.automaticTax
	obj["application"] = nil
	obj["application_fee_percent"] = nil
	obj["automatic_tax"] = tax
	obj["billing_cycle_anchor"] = s.created
	obj["billing_cycle_anchor_config"] = nil
	obj["billing_thresholds"] = nil
	obj["cancel_at"] = nullableTime(s.cancelAt)
	obj["cancel_at_period_end"] = s.cancelAtPeriodEnd
	obj["canceled_at"] = nullableTime(s.canceledAt)
	details := fixtureObject(d, "subscription", "cancellation_details")
	details["comment"], details["feedback"], details["reason"] = nil, nil, nil
	switch {
	case s.status == subCanceled && s.paymentFailed:
		details["reason"] = "payment_failed"
	case s.canceledAt != 0:
		details["reason"] = "cancellation_requested"
		if r.chance(0.5) {
			details["feedback"] = pick(r, []string{"too_expensive", "missing_features", "switched_service", "unused", "other"})
		}
	}
	obj["cancellation_details"] = details
	obj["collection_method"] = collectionMethod(s.sendInvoice)
	obj["currency"] = s.currency.String()
	obj["current_period_end"] = s.periodEnd
	obj["current_period_start"] = s.periodStart
	obj["customer"] = d.customers.ids[s.customer]
	obj["days_until_due"] = nil
	if s.sendInvoice {
		obj["days_until_due"] = 30
	}
	obj["default_payment_method"] = nil
	obj["default_source"] = nil
	obj["default_tax_rates"] = []any{}
	obj["description"] = nil
	obj["discount"] = nil
	if d.discountCurrent(s.discount) {
		obj["discount"] = d.discountObject(s.discount)
	}
	obj["ended_at"] = nullableTime(s.endedAt)
	items := d.subscriptionItems.byParent.of(i)
	data := make([]any, len(items))
	for k, item := range items {
		data[k] = d.render(d.subscriptionItems, item)
	}
	obj["items"] = map[string]any{
		"object": "list", "data": data, "has_more": false,
		"url": "/v1/subscription_items?subscription=" + d.subscriptions.ids[i],
	}
	obj["latest_invoice"] = d.invoices.ref(s.latestInvoice)
	obj["metadata"] = map[string]any{}
	if r.chance(0.3) {
		obj["metadata"] = map[string]any{"plan_source": pick(r, []string{"website", "sales", "upgrade"})}
	}
	obj["next_pending_invoice_item_invoice"] = nil
	obj["on_behalf_of"] = nil
	obj["pause_collection"] = nil
	obj["pending_invoice_item_interval"] = nil
	obj["pending_setup_intent"] = nil
	obj["pending_update"] = nil
	obj["schedule"] = nil
	obj["start_date"] = s.created
	obj["status"] = s.status.String()
	obj["test_clock"] = nil
	obj["transfer_data"] = nil
	obj["trial_end"] = nullableTime(s.trialEnd)
	obj["trial_start"] = nullableTime(s.trialStart)
}

// Subscription items: embedded in their subscription, referenced by invoice
// lines, and listed per subscription by /v1/subscription_items, whose
// subscription parameter is required.

type subscriptionItemRow struct {
	subscription int32
	price        int32
	quantity     int32
}

var subscriptionItemsDef = &resourceDef{
	name: "subscription_items", object: "subscription_item", prefix: "si",
	parent:   "subscriptions",
	listPath: "/v1/subscription_items", retrieve: true,
	filters: []filterDef{
		refFilter("subscription", "subscriptions", func(d *dataset) refIndex { return d.subscriptionItems.byParent }),
	},
	required: []string{"subscription"},
	render:   renderSubscriptionItem,
}

func (d *dataset) genSubscriptionItems() {
	var rows []subscriptionItemRow
	var created []int64
	for si, s := range d.subscriptionRows {
		for k := 0; k < int(s.items); k++ {
			rows = append(rows, subscriptionItemRow{subscription: int32(si), price: s.itemPrices[k], quantity: s.itemQuantities[k]})
			created = append(created, s.created)
		}
	}
	d.subItemRows = rows
	d.subscriptionItems = d.registerTable(subscriptionItemsDef, len(rows), created,
		columnOf(rows, func(it *subscriptionItemRow) int32 { return it.subscription }))
}

func renderSubscriptionItem(d *dataset, obj map[string]any, i int32) {
	it := &d.subItemRows[i]
	obj["billing_thresholds"] = nil
	obj["metadata"] = map[string]any{}
	obj["price"] = d.render(d.prices, it.price)
	obj["quantity"] = it.quantity
	obj["subscription"] = d.subscriptions.ids[it.subscription]
	obj["tax_rates"] = []any{}
}
