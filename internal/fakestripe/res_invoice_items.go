package fakestripe

import "strconv"

// Invoice items: the goods billed on one-off invoices (one per line, added
// just before the invoice), and pending items of active subscribers that
// their next (upcoming) invoice will bill. Stripe names their creation
// time "date".

type invoiceItemRow struct {
	created  int64
	customer int32
	invoice  int32 // -1: pending
	line     int32 // the invoice line billing it, -1 when pending
	price    int32
	quantity int32
	amount   int64
}

var invoiceItemsDef = &resourceDef{
	name: "invoice_items", object: "invoiceitem", prefix: "ii", createdKey: "date",
	listPath: "/v1/invoiceitems", retrieve: true,
	filters: []filterDef{
		createdFilter(),
		refFilter("customer", "customers", func(d *dataset) refIndex { return d.invoiceItemsByCustomer }),
		refFilter("invoice", "invoices", func(d *dataset) refIndex { return d.invoiceItemsByInvoice }),
		boolFilter("pending", func(d *dataset, i int32) (bool, bool) { return d.invoiceItemRows[i].invoice < 0, true }),
	},
	expandable: []string{"customer", "invoice", "subscription", "test_clock"},
	render:     renderInvoiceItem,
}

// genInvoiceItems runs once invoices and their lines exist.
func (d *dataset) genInvoiceItems() {
	r := d.genRNG("invoice_items")
	var rows []invoiceItemRow
	for li, l := range d.lineRows {
		if l.subItem >= 0 {
			continue
		}
		inv := &d.invoiceRows[l.invoice]
		floor := max(d.customerRows[inv.customer].created, d.priceRows[l.price].created)
		rows = append(rows, invoiceItemRow{created: max(floor, inv.created-r.between(0, hour)), customer: inv.customer,
			invoice: l.invoice, line: int32(li), price: l.price, quantity: l.quantity, amount: l.amount})
	}
	var active []int32 // subscribers whose next invoice will bill pending items
	for si, s := range d.subscriptionRows {
		if s.status == subActive && !s.cancelAtPeriodEnd {
			active = append(active, int32(si))
		}
	}
	for k := 0; k < d.scale/100 && len(active) > 0; k++ {
		customer := d.subscriptionRows[pick(r, active)].customer
		c := &d.customerRows[customer]
		t := max(c.created, d.end-r.between(0, 20*day))
		product := int32(r.intn(len(d.productRows)))
		price, ok := d.priceByKey[priceKey{product, c.currency, false, monthly}]
		if !ok || d.productRows[product].plan || d.priceRows[price].created > t {
			continue
		}
		quantity := int32(r.between(1, 3))
		rows = append(rows, invoiceItemRow{created: t, customer: customer, invoice: -1, line: -1, price: price,
			quantity: quantity, amount: d.priceRows[price].unitAmount * int64(quantity)})
	}
	sortByCreated(rows, func(x *invoiceItemRow) int64 { return x.created })
	d.invoiceItemRows = rows
	d.invoiceItems = d.registerTable(invoiceItemsDef, len(rows), createdColumn(rows, func(x *invoiceItemRow) int64 { return x.created }), nil)
	d.invoiceItemsByCustomer = newRefIndex(columnOf(rows, func(x *invoiceItemRow) int32 { return x.customer }), len(d.customerRows))
	d.invoiceItemsByInvoice = newRefIndex(columnOf(rows, func(x *invoiceItemRow) int32 { return x.invoice }), len(d.invoiceRows))
	for i, x := range rows {
		if x.line >= 0 {
			d.lineRows[x.line].invoiceItem = int32(i)
		}
	}
}

// pendingItems returns the customer's invoice items not yet invoiced.
func (d *dataset) pendingItems(customer int32) []int32 {
	var out []int32
	for _, k := range d.invoiceItemsByCustomer.of(customer) {
		if d.invoiceItemRows[k].invoice < 0 {
			out = append(out, k)
		}
	}
	return out
}

func renderInvoiceItem(d *dataset, obj map[string]any, i int32) {
	x := &d.invoiceItemRows[i]
	price := &d.priceRows[x.price]
	obj["amount"] = x.amount
	obj["currency"] = price.currency.String()
	obj["customer"] = d.customers.ids[x.customer]
	obj["description"] = d.productRows[price.product].name
	obj["discountable"] = true
	obj["discounts"] = []any{}
	obj["invoice"] = d.invoices.ref(x.invoice)
	obj["metadata"] = map[string]any{}
	period := fixtureObject(d, "invoiceitem", "period")
	period["start"], period["end"] = x.created, x.created
	if x.invoice >= 0 {
		inv := &d.invoiceRows[x.invoice]
		period["start"], period["end"] = inv.linePeriodStart, inv.linePeriodEnd
	}
	obj["period"] = period
	obj["price"] = d.render(d.prices, x.price)
	obj["proration"] = false
	obj["quantity"] = x.quantity
	obj["subscription"] = nil
	obj["subscription_item"] = nil
	obj["tax_rates"] = []any{}
	obj["test_clock"] = nil
	obj["unit_amount"] = price.unitAmount
	obj["unit_amount_decimal"] = strconv.FormatInt(price.unitAmount, 10)
}
