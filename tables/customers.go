package tables

func init() {
	register(&Spec{
		Name:    "customers",
		Object:  "customer",
		Path:    "/v1/customers",
		Created: true,
		Filters: []Filter{{Column: "email"}},
		Comment: "Customers of the account (GET /v1/customers)",
	})
}
