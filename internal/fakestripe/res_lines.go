package fakestripe

import "fmt"

// Invoice line items: one per subscription item on subscription invoices,
// the invoiced goods on one-off invoices. Served by
// /v1/invoices/{invoice}/lines in invoice order.

type lineItemRow struct {
	invoice  int32
	price    int32
	subItem  int32 // -1 for invoice items
	quantity int32
	amount   int64
}

var lineItemsDef = &resourceDef{
	name: "line_items", object: "line_item", prefix: "il",
	listPath: "/v1/invoices/{invoice}/lines", parent: "invoices", oldestFirst: true,
	expandable: []string{"invoice_item", "subscription", "subscription_item"},
	render:     renderLineItem,
}

func (d *dataset) genLineItems() {
	var rows []lineItemRow
	for i, inv := range d.invoiceRows {
		if inv.subscription >= 0 {
			for _, item := range d.subscriptionItems.byParent.of(inv.subscription) {
				it := &d.subItemRows[item]
				line := lineItemRow{invoice: int32(i), price: it.price, subItem: item, quantity: it.quantity}
				if !inv.trial {
					line.amount = d.priceRows[it.price].unitAmount * int64(it.quantity)
				}
				rows = append(rows, line)
			}
			continue
		}
		for _, spec := range inv.oneOffLines[:inv.oneOffCount] {
			rows = append(rows, lineItemRow{invoice: int32(i), price: spec.price, subItem: -1, quantity: spec.quantity,
				amount: d.priceRows[spec.price].unitAmount * int64(spec.quantity)})
		}
	}
	d.lineRows = rows
	d.lineItems = d.registerTable(lineItemsDef, len(rows), nil, columnOf(rows, func(l *lineItemRow) int32 { return l.invoice }))
}

func renderLineItem(d *dataset, obj map[string]any, i int32) {
	l := &d.lineRows[i]
	inv := &d.invoiceRows[l.invoice]
	price := &d.priceRows[l.price]
	product := d.productRows[price.product].name
	obj["amount"] = l.amount
	obj["amount_excluding_tax"] = l.amount
	obj["currency"] = inv.currency.String()
	obj["discount_amounts"] = []any{}
	obj["discountable"] = true
	obj["discounts"] = []any{}
	obj["invoice_item"] = nil
	obj["metadata"] = map[string]any{}
	period := fixtureObject(d, "line_item", "period")
	period["start"], period["end"] = inv.linePeriodStart, inv.linePeriodEnd
	obj["period"] = period
	obj["price"] = d.render(d.prices, l.price)
	obj["proration"] = false
	obj["proration_details"] = map[string]any{"credited_items": nil}
	obj["quantity"] = l.quantity
	obj["subscription"] = nil
	obj["subscription_item"] = nil
	obj["tax_amounts"] = []any{}
	obj["tax_rates"] = []any{}
	obj["unit_amount_excluding_tax"] = fmt.Sprint(l.amount / int64(max(l.quantity, 1)))
	if l.subItem >= 0 {
		obj["type"] = "subscription"
		obj["subscription"] = d.subscriptions.ids[inv.subscription]
		obj["subscription_item"] = d.subscriptionItems.ids[l.subItem]
		obj["description"] = fmt.Sprintf("%d × %s (at %s / %s)", l.quantity, product, formatAmount(price.unitAmount, price.currency), price.interval)
		if inv.trial {
			obj["description"] = "Trial period for " + product
		}
		return
	}
	obj["type"] = "invoiceitem"
	// Invoice items are not a resource of the fake yet: a stable id only.
	obj["invoice_item"] = makeID(d.seed, "ii", int(i), 0)
	obj["description"] = product
}

// formatAmount writes a minor-unit amount for line descriptions ("$20.00",
// "3000 JPY", "6.140 KWD").
func formatAmount(amount int64, c currencyID) string {
	switch c.String() {
	case "jpy":
		return fmt.Sprintf("%d JPY", amount)
	case "kwd":
		return fmt.Sprintf("%d.%03d KWD", amount/1000, amount%1000)
	case "usd":
		return fmt.Sprintf("$%d.%02d", amount/100, amount%100)
	}
	return fmt.Sprintf("%d.%02d %s", amount/100, amount%100, c)
}
