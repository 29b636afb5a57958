package tables

import "net/url"

// Stripe Connect: a platform reads a connected account's data by sending
// its id in the Stripe-Account header. Every table has a stripe_account
// column: `WHERE stripe_account = 'acct_…'` (or IN) reads that account;
// without it the platform's own data is read and the column is NULL.

// AccountColumn is the column naming the connected account of a row.
const AccountColumn = "stripe_account"

// AccountParam carries the connected account with a request's parameters
// from the plan to the client, which sends it as the Stripe-Account header
// (so that it is part of cache keys like any parameter).
const AccountParam = "stripe_account"

var accountColumn = Column{Name: AccountColumn, Kind: KindString, Nullable: true,
	Comment: "The connected account (Stripe Connect) this row was read from, sent as the Stripe-Account header; NULL for the platform account's own data. Compare it with = or IN."}

// forAccount adds the table's connected account (from a residual
// condition) to a request's parameters, unless the request has one.
func (t *Table) forAccount(params url.Values) url.Values {
	if t.account == "" || params.Get(AccountParam) != "" {
		return params
	}
	out := url.Values{AccountParam: {t.account}}
	for k, v := range params {
		out[k] = v
	}
	return out
}

// accountOf is the connected account a request reads, "" for the platform.
func accountOf(params url.Values) string { return params.Get(AccountParam) }
