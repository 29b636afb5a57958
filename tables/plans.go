package tables

func init() {
	register(&Spec{
		Name:    "plans",
		Object:  "plan",
		Path:    "/v1/plans",
		Created: true,
		Filters: []Filter{{Column: "active"}, {Column: "product"}},
		Comment: "Plans: the recurring prices, in the older API shape, under the prices' ids (GET /v1/plans)",
	})
}
