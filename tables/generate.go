package tables

// schema_gen.go (every list endpoint, its filters, the columns of the
// objects listed) and the fake server's internal/fakestripe/fixtures_gen.json
// and lists_gen.json come from the OpenAPI spec of the pinned stripe-mock
// module: -lists all takes every list endpoint of the spec and the objects
// they list; -objects adds objects no list answers (the balance, discounts).
// -writes names the resources INSERT, UPDATE and DELETE may change (their
// create, update and delete endpoints); -out-writes is the fake server's
// copy of their parameters.
//go:generate go run github.com/stripesql/stripesql/internal/specgen -out-go schema_gen.go -out-fixtures ../internal/fakestripe/fixtures_gen.json -out-writes ../internal/fakestripe/writes_gen.json -objects balance,discount -lists all -out-lists ../internal/fakestripe/lists_gen.json -writes /v1/charges,/v1/coupons,/v1/customers,/v1/invoiceitems,/v1/prices,/v1/products,/v1/refunds,/v1/tax_rates
