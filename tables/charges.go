package tables

func init() {
	register(&Spec{
		Name:    "charges",
		Object:  "charge",
		Path:    "/v1/charges",
		Created: true,
		Filters: []Filter{{Column: "customer"}, {Column: "payment_intent"}, {Column: "transfer_group"}},
		Comment: "Charges: attempts to move money into the Stripe balance (GET /v1/charges)",
	})
}
