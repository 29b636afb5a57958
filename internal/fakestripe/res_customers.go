package fakestripe

import "fmt"

type customerRow struct {
	created     int64
	currency    currencyID
	first, last uint8 // indexes into firstNames, lastNames
	hasName     bool
	email       string // "" = null
	// billed: the customer has subscriptions, invoices or balance
	// adjustments, so Stripe has fixed its currency (null otherwise).
	billed        bool
	balance       int64
	delinquent    bool
	invoiceNumber int32 // invoices numbered so far (next_invoice_sequence - 1)
	// defaultCard and defaultBank are the customer's first card and bank
	// account, -1 if none; the default source is the card if any.
	defaultCard, defaultBank int32
	discount                 int32 // -1: none
}

var customersDef = &resourceDef{
	name: "customers", object: "customer", prefix: "cus",
	listPath: "/v1/customers", retrieve: true,
	filters: []filterDef{
		createdFilter(),
		eqFilter("email", func(d *dataset, i int32) string { return d.customerRows[i].email }),
		eqFilter("test_clock", func(*dataset, int32) string { return "" }), // no test clocks
	},
	expandable: []string{"default_source", "test_clock"},
	render:     renderCustomer,
}

func (d *dataset) genCustomers() {
	r := d.genRNG("customers")
	n := max(1, d.scale/5)
	created := uniformTimes(r, n, d.start, d.end)
	rows := make([]customerRow, n)
	for i := range rows {
		c := &rows[i]
		c.created = created[i]
		c.currency = pickCurrency(r)
		c.first, c.last = uint8(r.intn(len(firstNames))), uint8(r.intn(len(lastNames)))
		c.hasName = r.chance(0.95)
		switch {
		case r.chance(0.05):
			// no email
		case i > 0 && r.chance(0.02):
			c.email = rows[r.intn(i)].email // the same person signed up twice
		default:
			c.email = fmt.Sprintf("%s.%d@example.com", emailLocal(firstNames[c.first], lastNames[c.last]), i)
		}
	}
	injectTies(r, n, func(i int) *int64 { return &rows[i].created }, noFloor)
	d.customerRows = rows
	d.customers = d.registerTable(customersDef, n, createdColumn(rows, func(c *customerRow) int64 { return c.created }), nil)
}

// customerBefore picks a customer created at or before t, or -1 if none.
func (d *dataset) customerBefore(r *rng, t int64) int32 {
	k := rowsBefore(d.customers.created, t)
	if k == 0 {
		return -1
	}
	return int32(r.intn(k))
}

func (c *customerRow) name() string {
	if !c.hasName {
		return ""
	}
	return firstNames[c.first] + " " + lastNames[c.last]
}

// invoicePrefix is the customer's invoice number prefix (e.g. "B4749BD").
func (d *dataset) invoicePrefix(i int32) string {
	r := d.rowRNG(d.customers, i, "invoice_prefix")
	const hex = "0123456789ABCDEF"
	b := make([]byte, 8)
	for k := range b {
		b[k] = hex[r.intn(16)]
	}
	return string(b)
}

// address renders a postal address, or nil when the row has none.
func address(r *rng) map[string]any {
	c := cities[r.intn(len(cities))]
	return map[string]any{
		"city": c.city, "country": c.country, "postal_code": c.postal, "state": nullableString(c.state),
		"line1": fmt.Sprintf("%d Market Street", r.between(1, 999)), "line2": nil,
	}
}

func renderCustomer(d *dataset, obj map[string]any, i int32) {
	c := &d.customerRows[i]
	r := d.rowRNG(d.customers, i, "cosmetic")
	obj["address"] = nil
	if r.chance(0.5) {
		obj["address"] = address(r)
	}
	obj["balance"] = c.balance
	obj["currency"] = nil
	if c.billed {
		obj["currency"] = c.currency.String()
	}
	obj["default_source"] = d.defaultSource(c)
	obj["delinquent"] = c.delinquent
	obj["description"] = nil
	if r.chance(0.3) {
		obj["description"] = pick(r, []string{"VIP customer", "Referred by a partner", "Migrated from the old billing system", "Annual contract"})
	}
	obj["discount"] = d.discountObject(c.discount)
	obj["email"] = nullableString(c.email)
	obj["invoice_prefix"] = d.invoicePrefix(i)
	obj["metadata"] = map[string]any{}
	if r.chance(0.4) {
		obj["metadata"] = map[string]any{"segment": pick(r, segments)}
	}
	obj["name"] = nullableString(c.name())
	obj["next_invoice_sequence"] = c.invoiceNumber + 1
	obj["phone"] = nil
	if r.chance(0.4) {
		obj["phone"] = fmt.Sprintf("+1415555%04d", r.intn(10000))
	}
	obj["preferred_locales"] = []any{}
	if r.chance(0.3) {
		obj["preferred_locales"] = []any{pick(r, []string{"en", "fr", "de", "ja", "ar"})}
	}
	obj["shipping"] = nil
	obj["tax_exempt"] = pickWeighted(r, []weighted[string]{{"none", 90}, {"exempt", 5}, {"reverse", 5}})
	obj["test_clock"] = nil
}
