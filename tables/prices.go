package tables

func init() {
	register(&Spec{
		Name:    "prices",
		Object:  "price",
		Path:    "/v1/prices",
		Created: true,
		Filters: []Filter{{Column: "active"}, {Column: "currency"}, {Column: "product"}, {Column: "type"}},
		// Search does not filter prices by created: stripesql drops what
		// falls outside the range itself.
		Search: &Search{Token: []string{"currency", "type"}, String: []string{"lookup_key", "product"}, Metadata: true,
			Events: []string{"price.created", "price.deleted", "price.updated"}},
		Comment: "Prices: how much and how often products cost, one-time or recurring (GET /v1/prices)",
	})
}
