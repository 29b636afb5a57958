package fakestripe

import "sort"

// Balance transactions: every movement of the account's balance, in the
// source's currency (as if the account settled in every currency): charges
// (succeeded and captured, or pending), refunds, dispute withdrawals and
// reinstatements, transfers to connected accounts, application fees,
// payouts and failed payouts coming back.

type txnKind uint8

const (
	txnCharge txnKind = iota
	txnRefund
	txnDispute
	txnDisputeReversal
	txnTransfer
	txnApplicationFee
	txnPayout
	txnPayoutFailure
)

// txnKinds gives each kind's type and reporting_category.
var txnKinds = [...]struct{ typ, category string }{
	txnCharge:          {"charge", "charge"},
	txnRefund:          {"refund", "refund"},
	txnDispute:         {"adjustment", "dispute"},
	txnDisputeReversal: {"adjustment", "dispute_reversal"},
	txnTransfer:        {"transfer", "transfer"},
	txnApplicationFee:  {"application_fee", "platform_earning"},
	txnPayout:          {"payout", "payout"},
	txnPayoutFailure:   {"payout_failure", "payout_reversal"},
}

type balanceTransactionRow struct {
	created     int64
	availableOn int64
	kind        txnKind
	source      int32 // row in the source's table
	currency    currencyID
	amount      int64
	fee         int64
	pending     bool
	payout      int32 // the automatic payout that paid it out (a payout's own: that payout), -1
}

var balanceTransactionsDef = &resourceDef{
	name: "balance_transactions", object: "balance_transaction", prefix: "txn",
	listPath: "/v1/balance_transactions", retrieve: true,
	filters: []filterDef{
		createdFilter(),
		eqFilter("currency", func(d *dataset, i int32) string { return d.txnRows[i].currency.String() }),
		refFilter("payout", "payouts", func(d *dataset) refIndex { return d.txnsByPayout }),
		sourceFilter(),
		eqFilter("type", func(d *dataset, i int32) string { return txnKinds[d.txnRows[i].kind].typ }),
	},
	expandable: []string{"source"},
	render:     renderBalanceTransaction,
}

// available reports whether the funds are available at now.
func (t *balanceTransactionRow) available(now int64) bool { return !t.pending && t.availableOn <= now }

// sourceFilter finds the balance transactions of a source object's id.
func sourceFilter() filterDef {
	return filterDef{name: "source", compile: func(d *dataset, _ *table, p param) (rowFilter, *apiError) {
		id, err := p.scalar("string")
		if err != nil {
			return rowFilter{}, err
		}
		var txns []int32
		for _, t := range d.txnsOf(id) {
			if t >= 0 {
				txns = append(txns, t)
			}
		}
		sort.Slice(txns, func(a, b int) bool { return txns[a] < txns[b] })
		return rowFilter{restricted: true, rows: txns}, nil
	}}
}

// txnsOf returns the balance transactions of the object id names (-1 for
// none).
func (d *dataset) txnsOf(id string) []int32 {
	t := d.tableForID(id)
	if t == nil {
		return nil
	}
	row, ok := t.lookup(id)
	if !ok {
		return nil
	}
	switch t {
	case d.charges:
		return []int32{d.chargeRows[row].txn}
	case d.refunds:
		return []int32{d.refundRows[row].txn}
	case d.disputes:
		return d.disputeRows[row].txns[:]
	case d.transfers:
		return []int32{d.transferRows[row].txn}
	case d.applicationFees:
		return []int32{d.feeRows[row].txn}
	case d.payouts:
		return []int32{d.payoutRows[row].txn, d.payoutRows[row].failureTxn}
	}
	return nil
}

// availableOn is when a charge's funds become available: two days later,
// at midnight UTC.
func availableOn(created int64) int64 { return (created + 2*day) / day * day }

// genBalanceTransactions records every movement, pays the available funds
// out weekly (payouts.go), then links sources to their transactions.
func (d *dataset) genBalanceTransactions() {
	var rows []balanceTransactionRow
	add := func(kind txnKind, source int32, created int64, c currencyID, amount, fee int64, pending bool) {
		avail := created // debits take effect at once
		if amount > 0 && (kind == txnCharge || kind == txnApplicationFee) {
			avail = availableOn(created)
		}
		rows = append(rows, balanceTransactionRow{created: created, availableOn: avail, kind: kind, source: source,
			currency: c, amount: amount, fee: fee, pending: pending, payout: -1})
	}
	for i, c := range d.chargeRows {
		if c.status == chargePending || c.status == chargeSucceeded && c.captured {
			add(txnCharge, int32(i), c.created, c.currency, c.amount, min(c.amount, c.currency.fee(c.amount)), c.status == chargePending)
		}
	}
	for i, x := range d.refundRows {
		add(txnRefund, int32(i), x.created, d.chargeRows[x.charge].currency, -x.amount, 0, x.pending)
	}
	for i, x := range d.disputeRows {
		c := d.chargeRows[x.charge].currency
		if !x.status.inquiry() {
			add(txnDispute, int32(i), x.created, c, -x.amount, disputeFee(c), false)
		}
		if x.closedAt != 0 {
			add(txnDisputeReversal, int32(i), x.closedAt, c, x.amount, 0, false)
		}
	}
	for i, x := range d.transferRows {
		add(txnTransfer, int32(i), x.created, d.chargeRows[x.charge].currency, -x.amount, 0, false)
	}
	for i, x := range d.feeRows {
		add(txnApplicationFee, int32(i), x.created, x.currency, x.amount, 0, false)
	}
	// Stable: a refund made in its charge's second stays after the charge.
	sortByCreated(rows, func(t *balanceTransactionRow) int64 { return t.created })
	rows = d.genPayouts(rows)
	sortByCreated(rows, func(t *balanceTransactionRow) int64 { return t.created })
	d.txnRows = rows
	d.balanceTransactions = d.registerTable(balanceTransactionsDef, len(rows),
		createdColumn(rows, func(t *balanceTransactionRow) int64 { return t.created }), nil)
	d.txnsByPayout = newRefIndex(columnOf(rows, func(t *balanceTransactionRow) int32 { return t.payout }), len(d.payoutRows))
	for i, t := range rows {
		d.linkTxn(&t, int32(i))
	}
}

// linkTxn records in its source that transaction i is t.
func (d *dataset) linkTxn(t *balanceTransactionRow, i int32) {
	switch t.kind {
	case txnCharge:
		d.chargeRows[t.source].txn = i
	case txnRefund:
		d.refundRows[t.source].txn = i
	case txnDispute:
		d.disputeRows[t.source].txns[0] = i
	case txnDisputeReversal:
		d.disputeRows[t.source].txns[1] = i
	case txnTransfer:
		d.transferRows[t.source].txn = i
	case txnApplicationFee:
		d.feeRows[t.source].txn = i
	case txnPayout:
		d.payoutRows[t.source].txn = i
	case txnPayoutFailure:
		d.payoutRows[t.source].failureTxn = i
	}
}

// txnSource returns the table and row of transaction i's source.
func (d *dataset) txnSource(t *balanceTransactionRow) (*table, int32) {
	return [...]*table{
		txnCharge: d.charges, txnRefund: d.refunds, txnDispute: d.disputes, txnDisputeReversal: d.disputes,
		txnTransfer: d.transfers, txnApplicationFee: d.applicationFees, txnPayout: d.payouts, txnPayoutFailure: d.payouts,
	}[t.kind], t.source
}

func (d *dataset) txnDescription(t *balanceTransactionRow) any {
	switch t.kind {
	case txnCharge:
		return nullableString(d.chargeDescription(t.source))
	case txnRefund:
		return "REFUND FOR CHARGE (" + orDefault(d.chargeDescription(d.refundRows[t.source].charge), "Payment") + ")"
	case txnDispute:
		return "Chargeback withdrawal for " + d.charges.ids[d.disputeRows[t.source].charge]
	case txnDisputeReversal:
		return "Chargeback reversal for " + d.charges.ids[d.disputeRows[t.source].charge]
	case txnTransfer:
		return nil
	case txnApplicationFee:
		return "Application fee from " + d.connectedAccounts[d.feeRows[t.source].account]
	case txnPayout:
		return "STRIPE PAYOUT"
	}
	return "Payout failure"
}

func renderBalanceTransaction(d *dataset, obj map[string]any, i int32) {
	t := &d.txnRows[i]
	src, row := d.txnSource(t)
	obj["amount"] = t.amount
	obj["available_on"] = t.availableOn
	obj["currency"] = t.currency.String()
	obj["description"] = d.txnDescription(t)
	obj["source"] = src.ids[row]
	obj["exchange_rate"] = nil
	obj["fee"] = t.fee
	obj["fee_details"] = []any{}
	if t.fee != 0 {
		what := "Stripe processing fees"
		if t.kind == txnDispute {
			what = "Dispute fee"
		}
		obj["fee_details"] = []any{map[string]any{"amount": t.fee, "application": nil, "currency": t.currency.String(),
			"description": what, "type": "stripe_fee"}}
	}
	obj["net"] = t.amount - t.fee
	obj["reporting_category"] = txnKinds[t.kind].category
	obj["status"] = "available"
	if !t.available(d.end) {
		obj["status"] = "pending"
	}
	obj["type"] = txnKinds[t.kind].typ
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
