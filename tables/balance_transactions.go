package tables

func init() {
	register(&Spec{
		Name:    "balance_transactions",
		Object:  "balance_transaction",
		Path:    "/v1/balance_transactions",
		Created: true,
		Filters: []Filter{{Column: "type"}, {Column: "source"}, {Column: "currency"}},
		Comment: "Balance transactions: every movement of funds in the balance (GET /v1/balance_transactions)",
	})
}
