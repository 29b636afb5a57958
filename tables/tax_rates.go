package tables

func init() {
	register(&Spec{
		Name:    "tax_rates",
		Object:  "tax_rate",
		Path:    "/v1/tax_rates",
		Created: true,
		Filters: []Filter{{Column: "active"}, {Column: "inclusive"}},
		Comment: "Tax rates applied to invoices, subscriptions and checkout sessions (GET /v1/tax_rates)",
	})
}
