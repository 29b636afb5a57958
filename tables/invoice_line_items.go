package tables

func init() {
	register(&Spec{
		Name:       "invoice_line_items",
		Object:     "line_item",
		Path:       "/v1/invoices/{invoice}/lines",
		NoRetrieve: true,
		Parent:     &Parent{Table: "invoices", Column: "invoice", Param: "invoice"},
		Comment:    "Line items of invoices (GET /v1/invoices/{invoice}/lines); WHERE invoice = … reads one invoice's lines",
	})
}
