package tables

func init() {
	register(&Spec{
		Name:   "upcoming_invoices",
		Object: "invoice",
		Path:   "/v1/invoices/upcoming",
		Single: true,
		// An upcoming invoice has no id yet: one per customer.
		Key:     "customer",
		Parent:  &Parent{Table: "customers", Column: "customer", Param: "customer", InQuery: true},
		Comment: "The next invoice of each customer with a subscription (GET /v1/invoices/upcoming?customer=…); customers without one have no row",
	})
}
