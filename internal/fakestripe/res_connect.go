package fakestripe

// Connect: the account is also a platform with a few connected accounts.
// Charges with a transfer group pay part of their amount on to a connected
// account (transfers), and the platform collects application fees on
// charges its connected accounts make (which the fake does not hold).

type transferRow struct {
	created     int64
	charge      int32
	destination int32 // connected account
	amount      int64
	txn         int32
}

var transfersDef = &resourceDef{
	name: "transfers", object: "transfer", prefix: "tr",
	listPath: "/v1/transfers", retrieve: true,
	filters: []filterDef{
		createdFilter(),
		eqFilter("destination", func(d *dataset, i int32) string { return d.connectedAccounts[d.transferRows[i].destination] }),
		eqFilter("transfer_group", func(d *dataset, i int32) string {
			return transferGroup(d.chargeRows[d.transferRows[i].charge].transferGroup)
		}),
	},
	expandable: []string{"balance_transaction", "destination", "destination_payment", "source_transaction"},
	render:     renderTransfer,
}

// shortID is an id with length random characters: Stripe's account ids
// (acct_ and 16 characters) are shorter than object ids.
func shortID(seed int64, prefix string, i, length int) string {
	r := &rng{state: mix64(uint64(seed)^hashString(prefix+".short")) ^ mix64(uint64(i))}
	return prefix + "_" + randomChars(r, length)
}

func (d *dataset) genConnectedAccounts() {
	n := min(max(d.scale/100, 2), 12)
	d.connectedAccounts = make([]string, n)
	for i := range d.connectedAccounts {
		d.connectedAccounts[i] = shortID(d.seed, "acct", i+1, 16) // 0 is the platform itself
	}
}

func (d *dataset) genTransfers() {
	r := d.genRNG("transfers")
	var rows []transferRow
	for ci, c := range d.chargeRows {
		if c.transferGroup < 0 || c.status != chargeSucceeded || !c.captured {
			continue
		}
		rows = append(rows, transferRow{created: min(d.end, c.created+r.between(60, 6*hour)), charge: int32(ci),
			destination: c.transferGroup % int32(len(d.connectedAccounts)),
			amount:      max(currencies[c.currency].step, c.currency.roundDown(c.amount*70/100)), txn: -1})
	}
	sortByCreated(rows, func(x *transferRow) int64 { return x.created })
	d.transferRows = rows
	d.transfers = d.registerTable(transfersDef, len(rows), createdColumn(rows, func(x *transferRow) int64 { return x.created }), nil)
}

func renderTransfer(d *dataset, obj map[string]any, i int32) {
	x := &d.transferRows[i]
	c := &d.chargeRows[x.charge]
	id := d.transfers.ids[i]
	obj["amount"] = x.amount
	obj["amount_reversed"] = 0
	obj["balance_transaction"] = d.balanceTransactions.ref(x.txn)
	obj["currency"] = c.currency.String()
	obj["description"] = nil
	obj["destination"] = d.connectedAccounts[x.destination]
	obj["destination_payment"] = makeID(d.seed, "py", int(i), 0)
	obj["metadata"] = map[string]any{}
	obj["reversals"] = map[string]any{"object": "list", "data": []any{}, "has_more": false, "url": "/v1/transfers/" + id + "/reversals"}
	obj["reversed"] = false
	obj["source_transaction"] = d.charges.ids[x.charge]
	obj["source_type"] = "card"
	obj["transfer_group"] = nullableString(transferGroup(c.transferGroup))
}

type applicationFeeRow struct {
	created  int64
	account  int32
	currency currencyID
	amount   int64
	txn      int32
}

var applicationFeesDef = &resourceDef{
	name: "application_fees", object: "application_fee", prefix: "fee",
	listPath: "/v1/application_fees", retrieve: true,
	filters: []filterDef{
		eqFilter("charge", func(d *dataset, i int32) string { return d.feeCharge(i) }),
		createdFilter(),
	},
	expandable: []string{"account", "application", "balance_transaction", "charge", "originating_transaction"},
	render:     renderApplicationFee,
}

func (d *dataset) genApplicationFees() {
	r := d.genRNG("application_fees")
	n := d.scale / 25
	created := uniformTimes(r, n, d.start, d.end)
	rows := make([]applicationFeeRow, n)
	for i := range rows {
		account := int32(r.intn(len(d.connectedAccounts)))
		cur := currencyID(account % 2) // connected accounts settle in usd or eur
		rows[i] = applicationFeeRow{created: created[i], account: account, currency: cur,
			amount: cur.fromUSDCents(r.between(30, 3000)), txn: -1}
	}
	injectTies(r, n, func(i int) *int64 { return &rows[i].created }, noFloor)
	d.feeRows = rows
	d.applicationFees = d.registerTable(applicationFeesDef, n, createdColumn(rows, func(x *applicationFeeRow) int64 { return x.created }), nil)
}

// feeCharge is the id of the connected account's charge fee i was taken
// from: a charge of that account, which the platform cannot list.
func (d *dataset) feeCharge(i int32) string { return makeID(d.seed+1, "ch", int(i), 0) }

// applicationID is the platform's Connect application.
func (d *dataset) applicationID() string { return shortID(d.seed, "ca", 0, 32) }

func renderApplicationFee(d *dataset, obj map[string]any, i int32) {
	x := &d.feeRows[i]
	id := d.applicationFees.ids[i]
	obj["account"] = d.connectedAccounts[x.account]
	obj["amount"] = x.amount
	obj["amount_refunded"] = 0
	obj["application"] = d.applicationID()
	obj["balance_transaction"] = d.balanceTransactions.ref(x.txn)
	obj["charge"] = d.feeCharge(i)
	obj["currency"] = x.currency.String()
	obj["originating_transaction"] = nil
	obj["refunded"] = false
	obj["refunds"] = map[string]any{"object": "list", "data": []any{}, "has_more": false, "url": "/v1/application_fees/" + id + "/refunds"}
}
