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
		// A read pinning neither lists the account's own secrets: the
		// scope every secret of an account-wide app is in. A user's
		// secrets are named by the user's id, which no table lists.
		Unpinned: map[string]string{"scope[type]": "account"},
		Comment:  "Secrets Stripe Apps store per scope (GET /v1/apps/secrets?scope[type]=…): the account's own (scope_type 'account') unless a query pins scope_type = 'user' and scope_user = the user's id",
	})
}
