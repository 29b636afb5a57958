package fakestripe

// Tax rates: the account's catalog of manual tax rates, a fixed set created
// in its first months (a couple since archived).

type taxRateRow struct {
	created int64
	spec    int // index into taxRateSpecs
	active  bool
}

var taxRateSpecs = []struct {
	displayName, description, country, state, jurisdiction, taxType string
	percentage                                                      float64
	inclusive                                                       bool
}{
	{"VAT", "VAT Germany", "DE", "", "DE", "vat", 19, false},
	{"VAT", "VAT France", "FR", "", "FR", "vat", 20, false},
	{"VAT", "VAT United Kingdom", "GB", "", "GB", "vat", 20, true},
	{"Sales Tax", "California sales tax", "US", "CA", "US - CA", "sales_tax", 7.25, false},
	{"Sales Tax", "New York sales tax", "US", "NY", "US - NY", "sales_tax", 8.875, false},
	{"JCT", "Japanese consumption tax", "JP", "", "JP", "jct", 10, true},
	{"VAT", "VAT Ireland", "IE", "", "IE", "vat", 23, false},
	{"GST", "GST Australia", "AU", "", "AU", "gst", 10, true},
}

var taxRatesDef = &resourceDef{
	name: "tax_rates", object: "tax_rate", prefix: "txr",
	listPath: "/v1/tax_rates", retrieve: true,
	filters: []filterDef{
		boolFilter("active", func(d *dataset, i int32) (bool, bool) { return d.taxRateRows[i].active, true }),
		createdFilter(),
		boolFilter("inclusive", func(d *dataset, i int32) (bool, bool) {
			return taxRateSpecs[d.taxRateRows[i].spec].inclusive, true
		}),
	},
	render: renderTaxRate,
}

func (d *dataset) genTaxRates() {
	r := d.genRNG("tax_rates")
	n := len(taxRateSpecs)
	created := uniformTimes(r, n, d.start, d.start+90*day)
	rows := make([]taxRateRow, n)
	order := make([]int, n) // which spec each creation time gets
	for i := range order {
		order[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := r.intn(i + 1)
		order[i], order[j] = order[j], order[i]
	}
	for i := range rows {
		rows[i] = taxRateRow{created: created[i], spec: order[i], active: i%4 != 3} // two archived
	}
	injectTies(r, n, func(i int) *int64 { return &rows[i].created }, noFloor)
	d.taxRateRows = rows
	d.taxRates = d.registerTable(taxRatesDef, n, createdColumn(rows, func(x *taxRateRow) int64 { return x.created }), nil)
}

func renderTaxRate(d *dataset, obj map[string]any, i int32) {
	x := &d.taxRateRows[i]
	spec := taxRateSpecs[x.spec]
	obj["active"] = x.active
	obj["country"] = spec.country
	obj["description"] = spec.description
	obj["display_name"] = spec.displayName
	obj["effective_percentage"] = nil
	obj["inclusive"] = spec.inclusive
	obj["jurisdiction"] = spec.jurisdiction
	obj["metadata"] = map[string]any{}
	obj["percentage"] = spec.percentage
	obj["state"] = nullableString(spec.state)
	obj["tax_type"] = spec.taxType
}
