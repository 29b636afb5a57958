package fakestripe

import (
	"fmt"
	"strconv"
	"strings"
)

// Products and their prices: the catalog subscriptions and invoices sell.

type productRow struct {
	created, updated int64
	plan             bool // sold by subscription (recurring prices), else one-time
	active           bool
	shippable        int8 // -1 null (services), 0 false, 1 true
	name             string
	url              string // "" = null
	defaultPrice     int32
}

var productsDef = &resourceDef{
	name: "products", object: "product", prefix: "prod",
	listPath: "/v1/products", retrieve: true,
	filters: []filterDef{
		boolFilter("active", func(d *dataset, i int32) (bool, bool) { return d.productRows[i].active, true }),
		createdFilter(),
		inFilter("ids", func(d *dataset, i int32) string { return d.products.ids[i] }),
		boolFilter("shippable", func(d *dataset, i int32) (bool, bool) {
			s := d.productRows[i].shippable
			return s == 1, s >= 0
		}),
		eqFilter("url", func(d *dataset, i int32) string { return d.productRows[i].url }),
	},
	expandable: []string{"default_price", "tax_code"},
	render:     renderProduct,
}

func (d *dataset) genProducts() {
	r := d.genRNG("products")
	n := min(max(d.scale/50, 4), 60)
	created := uniformTimes(r, n, d.start, d.start+300*day)
	created[0] = d.start // the catalog exists from the first day
	rows := make([]productRow, n)
	plans, goods := 0, 0
	for i := range rows {
		p := &rows[i]
		p.created = created[i]
		p.plan = i%2 == 0
		p.active = i == 0 || r.chance(0.9)
		p.shippable = -1
		if p.plan {
			p.name = numbered(planNames, plans)
			plans++
		} else {
			k := goods
			goods++
			p.name = numbered(goodNames, k)
			if k%len(goodNames) < 10 { // the physical goods
				p.shippable = 1
				if r.chance(0.2) {
					p.shippable = 0
				}
			}
		}
		p.updated = min(d.end, p.created+r.between(0, 200*day))
		if r.chance(0.5) {
			p.url = "https://example.com/products/" + slug(p.name)
		}
	}
	injectTies(r, n, func(i int) *int64 { return &rows[i].created }, noFloor)
	d.productRows = rows
	d.products = d.registerTable(productsDef, n, createdColumn(rows, func(p *productRow) int64 { return p.created }), nil)
}

// numbered names the k-th item of a list, adding " 2", " 3"… once the list
// is used up.
func numbered(names []string, k int) string {
	name := names[k%len(names)]
	if round := k / len(names); round > 0 {
		name += " " + strconv.Itoa(round+1)
	}
	return name
}

func slug(name string) string { return strings.ToLower(strings.ReplaceAll(name, " ", "-")) }

func renderProduct(d *dataset, obj map[string]any, i int32) {
	p := &d.productRows[i]
	r := d.rowRNG(d.products, i, "cosmetic")
	obj["active"] = p.active
	obj["default_price"] = d.prices.ref(p.defaultPrice)
	obj["description"] = nil
	if r.chance(0.7) {
		obj["description"] = p.name + ", by the fake Stripe account"
	}
	obj["features"] = []any{}
	obj["images"] = []any{}
	if !p.plan {
		obj["images"] = []any{"https://example.com/images/" + slug(p.name) + ".png"}
	}
	obj["metadata"] = map[string]any{}
	if p.plan {
		obj["metadata"] = map[string]any{"tier": strings.ToLower(strings.Fields(p.name)[0])}
	}
	obj["name"] = p.name
	obj["package_dimensions"] = nil
	obj["shippable"] = nil
	if p.shippable >= 0 {
		obj["shippable"] = p.shippable == 1
	}
	obj["statement_descriptor"] = nil
	obj["tax_code"] = nil
	obj["unit_label"] = nil
	if p.plan {
		obj["unit_label"] = "seat"
	}
	obj["updated"] = p.updated
	obj["url"] = nullableString(p.url)
}

// Prices: each plan has a monthly price in every currency and a yearly one
// in usd and eur; each other product a one-time price in every currency.

type priceRow struct {
	created    int64
	product    int32
	currency   currencyID
	recurring  bool
	interval   interval
	active     bool
	unitAmount int64
	lookupKey  string // "" = null
}

type interval uint8

const (
	monthly interval = iota
	yearly
)

func (iv interval) String() string { return [...]string{"month", "year"}[iv] }

// priceKey finds a product's price in a currency and interval (one-time
// prices use monthly).
type priceKey struct {
	product   int32
	currency  currencyID
	recurring bool
	interval  interval
}

var pricesDef = &resourceDef{
	name: "prices", object: "price", prefix: "price",
	listPath: "/v1/prices", retrieve: true,
	filters: []filterDef{
		boolFilter("active", func(d *dataset, i int32) (bool, bool) { return d.priceRows[i].active, true }),
		createdFilter(),
		eqFilter("currency", func(d *dataset, i int32) string { return d.priceRows[i].currency.String() }),
		inFilter("lookup_keys", func(d *dataset, i int32) string { return d.priceRows[i].lookupKey }),
		refFilter("product", "products", func(d *dataset) refIndex { return d.pricesByProduct }),
		hashFilter("recurring",
			subField{key: "interval", allowed: []string{"day", "month", "week", "year"}, value: func(d *dataset, i int32) string {
				if p := d.priceRows[i]; p.recurring {
					return p.interval.String()
				}
				return ""
			}},
			subField{key: "usage_type", allowed: []string{"licensed", "metered"}, value: func(d *dataset, i int32) string {
				if d.priceRows[i].recurring {
					return "licensed"
				}
				return ""
			}},
		),
		enumFilter("type", []string{"one_time", "recurring"}, func(d *dataset, i int32) string { return d.priceRows[i].priceType() }),
	},
	expandable: []string{"product"},
	render:     renderPrice,
}

func (p *priceRow) priceType() string {
	if p.recurring {
		return "recurring"
	}
	return "one_time"
}

func (d *dataset) genPrices() {
	r := d.genRNG("prices")
	var rows []priceRow
	for pi, prod := range d.productRows {
		base := pick(r, []int64{900, 1900, 2900, 4900, 9900, 19900})
		if !prod.plan {
			base = r.between(5, 150) * 100
		}
		add := func(c currencyID, recurring bool, iv interval, cents int64, delay int64) {
			p := priceRow{
				created: min(d.end, prod.created+delay), product: int32(pi), currency: c,
				recurring: recurring, interval: iv, unitAmount: c.fromUSDCents(cents),
				active: prod.active && (delay == 0 || r.chance(0.95)),
			}
			if recurring && c == 0 {
				p.lookupKey = fmt.Sprintf("%s_%sly", strings.ReplaceAll(slug(prod.name), "-", "_"), iv)
			}
			rows = append(rows, p)
		}
		for c := range currencies {
			delay := int64(0) // the usd price comes with the product, in the same second
			if c > 0 {
				delay = r.between(0, 30*day)
			}
			add(currencyID(c), prod.plan, monthly, base, delay)
		}
		if prod.plan {
			add(0, true, yearly, base*10, r.between(0, 60*day))
			add(1, true, yearly, base*10, r.between(0, 60*day))
		}
	}
	sortByCreated(rows, func(p *priceRow) int64 { return p.created })
	injectTies(r, len(rows), func(i int) *int64 { return &rows[i].created },
		func(i int) int64 { return d.productRows[rows[i].product].created })
	d.priceRows = rows
	d.prices = d.registerTable(pricesDef, len(rows), createdColumn(rows, func(p *priceRow) int64 { return p.created }), nil)
	d.pricesByProduct = newRefIndex(columnOf(rows, func(p *priceRow) int32 { return p.product }), len(d.productRows))
	d.priceByKey = make(map[priceKey]int32, len(rows))
	for i, p := range rows {
		d.priceByKey[priceKey{p.product, p.currency, p.recurring, p.interval}] = int32(i)
	}
	for pi := range d.productRows {
		d.productRows[pi].defaultPrice = d.priceByKey[priceKey{int32(pi), 0, d.productRows[pi].plan, monthly}]
	}
}

// columnOf extracts a reference column from generated rows.
func columnOf[T any](rows []T, ref func(*T) int32) []int32 {
	out := make([]int32, len(rows))
	for i := range rows {
		out[i] = ref(&rows[i])
	}
	return out
}

func renderPrice(d *dataset, obj map[string]any, i int32) {
	p := &d.priceRows[i]
	obj["active"] = p.active
	obj["billing_scheme"] = "per_unit"
	obj["currency"] = p.currency.String()
	obj["lookup_key"] = nullableString(p.lookupKey)
	obj["metadata"] = map[string]any{}
	obj["nickname"] = priceNickname(d, p)
	obj["product"] = d.products.ids[p.product]
	obj["recurring"] = nil
	if p.recurring {
		rec := fixtureObject(d, "price", "recurring")
		rec["aggregate_usage"] = nil
		rec["interval"] = p.interval.String()
		rec["interval_count"] = 1
		rec["usage_type"] = "licensed"
		obj["recurring"] = rec
	}
	obj["tax_behavior"] = pick(d.rowRNG(d.prices, i, "tax"), []string{"unspecified", "exclusive", "inclusive"})
	obj["type"] = p.priceType()
	obj["unit_amount"] = p.unitAmount
	obj["unit_amount_decimal"] = strconv.FormatInt(p.unitAmount, 10)
}

// priceNickname names a recurring price ("Pro monthly (USD)"); one-time
// prices have none.
func priceNickname(d *dataset, p *priceRow) any {
	if !p.recurring {
		return nil
	}
	return fmt.Sprintf("%s %sly (%s)", d.productRows[p.product].name, p.interval, strings.ToUpper(p.currency.String()))
}

// fixtureObject returns a fresh copy of a nested object of a fixture (so a
// field that is null on this object still gets every key when set).
func fixtureObject(d *dataset, object, field string) map[string]any {
	if m, ok := d.fixtures[object][field].(map[string]any); ok {
		return deepCopy(m).(map[string]any)
	}
	return map[string]any{}
}
