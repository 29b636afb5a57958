package tables

func init() {
	register(&Spec{
		Name:    "checkout_sessions",
		Object:  "checkout.session",
		Path:    "/v1/checkout/sessions",
		Created: true,
		Filters: []Filter{{Column: "customer"}, {Column: "payment_intent"}, {Column: "payment_link"}, {Column: "status"}, {Column: "subscription"}},
		Comment: "Checkout sessions: customers' visits to Stripe's hosted payment page (GET /v1/checkout/sessions)",
	})
}
