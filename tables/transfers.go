package tables

func init() {
	register(&Spec{
		Name:    "transfers",
		Object:  "transfer",
		Path:    "/v1/transfers",
		Created: true,
		Filters: []Filter{{Column: "destination"}, {Column: "transfer_group"}},
		Comment: "Transfers of funds to connected accounts (GET /v1/transfers)",
	})
}
