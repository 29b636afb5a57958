package tables

func init() {
	register(&Spec{
		Name:    "account",
		Object:  "account",
		Path:    "/v1/account",
		Single:  true,
		Comment: "The Stripe account itself: one row (GET /v1/account)",
	})
}
