package tables

func init() {
	register(&Spec{
		Name:       "apps_secrets",
		Object:     "apps.secret",
		Path:       "/v1/apps/secrets",
		NoRetrieve: true,
		// Stripe lists secrets per scope only, a hash parameter: its two
		// properties are columns of their own, filled with the values a
		// query pins (the scope column shows the same, as Stripe has it).
		Filters: []Filter{
			{Column: "scope_type", Param: "scope[type]", Only: true},
			{Column: "scope_user", Param: "scope[user]", Only: true},
		},
		Requires: []string{"scope_type"},
		Comment:  "Secrets Stripe Apps store per scope (GET /v1/apps/secrets?scope[type]=…); every query pins scope_type ('account', or 'user' with scope_user = the user's id): Stripe lists nothing without it",
	})
}
