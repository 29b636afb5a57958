package engine_test

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/internal/testutil"
	"github.com/stripesql/stripesql/tables"
)

// The tables of every list endpoint (tables/catalog.go) over the wire,
// against stripe-mock, which answers every endpoint of the spec and
// validates each request: the requests a query makes, whether a list
// pinned by WHERE, a walk of the table listing its parents, a retrieve, a
// list Stripe does not page.
func TestListTablesRequests(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{StripeURL: testutil.StripeMock(t)})
	// stripe-mock lists one fixture per endpoint: the parents walked.
	one := func(q string) string {
		rows := env.Rows(t, q)
		if len(rows) != 1 {
			t.Fatalf("%s: %d rows, want stripe-mock's one", q, len(rows))
		}
		return rows[0][0]
	}
	fa := one("SELECT id FROM treasury_financial_accounts")
	sub := one("SELECT id FROM subscriptions")
	item := one("SELECT id FROM subscription_items")
	env.Requests()
	cases := []struct {
		name, query string
		want        []string
	}{
		{"a required parameter pinned is one list", "SELECT id FROM treasury_transactions WHERE financial_account = 'fa_1'",
			[]string{"GET /v1/treasury/transactions?financial_account=fa_1&limit=100&order_by=created"}},
		{"IN lists each", "SELECT id FROM issuing_tokens WHERE card IN ('ic_1', 'ic_2')",
			[]string{"GET /v1/issuing/tokens?card=ic_1&limit=100", "GET /v1/issuing/tokens?card=ic_2&limit=100"}},
		{"with its created range", "SELECT id FROM treasury_transactions WHERE financial_account = 'fa_1' AND created >= '2024-01-01'",
			[]string{"GET /v1/treasury/transactions?created[gte]=1704067200&financial_account=fa_1&limit=100&order_by=created"}},
		{"and the list's own filters", "SELECT id FROM treasury_received_credits WHERE financial_account = 'fa_1' AND status = 'failed'",
			[]string{"GET /v1/treasury/received_credits?financial_account=fa_1&limit=100&status=failed"}},
		{"unpinned, the table listing it is walked", "SELECT id FROM treasury_transactions",
			[]string{"GET /v1/treasury/financial_accounts?limit=100", "GET /v1/treasury/transactions?financial_account=" + fa + "&limit=100&order_by=created"}},
		{"id is a retrieve", "SELECT id FROM treasury_transactions WHERE id = 'trxn_1'",
			[]string{"GET /v1/treasury/transactions/trxn_1"}},
		{"a child list walks its parent, itself a child", "SELECT id FROM subscription_item_usage_record_summaries",
			[]string{"GET /v1/subscriptions?limit=100&status=all", "GET /v1/subscription_items?limit=100&subscription=" + sub,
				"GET /v1/subscription_items/" + item + "/usage_record_summaries?limit=100"}},
		{"a child list by its parent", "SELECT id FROM customer_tax_ids WHERE customer = 'cus_1'",
			[]string{"GET /v1/customers/cus_1/tax_ids?limit=100"}},
		{"a required column pinned", "SELECT id FROM apps_secrets WHERE scope_type = 'account'",
			[]string{"GET /v1/apps/secrets?limit=100&scope[type]=account"}},
		{"unpinned, a required column's default", "SELECT id, scope_type FROM apps_secrets",
			[]string{"GET /v1/apps/secrets?limit=100&scope[type]=account"}},
		{"both of a default's values", "SELECT id FROM apps_secrets WHERE scope_type IN ('account', 'user') AND scope_user = 'usr_1'",
			[]string{"GET /v1/apps/secrets?limit=100&scope[type]=account&scope[user]=usr_1", "GET /v1/apps/secrets?limit=100&scope[type]=user&scope[user]=usr_1"}},
		{"both of a hash parameter", "SELECT id FROM apps_secrets WHERE scope_type = 'user' AND scope_user = 'usr_1'",
			[]string{"GET /v1/apps/secrets?limit=100&scope[type]=user&scope[user]=usr_1"}},
		{"a parent no table lists, pinned", "SELECT id FROM tax_calculation_line_items WHERE calculation = 'taxcalc_1'",
			[]string{"GET /v1/tax/calculations/taxcalc_1/line_items?limit=100"}},
		{"a preview per invoice", "SELECT id FROM credit_note_preview_lines WHERE invoice IN ('in_1', 'in_2')",
			[]string{"GET /v1/credit_notes/preview/lines?invoice=in_1&limit=100", "GET /v1/credit_notes/preview/lines?invoice=in_2&limit=100"}},
		{"a parameter from the parent's field, pinned", "SELECT id FROM financial_connections_account_owners WHERE account = 'fca_1' AND ownership = 'fcaowns_1'",
			[]string{"GET /v1/financial_connections/accounts/fca_1/owners?limit=100&ownership=fcaowns_1"}},
		{"an unpaged list", "SELECT id FROM reporting_report_types",
			[]string{"GET /v1/reporting/report_types"}},
		{"an unpaged child list", "SELECT id FROM account_capabilities WHERE account = 'acct_1'",
			[]string{"GET /v1/accounts/acct_1/capabilities"}},
		{"a top-level list", "SELECT id FROM issuing_cards WHERE status = 'active' AND created < '2024-01-01'",
			[]string{"GET /v1/issuing/cards?created[lt]=1704067200&limit=100&status=active"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env.Requests()
			env.Rows(t, c.query)
			if got := env.Requests(); !matchRequests(got, c.want) {
				t.Errorf("%s\nrequests:\n%s\nwant:\n%s", c.query, stripesqltest.Join(got), stripesqltest.Join(c.want))
			}
		})
	}
}

// A table that requires a column no table lists refuses, before any
// request, a query that does not pin it, with ERROR 1235 naming the
// column; EXPLAIN too. Its definition is there all the same.
func TestListTablesRequiredColumns(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{StripeURL: testutil.StripeMock(t)})
	cases := []struct{ query, col string }{
		// a user's secrets are listed by the user's id: scope_user alone
		// has no scope type (apps_secrets' default is for reads pinning
		// neither)
		{"SELECT COUNT(*) FROM apps_secrets WHERE scope_user = 'usr_1'", "scope_type"},
		{"EXPLAIN SELECT * FROM apps_secrets WHERE scope_user = 'usr_1'", "scope_type"},
		{"SELECT * FROM tax_calculation_line_items", "calculation"},
		{"EXPLAIN SELECT * FROM tax_calculation_line_items", "calculation"},
		{"SELECT * FROM tax_transaction_line_items WHERE id = 'tax_li_1'", "transaction"},
		{"SELECT * FROM credit_note_preview_lines LIMIT 1", "invoice"},
		{"SELECT c.id FROM customers c JOIN credit_note_preview_lines l ON l.invoice_line_item = c.id", "invoice"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			env.Requests()
			msg := env.Error(t, c.query)
			if !strings.Contains(msg, "Error 1235 (42000)") || !strings.Contains(msg, " needs "+c.col+":") || !strings.Contains(msg, "pin it to constants") {
				t.Errorf("%s: %s", c.query, msg)
			}
			if got := env.Requests(); len(got) > 0 {
				t.Errorf("%s: requests %v, want none", c.query, got)
			}
		})
	}
	// Read with its default, a condition on a scope column it does not
	// pin would miss the other scope's secrets: refused as any
	// unpinned filter-only column is.
	for _, q := range []string{
		"SELECT * FROM apps_secrets WHERE scope_user = 'usr_1' OR scope_type = 'account'",
		"SELECT * FROM apps_secrets WHERE scope_type = 'account' OR name = 'x'",
		"SELECT * FROM apps_secrets WHERE scope_type <> 'user'",
	} {
		env.Requests()
		if msg := env.Error(t, q); !strings.Contains(msg, "Error 1235 (42000)") || !strings.Contains(msg, "is a filter-only column") {
			t.Errorf("%s: %s", q, msg)
		}
		if got := env.Requests(); len(got) > 0 {
			t.Errorf("%s: requests %v, want none", q, got)
		}
	}
	for _, q := range []string{
		"SHOW CREATE TABLE apps_secrets",
		"DESCRIBE tax_calculation_line_items",
		"SHOW FULL COLUMNS FROM credit_note_preview_lines",
		"SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'apps_secrets'",
		// a join pins it per row of the other side
		"SELECT l.id FROM (SELECT 'taxcalc_1' AS c) x JOIN tax_calculation_line_items l ON l.calculation = x.c",
	} {
		env.Rows(t, q)
	}
}

// Rows walked from several parents (the fake account's treasury
// transactions of each financial account) come in the order a query
// asks for, not each parent's list after the other.
func TestListTablesWalkOrder(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	parents := len(env.Rows(t, "SELECT DISTINCT financial_account FROM treasury_transactions"))
	if parents < 2 {
		t.Fatalf("transactions of %d financial accounts: the walk orders nothing", parents)
	}
	for _, q := range []string{
		"SELECT created FROM treasury_transactions WHERE created >= '2000-01-01' ORDER BY created DESC",
		"SELECT created FROM treasury_transactions WHERE created >= '2000-01-01' ORDER BY created",
		"SELECT created FROM treasury_transactions ORDER BY created DESC",
	} {
		col := stripesqltest.Column(env.Rows(t, q))
		sorted := sort.StringsAreSorted(col)
		if strings.HasSuffix(q, "DESC") {
			sorted = sort.SliceIsSorted(col, func(i, j int) bool { return col[i] > col[j] })
		}
		if len(col) < parents || !sorted {
			t.Errorf("%s: %v", q, col)
		}
	}
}

// A child list of a parent Stripe does not know (404) has no rows, as a
// missing row has none, rather than failing the query; so has a customer
// without an upcoming invoice, which a walk of upcoming_invoice_lines
// meets at most customers.
func TestChildListOfNoParent(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	without := env.Rows(t, "SELECT id FROM customers WHERE id NOT IN (SELECT customer FROM upcoming_invoices) LIMIT 1")
	if len(without) != 1 {
		t.Fatal("every customer of the fake account has an upcoming invoice")
	}
	env.Requests()
	if rows := env.Rows(t, "SELECT id FROM upcoming_invoice_lines WHERE customer = ?", without[0][0]); len(rows) != 0 {
		t.Errorf("upcoming lines of %s: %v, want none", without[0][0], rows)
	}
	if got, want := env.Requests(), "GET /v1/invoices/upcoming/lines?customer="+without[0][0]+"&limit=100"; !matchRequests(got, []string{want}) {
		t.Errorf("requests %v, want %s", got, want)
	}
	for q, want := range map[string]string{
		"SELECT id FROM invoice_line_items WHERE invoice = 'in_nope'":              "GET /v1/invoices/in_nope/lines?limit=100",
		"SELECT id FROM customer_balance_transactions WHERE customer = 'cus_nope'": "GET /v1/customers/cus_nope/balance_transactions?limit=100",
	} {
		env.Requests()
		if rows := env.Rows(t, q); len(rows) != 0 {
			t.Errorf("%s: %v, want no row", q, rows)
		}
		if got := env.Requests(); !matchRequests(got, []string{want}) {
			t.Errorf("%s: requests %v, want %s", q, got, want)
		}
	}
}

// Every table, from the catalog or a resource file, is in
// information_schema with its comment and documented columns.
func TestEveryTableInInformationSchema(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	rows := env.Rows(t, `SELECT t.table_name, t.table_comment, COUNT(c.column_name), SUM(c.column_comment = '')
		FROM information_schema.tables t JOIN information_schema.columns c ON c.table_schema = t.table_schema AND c.table_name = t.table_name
		WHERE t.table_schema = 'stripe' GROUP BY t.table_name, t.table_comment`)
	if len(rows) != len(tables.Specs()) {
		t.Errorf("%d tables in information_schema, want %d", len(rows), len(tables.Specs()))
	}
	for _, r := range rows {
		if s, ok := tables.Lookup(r[0]); !ok || r[1] != s.Comment || r[2] == "0" {
			t.Errorf("%v", r)
		}
	}
	if reqs := env.Requests(); len(reqs) != 0 {
		t.Errorf("information_schema made requests: %v", reqs)
	}
}

// fakeResource is the fake account's name of the objects of a list path:
// its segments without the parents' ids (transfers_reversals).
func fakeResource(path string) string {
	var parts []string
	for _, seg := range strings.Split(strings.TrimPrefix(path, "/v1/"), "/") {
		if !strings.HasPrefix(seg, "{") {
			parts = append(parts, seg)
		}
	}
	return strings.Join(parts, "_")
}

// Every table of a list the fake account serves returns exactly its
// objects: a top-level list page by page, a child list by walking its
// parents (those of every parent), a list of a required parameter's
// objects by walking that table.
func TestEveryListTableReadsTheFake(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	tested := 0
	for _, s := range tables.Specs() {
		objs := env.Fake.Objects(fakeResource(s.Path))
		if s.Derive != nil || s.Single || len(s.Requires) > 0 || objs == nil {
			continue
		}
		tested++
		t.Run(s.Name, func(t *testing.T) {
			env.Requests()
			rows := env.Rows(t, "SELECT id FROM "+s.Name)
			want := make([][]string, len(objs))
			for i, o := range objs {
				want[i] = []string{fmt.Sprint(o["id"])}
			}
			if got, w := sortedColumn(rows), sortedColumn(want); got != w {
				t.Errorf("rows %s, want %s", got, w)
			}
			reqs := env.Requests()
			if s.Parent == nil {
				w := pages(s.Path, defaultsOf(s), len(objs))
				if s.Unpaged {
					w = []string{stripesqltest.FormatRequest("GET", s.Path, defaultsOf(s))}
				}
				if !matchRequests(reqs, w) {
					t.Errorf("requests:\n%s\nwant:\n%s", stripesqltest.Join(reqs), stripesqltest.Join(w))
				}
			} else if parent, _ := tables.Lookup(s.Parent.Table); len(reqs) == 0 || !strings.HasPrefix(reqs[0], "GET "+parent.Path) && parent.Parent == nil {
				t.Errorf("requests:\n%s\nwant a walk of %s first", stripesqltest.Join(reqs), parent.Path)
			}
		})
	}
	if tested < 80 {
		t.Errorf("%d tables compared with the fake's objects, want the 80 and more it serves", tested)
	}
}

// defaultsOf are the parameters a table sends on every list request.
func defaultsOf(s *tables.Spec) url.Values {
	out := url.Values{}
	for k, v := range s.Defaults {
		out.Set(k, v)
	}
	return out
}

// A child list that needs a field of its parent besides its id (the
// owners of a financial connections account, listed per its ownership)
// takes it from each parent a walk lists, or from the parent a query
// pins, retrieved first; a parent whose field differs from a pinned
// value is skipped, its children cannot match. The rows are the fake
// account's owners of those ownerships.
func TestParentFieldsWalk(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	const accounts = "/v1/financial_connections/accounts"
	owners := env.Fake.Objects("financial_connections_accounts_owners")
	var first, second map[string]any
	var walk []string
	for _, a := range env.Fake.Objects("financial_connections_accounts") {
		o, _ := a["ownership"].(string)
		if o == "" {
			continue // no ownership: no owners to list
		}
		walk = append(walk, fmt.Sprintf("GET %s/%s/owners?limit=100&ownership=%s", accounts, a["id"], o))
		if countOf(owners, func(w map[string]any) bool { return w["ownership"] == o }) > 0 {
			if first == nil {
				first = a
			} else if second == nil {
				second = a
			}
		}
	}
	if second == nil {
		t.Fatal("fewer than two financial connections accounts with owners")
	}
	id, own := fmt.Sprint(first["id"]), fmt.Sprint(first["ownership"])
	firstList := fmt.Sprintf("GET %s/%s/owners?limit=100&ownership=%s", accounts, id, own)
	ownedBy := func(o string) func(map[string]any) bool {
		return func(w map[string]any) bool { return o == "" || w["ownership"] == o }
	}
	cases := []struct {
		name, query string
		want        []string
		keep        func(map[string]any) bool
	}{
		{"walked", "SELECT id FROM financial_connections_account_owners", append([]string{"GET " + accounts + "?limit=100"}, walk...), ownedBy("")},
		{"the parent pinned is retrieved", "SELECT id FROM financial_connections_account_owners WHERE account = '" + id + "'",
			[]string{"GET " + accounts + "/" + id, firstList}, ownedBy(own)},
		{"both pinned", "SELECT id FROM financial_connections_account_owners WHERE account = '" + id + "' AND ownership = '" + own + "'",
			[]string{firstList}, ownedBy(own)},
		{"parents of another value are skipped", "SELECT id FROM financial_connections_account_owners WHERE ownership = '" + own + "'",
			[]string{"GET " + accounts + "?limit=100", firstList}, ownedBy(own)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env.Requests()
			rows := env.Rows(t, c.query)
			if got := env.Requests(); !sameRequests(got, c.want) {
				t.Errorf("%s\nrequests:\n%s\nwant:\n%s", c.query, stripesqltest.Join(got), stripesqltest.Join(c.want))
			}
			if got, want := sortedColumn(rows), idsOf(owners, c.keep); got != want {
				t.Errorf("%s: rows %s, want %s", c.query, got, want)
			}
		})
	}
}

// A table whose required column is pinned reads the fake account's
// objects of that value, in one list: apps secrets of the account scope.
func TestRequiredColumnPinned(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	account := func(o map[string]any) bool {
		scope, _ := o["scope"].(map[string]any)
		return scope["type"] == "account"
	}
	secrets := env.Fake.Objects("apps_secrets")
	if countOf(secrets, account) == 0 {
		t.Fatal("the fake account has no secret of the account scope")
	}
	env.Requests()
	rows := env.Rows(t, "SELECT id FROM apps_secrets WHERE scope_type = 'account'")
	if got, want := sortedColumn(rows), idsOf(secrets, account); got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
	if got, want := env.Requests(), pages("/v1/apps/secrets", url.Values{"scope[type]": {"account"}}, countOf(secrets, account)); !matchRequests(got, want) {
		t.Errorf("requests %v, want %v", got, want)
	}
	if got := env.Rows(t, "SELECT DISTINCT scope_type, scope->>'$.type' FROM apps_secrets WHERE scope_type = 'account'"); len(got) != 1 || got[0][0] != "account" || got[0][1] != "account" {
		t.Errorf("scope_type and scope: %v", got)
	}
}

// A condition on an upcoming invoice line's subscription or currency is
// the engine's: sent to every customer walked, Stripe would refuse it
// for all but the subscription's own (or preview in that currency).
func TestUpcomingLinesNotPushed(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	all := env.Rows(t, "SELECT id, subscription, currency FROM upcoming_invoice_lines")
	var sub, cur string
	for _, r := range all {
		if r[1] != "NULL" {
			sub, cur = r[1], r[2]
			break
		}
	}
	if sub == "" {
		t.Fatal("no upcoming line of a subscription")
	}
	var want [][]string
	for _, r := range all {
		if r[1] == sub && r[2] == cur {
			want = append(want, r[:1])
		}
	}
	env.Requests()
	rows := env.Rows(t, "SELECT id FROM upcoming_invoice_lines WHERE subscription = ? AND currency = ?", sub, cur)
	if got, w := sortedColumn(rows), sortedColumn(want); got != w {
		t.Errorf("rows %s, want %s", got, w)
	}
	for _, r := range env.Requests() {
		if strings.Contains(r, "subscription=") || strings.Contains(r, "currency=") {
			t.Errorf("request %s sends the condition", r)
		}
	}
}
