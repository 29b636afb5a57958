package tables

func init() {
	register(&Spec{
		Name:    "payment_intents",
		Object:  "payment_intent",
		Path:    "/v1/payment_intents",
		Created: true,
		Filters: []Filter{{Column: "customer"}},
		// Stripe has no payment_intent.updated: a metadata or amount
		// update emits no event, so a search would miss it.
		Search: &Search{Created: true, Token: []string{"currency", "customer", "status"}, Number: []string{"amount"}, Metadata: true, Unannounced: true,
			Events: []string{"payment_intent.amount_capturable_updated", "payment_intent.canceled", "payment_intent.created", "payment_intent.partially_funded",
				"payment_intent.payment_failed", "payment_intent.processing", "payment_intent.requires_action", "payment_intent.succeeded"}},
		Comment: "Payment intents: the payment flows whose attempts are charges (GET /v1/payment_intents)",
	})
}
