package fakestripe

import (
	"fmt"
	"strconv"
)

// Credit notes: every refund of an invoice payment is documented by a
// credit note on that invoice, and a few invoices paid outside Stripe are
// credited out of band (some of those credit notes later voided).

type creditNoteRow struct {
	created   int64
	invoice   int32
	refund    int32 // -1: credited out of band
	amount    int64
	reason    string // "" = null
	voidedAt  int64  // 0: issued
	seq       int32  // rank among the invoice's credit notes, from 1
	outOfBand bool
}

var creditNotesDef = &resourceDef{
	name: "credit_notes", object: "credit_note", prefix: "cn",
	listPath: "/v1/credit_notes", retrieve: true,
	filters: []filterDef{
		refFilter("customer", "customers", func(d *dataset) refIndex { return d.creditNotesByCustomer }),
		refFilter("invoice", "invoices", func(d *dataset) refIndex { return d.creditNotesByInvoice }),
	},
	expandable: []string{"customer", "customer_balance_transaction", "invoice", "refund"},
	render:     renderCreditNote,
}

// creditReasons maps a refund's reason to the credit note's.
var creditReasons = map[string]string{"duplicate": "duplicate", "fraudulent": "fraudulent", "requested_by_customer": "order_change"}

func (d *dataset) genCreditNotes() {
	r := d.genRNG("credit_notes")
	var rows []creditNoteRow
	for ri, x := range d.refundRows {
		if inv := d.chargeRows[x.charge].invoice; inv >= 0 {
			rows = append(rows, creditNoteRow{created: x.created, invoice: inv, refund: int32(ri), amount: x.amount,
				reason: creditReasons[refundReasons[x.reason]]})
		}
	}
	for ii := range d.invoiceRows {
		inv := &d.invoiceRows[ii]
		if inv.status != invPaid || inv.charge >= 0 || inv.total == 0 || !r.chance(0.05) {
			continue
		}
		cn := creditNoteRow{created: inv.paidAt + r.between(day, 30*day), invoice: int32(ii), refund: -1, outOfBand: true,
			reason: "product_unsatisfactory"}
		cn.amount = max(currencies[inv.currency].step, inv.currency.roundDown(inv.total*r.between(10, 100)/100))
		if cn.created > d.end {
			continue
		}
		if r.chance(0.2) && cn.created < d.end-day {
			cn.voidedAt = cn.created + r.between(hour, day)
		}
		rows = append(rows, cn)
	}
	sortByCreated(rows, func(cn *creditNoteRow) int64 { return cn.created })
	for i := range rows {
		cn := &rows[i]
		inv := &d.invoiceRows[cn.invoice]
		inv.creditNotes++
		cn.seq = inv.creditNotes
		if cn.voidedAt == 0 {
			inv.creditNoted += cn.amount
		}
	}
	d.creditNoteRows = rows
	d.creditNotes = d.registerTable(creditNotesDef, len(rows), createdColumn(rows, func(cn *creditNoteRow) int64 { return cn.created }), nil)
	d.creditNotesByInvoice = newRefIndex(columnOf(rows, func(cn *creditNoteRow) int32 { return cn.invoice }), len(d.invoiceRows))
	d.creditNotesByCustomer = newRefIndex(columnOf(rows, func(cn *creditNoteRow) int32 { return d.invoiceRows[cn.invoice].customer }),
		len(d.customerRows))
}

func renderCreditNote(d *dataset, obj map[string]any, i int32) {
	cn := &d.creditNoteRows[i]
	inv := &d.invoiceRows[cn.invoice]
	id := d.creditNotes.ids[i]
	obj["amount"] = cn.amount
	obj["amount_shipping"] = 0
	obj["currency"] = inv.currency.String()
	obj["customer"] = d.customers.ids[inv.customer]
	obj["customer_balance_transaction"] = nil
	obj["discount_amount"] = 0
	obj["discount_amounts"] = []any{}
	obj["effective_at"] = cn.created
	obj["invoice"] = d.invoices.ids[cn.invoice]
	line := map[string]any{}
	if lines, ok := d.fixtures["credit_note"]["lines"].(map[string]any); ok {
		if data, ok := lines["data"].([]any); ok && len(data) > 0 {
			line = deepCopy(data[0]).(map[string]any)
		}
	}
	line["amount"], line["amount_excluding_tax"] = cn.amount, cn.amount
	line["description"] = "Credit for invoice " + fmt.Sprint(d.invoiceNumber(cn.invoice))
	line["discount_amount"], line["discount_amounts"] = 0, []any{}
	line["id"] = makeID(d.seed, "cnli", int(i), 0)
	line["invoice_line_item"] = d.lineItems.ref(firstOr(d.lineItems.byParent.of(cn.invoice), -1))
	line["livemode"] = false
	line["quantity"] = 1
	line["tax_amounts"], line["tax_rates"] = []any{}, []any{}
	line["type"] = "invoice_line_item"
	line["unit_amount"], line["unit_amount_decimal"] = nil, nil
	line["unit_amount_excluding_tax"] = strconv.FormatInt(cn.amount, 10)
	obj["lines"] = map[string]any{"object": "list", "data": []any{line}, "has_more": false, "url": "/v1/credit_notes/" + id + "/lines"}
	obj["memo"] = nil
	obj["metadata"] = map[string]any{}
	obj["number"] = fmt.Sprintf("%s-CN-%02d", d.invoiceNumber(cn.invoice), cn.seq)
	obj["out_of_band_amount"] = nil
	if cn.outOfBand {
		obj["out_of_band_amount"] = cn.amount
	}
	obj["pdf"] = "https://pay.stripe.com/credit_notes/acct_fakestripesql/test_" + randomChars(d.rowRNG(d.creditNotes, i, "pdf"), 40) + "/pdf"
	obj["reason"] = nullableString(cn.reason)
	obj["refund"] = d.refunds.ref(cn.refund)
	obj["shipping_cost"] = nil
	obj["status"] = "issued"
	if cn.voidedAt != 0 {
		obj["status"] = "void"
	}
	obj["subtotal"], obj["subtotal_excluding_tax"] = cn.amount, cn.amount
	obj["tax_amounts"] = []any{}
	obj["total"], obj["total_excluding_tax"] = cn.amount, cn.amount
	obj["type"] = "post_payment"
	obj["voided_at"] = nullableTime(cn.voidedAt)
}

func firstOr(rows []int32, def int32) int32 {
	if len(rows) == 0 {
		return def
	}
	return rows[0]
}
