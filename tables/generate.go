package tables

// schema_gen.go (columns and list filters) and the fake server's
// internal/fakestripe/fixtures_gen.json come from the OpenAPI spec of the
// pinned stripe-mock module. To add a resource, add its schema name to
// -objects and its list path to -lists, then run `go generate ./tables`.
// -writes names the resources INSERT, UPDATE and DELETE may change (their
// create, update and delete endpoints); -out-writes is the fake server's
// copy of their parameters.
//go:generate go run github.com/stripesql/stripesql/internal/specgen -out-go schema_gen.go -out-fixtures ../internal/fakestripe/fixtures_gen.json -out-writes ../internal/fakestripe/writes_gen.json -objects account,application_fee,balance,balance_transaction,bank_account,card,charge,checkout.session,coupon,credit_note,customer,customer_balance_transaction,discount,dispute,event,invoice,invoiceitem,line_item,payment_intent,payout,plan,price,product,promotion_code,refund,subscription,subscription_item,tax_rate,transfer -lists /v1/accounts,/v1/application_fees,/v1/balance_transactions,/v1/charges,/v1/checkout/sessions,/v1/coupons,/v1/credit_notes,/v1/customers,/v1/customers/{customer}/balance_transactions,/v1/customers/{customer}/sources,/v1/disputes,/v1/events,/v1/invoiceitems,/v1/invoices,/v1/invoices/{invoice}/lines,/v1/payment_intents,/v1/payouts,/v1/plans,/v1/prices,/v1/products,/v1/promotion_codes,/v1/refunds,/v1/subscription_items,/v1/subscriptions,/v1/tax_rates,/v1/transfers -writes /v1/charges,/v1/coupons,/v1/customers,/v1/invoiceitems,/v1/prices,/v1/products,/v1/refunds,/v1/tax_rates
