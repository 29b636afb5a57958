package engine_test

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/tables"
)

// The list tables of issue 14 against the fake account, query by query:
// the rows must be the fake's objects a condition selects, and the
// requests exactly the ideal ones.

// listObjects are the fake account's objects of a table's list path.
func listObjects(env *stripesqltest.Env, s *tables.Spec) []map[string]any {
	if objs := env.Fake.ListObjects(s.Path); objs != nil {
		return objs
	}
	return env.Fake.Objects(fakeResource(s.Path))
}

// withParams is url.Values of a table's defaults and more key, value pairs.
func withParams(s *tables.Spec, kv ...string) url.Values {
	q := defaultsOf(s)
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q
}

// walkRequests are the requests of a walk of s's parents: the parents'
// list, then s's list of each with params.
func walkRequests(env *stripesqltest.Env, s *tables.Spec, params url.Values) []string {
	parent, _ := tables.Lookup(s.Parent.Table)
	want := []string{stripesqltest.FormatRequest("GET", parent.Path, withParams(parent, "limit", "100"))}
	for _, p := range listObjects(env, parent) {
		q := url.Values{"limit": {"100"}}
		for k, v := range params {
			q[k] = v
		}
		path := s.Path
		if s.Parent.InQuery {
			q.Set(s.Parent.Param, fmt.Sprint(p["id"]))
		} else {
			path = strings.Replace(path, "{"+s.Parent.Param+"}", fmt.Sprint(p["id"]), 1)
		}
		want = append(want, stripesqltest.FormatRequest("GET", path, q))
	}
	return want
}

func createdAtLeast(at int64) func(map[string]any) bool {
	return func(o map[string]any) bool { v, ok := o["created"].(float64); return ok && int64(v) >= at }
}

// A created range on a list Stripe answers per object of another table
// (treasury transactions per financial account, issuing tokens per
// card, …) goes to every list of the walk; it was left to the engine,
// each parent's list read whole, because go-mysql-server preferred the
// (parent, created) index, unbounded on the parent, to created's own.
func TestListsReviewCreatedRangeOnWalks(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	for _, name := range []string{"treasury_transactions", "treasury_transaction_entries", "issuing_tokens", "radar_value_list_items", "setup_attempts"} {
		t.Run(name, func(t *testing.T) {
			s, _ := tables.Lookup(name)
			objs := listObjects(env, s)
			at := medianTime(objs, "created")
			env.Requests()
			rows := env.Rows(t, fmt.Sprintf("SELECT id FROM %s WHERE created >= '%s'", name, sqlTime(at)))
			if got, want := sortedColumn(rows), idsOf(objs, createdAtLeast(at)); got != want || countOf(objs, createdAtLeast(at)) == 0 {
				t.Errorf("rows %s, want %s", got, want)
			}
			want := walkRequests(env, s, withParams(s, "created[gte]", fmt.Sprint(at)))
			if got := env.Requests(); !sameRequests(got, want) {
				t.Errorf("requests:\n%s\nwant:\n%s", stripesqltest.Join(got), stripesqltest.Join(want))
			}
		})
	}
}

// A join of a walked list with the table it walks, the list filtered,
// reads the parents once and each one's list (1 + n requests): not a
// walk of the filtered lists and then a retrieve of each row's parent.
func TestListsReviewFilteredChildJoinsItsParent(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	cases := []struct{ table, query, col, value string }{
		{"treasury_transactions", "SELECT t.id, f.id FROM treasury_transactions t JOIN treasury_financial_accounts f ON t.financial_account = f.id WHERE t.status = 'posted'", "status", "posted"},
		{"treasury_transactions", "SELECT t.id, f.id FROM treasury_financial_accounts f JOIN treasury_transactions t ON t.financial_account = f.id WHERE t.status = 'posted'", "status", "posted"},
		{"issuing_tokens", "SELECT k.id, c.id FROM issuing_tokens k JOIN issuing_cards c ON k.card = c.id WHERE k.status = 'suspended'", "status", "suspended"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			s, _ := tables.Lookup(c.table)
			objs := listObjects(env, s)
			keep := func(o map[string]any) bool { return o[c.col] == c.value }
			env.Requests()
			rows := env.Rows(t, c.query)
			if got, want := sortedColumn(rows), idsOf(objs, keep); got != want || countOf(objs, keep) == 0 {
				t.Errorf("rows %s, want %s", got, want)
			}
			got := env.Requests()
			// the filter may reach Stripe or be the engine's: n+1 either way
			want, wantFiltered := walkRequests(env, s, defaultsOf(s)), walkRequests(env, s, withParams(s, c.col, c.value))
			if !sameRequests(got, want) && !sameRequests(got, wantFiltered) {
				t.Errorf("requests:\n%s\nwant:\n%s", stripesqltest.Join(got), stripesqltest.Join(want))
			}
		})
	}
}

// A LIMIT under an order the table makes itself (a list not sorted so
// by Stripe, or a walk of several) reads every row first: its first page
// is a whole one, not the LIMIT's short page followed by the rest.
func TestListsReviewSortedLimitReadsWholePages(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	treasury, _ := tables.Lookup("treasury_transactions")
	txns := listObjects(env, treasury)
	sort.Slice(txns, func(i, j int) bool { return txns[i]["created"].(float64) > txns[j]["created"].(float64) })
	var specIDs []string
	for _, o := range env.Fake.ListObjects("/v1/country_specs") {
		specIDs = append(specIDs, fmt.Sprint(o["id"]))
	}
	sort.Strings(specIDs)
	cards := env.Fake.ListObjects("/v1/issuing/cards")
	charges := env.Fake.Objects("charges")
	cases := []struct {
		name, query string
		want        []string
		rows        []string
		ordered     bool // want is in order (else compared as a set)
	}{
		{"a list sorted here", "SELECT id FROM country_specs ORDER BY id DESC LIMIT 2",
			[]string{"GET /v1/country_specs?limit=100"}, []string{specIDs[len(specIDs)-1], specIDs[len(specIDs)-2]}, true},
		{"a walk sorted here", "SELECT id FROM treasury_transactions ORDER BY created DESC LIMIT 2",
			walkRequests(env, treasury, defaultsOf(treasury)), []string{fmt.Sprint(txns[0]["id"]), fmt.Sprint(txns[1]["id"])}, false},
		{"oldest first of a newest-first list", "SELECT id FROM issuing_cards ORDER BY created LIMIT 1",
			[]string{"GET /v1/issuing/cards?limit=100"}, []string{fmt.Sprint(cards[len(cards)-1]["id"])}, true},
		{"oldest first of several pages", "SELECT id FROM charges ORDER BY created LIMIT 1",
			pages("/v1/charges", nil, len(charges)), []string{fmt.Sprint(charges[len(charges)-1]["id"])}, true},
		// Stripe's own order stays a short page.
		{"newest first", "SELECT id FROM issuing_cards ORDER BY created DESC LIMIT 2",
			[]string{"GET /v1/issuing/cards?limit=2"}, []string{fmt.Sprint(cards[0]["id"]), fmt.Sprint(cards[1]["id"])}, true},
		{"an unpaged list", "SELECT id FROM reporting_report_types ORDER BY id DESC LIMIT 1",
			[]string{"GET /v1/reporting/report_types"}, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env.Requests()
			rows := env.Rows(t, c.query)
			got := env.Requests()
			if ok := matchRequests(got, c.want); !ok && (c.ordered || !sameRequests(got, c.want)) {
				t.Errorf("%s\nrequests:\n%s\nwant:\n%s", c.query, stripesqltest.Join(got), stripesqltest.Join(c.want))
			}
			if col := stripesqltest.Column(rows); c.rows != nil && !slices.Equal(col, c.rows) {
				t.Errorf("%s: rows %v, want %v", c.query, col, c.rows)
			}
		})
	}
}

// A filter naming an object Stripe does not have (an invoice to preview
// a credit note for, a customer's upcoming invoice) matches no row, as a
// retrieve of an unknown id and a child list of an unknown parent do:
// Stripe's resource_missing for that parameter is no row, not an error.
func TestListsReviewUnknownIDsAreNoRows(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	cases := []struct{ query, want string }{
		{"SELECT id FROM credit_note_preview_lines WHERE invoice = 'in_nope'", "GET /v1/credit_notes/preview/lines?invoice=in_nope&limit=100"},
		{"SELECT id FROM upcoming_invoice_lines WHERE customer = 'cus_nope'", "GET /v1/invoices/upcoming/lines?customer=cus_nope&limit=100"},
		{"SELECT customer FROM upcoming_invoices WHERE customer = 'cus_nope'", "GET /v1/invoices/upcoming?customer=cus_nope"},
		{"SELECT id FROM treasury_transactions WHERE id = 'trxn_nope'", "GET /v1/treasury/transactions/trxn_nope"},
		{"SELECT id FROM treasury_transactions WHERE financial_account = 'fa_nope'", "GET /v1/treasury/transactions?financial_account=fa_nope&limit=100&order_by=created"},
		{"SELECT id FROM issuing_tokens WHERE card = 'ic_nope'", "GET /v1/issuing/tokens?card=ic_nope&limit=100"},
		{"SELECT id FROM account_capabilities WHERE account = 'acct_nope'", "GET /v1/accounts/acct_nope/capabilities"},
		{"SELECT id FROM source_transactions WHERE source = 'src_nope'", "GET /v1/sources/src_nope/source_transactions?limit=100"},
		{"SELECT id FROM country_specs WHERE id = 'XX'", "GET /v1/country_specs/XX"},
		{"SELECT id FROM tax_calculation_line_items WHERE calculation = 'taxcalc_nope'", "GET /v1/tax/calculations/taxcalc_nope/line_items?limit=100"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			env.Requests()
			if rows := env.Rows(t, c.query); len(rows) != 0 {
				t.Errorf("rows %v, want none", rows)
			}
			if got := env.Requests(); !matchRequests(got, []string{c.want}) {
				t.Errorf("requests %v, want %s", got, c.want)
			}
		})
	}
}
