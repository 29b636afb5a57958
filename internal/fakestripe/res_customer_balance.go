package fakestripe

// Customer balance transactions: credits and debits on a tenth of the
// customers, served by /v1/customers/{customer}/balance_transactions.

type customerBalanceTransactionRow struct {
	created       int64
	customer      int32
	amount        int64
	endingBalance int64
}

var customerBalanceTransactionsDef = &resourceDef{
	name: "customer_balance_transactions", object: "customer_balance_transaction", prefix: "cbtxn",
	listPath: "/v1/customers/{customer}/balance_transactions", retrieve: true, parent: "customers",
	expandable: []string{"credit_note", "customer", "invoice"},
	render:     renderCustomerBalanceTransaction,
}

func (d *dataset) genCustomerBalanceTransactions() {
	r := d.genRNG("customer_balance_transactions")
	var rows []customerBalanceTransactionRow
	for ci, c := range d.customerRows {
		if !r.chance(0.1) {
			continue
		}
		for k := 0; k < 1+r.intn(3); k++ {
			amount := -c.currency.fromUSDCents(r.between(5, 100) * 100) // a credit
			if r.chance(0.2) {
				amount = -amount
			}
			rows = append(rows, customerBalanceTransactionRow{created: r.between(c.created, d.end), customer: int32(ci), amount: amount})
		}
	}
	sortByCreated(rows, func(x *customerBalanceTransactionRow) int64 { return x.created })
	injectTies(r, len(rows), func(i int) *int64 { return &rows[i].created },
		func(i int) int64 { return d.customerRows[rows[i].customer].created })
	for i := range rows {
		c := &d.customerRows[rows[i].customer]
		c.balance += rows[i].amount
		c.billed = true
		rows[i].endingBalance = c.balance
	}
	d.cbtxnRows = rows
	d.customerBalanceTransactions = d.registerTable(customerBalanceTransactionsDef, len(rows),
		createdColumn(rows, func(x *customerBalanceTransactionRow) int64 { return x.created }),
		columnOf(rows, func(x *customerBalanceTransactionRow) int32 { return x.customer }))
}

func renderCustomerBalanceTransaction(d *dataset, obj map[string]any, i int32) {
	x := &d.cbtxnRows[i]
	obj["amount"] = x.amount
	obj["credit_note"] = nil
	obj["currency"] = d.customerRows[x.customer].currency.String()
	obj["customer"] = d.customers.ids[x.customer]
	obj["description"] = "Goodwill credit"
	if x.amount > 0 {
		obj["description"] = "Account debit"
	}
	obj["ending_balance"] = x.endingBalance
	obj["invoice"] = nil
	obj["metadata"] = nil
	obj["type"] = "adjustment"
}
