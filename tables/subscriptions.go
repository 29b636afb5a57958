package tables

func init() {
	register(&Spec{
		Name:    "subscriptions",
		Object:  "subscription",
		Path:    "/v1/subscriptions",
		Created: true,
		Filters: []Filter{{Column: "customer"}, {Column: "status"}, {Column: "collection_method"}},
		// Stripe leaves canceled subscriptions out unless asked for all.
		Defaults: map[string]string{"status": "all"},
		Comment:  "Subscriptions in every status, canceled included (GET /v1/subscriptions?status=all)",
	})
}
