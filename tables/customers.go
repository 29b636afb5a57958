package tables

func init() {
	register(&Spec{
		Name:    "customers",
		Object:  "customer",
		Path:    "/v1/customers",
		Created: true,
		Filters: []Filter{{Column: "email"}},
		Search: &Search{Created: true, String: []string{"email", "name", "phone"}, Metadata: true,
			Events: []string{"customer.created", "customer.deleted", "customer.updated"}},
		Comment: "Customers of the account (GET /v1/customers)",
	})
}
