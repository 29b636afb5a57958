package tables

func init() {
	register(&Spec{
		Name:    "charges",
		Object:  "charge",
		Path:    "/v1/charges",
		Created: true,
		Filters: []Filter{{Column: "customer"}, {Column: "payment_intent"}, {Column: "transfer_group"}},
		Search: &Search{Created: true, Token: []string{"currency", "customer", "status"}, Number: []string{"amount"}, Metadata: true,
			Events: []string{"charge.captured", "charge.expired", "charge.failed", "charge.pending", "charge.refunded", "charge.succeeded", "charge.updated"}},
		Comment: "Charges: attempts to move money into the Stripe balance (GET /v1/charges)",
	})
}
