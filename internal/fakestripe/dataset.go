package fakestripe

import (
	"fmt"
	"sort"
)

// The fake account's objects are created between these instants (fixed, so
// that the data never depends on the wall clock); windowEnd is also "now"
// for statuses such as a subscription's current period.
const (
	windowStart int64 = 1672531200 // 2023-01-01T00:00:00Z
	windowEnd   int64 = 1735689599 // 2024-12-31T23:59:59Z
	hour        int64 = 3600
	day         int64 = 24 * hour
)

// Counts, all derived from scale (the number of charges, default 1000):
//
//	products                      = clamp(scale/50, 4, 60); half sold by subscription (plans)
//	prices                        ≈ 6 per plan (monthly in each currency, yearly in usd/eur),
//	                                5 per other product (one-time in each currency)
//	customers                     = max(1, scale/5)
//	subscriptions                 = max(1, scale/10), 1-2 items each
//	invoices                      = one per billing period of each subscription (its last 6
//	                                at most) + scale/20 one-off invoices
//	invoice line items            = one per subscription item, or 1-3 per one-off invoice
//	charges                       = scale: payments (and failed attempts) of invoices, at
//	                                most scale/2, the rest standalone
//	refunds                       ≈ scale/10 (about 9% of succeeded charges, some twice)
//	balance_transactions          = one per succeeded or pending charge and per refund
//	customer_balance_transactions ≈ customers/5 (credits on a tenth of customers)
//
// Rows are compact (ids, times, relations, the fields filters read); the
// full JSON is rendered from the fixture when served, so scale 200,000
// generates in seconds.
type dataset struct {
	seed     int64
	scale    int
	fixtures map[string]map[string]any

	tables   map[string]*table
	byPrefix map[string]*table
	byObject map[string]*table
	routes   map[route]*table

	products, prices, customers, subscriptions, subscriptionItems,
	invoices, lineItems, charges, refunds, balanceTransactions,
	customerBalanceTransactions *table

	productRows      []productRow
	priceRows        []priceRow
	customerRows     []customerRow
	subscriptionRows []subscriptionRow
	subItemRows      []subscriptionItemRow
	invoiceRows      []invoiceRow
	lineRows         []lineItemRow
	chargeRows       []chargeRow
	refundRows       []refundRow
	txnRows          []balanceTransactionRow
	cbtxnRows        []customerBalanceTransactionRow

	// Indexes filters and generators use.
	pricesByProduct         refIndex
	priceByKey              map[priceKey]int32
	subscriptionsByCustomer refIndex
	subscriptionsByPrice    refIndex
	invoicesByCustomer      refIndex
	invoicesBySubscription  refIndex
	chargesByCustomer       refIndex
	chargesByInvoice        refIndex
	refundsByCharge         refIndex
}

// newDataset generates the account. Each step reads only the tables made
// before it, then back-references (a charge's refunds, an invoice's
// charge) are filled in.
func newDataset(seed int64, scale int) (*dataset, error) {
	fx, err := loadFixtures()
	if err != nil {
		return nil, err
	}
	d := &dataset{
		seed: seed, scale: scale, fixtures: fx,
		tables: map[string]*table{}, byPrefix: map[string]*table{},
		byObject: map[string]*table{}, routes: map[route]*table{},
	}
	steps := []func(){
		d.genProducts, d.genPrices, d.genCustomers, d.genSubscriptions,
		d.genInvoices, d.genCharges, d.genRefunds, d.genBalanceTransactions,
		d.genCustomerBalanceTransactions, d.linkBackReferences,
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
	return d, nil
}

// addRoute derives the URL shape of t's endpoints from its spec path.
func (d *dataset) addRoute(t *table) error {
	if t.def.listPath == "" {
		return nil
	}
	var r route
	seg := splitPath(t.def.listPath)
	switch {
	case len(seg) == 2 && t.def.parent == "":
		r = route{resource: seg[1]}
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
	return &rng{state: mix64(uint64(d.seed)^hashString(t.def.prefix+"."+field)) ^ mix64(uint64(i))}
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
