package tables

func init() {
	register(&Spec{
		Name:    "payment_intents",
		Object:  "payment_intent",
		Path:    "/v1/payment_intents",
		Created: true,
		Filters: []Filter{{Column: "customer"}},
		Comment: "Payment intents: the payment flows whose attempts are charges (GET /v1/payment_intents)",
	})
}
