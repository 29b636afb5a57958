package tables

func init() {
	register(&Spec{
		Name:    "payouts",
		Object:  "payout",
		Path:    "/v1/payouts",
		Created: true,
		Filters: []Filter{{Column: "destination"}, {Column: "status"}},
		Comment: "Payouts of the balance to the account's bank accounts; their balance transactions have payout = … (GET /v1/payouts)",
	})
}
