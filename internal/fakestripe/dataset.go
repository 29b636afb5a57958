package fakestripe

import (
	"fmt"
	"sort"
	"time"
)

// The fake account's objects are created in the two years before its end
// (Options.End; the dataset's start and end), which is also "now" for
// statuses such as a subscription's current period. The data depends on
// the end, never on the wall clock: the same seed, scale and end serve
// the same bytes. Without Options.End the account ends at fixedEnd, the
// clock the tests are written for.
const (
	fixedStart   int64 = 1672531200 // 2023-01-01T00:00:00Z
	fixedEnd     int64 = 1735689599 // 2024-12-31T23:59:59Z
	windowLength       = fixedEnd - fixedStart
	hour         int64 = 3600
	day          int64 = 24 * hour
)

// FixedEnd is the end of the account when Options.End is zero.
var FixedEnd = time.Unix(fixedEnd, 0).UTC()

// Counts, all derived from scale (the number of charges, default 1000):
//
//	products                      = clamp(scale/50, 4, 60); half sold by subscription (plans)
//	prices                        ≈ 6 per plan (monthly in each currency, yearly in usd/eur),
//	                                5 per other product (one-time in each currency)
//	plans                         = the recurring prices, under the same ids
//	tax_rates                     = 8, coupons = clamp(scale/100, 4, 40), promotion codes ≈ 1.5 per coupon
//	customers                     = max(1, scale/5); cards on ~65%, bank accounts on ~8% of usd ones
//	subscriptions                 = max(1, scale/10), 1-2 items each, 12% with a discount
//	invoices                      = one per billing period of each subscription (its last 6
//	                                at most) + scale/20 one-off invoices
//	invoice line items            = one per subscription item, or 1-3 per one-off invoice
//	invoice items                 = one per one-off invoice line + scale/100 pending
//	charges                       = scale: payments (and failed attempts) of invoices, at
//	                                most scale/2, the rest standalone
//	payment intents               = one per invoice with charges and per standalone charge
//	                                (but 10%) + scale/50 abandoned
//	refunds                       ≈ scale/10 (about 9% of succeeded charges, some twice)
//	disputes                      ≈ 1.2% of captured, unrefunded charges
//	transfers                     = one per captured charge with a transfer group (~5%)
//	application_fees              = scale/25
//	payouts                       = weekly per currency with funds available (≤ 105 × 5)
//	balance_transactions          = one per succeeded or pending charge, refund, dispute
//	                                movement, transfer, application fee, payout
//	customer_balance_transactions ≈ customers/5 (credits on a tenth of customers)
//	credit_notes                  = one per refund of an invoice payment, some out of band
//	checkout_sessions             ≈ 40% of subscriptions, 30% of one-off payments + scale/40
//	                                abandoned
//	events                        = what happened in the last 30 days (≈ 1/20 of the rest)
//
// Rows are compact (ids, times, relations, the fields filters read); the
// full JSON is rendered from the fixture when served, so scale 200,000
// generates in seconds.
type dataset struct {
	seed  int64
	scale int
	// start and end bound the objects' creation times (unix seconds).
	start, end int64
	fixtures   map[string]map[string]any

	tables   map[string]*table
	byPrefix map[string]*table
	byObject map[string]*table
	routes   map[route]*table
	// sources are the resources /v1/customers/{id}/sources lists, by the
	// value of its object parameter.
	sources map[string]*table
	// edits are what API writes changed (write_edits.go).
	edits edits
	// index is the Search API's index (search_index.go).
	index searchState
	// createdSkew widens every list's created range (Options.CreatedSkew),
	// in seconds.
	createdSkew int64
	// clock is Options.Clock (nil: the account's time moves only with
	// its changes).
	clock func() time.Time
	// generic serves the lists no hand-written resource does (generic.go).
	generic genericData

	products, prices, plans, taxRates, coupons, promotionCodes, discounts,
	customers, cards, bankAccounts, subscriptions, subscriptionItems,
	invoices, lineItems, invoiceItems, charges, paymentIntents, refunds,
	disputes, transfers, applicationFees, payouts, balanceTransactions,
	customerBalanceTransactions, creditNotes, checkoutSessions, events *table

	productRows       []productRow
	priceRows         []priceRow
	planPrices        []int32 // plan row → price row
	priceToPlan       []int32 // price row → plan row, -1 for one-time prices
	taxRateRows       []taxRateRow
	couponRows        []couponRow
	promoRows         []promotionCodeRow
	discountRows      []discountRow
	customerRows      []customerRow
	cardRows          []cardRow
	bankAccountRows   []bankAccountRow
	subscriptionRows  []subscriptionRow
	subItemRows       []subscriptionItemRow
	invoiceRows       []invoiceRow
	lineRows          []lineItemRow
	invoiceItemRows   []invoiceItemRow
	chargeRows        []chargeRow
	paymentIntentRows []paymentIntentRow
	refundRows        []refundRow
	disputeRows       []disputeRow
	transferRows      []transferRow
	feeRows           []applicationFeeRow
	payoutRows        []payoutRow
	txnRows           []balanceTransactionRow
	cbtxnRows         []customerBalanceTransactionRow
	creditNoteRows    []creditNoteRow
	sessionRows       []checkoutSessionRow
	eventRows         []eventRow

	// connectedAccounts are the platform's Connect accounts' ids.
	connectedAccounts []string

	// Indexes filters and generators use.
	pricesByProduct          refIndex
	plansByProduct           refIndex
	priceByKey               map[priceKey]int32
	promosByCoupon           refIndex
	promosByCustomer         refIndex
	subscriptionsByCustomer  refIndex
	subscriptionsByPrice     refIndex
	invoicesByCustomer       refIndex
	invoicesBySubscription   refIndex
	invoiceItemsByCustomer   refIndex
	invoiceItemsByInvoice    refIndex
	chargesByCustomer        refIndex
	chargesByInvoice         refIndex
	chargesByPaymentIntent   refIndex
	paymentIntentsByCustomer refIndex
	refundsByCharge          refIndex
	refundsByPaymentIntent   refIndex
	disputesByCharge         refIndex
	disputesByPaymentIntent  refIndex
	txnsByPayout             refIndex
	creditNotesByInvoice     refIndex
	creditNotesByCustomer    refIndex
	sessionsByCustomer       refIndex
	sessionsByPaymentIntent  refIndex
	sessionsBySubscription   refIndex
}

// newDataset generates the account. Each step reads only the tables made
// before it, then back-references (a charge's refunds, an invoice's
// charge) are filled in.
func newDataset(seed int64, scale int, end int64) (*dataset, error) {
	fx, err := loadFixtures()
	if err != nil {
		return nil, err
	}
	d := &dataset{
		seed: seed, scale: scale, start: end - windowLength, end: end, fixtures: fx,
		tables: map[string]*table{}, byPrefix: map[string]*table{},
		byObject: map[string]*table{}, routes: map[route]*table{}, sources: map[string]*table{},
	}
	steps := []func(){
		d.genProducts, d.genPrices, d.genPlans, d.genTaxRates, d.genCoupons, d.genCustomers,
		d.genPromotionCodes, d.genSources, d.genSubscriptions, d.genInvoices, d.genCharges,
		d.genPaymentIntents, d.genRefunds, d.genDisputes, d.genConnectedAccounts, d.genTransfers,
		d.genConnectedAccountsList, d.genApplicationFees, d.genBalanceTransactions, d.genCustomerBalanceTransactions,
		d.genCreditNotes, d.genCheckoutSessions, d.genCustomerDiscounts, d.linkBackReferences,
		d.genEvents,
	}
	for _, step := range steps {
		step()
	}
	for _, t := range d.tables {
		if _, ok := fx[t.def.object]; !ok {
			return nil, fmt.Errorf("fakestripe: fixtures_gen.json has no %q", t.def.object)
		}
		if err := d.addRoute(t); err != nil {
			return nil, err
		}
	}
	if err := d.genGeneric(); err != nil {
		return nil, err
	}
	return d, nil
}

// addRoute derives the URL shape of t's endpoints from its spec path.
func (d *dataset) addRoute(t *table) error {
	if t.def.listPath == "" {
		return nil
	}
	if t.def.sourceObject != "" {
		d.sources[t.def.sourceObject] = t // served by special.go
		return nil
	}
	var r route
	seg := splitPath(t.def.listPath)
	switch {
	case len(seg) == 2:
		r = route{resource: seg[1]}
	case len(seg) == 3 && t.def.parent == "":
		r = route{resource: seg[1] + "/" + seg[2]}
	case len(seg) == 4 && t.def.parent == seg[1]:
		r = route{parent: seg[1], resource: seg[3]}
	default:
		return fmt.Errorf("fakestripe: cannot route %s (parent %q)", t.def.listPath, t.def.parent)
	}
	d.routes[r] = t
	return nil
}

func splitPath(p string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' {
			if i > start {
				out = append(out, p[start:i])
			}
			start = i + 1
		}
	}
	return out
}

// requestID is the Request-Id of the n-th request: deterministic too.
func (d *dataset) requestID(n uint64) string {
	return "req_" + randomChars(&rng{state: mix64(uint64(d.seed) ^ hashString("request") ^ n)}, 14)
}

// rowRNG is the stream for one field of one row: cosmetic values are drawn
// when rendering, and stay the same whatever else is rendered.
func (d *dataset) rowRNG(t *table, i int32, field string) *rng {
	key := t.def.prefix
	if key == "" {
		key = t.def.name
	}
	return &rng{state: mix64(uint64(d.seed)^hashString(key+"."+field)) ^ mix64(uint64(i))}
}

// genRNG is the stream a generation step draws from.
func (d *dataset) genRNG(step string) *rng { return newRNG(d.seed, step) }

// uniformTimes returns n sorted times in [lo, hi].
func uniformTimes(r *rng, n int, lo, hi int64) []int64 {
	ts := make([]int64, n)
	for i := range ts {
		ts[i] = r.between(lo, hi)
	}
	sort.Slice(ts, func(a, b int) bool { return ts[a] < ts[b] })
	return ts
}

// tieRate is the share of objects created in the same second as the one
// before them, so that lists must break ties by creation sequence.
const tieRate = 0.04

// injectTies moves some created times back to their predecessor's, never
// below floor(i) (the creation of what the row refers to). The second row
// always tries, so that even a small table has a tie.
func injectTies(r *rng, n int, created func(i int) *int64, floor func(i int) int64) {
	for i := 1; i < n; i++ {
		if prev := *created(i - 1); (r.chance(tieRate) || i == 1) && prev >= floor(i) {
			*created(i) = prev
		}
	}
}

// rowsBefore returns how many rows of an ascending created column are
// created at or before t.
func rowsBefore(created []int64, t int64) int {
	return sort.Search(len(created), func(i int) bool { return created[i] > t })
}

func noFloor(int) int64 { return 0 }

// nullableTime renders 0 as null.
func nullableTime(t int64) any {
	if t == 0 {
		return nil
	}
	return t
}

func nullableString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// createdColumn extracts the created times of generated rows.
func createdColumn[T any](rows []T, created func(*T) int64) []int64 {
	out := make([]int64, len(rows))
	for i := range rows {
		out[i] = created(&rows[i])
	}
	return out
}

// linkBackReferences fills what a row learns from rows generated after it.
func (d *dataset) linkBackReferences() {
	for si := range d.subscriptionRows {
		s := &d.subscriptionRows[si]
		s.latestInvoice = -1
		if invs := d.invoicesBySubscription.of(int32(si)); len(invs) > 0 {
			s.latestInvoice = invs[len(invs)-1]
		}
		d.customerRows[s.customer].billed = true
	}
	for _, inv := range d.invoiceRows {
		if inv.status == invUncollectible || inv.status == invOpen && inv.attempts > 0 {
			d.customerRows[inv.customer].delinquent = true
		}
	}
}
