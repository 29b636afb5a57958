package fakestripe

// Connected accounts: GET /v1/accounts lists the platform's Connect
// accounts (the ones a Stripe-Account header may name, see connect.go),
// created in the account's first months.

var connectedAccountSpecs = []struct {
	name, email, country, currency, kind string
	enabled                              bool // charges and payouts enabled, details submitted
}{
	{"Northwind Outfitters", "finance@northwind.example.com", "US", "usd", "express", true},
	{"Boulangerie Martin", "contact@boulangerie-martin.example.com", "FR", "eur", "standard", true},
	{"Kiwi Surf Supplies", "accounts@kiwisurf.example.com", "NZ", "nzd", "custom", false},
}

var connectedAccountsDef = &resourceDef{
	name: "connected_accounts", object: "account", prefix: "acct",
	listPath: "/v1/accounts", retrieve: true,
	filters: []filterDef{createdFilter()},
	render:  renderConnectedAccount,
}

// connectedAccountIDs are the ids of the platform's connected accounts,
// oldest first.
func connectedAccountIDs(seed int64) []string {
	ids := make([]string, connectedCount)
	for i := range ids {
		r := &rng{state: mix64(uint64(seed) ^ hashString("connected account") ^ uint64(i))}
		ids[i] = "acct_1" + randomChars(r, 15)
	}
	return ids
}

func (d *dataset) genConnectedAccountsList() {
	ids := connectedAccountIDs(d.seed)
	created := uniformTimes(d.genRNG("connected_accounts"), len(ids), d.start, d.start+120*day)
	d.registerTableWithIDs(connectedAccountsDef, ids, created)
}

func renderConnectedAccount(d *dataset, obj map[string]any, i int32) {
	spec := connectedAccountSpecs[int(i)%len(connectedAccountSpecs)]
	profile := fixtureObject(d, "account", "business_profile")
	profile["name"] = spec.name
	obj["business_profile"] = profile
	obj["business_type"] = "company"
	obj["charges_enabled"] = spec.enabled
	obj["payouts_enabled"] = spec.enabled
	obj["details_submitted"] = spec.enabled
	obj["country"] = spec.country
	obj["default_currency"] = spec.currency
	obj["email"] = spec.email
	obj["type"] = spec.kind
	obj["metadata"] = map[string]any{}
	obj["external_accounts"] = map[string]any{"object": "list", "data": []any{}, "has_more": false,
		"url": "/v1/accounts/" + obj["id"].(string) + "/external_accounts"}
}
