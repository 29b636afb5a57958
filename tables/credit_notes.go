package tables

func init() {
	register(&Spec{
		Name:    "credit_notes",
		Object:  "credit_note",
		Path:    "/v1/credit_notes",
		Filters: []Filter{{Column: "customer"}, {Column: "invoice"}},
		Comment: "Credit notes reducing finalized invoices, by refund, credit or out of band (GET /v1/credit_notes)",
	})
}
