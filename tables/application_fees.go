package tables

func init() {
	register(&Spec{
		Name:    "application_fees",
		Object:  "application_fee",
		Path:    "/v1/application_fees",
		Created: true,
		Filters: []Filter{{Column: "charge"}},
		Comment: "Application fees the platform collected on its connected accounts' charges (GET /v1/application_fees)",
	})
}
