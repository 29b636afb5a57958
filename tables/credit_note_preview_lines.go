package tables

func init() {
	register(&Spec{
		Name:       "credit_note_preview_lines",
		Object:     "credit_note_line_item",
		Path:       "/v1/credit_notes/preview/lines",
		NoRetrieve: true,
		// A preview is of one invoice, named by a parameter its lines do
		// not show: invoice is a filter-only column every query pins
		// (walking every invoice for a preview of each is no answer anyone
		// asks for).
		Requires: []string{"invoice"},
		Comment:  "Lines of the credit note an invoice would get, previewed (GET /v1/credit_notes/preview/lines?invoice=…); every query pins invoice (= or IN (…) or a join): Stripe previews nothing without it",
	})
}
