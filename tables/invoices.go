package tables

func init() {
	register(&Spec{
		Name:    "invoices",
		Object:  "invoice",
		Path:    "/v1/invoices",
		Created: true,
		Filters: []Filter{{Column: "customer"}, {Column: "status"}, {Column: "subscription"}, {Column: "collection_method"}},
		Search: &Search{Created: true, Token: []string{"currency", "customer"}, String: []string{"number", "receipt_number", "status", "subscription"}, Number: []string{"total"}, Metadata: true,
			Events: []string{"invoice.created", "invoice.deleted", "invoice.finalization_failed", "invoice.finalized", "invoice.marked_uncollectible", "invoice.paid",
				"invoice.payment_action_required", "invoice.payment_failed", "invoice.payment_succeeded", "invoice.sent", "invoice.updated", "invoice.voided"}},
		Comment: "Invoices, one-off and of subscriptions (GET /v1/invoices)",
	})
}
