package tables

func init() {
	register(&Spec{
		Name:   "discounts",
		Object: "discount",
		// Stripe has no discounts endpoint: discounts hang off the objects
		// they apply to, which each name their owner (customer,
		// subscription, invoice).
		Derive: []Derive{
			{Table: "customers", Field: "discount"},
			{Table: "subscriptions", Field: "discount"},
			{Table: "invoices", Field: "discount"},
		},
		Key:     "-",
		Comment: "Discounts applied to customers, subscriptions and invoices (read from those objects' discount field)",
	})
}
