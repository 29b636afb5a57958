package engine_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// searchNow is the clock of the search cutoff in tests that need no fake
// search: just after the fake account's data ends (2024-12-31).
var searchNow = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// searchCut is searchNow − 5m, the cutoff of a five-minute lag.
const searchCut = "1735689300"

// EXPLAIN names the search, the events and the recent list, and makes no
// request; conditions Search might match more strictly than MySQL stay
// with the engine (and the lists).
func TestSearchExplain(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{SearchLag: 5 * time.Minute, Now: func() time.Time { return searchNow }})
	chargeEvents := "GET /v1/events created[gte]=" + searchCut + " limit=100 types[]=charge.captured"
	cases := []struct {
		query string
		want  []string // in the EXPLAIN row
		not   []string
	}{
		{"SELECT id FROM charges WHERE metadata->>'$.order_id' = 'A-1042'",
			[]string{"GET /v1/charges/search limit=100 query=metadata['order_id']:'A-1042' AND created<" + searchCut, chargeEvents,
				"GET /v1/charges created[gte]=" + searchCut + " limit=100"}, []string{"whole list"}},
		{"SELECT id FROM charges WHERE JSON_UNQUOTE(JSON_EXTRACT(metadata, '$.order_id')) = 'A-1042' AND created >= '2024-06-01'",
			[]string{"query=metadata['order_id']:'A-1042' AND created>=1717200000 AND created<" + searchCut}, nil},
		{"SELECT id FROM charges WHERE metadata->'$.order_id' = 'A-1042'",
			[]string{"query=metadata['order_id']:'A-1042'"}, nil},
		{"SELECT id FROM charges WHERE amount BETWEEN 1000 AND 5000 AND currency = 'usd' AND created < '2024-01-01'",
			[]string{"query=amount<=5000 AND amount>=1000 AND currency:'usd' AND created<1704067200", "GET /v1/events created[gte]=" + searchCut},
			[]string{"GET /v1/charges created"}},
		{"SELECT id FROM customers WHERE email LIKE '%acme%'",
			[]string{"GET /v1/customers/search limit=100 query=email~'acme' AND created<" + searchCut}, nil},
		{"SELECT id FROM invoices WHERE status = 'open' AND total > 10000",
			[]string{"query=status:'open' AND total>10000 AND created<" + searchCut, "GET /v1/invoices created[gte]=" + searchCut + " limit=100 status=open"}, nil},
		// A customer's charges: a list by an object's id reads few pages.
		{"SELECT id FROM charges WHERE customer = 'cus_1' AND metadata->>'$.k' = 'v'",
			[]string{"GET /v1/charges customer=cus_1 limit=100"}, []string{"search"}},
		// Not pushed: a short fragment, !=, an OR with a branch Search cannot
		// narrow, NOT LIKE, a non-integer.
		{"SELECT id FROM customers WHERE email LIKE '%ac%'", []string{"whole list"}, []string{"search"}},
		{"SELECT id FROM charges WHERE amount != 1000", []string{"whole list"}, []string{"search"}},
		{"SELECT id FROM charges WHERE metadata->>'$.k' = 'v' OR amount != 5", []string{"whole list"}, []string{"search"}},
		{"SELECT id FROM customers WHERE email NOT LIKE '%acme%'", []string{"whole list"}, []string{"search"}},
		{"SELECT id FROM charges WHERE amount > 10.5", []string{"whole list"}, []string{"search"}},
		{"SELECT id FROM charges WHERE metadata->>'$.k' = 'v '", []string{"whole list"}, []string{"search"}},
		// OR and IN: a search per branch, the events once, the list after
		// the cutoff once (issue 21).
		{"SELECT id FROM charges WHERE metadata->>'$.k' = 'v' OR amount > 5",
			[]string{"GET /v1/charges/search limit=100 query=metadata['k']:'v' AND created<" + searchCut + "; GET /v1/charges/search limit=100 query=amount>5 AND created<" + searchCut +
				"; " + chargeEvents, "charge.updated; GET /v1/charges created[gte]=" + searchCut + " limit=100"}, []string{"whole list"}},
		{"SELECT id FROM charges WHERE status IN ('failed', 'pending')",
			[]string{"query=status:'failed' AND created<" + searchCut + "; GET /v1/charges/search limit=100 query=status:'pending' AND created<" + searchCut}, []string{"whole list"}},
		// Only the lists' own filters: nothing for Search to add.
		{"SELECT id FROM customers WHERE email = 'a@example.com'", []string{"GET /v1/customers email=a@example.com limit=100"}, []string{"search"}},
	}
	for _, c := range cases {
		text := strings.Join(flatten(env.Rows(t, "EXPLAIN "+c.query)), " | ")
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("EXPLAIN %s\n%s\nlacks %q", c.query, text, w)
			}
		}
		for _, w := range c.not {
			if strings.Contains(text, w) {
				t.Errorf("EXPLAIN %s\n%s\nhas %q", c.query, text, w)
			}
		}
	}
	tree := strings.Join(flatten(env.Rows(t, "EXPLAIN FORMAT=TREE SELECT id FROM charges WHERE metadata->>'$.order_id' = 'A-1042'")), "\n")
	for _, w := range []string{"stripe: charges: GET /v1/charges/search limit=100 query=metadata['order_id']:'A-1042'", "A-1042"} {
		if !strings.Contains(tree, w) {
			t.Errorf("EXPLAIN FORMAT=TREE lacks %q:\n%s", w, tree)
		}
	}
	conn, err := env.DB.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{"SET stripe_search = OFF", "EXPLAIN SELECT id FROM charges WHERE metadata->>'$.order_id' = 'A-1042'"} {
		rows, err := stripesqltest.Query(context.Background(), conn, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if text := strings.Join(flatten(rows), " "); strings.Contains(text, "search") {
			t.Errorf("SET stripe_search = OFF still searches: %s", text)
		}
	}
	if reqs := env.Requests(); len(reqs) != 0 {
		t.Errorf("EXPLAIN made requests: %v", reqs)
	}
}

// A key that cannot read events (a restricted key without
// rak_event_read) cannot make a search exact: the query reads the list
// instead, answers the same rows as without Search, logs why, and
// EXPLAIN says Search is not used. The first search page, read beside
// the events, is the one search request made.
func TestSearchFallsBackWithoutEvents(t *testing.T) {
	var logs stripesqltest.Logs
	env := stripesqltest.Start(t, stripesqltest.Options{SearchLag: 5 * time.Minute, Now: func() time.Time { return searchNow },
		APIKey: restrictedKey, Logger: logs.Logger()})
	env.Fake.SetFault(func(r *http.Request) (bool, int, string) {
		if r.URL.Path != "/v1/events" {
			return false, 0, ""
		}
		return true, http.StatusForbidden, `{"error": {"type": "invalid_request_error", "message": "The provided key 'rk_test_` +
			strings.Repeat("*", 22) + `9f3Kq2' does not have the required permissions for this endpoint on account 'acct_1Nv0FGQ9RKHgCVdK'. Having the 'rak_event_read' permission would allow this request to continue."}}`
	})
	const query = "SELECT id, amount FROM charges WHERE amount > 5000 ORDER BY id"
	got := env.Rows(t, query)
	reqs := planOrder(env.Requests())
	want := []string{
		"GET /v1/events?created[gte]=" + searchCut + "&limit=100&types[]=charge.captured&types[]=charge.expired&types[]=charge.failed&types[]=charge.pending&types[]=charge.refunded&types[]=charge.succeeded&types[]=charge.updated",
		"GET /v1/charges/search?limit=100&query=amount>5000 AND created<" + searchCut,
		"GET /v1/charges?created[lt]=" + searchCut + "&limit=100",
	}
	if len(reqs) < len(want) || stripesqltest.Join(reqs[:3]) != stripesqltest.Join(want) {
		t.Fatalf("requests:\n%s\nwant to start with\n%s", stripesqltest.Join(reqs), stripesqltest.Join(want))
	}
	for _, r := range reqs[2:] {
		if strings.Contains(r, "/search") {
			t.Errorf("searched on without events: %s", r)
		}
	}
	if ref := searchOff(t, env, query); stripesqltest.Join(flatten(got)) != stripesqltest.Join(flatten(ref)) {
		t.Errorf("rows differ from the list's:\n%v\nwant\n%v", got, ref)
	}
	if len(logs.Lines("Search not used", "rak_event_read")) == 0 {
		t.Errorf("no log line says why Search was not used:\n%s", logs.String())
	}
	text := strings.Join(flatten(env.Rows(t, "EXPLAIN "+query)), " ")
	if !strings.Contains(text, "Search not used: GET /v1/events failed") || strings.Contains(text, "/search") {
		t.Errorf("EXPLAIN after the failure: %s", text)
	}
}

// searchOff runs a query with Search off for its session (the list's
// answer) and returns its rows.
func searchOff(t *testing.T, env *stripesqltest.Env, query string, args ...any) [][]string {
	t.Helper()
	conn, err := env.DB.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "SET stripe_search = OFF"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), "SET stripe_search = ON")
	rows, err := stripesqltest.Query(context.Background(), conn, query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return rows
}

// A search Stripe refuses (the account cannot search, or the query) is
// not an error: the list answers, the same rows as without Search. A 400
// is the query's own; anything else keeps Search off for a while.
func TestSearchRefusedFallsBack(t *testing.T) {
	for _, tc := range []struct {
		status  int
		message string
		denied  bool
	}{
		{http.StatusBadRequest, "Invalid query: unsupported field.", false},
		{http.StatusForbidden, "Search functionality is not available to merchants in India.", true},
	} {
		var logs stripesqltest.Logs
		env := stripesqltest.Start(t, stripesqltest.Options{SearchLag: 5 * time.Minute, Now: func() time.Time { return searchNow }, Logger: logs.Logger()})
		env.Fake.SetFault(func(r *http.Request) (bool, int, string) {
			if !strings.HasSuffix(r.URL.Path, "/search") {
				return false, 0, ""
			}
			return true, tc.status, `{"error": {"type": "invalid_request_error", "message": "` + tc.message + `"}}`
		})
		const query = "SELECT id, amount FROM charges WHERE amount > 5000 ORDER BY id"
		got := env.Rows(t, query)
		reqs := planOrder(env.Requests())
		if len(reqs) < 3 || !strings.Contains(reqs[1], "/v1/charges/search?") || reqs[2] != "GET /v1/charges?created[lt]="+searchCut+"&limit=100" {
			t.Errorf("%d: requests\n%s\nwant events, the search, then the list before the cutoff", tc.status, stripesqltest.Join(reqs))
		}
		if off := searchOff(t, env, query); len(got) == 0 || stripesqltest.Join(flatten(got)) != stripesqltest.Join(flatten(off)) {
			t.Errorf("%d: %d rows, with Search off %d", tc.status, len(got), len(off))
		}
		if len(logs.Lines("Search not used", tc.message)) == 0 {
			t.Errorf("%d: no log line says why:\n%s", tc.status, logs.String())
		}
		text := strings.Join(flatten(env.Rows(t, "EXPLAIN "+query)), " ")
		if strings.Contains(text, "Search not used") != tc.denied {
			t.Errorf("%d: EXPLAIN afterwards: %s", tc.status, text)
		}
	}
}
