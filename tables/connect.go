package tables

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

// AccountColumnDef is the stripe_account column every table has.
var AccountColumnDef = Column{Name: AccountColumn, Kind: KindString, Nullable: true,
	Comment: "The connected account (Stripe Connect) this row was read from, sent as the Stripe-Account header; NULL for the platform account's own data. Compare it with = or IN."}
