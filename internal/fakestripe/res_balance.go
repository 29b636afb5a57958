package fakestripe

// Balance transactions: one per succeeded (captured) or pending charge and
// one per refund, created with their source, in the source's currency (as
// if the account settled in every currency).

type balanceTransactionRow struct {
	created    int64
	source     int32
	fromRefund bool // source is a refund, else a charge
	currency   currencyID
	amount     int64
	fee        int64
	pending    bool
}

var balanceTransactionsDef = &resourceDef{
	name: "balance_transactions", object: "balance_transaction", prefix: "txn",
	listPath: "/v1/balance_transactions", retrieve: true,
	filters: []filterDef{
		createdFilter(),
		eqFilter("currency", func(d *dataset, i int32) string { return d.txnRows[i].currency.String() }),
		eqFilter("payout", func(*dataset, int32) string { return "" }), // no payouts yet
		sourceFilter(),
		eqFilter("type", func(d *dataset, i int32) string { return d.txnRows[i].kind() }),
	},
	expandable: []string{"source"},
	render:     renderBalanceTransaction,
}

func (t *balanceTransactionRow) kind() string {
	if t.fromRefund {
		return "refund"
	}
	return "charge"
}

// sourceFilter finds the balance transaction of a charge or refund id.
func sourceFilter() filterDef {
	return filterDef{name: "source", compile: func(d *dataset, _ *table, p param) (rowFilter, *apiError) {
		id, err := p.scalar("string")
		if err != nil {
			return rowFilter{}, err
		}
		txn := int32(-1)
		if row, ok := d.charges.lookup(id); ok {
			txn = d.chargeRows[row].txn
		} else if row, ok := d.refunds.lookup(id); ok {
			txn = d.refundRows[row].txn
		}
		if txn < 0 {
			return noRows, nil
		}
		return rowFilter{restricted: true, rows: []int32{txn}}, nil
	}}
}

func (d *dataset) genBalanceTransactions() {
	var rows []balanceTransactionRow
	for i, c := range d.chargeRows {
		if c.status == chargePending || c.status == chargeSucceeded && c.captured {
			rows = append(rows, balanceTransactionRow{created: c.created, source: int32(i), currency: c.currency,
				amount: c.amount, fee: min(c.amount, c.currency.fee(c.amount)), pending: c.status == chargePending})
		}
	}
	for i, x := range d.refundRows {
		rows = append(rows, balanceTransactionRow{created: x.created, source: int32(i), fromRefund: true,
			currency: d.chargeRows[x.charge].currency, amount: -x.amount, pending: x.pending})
	}
	// Stable: a refund made in its charge's second stays after the charge.
	sortByCreated(rows, func(t *balanceTransactionRow) int64 { return t.created })
	d.txnRows = rows
	d.balanceTransactions = d.registerTable(balanceTransactionsDef, len(rows),
		createdColumn(rows, func(t *balanceTransactionRow) int64 { return t.created }), nil)
	for i, t := range rows {
		if t.fromRefund {
			d.refundRows[t.source].txn = int32(i)
		} else {
			d.chargeRows[t.source].txn = int32(i)
		}
	}
}

// availableOn is when funds become available: two days later, at midnight UTC.
func availableOn(created int64) int64 { return (created + 2*day) / day * day }

func renderBalanceTransaction(d *dataset, obj map[string]any, i int32) {
	t := &d.txnRows[i]
	obj["amount"] = t.amount
	obj["available_on"] = availableOn(t.created)
	obj["currency"] = t.currency.String()
	if t.fromRefund {
		charge := d.refundRows[t.source].charge
		obj["description"] = "REFUND FOR CHARGE (" + orDefault(d.chargeDescription(charge), "Payment") + ")"
		obj["source"] = d.refunds.ids[t.source]
	} else {
		obj["description"] = nullableString(d.chargeDescription(t.source))
		obj["source"] = d.charges.ids[t.source]
	}
	obj["exchange_rate"] = nil
	obj["fee"] = t.fee
	obj["fee_details"] = []any{}
	if t.fee != 0 {
		obj["fee_details"] = []any{map[string]any{"amount": t.fee, "application": nil, "currency": t.currency.String(),
			"description": "Stripe processing fees", "type": "stripe_fee"}}
	}
	obj["net"] = t.amount - t.fee
	obj["reporting_category"] = t.kind()
	obj["status"] = "available"
	if t.pending || availableOn(t.created) > windowEnd {
		obj["status"] = "pending"
	}
	obj["type"] = t.kind()
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
