package fakestripe

import "net/http"

// Endpoints that are not a resource's list or retrieve: the account, its
// balance, a customer's sources and upcoming invoices.

// serveSpecial answers seg (the path after /v1/) when it names one of
// them; ok is false otherwise.
func (d *dataset) serveSpecial(seg []string, path string, params map[string]*param) (obj map[string]any, err *apiError, ok bool) {
	switch {
	case len(seg) == 1 && seg[0] == "account":
		obj, err = d.single(params, nil, d.renderAccount)
	case len(seg) == 1 && seg[0] == "balance":
		obj, err = d.single(params, nil, d.renderBalance)
	case len(seg) == 2 && seg[0] == "invoices" && seg[1] == "upcoming":
		obj, err = d.upcomingInvoice(params)
	case (len(seg) == 3 || len(seg) == 4) && seg[0] == "customers" && seg[2] == "sources":
		obj, err = d.serveSources(seg[1], seg[3:], path, params)
	default:
		return nil, nil, false
	}
	return obj, err, true
}

// serveSources lists a customer's cards or bank accounts (the object
// parameter says which) or retrieves one.
func (d *dataset) serveSources(customerID string, rest []string, path string, params map[string]*param) (map[string]any, *apiError) {
	customer, ok := d.customers.lookup(customerID)
	if !ok {
		return nil, notFoundInURL(d.customers, customerID, "customer")
	}
	if len(rest) == 1 {
		t := d.tableForID(rest[0])
		if t == nil || t.def.sourceObject == "" {
			return nil, noSuchObject(http.StatusNotFound, "source", rest[0], "id")
		}
		row, ok := t.lookup(rest[0])
		if !ok || t.parents[row] != customer {
			return nil, noSuchObject(http.StatusNotFound, "source", rest[0], "id")
		}
		return d.retrieve(t, row, params)
	}
	p, given := params["object"]
	if !given {
		return nil, badParam("object", "Missing required param: object. This fake Stripe account lists sources with object=card, object=bank_account or object=source.")
	}
	v, err := p.scalar("string")
	if err != nil {
		return nil, err
	}
	t := d.sources[v]
	if t == nil {
		return nil, badSourceObject(v)
	}
	return d.listPage(t, customer, path, params)
}

// accountID is the platform account's id.
func (d *dataset) accountID() string { return shortID(d.seed, "acct", 0, 16) }

func (d *dataset) renderAccount() map[string]any {
	obj := deepCopy(d.fixtures["account"]).(map[string]any)
	id := d.accountID()
	obj["id"] = id
	obj["object"] = "account"
	profile := fixtureObject(d, "account", "business_profile")
	profile["mcc"] = "5734"
	profile["name"] = "StripeSQL Demo"
	profile["product_description"] = "Software subscriptions and merchandise"
	profile["support_email"] = "support@example.com"
	profile["support_url"] = "https://example.com/support"
	profile["url"] = "https://example.com"
	obj["business_profile"] = profile
	obj["business_type"] = "company"
	obj["charges_enabled"] = true
	obj["country"] = "US"
	obj["created"] = d.start - 30*day
	obj["default_currency"] = "usd"
	obj["details_submitted"] = true
	obj["email"] = "finance@example.com"
	banks := make([]any, len(currencies))
	for c := range currencies {
		b := deepCopy(d.fixtures["bank_account"]).(map[string]any)
		b["id"] = d.payoutDestination(currencyID(c))
		b["account"] = id
		b["account_holder_name"] = "StripeSQL Demo"
		b["account_holder_type"] = "company"
		b["currency"] = currencies[c].code
		b["customer"] = nil
		b["default_for_currency"] = true
		b["last4"] = "6789"
		b["status"] = "verified"
		banks[c] = b
	}
	obj["external_accounts"] = map[string]any{"object": "list", "data": banks, "has_more": false,
		"url": "/v1/accounts/" + id + "/external_accounts"}
	obj["payouts_enabled"] = true
	if req, ok := obj["requirements"].(map[string]any); ok {
		req["currently_due"], req["eventually_due"], req["disabled_reason"] = []any{}, []any{}, nil
	}
	if settings, ok := obj["settings"].(map[string]any); ok {
		if payouts, ok := settings["payouts"].(map[string]any); ok {
			payouts["schedule"] = map[string]any{"delay_days": 2, "interval": "weekly", "weekly_anchor": "monday"}
		}
		if dash, ok := settings["dashboard"].(map[string]any); ok {
			dash["display_name"] = "StripeSQL Demo"
		}
	}
	return obj
}

// renderBalance sums the balance transactions: available funds (what the
// weekly payouts have not swept yet) and pending ones, per currency.
func (d *dataset) renderBalance() map[string]any {
	obj := deepCopy(d.fixtures["balance"]).(map[string]any)
	available := make([]int64, len(currencies))
	pending := make([]int64, len(currencies))
	for i := range d.txnRows {
		t := &d.txnRows[i]
		if t.available(d.end) {
			available[t.currency] += t.amount - t.fee
		} else {
			pending[t.currency] += t.amount - t.fee
		}
	}
	funds := func(amounts []int64) []any {
		out := make([]any, len(currencies))
		for c, cur := range currencies {
			out[c] = map[string]any{"amount": amounts[c], "currency": cur.code, "source_types": map[string]any{"card": amounts[c]}}
		}
		return out
	}
	obj["available"] = funds(available)
	obj["pending"] = funds(pending)
	reserved := make([]any, len(currencies))
	for c, cur := range currencies {
		reserved[c] = map[string]any{"amount": 0, "currency": cur.code}
	}
	obj["connect_reserved"] = reserved
	// Instant payouts exist for usd only, up to the available usd funds.
	instant := max(available[0], 0)
	obj["instant_available"] = []any{map[string]any{"amount": instant, "currency": "usd", "source_types": map[string]any{"card": instant}}}
	obj["livemode"] = false
	return obj
}
