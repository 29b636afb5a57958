package fakestripe

type refundRow struct {
	created int64
	charge  int32
	amount  int64
	pending bool // status pending, else succeeded
	reason  uint8
	txn     int32
}

// refundReasons index 0 is null.
var refundReasons = []string{"", "requested_by_customer", "duplicate", "fraudulent"}

var refundsDef = &resourceDef{
	name: "refunds", object: "refund", prefix: "re",
	listPath: "/v1/refunds", retrieve: true,
	filters: []filterDef{
		refFilter("charge", "charges", func(d *dataset) refIndex { return d.refundsByCharge }),
		createdFilter(),
		refFilter("payment_intent", "payment_intents", func(d *dataset) refIndex { return d.refundsByPaymentIntent }),
	},
	expandable: []string{"balance_transaction", "charge", "failure_balance_transaction", "payment_intent",
		"source_transfer_reversal", "transfer_reversal"},
	render: renderRefund,
}

// genRefunds refunds about 9% of captured charges: fully, or partially
// (a quarter of those twice).
func (d *dataset) genRefunds() {
	r := d.genRNG("refunds")
	var rows []refundRow
	for ci := range d.chargeRows {
		c := &d.chargeRows[ci]
		if c.status != chargeSucceeded || !c.captured || !r.chance(0.09) {
			continue
		}
		at := func() int64 {
			if r.chance(0.1) {
				return c.created // refunded right away, in the same second
			}
			return min(d.end, c.created+r.between(hour, 60*day))
		}
		refund := func(amount int64) {
			rows = append(rows, refundRow{created: at(), charge: int32(ci), amount: amount, pending: r.chance(0.05),
				reason: uint8(pickWeighted(r, []weighted[int]{{0, 40}, {1, 40}, {2, 12}, {3, 8}})), txn: -1})
			c.amountRefunded += amount
		}
		step := currencies[c.currency].step
		if r.chance(0.6) || c.amount < 4*step {
			refund(c.amount)
			continue
		}
		refund(max(step, c.currency.roundDown(r.between(step, c.amount/2))))
		if r.chance(0.25) {
			refund(max(step, c.currency.roundDown(r.between(step, c.amount-c.amountRefunded))))
		}
	}
	sortByCreated(rows, func(x *refundRow) int64 { return x.created })
	injectTies(r, len(rows), func(i int) *int64 { return &rows[i].created },
		func(i int) int64 { return d.chargeRows[rows[i].charge].created })
	d.refundRows = rows
	d.refunds = d.registerTable(refundsDef, len(rows), createdColumn(rows, func(x *refundRow) int64 { return x.created }), nil)
	d.refundsByCharge = newRefIndex(columnOf(rows, func(x *refundRow) int32 { return x.charge }), len(d.chargeRows))
	d.refundsByPaymentIntent = newRefIndex(columnOf(rows, func(x *refundRow) int32 { return d.chargeRows[x.charge].paymentIntent }),
		len(d.paymentIntentRows))
}

func renderRefund(d *dataset, obj map[string]any, i int32) {
	x := &d.refundRows[i]
	obj["amount"] = x.amount
	obj["balance_transaction"] = d.balanceTransactions.ref(x.txn)
	obj["charge"] = d.charges.ids[x.charge]
	obj["currency"] = d.chargeRows[x.charge].currency.String()
	obj["description"] = nil
	obj["failure_balance_transaction"] = nil
	obj["failure_reason"] = nil
	obj["instructions_email"] = nil
	obj["metadata"] = map[string]any{}
	obj["next_action"] = nil
	obj["payment_intent"] = d.paymentIntents.ref(d.chargeRows[x.charge].paymentIntent)
	obj["reason"] = nullableString(refundReasons[x.reason])
	obj["receipt_number"] = nil
	obj["source_transfer_reversal"] = nil
	obj["status"] = "succeeded"
	if x.pending {
		obj["status"] = "pending"
	}
	obj["transfer_reversal"] = nil
}
