package tables

func init() {
	register(&Spec{
		Name:    "refunds",
		Object:  "refund",
		Path:    "/v1/refunds",
		Created: true,
		Filters: []Filter{{Column: "charge"}, {Column: "payment_intent"}},
		Comment: "Refunds of charges (GET /v1/refunds)",
	})
}
