package tables

func init() {
	register(&Spec{
		Name:       "customer_balance_transactions",
		Object:     "customer_balance_transaction",
		Path:       "/v1/customers/{customer}/balance_transactions",
		NoRetrieve: true,
		Parent:     &Parent{Table: "customers", Column: "customer", Param: "customer"},
		Comment:    "Changes to customers' credit balances (GET /v1/customers/{customer}/balance_transactions)",
	})
}
