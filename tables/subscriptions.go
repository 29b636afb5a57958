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
		// customer.subscription.deleted is a cancellation: the subscription stays.
		Search: &Search{Created: true, Token: []string{"status"}, Metadata: true,
			Events: []string{"customer.subscription.created", "customer.subscription.deleted", "customer.subscription.paused", "customer.subscription.pending_update_applied",
				"customer.subscription.pending_update_expired", "customer.subscription.resumed", "customer.subscription.trial_will_end", "customer.subscription.updated"}},
		Comment: "Subscriptions in every status, canceled included (GET /v1/subscriptions?status=all)",
	})
}
