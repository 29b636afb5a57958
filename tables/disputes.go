package tables

func init() {
	register(&Spec{
		Name:    "disputes",
		Object:  "dispute",
		Path:    "/v1/disputes",
		Created: true,
		Filters: []Filter{{Column: "charge"}, {Column: "payment_intent"}},
		Comment: "Disputes (chargebacks and inquiries) raised by cardholders against charges (GET /v1/disputes)",
	})
}
