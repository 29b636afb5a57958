package tables

func init() {
	register(&Spec{
		Name:       "upcoming_invoice_lines",
		Object:     "line_item",
		Path:       "/v1/invoices/upcoming/lines",
		NoRetrieve: true,
		// The lines of each customer's next invoice, as upcoming_invoices
		// has the invoice: the customer is the parent, walked when a query
		// does not pin it (a customer without one has no lines).
		Parent: &Parent{Table: "customers", Column: "customer", Param: "customer", InQuery: true},
		// These preview the invoice for a subscription or in a currency:
		// sent to every customer walked, they are refused for all but
		// those the subscription or currency fits. The engine checks the
		// lines' fields of those names instead.
		NotPushed: []string{"subscription", "currency"},
		Comment:   "Line items of each customer's next invoice (GET /v1/invoices/upcoming/lines?customer=…); WHERE customer = … reads one customer's, otherwise every customer is walked",
	})
}
