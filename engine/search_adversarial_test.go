package engine_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// Adversarial cases for Search: each answer must be the one without
// Search (the lists'), and the requests show a search where one pays off
// and none where Search could match fewer rows than MySQL.

// searched reports whether requests read a search endpoint.
func searched(reqs []string) bool {
	return strings.Contains(stripesqltest.Join(reqs), "/search?")
}

// Each account's search reads that account's events: with `stripe_account
// IN (a, b)`, a change in b since the cutoff is not missed because a's
// events were read first, and a change in a does not join b's rows.
func TestSearchEventsPerAccount(t *testing.T) {
	env, _ := startSearch(t, stripesqltest.Options{Fake: fakestripe.Options{SearchLag: 2 * time.Minute}, AllowWrites: true})
	accts := env.Fake.ConnectedAccounts()
	a, b := accts[0], accts[1]
	ca, cb := env.Fake.ConnectedObjects(a, "charges")[0]["id"].(string), env.Fake.ConnectedObjects(b, "charges")[0]["id"].(string)
	env.Rows(t, `UPDATE charges SET metadata = '{"order_id": "in-b"}' WHERE id = ? AND stripe_account = ?`, cb, b)
	env.Rows(t, `UPDATE charges SET metadata = '{"order_id": "in-a"}' WHERE id = ? AND stripe_account = ?`, ca, a)
	both := "stripe_account IN ('" + a + "', '" + b + "')"
	for _, tc := range []struct {
		query string
		want  string
	}{
		{"SELECT id, stripe_account FROM charges WHERE " + both + " AND metadata->>'$.order_id' = 'in-b'", cb + " " + b},
		{"SELECT id, stripe_account FROM charges WHERE " + both + " AND metadata->>'$.order_id' = 'in-a'", ca + " " + a},
	} {
		env.Requests()
		got := env.Rows(t, tc.query)
		if reqs := env.Requests(); !searched(reqs) {
			t.Errorf("%s: not searched:\n%s", tc.query, stripesqltest.Join(reqs))
		}
		if s := stripesqltest.Join(flatten2(got)); s != tc.want {
			t.Errorf("%s:\n%s\nwant\n%s", tc.query, s, tc.want)
		}
		if off := searchOff(t, env, tc.query); stripesqltest.Join(flatten2(off)) != stripesqltest.Join(flatten2(got)) {
			t.Errorf("%s: %v, with Search off %v", tc.query, got, off)
		}
	}
}

// flatten2 joins each row's columns with a space.
func flatten2(rows [][]string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = strings.Join(r, " ")
	}
	return out
}

// A query sorted on an index other than created (ORDER BY id, served by
// the primary key without a sort) reads the search before the cutoff and
// the list after it: the two are sorted together, not one after the
// other.
func TestSearchSortedAcrossTheCutoff(t *testing.T) {
	env, _ := startSearch(t, stripesqltest.Options{Fake: fakestripe.Options{SearchLag: 2 * time.Minute}, AllowWrites: true})
	for _, c := range env.Fake.Objects("customers")[:6] {
		if err := env.Fake.SetMetadata("customers", c["id"].(string), "seg", "mixed"); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"a", "b", "c"} {
		env.Rows(t, `INSERT INTO customers (email, name, metadata) VALUES (?, 'New', '{"seg": "mixed"}')`, n+"@new.example")
	}
	for _, query := range []string{
		"SELECT id FROM customers WHERE metadata->>'$.seg' = 'mixed' ORDER BY id",
		"SELECT id FROM customers WHERE metadata->>'$.seg' = 'mixed' ORDER BY id DESC",
		"SELECT id FROM customers WHERE metadata->>'$.seg' = 'mixed' ORDER BY id LIMIT 4",
		"SELECT id, email FROM customers WHERE metadata->>'$.seg' = 'mixed' ORDER BY email",
		"SELECT id FROM customers WHERE name LIKE '%New%' OR metadata->>'$.seg' = 'mixed' ORDER BY id",
		"SELECT id FROM customers WHERE metadata->>'$.seg' = 'mixed' ORDER BY created, id",
	} {
		env.Requests()
		got := env.Rows(t, query)
		reqs := env.Requests()
		if !searched(reqs) {
			t.Errorf("%s: not searched:\n%s", query, stripesqltest.Join(reqs))
		}
		if off := searchOff(t, env, query); stripesqltest.Join(flatten2(got)) != stripesqltest.Join(flatten2(off)) {
			t.Errorf("%s:\n%v\nwith Search off\n%v", query, got, off)
		}
	}
}

// Conditions where Search could match fewer rows than MySQL: each answer
// is the one without Search, and Search is used only where it may be. The
// client's cutoff is an hour after the fake's clock, so that the search
// alone answers (no event since the cutoff covers for it).
func TestSearchAdversarial(t *testing.T) {
	var env *stripesqltest.Env
	env = stripesqltest.Start(t, stripesqltest.Options{SearchLag: searchLag, AllowWrites: true,
		Now: func() time.Time { return env.Fake.Now().Add(time.Hour) }})
	charges, customers := env.Fake.Objects("charges"), env.Fake.Objects("customers")
	for i, kv := range [][2]string{{"k", "v "}, {"k", "O'Brien"}, {"k", `say "hi"`}, {"k", "Straße"}, {"a.b", "dot"},
		{"a-b", "dash"}, {"k", "ΟΔΟΣΑ"}, {"k", "---"}, {"k", "Abc"}, {"k", "x\ty"}, {"k", "true"}, {"k", "123"}} {
		if err := env.Fake.SetMetadata("charges", charges[i+3]["id"].(string), kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	for i, name := range []string{"Pad ", "İstanbul Ltd", "ΟΔΟΣΑ Ltd", "Straße Co", "---", "x_y_z", "O'Neil", "ﬁnance", "İIıi"} {
		env.Rows(t, "UPDATE customers SET name = ? WHERE id = ?", name, customers[i+2]["id"])
	}
	tests := []struct {
		query    string
		searched bool
	}{
		// metadata: quotes, surrounding spaces, keys needing quotes, other forms
		{"SELECT id FROM charges WHERE metadata->>'$.k' = 'O''Brien'", true},
		{`SELECT id FROM charges WHERE metadata->>'$.k' = 'say "hi"'`, true},
		{"SELECT id FROM charges WHERE metadata->>'$.k' = 'v'", true}, // stored 'v ': no PAD SPACE
		{"SELECT id FROM charges WHERE metadata->>'$.k' = 'v '", false},
		{"SELECT id FROM charges WHERE metadata->>'$.k' = ''", false},
		{"SELECT id FROM charges WHERE metadata->>'$.k' = 'x\ty'", false},
		{"SELECT id FROM charges WHERE metadata->>'$.\"a.b\"' = 'dot'", true},
		{"SELECT id FROM charges WHERE metadata->>'$.\"a-b\"' = 'dash'", true},
		{"SELECT id FROM charges WHERE metadata->>'$.\"a b\"' = 'dot'", false},
		{"SELECT id FROM charges WHERE metadata->>'$.k' = '---'", true}, // a token: compared whole
		{"SELECT id FROM charges WHERE metadata->>'$.k' = 'abc'", true}, // Search ignores case, the engine does not
		{"SELECT id FROM charges WHERE metadata->>'$.k' = 'STRASSE'", true},
		{"SELECT id FROM charges WHERE metadata->'$.k' = 'Straße'", true},
		{"SELECT id FROM charges WHERE metadata->'$.k' = '\"Straße\"'", true},
		{"SELECT id FROM charges WHERE metadata->'$.k' = 'true'", true},
		{"SELECT id FROM charges WHERE metadata->>'$.k' = 123", false}, // a number: MySQL converts
		{"SELECT id FROM charges WHERE metadata->>'$.k' <=> 'Abc'", false},
		{"SELECT id FROM charges WHERE metadata->>'$.k' = 'Abc' COLLATE utf8mb4_0900_ai_ci", false},
		// OR and IN: a search per branch (issue 21), unless a branch has
		// nothing Search can take.
		{"SELECT id FROM charges WHERE metadata->>'$.k' = 'Abc' OR metadata->>'$.k' = '123'", true},
		{"SELECT id FROM charges WHERE metadata->>'$.k' IN ('Abc', '123')", true},
		{"SELECT id FROM charges WHERE metadata->>'$.k' IN ('abc', 'straße', 'O''Brien')", true},
		{"SELECT id FROM charges WHERE metadata->>'$.k' IN ('Abc', 'v ')", false},
		{"SELECT id FROM charges WHERE metadata->>'$.k' IN ('Abc', 123)", false},
		{"SELECT id FROM charges WHERE metadata->>'$.k' NOT IN ('Abc', '123') AND amount > 90000", true},
		{"SELECT id FROM charges WHERE NOT (metadata->>'$.k' = 'Abc' OR metadata->>'$.k' = '123') AND amount > 90000", true},
		{"SELECT id FROM charges WHERE NOT (metadata->>'$.k' = 'Abc') AND amount > 90000", true},
		// names: unicode, case, LIKE escapes
		{"SELECT id FROM customers WHERE name LIKE '%İstanbul%'", true},
		{"SELECT id FROM customers WHERE name LIKE '%istanbul%'", true},
		{"SELECT id FROM customers WHERE name LIKE '%ΟΔΟΣ%'", true},
		{"SELECT id FROM customers WHERE name LIKE '%Straße%'", true},
		{"SELECT id FROM customers WHERE name LIKE '%ﬁnance%'", true},
		{"SELECT id FROM customers WHERE name = 'İIıi'", true},
		{"SELECT id FROM customers WHERE name = 'Pad'", true},
		{"SELECT id FROM customers WHERE name = 'O''Neil'", true},
		{"SELECT id FROM customers WHERE name = '---'", false},
		{"SELECT id FROM customers WHERE name LIKE 'x\\_y\\_z'", false},
		{"SELECT id FROM customers WHERE name LIKE '%Ltd|%' ESCAPE '|'", false},
		{"SELECT id FROM customers WHERE name NOT LIKE '%Ltd%'", false},
		{"SELECT id FROM customers WHERE name LIKE '%straße%' COLLATE utf8mb4_0900_ai_ci", false},
		// amounts: strings, floats, reversed ranges, sides swapped
		{"SELECT COUNT(*) FROM charges WHERE amount > '1000'", false},
		{"SELECT COUNT(*) FROM charges WHERE amount > 1e3", false},
		{"SELECT COUNT(*) FROM charges WHERE amount > 999.5", false},
		{"SELECT COUNT(*) FROM charges WHERE amount BETWEEN 5000 AND 1000", true},
		{"SELECT COUNT(*) FROM charges WHERE 1000 < amount", true},
		{"SELECT COUNT(*) FROM charges WHERE amount > -5", true},
		{"SELECT COUNT(*) FROM charges WHERE amount < 18446744073709551615", false},
		{"SELECT COUNT(*) FROM charges WHERE currency = 0", false},
		{"SELECT COUNT(*) FROM charges WHERE currency = 'USD'", true},
		{"SELECT COUNT(*) FROM charges WHERE currency = 'USD' COLLATE utf8mb4_0900_ai_ci", false},
		{"SELECT COUNT(*) FROM charges WHERE amount > 5000 OR currency = 'eur'", true},
		{"SELECT COUNT(*) FROM charges WHERE amount > 5000 OR currency = 0", false},
		{"SELECT COUNT(*) FROM charges WHERE amount > 5000 OR amount > 999.5", false},
		// joins and subqueries
		{"SELECT c.id, ch.id FROM customers c JOIN charges ch ON ch.customer = c.id WHERE ch.amount > 5000 AND c.email LIKE '%dijkstra%' ORDER BY 1, 2", true},
		{"SELECT id FROM customers WHERE id IN (SELECT customer FROM charges WHERE amount > 20000) AND email LIKE '%example%' ORDER BY id", true},
	}
	for _, tc := range tests {
		env.Requests()
		got := env.Rows(t, tc.query)
		if reqs := env.Requests(); searched(reqs) != tc.searched {
			t.Errorf("%s: searched %v, want %v:\n%s", tc.query, searched(reqs), tc.searched, stripesqltest.Join(reqs))
		}
		if off := searchOff(t, env, tc.query); stripesqltest.Join(flatten2(got)) != stripesqltest.Join(flatten2(off)) {
			t.Errorf("%s:\n%v\nwith Search off\n%v", tc.query, got, off)
		}
	}
}

// The platform's list held whole by the row cache answers the platform's
// queries from memory, not a connected account's: that account's query
// still searches (and answers what its list answers).
func TestSearchHeldListIsTheAccounts(t *testing.T) {
	env, _ := startSearch(t, stripesqltest.Options{CacheTTL: time.Hour})
	acct := env.Fake.ConnectedAccounts()[0]
	env.Rows(t, "SELECT COUNT(*) FROM charges") // the platform's list, held whole
	query := "SELECT id FROM charges WHERE stripe_account = '" + acct + "' AND amount > 1000 ORDER BY id"
	env.Requests()
	got := env.Rows(t, query)
	if reqs := env.Requests(); !searched(reqs) {
		t.Errorf("the platform's held list kept the account's query from searching:\n%s", stripesqltest.Join(reqs))
	}
	if off := searchOff(t, env, query); len(got) == 0 || stripesqltest.Join(flatten2(got)) != stripesqltest.Join(flatten2(off)) {
		t.Errorf("%v, with Search off %v", got, off)
	}
}

// Stripe takes 10 clauses at most: a query with more conditions searches
// with 10 of them (the engine checks the rest), not a refused search and
// the list.
func TestSearchAtMostTenClauses(t *testing.T) {
	env, cutf := startSearch(t, stripesqltest.Options{})
	id := env.Fake.Objects("charges")[7]["id"].(string)
	var where []string
	for i := range 11 {
		k, v := fmt.Sprintf("k%02d", i), fmt.Sprintf("v%d", i)
		if err := env.Fake.SetMetadata("charges", id, k, v); err != nil {
			t.Fatal(err)
		}
		where = append(where, "metadata->>'$."+k+"' = '"+v+"'")
	}
	query := "SELECT id FROM charges WHERE " + strings.Join(where, " AND ") + " AND created < NOW()"
	env.Requests()
	got := env.Rows(t, query)
	reqs := env.Requests()
	for _, r := range reqs {
		if strings.HasPrefix(r, "GET /v1/charges?created[lt]=") {
			t.Errorf("the search was refused, the list read:\n%s", stripesqltest.Join(reqs))
		}
		if q, ok := strings.CutPrefix(r, "GET /v1/charges/search?"); ok {
			if v, _ := url.ParseQuery(q); strings.Count(v.Get("query"), " AND ")+1 > 10 {
				t.Errorf("more than 10 clauses: %s", v.Get("query"))
			}
		}
	}
	if !searched(reqs) || !strings.Contains(stripesqltest.Join(reqs), "created<"+cutf()) {
		t.Errorf("not searched:\n%s", stripesqltest.Join(reqs))
	}
	if len(got) != 1 || got[0][0] != id {
		t.Errorf("%v, want %s", got, id)
	}
}

// An object the search found is Stripe's current object: an event since
// the cutoff does not replace it, for an object can change after its
// newest event of the types read (a dispute changes a charge's disputed
// with charge.dispute.created). The fault hides the newest event, as if
// it were of another type: the event's older copy must not stand for the
// charge.
func TestSearchKeepsTheCurrentObject(t *testing.T) {
	env, _ := startSearch(t, stripesqltest.Options{})
	c := env.Fake.Objects("charges")[11]
	id, amount := c["id"].(string), int64(c["amount"].(float64))
	for _, v := range []string{"before", "after"} {
		if err := env.Fake.SetMetadata("charges", id, "k", v); err != nil {
			t.Fatal(err)
		}
	}
	env.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/v1/events" {
			return false
		}
		rec := httptest.NewRecorder()
		env.Fake.ServeHTTP(rec, r)
		var page map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			t.Error(err)
			return false
		}
		data, _ := page["data"].([]any)
		for i, e := range data { // newest first: drop the charge's newest
			obj, _ := e.(map[string]any)["data"].(map[string]any)["object"].(map[string]any)
			if obj["id"] == id {
				page["data"] = append(data[:i:i], data[i+1:]...)
				break
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(page)
		return true
	})
	for _, query := range []string{
		"SELECT id, metadata->>'$.k' FROM charges WHERE metadata->>'$.k' = 'after'",
		fmt.Sprintf("SELECT id, metadata->>'$.k' FROM charges WHERE amount BETWEEN %d AND %d ORDER BY id", amount, amount),
	} {
		env.Requests()
		got := env.Rows(t, query)
		if reqs := env.Requests(); !searched(reqs) {
			t.Errorf("%s: not searched:\n%s", query, stripesqltest.Join(reqs))
		}
		if !strings.Contains(stripesqltest.Join(flatten2(got)), id+" after") {
			t.Errorf("%s: %v, want %s with k = after", query, got, id)
		}
		if off := searchOff(t, env, query); stripesqltest.Join(flatten2(got)) != stripesqltest.Join(flatten2(off)) {
			t.Errorf("%s:\n%v\nwith Search off\n%v", query, got, off)
		}
	}
}
