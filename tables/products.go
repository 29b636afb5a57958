package tables

func init() {
	register(&Spec{
		Name:    "products",
		Object:  "product",
		Path:    "/v1/products",
		Created: true,
		Filters: []Filter{{Column: "active"}, {Column: "shippable"}, {Column: "url"}},
		// Search does not filter products by created (see prices).
		Search: &Search{String: []string{"description", "name", "url"}, Metadata: true,
			Events: []string{"product.created", "product.deleted", "product.updated"}},
		Comment: "Products: the goods and services sold, with their prices in prices (GET /v1/products)",
	})
}
