package fakestripe

import "fmt"

// Invoice line items: one per subscription item on subscription invoices,
// one per invoice item on one-off invoices. Served by
// /v1/invoices/{invoice}/lines in invoice order.

type lineItemRow struct {
	invoice     int32
	price       int32
	subItem     int32 // -1 for invoice items
	invoiceItem int32 // -1 for subscription lines
	quantity    int32
	amount      int64
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
				line := lineItemRow{invoice: int32(i), price: it.price, subItem: item, invoiceItem: -1, quantity: it.quantity}
				if !inv.trial {
					line.amount = d.priceRows[it.price].unitAmount * int64(it.quantity)
				}
				rows = append(rows, line)
			}
			continue
		}
		for _, spec := range inv.oneOffLines[:inv.oneOffCount] {
			rows = append(rows, lineItemRow{invoice: int32(i), price: spec.price, subItem: -1, invoiceItem: -1, quantity: spec.quantity,
				amount: d.priceRows[spec.price].unitAmount * int64(spec.quantity)})
		}
	}
	d.lineRows = rows
	d.lineItems = d.registerTable(lineItemsDef, len(rows), nil, columnOf(rows, func(l *lineItemRow) int32 { return l.invoice }))
}

// lineView is what a line shows; invoice lines and the lines of upcoming
// invoices are rendered from it.
type lineView struct {
	currency               currencyID
	price                  int32
	quantity               int32
	amount                 int64
	discount               int32 // -1: none
	discountAmount         int64
	periodStart, periodEnd int64
	subscription, subItem  int32 // -1 for invoice items
	invoiceItem            int32 // -1 for subscription lines
	trial                  bool
}

func renderLineItem(d *dataset, obj map[string]any, i int32) {
	l := &d.lineRows[i]
	inv := &d.invoiceRows[l.invoice]
	v := lineView{currency: inv.currency, price: l.price, quantity: l.quantity, amount: l.amount, discount: inv.discount,
		periodStart: inv.linePeriodStart, periodEnd: inv.linePeriodEnd, subscription: -1, subItem: l.subItem,
		invoiceItem: l.invoiceItem, trial: inv.trial}
	if l.subItem >= 0 {
		v.subscription = inv.subscription
	}
	if inv.discount >= 0 {
		lines := d.lineItems.byParent.of(l.invoice)
		amounts := make([]int64, len(lines))
		at := 0
		for k, line := range lines {
			amounts[k] = d.lineRows[line].amount
			if line == i {
				at = k
			}
		}
		v.discountAmount = d.couponRows[d.discountRows[inv.discount].coupon].shares(amounts, inv.currency)[at]
	}
	d.fillLine(obj, v)
}

// fillLine patches a line_item fixture copy with v.
func (d *dataset) fillLine(obj map[string]any, v lineView) {
	price := &d.priceRows[v.price]
	product := d.productRows[price.product].name
	obj["amount"] = v.amount
	obj["amount_excluding_tax"] = v.amount
	obj["currency"] = v.currency.String()
	obj["discount_amounts"] = []any{}
	obj["discounts"] = []any{}
	if v.discount >= 0 {
		id := d.discounts.ids[v.discount]
		obj["discount_amounts"] = []any{map[string]any{"amount": v.discountAmount, "discount": id}}
		obj["discounts"] = []any{id}
	}
	obj["discountable"] = true
	obj["invoice_item"] = d.invoiceItems.ref(v.invoiceItem)
	obj["metadata"] = map[string]any{}
	period := fixtureObject(d, "line_item", "period")
	period["start"], period["end"] = v.periodStart, v.periodEnd
	obj["period"] = period
	obj["price"] = d.render(d.prices, v.price)
	obj["proration"] = false
	obj["proration_details"] = map[string]any{"credited_items": nil}
	obj["quantity"] = v.quantity
	obj["subscription"] = d.subscriptions.ref(v.subscription)
	obj["subscription_item"] = d.subscriptionItems.ref(v.subItem)
	obj["tax_amounts"] = []any{}
	obj["tax_rates"] = []any{}
	obj["unit_amount_excluding_tax"] = fmt.Sprint(v.amount / int64(max(v.quantity, 1)))
	if v.subItem >= 0 {
		obj["type"] = "subscription"
		obj["description"] = fmt.Sprintf("%d × %s (at %s / %s)", v.quantity, product, formatAmount(price.unitAmount, price.currency), price.interval)
		if v.trial {
			obj["description"] = "Trial period for " + product
		}
		return
	}
	obj["type"] = "invoiceitem"
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
