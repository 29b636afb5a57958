package tables

func init() {
	register(&Spec{
		Name:    "prices",
		Object:  "price",
		Path:    "/v1/prices",
		Created: true,
		Filters: []Filter{{Column: "active"}, {Column: "currency"}, {Column: "product"}, {Column: "type"}},
		Comment: "Prices: how much and how often products cost, one-time or recurring (GET /v1/prices)",
	})
}
