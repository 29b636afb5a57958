package tables

func init() {
	register(&Spec{
		Name:   "subscription_items",
		Object: "subscription_item",
		// The list requires a subscription: it is the parent.
		Path:       "/v1/subscription_items",
		NoRetrieve: true,
		Parent:     &Parent{Table: "subscriptions", Column: "subscription", Param: "subscription", InQuery: true},
		Comment:    "Items (price and quantity) of subscriptions (GET /v1/subscription_items?subscription=…)",
	})
}
