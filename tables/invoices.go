package tables

func init() {
	register(&Spec{
		Name:    "invoices",
		Object:  "invoice",
		Path:    "/v1/invoices",
		Created: true,
		Filters: []Filter{{Column: "customer"}, {Column: "status"}, {Column: "subscription"}, {Column: "collection_method"}},
		Comment: "Invoices, one-off and of subscriptions (GET /v1/invoices)",
	})
}
