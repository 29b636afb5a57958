package tables

func init() {
	register(&Spec{
		Name:   "invoice_items",
		Object: "invoiceitem",
		Path:   "/v1/invoiceitems",
		// The list's created range filters the column named date (derived
		// from the spec): date ranges are pushed down as created[…].
		Filters: []Filter{{Column: "customer"}, {Column: "invoice"}},
		Comment: "Invoice items: charges added to a customer's next or a draft invoice, pending ones included (GET /v1/invoiceitems)",
	})
}
