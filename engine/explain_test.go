package engine_test

import (
	"strings"
	"testing"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// EXPLAIN shows the Stripe requests of each table access and makes none.
func TestExplainShowsStripeRequests(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	cases := []struct {
		query string
		want  []string
	}{
		{"SELECT id FROM charges WHERE customer = 'cus_123' AND created >= '2024-01-01'",
			[]string{"charges", "customer", "Stripe: GET /v1/charges created[gte]=1704067200 customer=cus_123 limit=100"}},
		{"SELECT * FROM charges ORDER BY created DESC LIMIT 10",
			[]string{"Stripe: GET /v1/charges limit=10"}},
		{"SELECT * FROM customers WHERE id = 'cus_1'",
			[]string{"const", "PRIMARY", "Stripe: GET /v1/customers/cus_1"}},
		{"SELECT * FROM refunds WHERE amount > 5",
			[]string{"ALL", "Stripe: GET /v1/refunds limit=100 (whole list)"}},
		{"SELECT * FROM subscriptions WHERE created IS NULL",
			[]string{"no request"}},
		// A list that needs another table's id: pinned, or walked.
		{"SELECT * FROM treasury_transactions WHERE financial_account = 'fa_1'",
			[]string{"Stripe: GET /v1/treasury/transactions financial_account=fa_1 limit=100 order_by=created"}},
		{"SELECT * FROM treasury_transactions",
			[]string{"Stripe: GET /v1/treasury/financial_accounts limit=100, then for each treasury_financial_account: GET /v1/treasury/transactions financial_account={financial_account} limit=100 order_by=created (whole list)"}},
		{"SELECT * FROM subscription_item_usage_record_summaries",
			[]string{"Stripe: GET /v1/subscriptions limit=100 status=all, then for each subscription: GET /v1/subscription_items limit=100 subscription={subscription}, " +
				"then for each subscription_item: GET /v1/subscription_items/{subscription_item}/usage_record_summaries limit=100 (whole list)"}},
		{"SELECT * FROM reporting_report_types", []string{"Stripe: GET /v1/reporting/report_types (whole list)"}},
		// A parameter from a field of the parent: the parent pinned is retrieved.
		{"SELECT * FROM financial_connections_account_owners WHERE account = 'fca_1'",
			[]string{"Stripe: GET /v1/financial_connections/accounts/fca_1, then for each financial_connections_account: " +
				"GET /v1/financial_connections/accounts/fca_1/owners limit=100 ownership={financial_connections_account.ownership}"}},
	}
	for _, c := range cases {
		rows := env.Rows(t, "EXPLAIN "+c.query)
		text := strings.Join(flatten(rows), " | ")
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("EXPLAIN %s\n%s\nlacks %q", c.query, text, w)
			}
		}
	}
	tree := strings.Join(flatten(env.Rows(t, "EXPLAIN FORMAT=TREE SELECT id FROM invoices WHERE status = 'paid' AND amount_due > 100 LIMIT 3")), "\n")
	for _, w := range []string{"IndexedTableAccess(invoices)", "stripe: invoices: GET /v1/invoices limit=100 status=paid", "amount_due > 100"} {
		if !strings.Contains(tree, w) {
			t.Errorf("EXPLAIN FORMAT=TREE lacks %q:\n%s", w, tree)
		}
	}
	if reqs := env.Requests(); len(reqs) != 0 {
		t.Errorf("EXPLAIN made requests: %v", reqs)
	}
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join(r, " "))
	}
	return out
}
