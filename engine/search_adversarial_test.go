package engine_test

import (
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
		if !searched(reqs) && !strings.Contains(query, " OR ") {
			t.Errorf("%s: not searched:\n%s", query, stripesqltest.Join(reqs))
		}
		if off := searchOff(t, env, query); stripesqltest.Join(flatten2(got)) != stripesqltest.Join(flatten2(off)) {
			t.Errorf("%s:\n%v\nwith Search off\n%v", query, got, off)
		}
	}
}
