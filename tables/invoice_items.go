package tables

func init() {
	register(&Spec{
		Name:   "invoice_items",
		Object: "invoiceitem",
		Path:   "/v1/invoiceitems",
		// The list's created range filters the column named date, which
		// the machinery cannot map yet: date conditions are checked after
		// the scan.
		Filters: []Filter{{Column: "customer"}, {Column: "invoice"}},
		Comment: "Invoice items: charges added to a customer's next or a draft invoice, pending ones included (GET /v1/invoiceitems)",
	})
}
