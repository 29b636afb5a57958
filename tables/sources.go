package tables

// Customers' payment sources: one list endpoint, three kinds of object
// told apart by its object parameter (Source objects, src_… of the
// Sources API, are the third).
func init() {
	for _, kind := range []struct{ name, object, what string }{
		{"bank_accounts", "bank_account", "Bank accounts"},
		{"cards", "card", "Cards"},
		{"sources", "source", "Source objects (src_…, the Sources API)"},
	} {
		register(&Spec{
			Name:       kind.name,
			Object:     kind.object,
			Path:       "/v1/customers/{customer}/sources",
			NoRetrieve: true,
			Parent:     &Parent{Table: "customers", Column: "customer", Param: "customer"},
			Defaults:   map[string]string{"object": kind.object},
			Comment:    kind.what + " saved as customers' payment sources (GET /v1/customers/{customer}/sources?object=" + kind.object + ")",
		})
	}
}
