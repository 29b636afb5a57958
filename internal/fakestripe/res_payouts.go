package fakestripe

// Payouts: every Monday the available balance of each currency is paid out
// to the account's bank account for that currency (an automatic payout),
// arriving two days later. A few fail on arrival, and their amount comes
// back to the balance to be paid out the next week. The balance
// transactions a payout paid out are listed by
// /v1/balance_transactions?payout=po_…, its own included.

type payoutRow struct {
	created, arrival int64
	currency         currencyID
	amount           int64
	failed           bool
	txn, failureTxn  int32 // failureTxn -1 unless failed
}

var payoutsDef = &resourceDef{
	name: "payouts", object: "payout", prefix: "po",
	listPath: "/v1/payouts", retrieve: true,
	filters: []filterDef{
		rangeFilter("arrival_date", func(d *dataset, i int32) (int64, bool) { return d.payoutRows[i].arrival, true }),
		createdFilter(),
		eqFilter("destination", func(d *dataset, i int32) string { return d.payoutDestination(d.payoutRows[i].currency) }),
		eqFilter("status", func(d *dataset, i int32) string { return d.payoutRows[i].status(d.end) }),
	},
	expandable: []string{"balance_transaction", "destination", "failure_balance_transaction", "original_payout", "reversed_by"},
	render:     renderPayout,
}

// firstPayout is the first Monday 06:00 UTC after start (2023-01-02 for
// the fixed window).
func firstPayout(start int64) int64 {
	at := start - start%day + 6*hour
	// the Unix epoch, day 0, was a Thursday: Monday is day 4 of a week
	for at <= start || (at/day)%7 != 4 {
		at += day
	}
	return at
}

// status is the payout's status at now.
func (p *payoutRow) status(now int64) string {
	switch {
	case p.failed:
		return "failed"
	case p.arrival <= now:
		return "paid"
	case p.created > now-day:
		return "pending"
	}
	return "in_transit"
}

// payoutDestination is the account's bank account for a currency.
func (d *dataset) payoutDestination(c currencyID) string {
	r := &rng{state: mix64(uint64(d.seed)^hashString("payout_destination")) ^ mix64(uint64(c))}
	return "ba_" + randomChars(r, idLength)
}

// genPayouts pays out txns (sorted by creation) and returns them with the
// payouts' own transactions added (unsorted).
func (d *dataset) genPayouts(txns []balanceTransactionRow) []balanceTransactionRow {
	r := d.genRNG("payouts")
	// Per currency, the transactions that become available, in that order.
	queues := make([][]int32, len(currencies))
	for i := range txns {
		if t := &txns[i]; t.available(d.end) {
			queues[t.currency] = append(queues[t.currency], int32(i))
		}
	}
	for c := range queues {
		q := queues[c]
		sortByCreated(q, func(i *int32) int64 { return txns[*i].availableOn })
	}
	next := make([]int, len(currencies))
	pools := make([][]int32, len(currencies)) // available, not yet paid out
	for at := firstPayout(d.start); at <= d.end; at += 7 * day {
		for c := range currencies {
			cur := currencyID(c)
			created := at + int64(c) // one second apart, in currency order
			q := queues[c]
			for ; next[c] < len(q) && txns[q[next[c]]].availableOn <= created; next[c]++ {
				pools[c] = append(pools[c], q[next[c]])
			}
			var sum int64
			for _, i := range pools[c] {
				sum += txns[i].amount - txns[i].fee
			}
			if sum <= 0 {
				continue
			}
			po := int32(len(d.payoutRows))
			for _, i := range pools[c] {
				txns[i].payout = po
			}
			pools[c] = pools[c][:0]
			p := payoutRow{created: created, arrival: created + 2*day, currency: cur, amount: sum, failureTxn: -1}
			p.failed = p.arrival <= d.end && r.chance(0.02)
			d.payoutRows = append(d.payoutRows, p)
			txns = append(txns, balanceTransactionRow{created: created, availableOn: created, kind: txnPayout, source: po,
				currency: cur, amount: -sum, payout: po})
			if p.failed {
				// The money comes back on arrival, for a later payout.
				back := balanceTransactionRow{created: p.arrival, availableOn: p.arrival, kind: txnPayoutFailure, source: po,
					currency: cur, amount: sum, payout: -1}
				txns = append(txns, back)
				queues[c] = insertByAvailability(txns, queues[c], next[c], int32(len(txns)-1))
			}
		}
	}
	d.payouts = d.registerTable(payoutsDef, len(d.payoutRows), createdColumn(d.payoutRows, func(p *payoutRow) int64 { return p.created }), nil)
	return txns
}

// insertByAvailability inserts transaction k into the part of queue q not
// yet consumed (from next), keeping it ordered by availability.
func insertByAvailability(txns []balanceTransactionRow, q []int32, next int, k int32) []int32 {
	at := len(q)
	for at > next && txns[q[at-1]].availableOn > txns[k].availableOn {
		at--
	}
	q = append(q, 0)
	copy(q[at+1:], q[at:])
	q[at] = k
	return q
}

func renderPayout(d *dataset, obj map[string]any, i int32) {
	p := &d.payoutRows[i]
	obj["amount"] = p.amount
	obj["arrival_date"] = p.arrival
	obj["automatic"] = true
	obj["balance_transaction"] = d.balanceTransactions.ids[p.txn]
	obj["currency"] = p.currency.String()
	obj["description"] = "STRIPE PAYOUT"
	obj["destination"] = d.payoutDestination(p.currency)
	obj["failure_balance_transaction"] = d.balanceTransactions.ref(p.failureTxn)
	obj["failure_code"], obj["failure_message"] = nil, nil
	if p.failed {
		obj["failure_code"] = "account_closed"
		obj["failure_message"] = "The bank account has been closed."
	}
	obj["metadata"] = map[string]any{}
	obj["method"] = "standard"
	obj["original_payout"] = nil
	obj["reconciliation_status"] = "completed"
	obj["reversed_by"] = nil
	obj["source_type"] = "card"
	obj["statement_descriptor"] = nil
	obj["status"] = p.status(d.end)
	obj["type"] = "bank_account"
}

// PayoutOf returns the payout that paid balance transaction txn out (a
// payout's own transaction: that payout), "" when none has or for an
// unknown id: what GET /v1/balance_transactions?payout=… selects by, and a
// balance transaction does not show.
func (s *Server) PayoutOf(txn string) string {
	row, ok := s.data.balanceTransactions.lookup(txn)
	if !ok {
		return ""
	}
	return s.data.payouts.id(s.data.txnRows[row].payout)
}
