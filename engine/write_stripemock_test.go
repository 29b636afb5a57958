package engine_test

import (
	"testing"

	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/internal/testutil"
)

// stripe-mock v0.180.0 validates every request against Stripe's OpenAPI
// spec (a parameter it does not know, of the wrong type or outside its
// enum is a 400): each kind of write, with JSON columns, booleans, times,
// decimals and NULLs, is a valid request.
func TestWritesAreValidForStripeMock(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{AllowWrites: true, StripeURL: testutil.StripeMock(t), APIKey: testutil.StripeMockKey})
	for _, q := range []string{
		`INSERT INTO customers (email, name, metadata, address, preferred_locales, balance, tax_exempt, shipping)
			VALUES ('a@example.com', 'Ann', '{"plan":"pro"}', '{"city":"Paris","country":"FR"}', '["fr","en"]', 100, 'none',
			'{"name":"Ann","address":{"line1":"1 rue de Rivoli"}}')`,
		`UPDATE customers SET name = 'Anne', metadata = '{"x":"1"}', description = NULL, tax_exempt = NULL WHERE id = 'cus_123'`,
		`DELETE FROM customers WHERE id = 'cus_123'`,
		`INSERT INTO products (id, name, active, shippable, images, metadata, package_dimensions)
			VALUES ('prod_sql', 'Widget', TRUE, FALSE, '["https://example.com/a.png"]', '{"a":"b"}', '{"height":1.5,"length":2,"weight":3,"width":4}')`,
		`UPDATE products SET active = FALSE, description = NULL WHERE id = 'prod_123'`,
		`DELETE FROM products WHERE id = 'prod_123'`,
		`INSERT INTO prices (product, currency, unit_amount, recurring, nickname, tax_behavior)
			VALUES ('prod_123', 'usd', 1500, '{"interval":"month","interval_count":1}', 'Monthly', 'exclusive')`,
		`INSERT INTO prices (product, currency, unit_amount_decimal) VALUES ('prod_123', 'usd', 12.5)`,
		`UPDATE prices SET active = FALSE, lookup_key = 'monthly' WHERE id = 'price_123'`,
		`INSERT INTO coupons (id, percent_off, duration, duration_in_months, redeem_by, max_redemptions)
			VALUES ('SQL10', 12.5, 'repeating', 3, '2030-01-01 00:00:00', 10)`,
		`INSERT INTO coupons (amount_off, currency, duration) VALUES (500, 'usd', 'once')`,
		`UPDATE coupons SET name = 'Ten', metadata = '{"k":"v"}' WHERE id = 'co_123'`,
		`DELETE FROM coupons WHERE id = 'co_123'`,
		`INSERT INTO tax_rates (display_name, inclusive, percentage, country, state, tax_type)
			VALUES ('Sales tax', FALSE, 7.25, 'US', 'CA', 'sales_tax')`,
		`UPDATE tax_rates SET active = FALSE, description = 'old' WHERE id = 'txr_123'`,
		`INSERT INTO invoice_items (customer, amount, currency, description, period, discountable)
			VALUES ('cus_123', 500, 'usd', 'Setup', '{"start":1700000000,"end":1700003600}', FALSE)`,
		`INSERT INTO invoice_items (customer, unit_amount, quantity, currency, tax_rates) VALUES ('cus_123', 250, 2, 'usd', '["txr_123"]')`,
		`UPDATE invoice_items SET quantity = 3, metadata = '{"a":"b"}' WHERE id = 'ii_123'`,
		`DELETE FROM invoice_items WHERE id = 'ii_123'`,
		`INSERT INTO refunds (charge, amount, reason, metadata) VALUES ('ch_123', 100, 'requested_by_customer', '{"ticket":"42"}')`,
		`UPDATE refunds SET metadata = '{"a":"b"}' WHERE id = 're_123'`,
		`INSERT INTO charges (amount, currency, customer, description, receipt_email, metadata)
			VALUES (2000, 'usd', 'cus_123', 'SQL charge', 'a@example.com', '{"order":"1"}')`,
		`UPDATE charges SET description = 'x', shipping = '{"name":"A","address":{"line1":"1 Main"}}' WHERE id = 'ch_123'`,
	} {
		res, err := env.DB.Exec(q)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Errorf("%s: %d rows affected, want 1", q, n)
		}
	}
}
