package tables

func init() {
	register(&Spec{
		Name:    "connected_accounts",
		Object:  "account",
		Path:    "/v1/accounts",
		Created: true,
		Comment: "Stripe Connect: the platform's connected accounts (GET /v1/accounts); their ids are the values of every table's stripe_account column",
	})
}
