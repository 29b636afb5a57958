package fakestripe

import "fmt"

// Coupons and the promotion codes customers type to redeem them. Coupons
// are applied as discounts (discounts.go) to subscriptions, whose invoices
// they reduce, and to a few customers.

type couponDuration uint8

const (
	durationOnce couponDuration = iota
	durationRepeating
	durationForever
)

func (c couponDuration) String() string { return [...]string{"once", "repeating", "forever"}[c] }

type couponRow struct {
	created        int64
	percentOff     int64 // 0 for an amount-off coupon
	amountOff      int64 // in currency's minor unit
	currency       currencyID
	duration       couponDuration
	months         int32 // repeating only
	maxRedemptions int32 // 0 = null
	redeemBy       int64 // 0 = null
	timesRedeemed  int32
	name           string // "" = null
}

var couponsDef = &resourceDef{
	name: "coupons", object: "coupon",
	newID:    couponID,
	listPath: "/v1/coupons", retrieve: true,
	filters: []filterDef{createdFilter()},
	render:  renderCoupon,
}

// couponID is what Stripe generates for a coupon created without an id:
// eight upper-case letters and digits, no prefix.
func couponID(seed int64, i, salt int) string {
	const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	r := &rng{state: mix64(uint64(seed)^hashString("coupon")) ^ mix64(uint64(i)<<8|uint64(salt))}
	b := make([]byte, 8)
	for k := range b {
		b[k] = chars[r.intn(len(chars))]
	}
	return string(b)
}

var couponNames = []string{"Launch offer", "Black Friday", "Welcome discount", "Partner deal", "Win-back", "Annual promo", "Student discount", "Nonprofit"}

func (d *dataset) genCoupons() {
	r := d.genRNG("coupons")
	n := min(max(d.scale/100, 4), 40)
	created := uniformTimes(r, n, d.start, d.end-90*day)
	rows := make([]couponRow, n)
	for i := range rows {
		c := &rows[i]
		c.created = created[i]
		if i%4 == 3 { // a quarter take a fixed amount off, in usd
			c.amountOff = pick(r, []int64{500, 1000, 2000, 5000})
		} else {
			c.percentOff = pick(r, []int64{10, 15, 20, 25, 30, 50})
		}
		c.duration = pickWeighted(r, []weighted[couponDuration]{{durationOnce, 30}, {durationRepeating, 40}, {durationForever, 30}})
		if c.duration == durationRepeating {
			c.months = int32(pick(r, []int{3, 6, 12}))
		}
		if r.chance(0.2) {
			c.maxRedemptions = int32(r.between(5, 50))
		}
		if r.chance(0.2) {
			c.redeemBy = c.created + r.between(30, 365)*day
		}
		if r.chance(0.5) {
			c.name = couponNames[r.intn(len(couponNames))]
		}
	}
	injectTies(r, n, func(i int) *int64 { return &rows[i].created }, noFloor)
	d.couponRows = rows
	d.coupons = d.registerTable(couponsDef, n, createdColumn(rows, func(c *couponRow) int64 { return c.created }), nil)
}

// redeemable reports whether coupon c can start a discount at t.
func (c *couponRow) redeemable(t int64, cur currencyID) bool {
	return c.created <= t && (c.redeemBy == 0 || t <= c.redeemBy) &&
		(c.maxRedemptions == 0 || c.timesRedeemed < c.maxRedemptions) &&
		(c.percentOff > 0 || c.currency == cur)
}

// shares splits the coupon's discount over line amounts: a percentage of
// each line (rounded down to the currency's step), or the fixed amount
// taken from the lines in order.
func (c *couponRow) shares(amounts []int64, cur currencyID) []int64 {
	out := make([]int64, len(amounts))
	left := c.amountOff
	for k, a := range amounts {
		if c.percentOff > 0 {
			out[k] = cur.roundDown(a * c.percentOff / 100)
		} else {
			out[k] = min(a, left)
			left -= out[k]
		}
	}
	return out
}

func (c *couponRow) displayName() string {
	if c.name != "" {
		return c.name
	}
	if c.percentOff > 0 {
		return fmt.Sprintf("%d%% off", c.percentOff)
	}
	return formatAmount(c.amountOff, c.currency) + " off"
}

func renderCoupon(d *dataset, obj map[string]any, i int32) {
	c := &d.couponRows[i]
	obj["amount_off"], obj["currency"], obj["percent_off"] = nil, nil, nil
	if c.percentOff > 0 {
		obj["percent_off"] = float64(c.percentOff)
	} else {
		obj["amount_off"] = c.amountOff
		obj["currency"] = c.currency.String()
	}
	obj["applies_to"] = nil
	obj["currency_options"] = nil
	obj["duration"] = c.duration.String()
	obj["duration_in_months"] = nil
	if c.duration == durationRepeating {
		obj["duration_in_months"] = c.months
	}
	obj["max_redemptions"] = nil
	if c.maxRedemptions > 0 {
		obj["max_redemptions"] = c.maxRedemptions
	}
	obj["metadata"] = map[string]any{}
	obj["name"] = c.displayName()
	obj["redeem_by"] = nullableTime(c.redeemBy)
	obj["times_redeemed"] = c.timesRedeemed
	obj["valid"] = (c.redeemBy == 0 || c.redeemBy > d.end) && (c.maxRedemptions == 0 || c.timesRedeemed < c.maxRedemptions)
}

// Promotion codes: customer-facing codes for about half the coupons.

type promotionCodeRow struct {
	created        int64
	coupon         int32
	customer       int32 // -1: anyone may redeem it
	code           string
	active         bool
	expiresAt      int64 // 0 = null
	maxRedemptions int32 // 0 = null
	firstTimeOnly  bool
	timesRedeemed  int32
}

var promotionCodesDef = &resourceDef{
	name: "promotion_codes", object: "promotion_code", prefix: "promo",
	listPath: "/v1/promotion_codes", retrieve: true,
	filters: []filterDef{
		boolFilter("active", func(d *dataset, i int32) (bool, bool) { return d.promoRows[i].isActive(d.end), true }),
		eqFilter("code", func(d *dataset, i int32) string { return d.promoRows[i].code }),
		refFilter("coupon", "coupons", func(d *dataset) refIndex { return d.promosByCoupon }),
		createdFilter(),
		refFilter("customer", "customers", func(d *dataset) refIndex { return d.promosByCustomer }),
	},
	expandable: []string{"customer"},
	render:     renderPromotionCode,
}

var promoWords = []string{"SPRING", "SUMMER", "FALL", "WINTER", "WELCOME", "FRIENDS", "LAUNCH", "VIP", "SAVE", "BONUS"}

// genPromotionCodes runs after customers, which some codes are reserved to.
func (d *dataset) genPromotionCodes() {
	r := d.genRNG("promotion_codes")
	var rows []promotionCodeRow
	for ci, c := range d.couponRows {
		for k, n := 0, r.intn(4); k < n; k++ {
			p := promotionCodeRow{coupon: int32(ci), customer: -1, active: r.chance(0.8)}
			p.created = min(d.end, c.created+r.between(0, 30*day))
			// Unique: the word, the coupon's row and the code's rank.
			p.code = fmt.Sprintf("%s%d%c", promoWords[r.intn(len(promoWords))], ci+10, 'A'+k)
			if r.chance(0.3) {
				p.expiresAt = p.created + r.between(30, 180)*day
			}
			if r.chance(0.1) {
				p.customer = d.customerBefore(r, p.created)
			}
			if r.chance(0.1) {
				p.maxRedemptions = int32(r.between(1, 20))
			}
			p.firstTimeOnly = r.chance(0.2)
			rows = append(rows, p)
		}
	}
	sortByCreated(rows, func(p *promotionCodeRow) int64 { return p.created })
	injectTies(r, len(rows), func(i int) *int64 { return &rows[i].created },
		func(i int) int64 { return d.couponRows[rows[i].coupon].created })
	d.promoRows = rows
	d.promotionCodes = d.registerTable(promotionCodesDef, len(rows), createdColumn(rows, func(p *promotionCodeRow) int64 { return p.created }), nil)
	d.promosByCoupon = newRefIndex(columnOf(rows, func(p *promotionCodeRow) int32 { return p.coupon }), len(d.couponRows))
	d.promosByCustomer = newRefIndex(columnOf(rows, func(p *promotionCodeRow) int32 { return p.customer }), len(d.customerRows))
}

// isActive: switched on and not expired at now.
func (p *promotionCodeRow) isActive(now int64) bool {
	return p.active && (p.expiresAt == 0 || p.expiresAt > now)
}

// redeemableCode returns a promotion code of coupon that customer can use
// at t, or -1.
func (d *dataset) redeemableCode(coupon, customer int32, t int64) int32 {
	for _, k := range d.promosByCoupon.of(coupon) {
		p := &d.promoRows[k]
		if p.created <= t && (p.expiresAt == 0 || t < p.expiresAt) && (p.customer < 0 || p.customer == customer) &&
			(p.maxRedemptions == 0 || p.timesRedeemed < p.maxRedemptions) {
			return k
		}
	}
	return -1
}

func renderPromotionCode(d *dataset, obj map[string]any, i int32) {
	p := &d.promoRows[i]
	obj["active"] = p.isActive(d.end)
	obj["code"] = p.code
	obj["coupon"] = d.render(d.coupons, p.coupon)
	obj["customer"] = d.customers.ref(p.customer)
	obj["expires_at"] = nullableTime(p.expiresAt)
	obj["max_redemptions"] = nil
	if p.maxRedemptions > 0 {
		obj["max_redemptions"] = p.maxRedemptions
	}
	obj["metadata"] = map[string]any{}
	restrictions := fixtureObject(d, "promotion_code", "restrictions")
	restrictions["first_time_transaction"] = p.firstTimeOnly
	restrictions["minimum_amount"], restrictions["minimum_amount_currency"] = nil, nil
	obj["restrictions"] = restrictions
	obj["times_redeemed"] = p.timesRedeemed
}
