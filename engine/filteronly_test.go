package engine_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/tables"
)

// fakeList reads a list from the fake directly, every page: the objects
// Stripe answers path?params with, the reference for filters whose value
// the objects do not show.
func fakeList(t *testing.T, f *fakestripe.Server, path string, params url.Values) []map[string]any {
	t.Helper()
	var out []map[string]any
	cursor := ""
	for {
		q := url.Values{"limit": {"100"}}
		for k, v := range params {
			q[k] = v
		}
		if cursor != "" {
			q.Set("starting_after", cursor)
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", path+"?"+q.Encode(), nil)
		req.SetBasicAuth(stripesqltest.Key, "")
		f.ServeHTTP(rec, req)
		var page struct {
			Data    []map[string]any `json:"data"`
			HasMore bool             `json:"has_more"`
		}
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &page) != nil {
			t.Fatalf("GET %s?%s: %d %s", path, q.Encode(), rec.Code, rec.Body)
		}
		out = append(out, page.Data...)
		if !page.HasMore || len(page.Data) == 0 {
			return out
		}
		cursor = fmt.Sprint(page.Data[len(page.Data)-1]["id"])
	}
}

// listRequests are the request lines reading a list of n objects, with
// the table's defaults.
func listRequests(s *tables.Spec, params url.Values, n int) []string {
	all := url.Values{}
	for k, v := range s.Defaults {
		all.Set(k, v)
	}
	for k, v := range params {
		all[k] = v
	}
	return pages(s.Path, all, n)
}

var cursorParam = regexp.MustCompile(`starting_after=[^&]*`)

// sameRequests compares request lines as sets of streams: interleaved
// streams (a join's) may come in any order; cursors are any value.
func sameRequests(got, want []string) bool {
	norm := func(lines []string) []string {
		out := make([]string, len(lines))
		for i, l := range lines {
			out[i] = cursorParam.ReplaceAllString(l, "starting_after=*")
		}
		sort.Strings(out)
		return out
	}
	return slices.Equal(norm(got), norm(want))
}

// pinValue is a value to pin a filter-only column to: the SQL literal,
// the list parameter's value, the column's value as a client reads it,
// and as a prepared statement's argument.
type pinValue struct {
	literal, param, shown string
	arg                   any
}

// pinValues are two values of a filter-only column that select objects:
// TRUE and FALSE for a boolean, else the ids of two objects of the
// resource the parameter names (payout: payouts) whose lists are not
// empty; none when the fake has no two such values.
func pinValues(t *testing.T, f *fakestripe.Server, s *tables.Spec, col string) []pinValue {
	p, _ := s.Param(col)
	if p.Type == "boolean" {
		return []pinValue{{"TRUE", "true", "1", 1}, {"FALSE", "false", "0", 0}}
	}
	var named *tables.Spec
	for _, o := range tables.Specs() {
		if o.Object == col {
			named = o
		}
	}
	if named == nil {
		return nil // an enum or an id of no table: no two values known to select objects
	}
	var out []pinValue
	for _, o := range f.Objects(named.Name) {
		id := fmt.Sprint(o["id"])
		if len(fakeList(t, f, s.Path, url.Values{col: {id}})) > 0 {
			out = append(out, pinValue{"'" + id + "'", id, id, id})
		}
		if len(out) == 2 {
			return out
		}
	}
	return nil
}

// fakeServes reports whether the fake account answers GET path.
func fakeServes(f *fakestripe.Server, path string) bool {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", path+"?limit=1", nil)
	req.SetBasicAuth(stripesqltest.Key, "")
	f.ServeHTTP(rec, req)
	return rec.Code == 200
}

// Every filter-only column of every table: `= value` is the list with the
// parameter, `IN (…)` one list per value, and each row holds the value it
// was read with; the rows are the fake's answer to those lists. Read
// without the parameter, the column is NULL.
func TestFilterOnlyColumns(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	seen := 0
	for _, s := range tables.Specs() {
		// A top-level list the fake account answers: the reference is its
		// answer to the list with the parameter.
		if s.Parent != nil || s.Derive != nil || s.Single || len(s.Requires) > 0 || !fakeServes(env.Fake, s.Path) {
			continue
		}
		for _, f := range s.Filters {
			if !f.Only {
				continue
			}
			col, param := f.Column, f.ParamName()
			vals := pinValues(t, env.Fake, s, col)
			if len(vals) < 2 {
				continue
			}
			seen++
			type want struct {
				reqs []string
				rows [][]string
			}
			read := func(vs ...pinValue) want {
				var w want
				for _, v := range vs {
					objs := fakeList(t, env.Fake, s.Path, url.Values{param: {v.param}})
					w.reqs = append(w.reqs, listRequests(s, url.Values{param: {v.param}}, len(objs))...)
					for _, o := range objs {
						w.rows = append(w.rows, []string{fmt.Sprint(o["id"]), v.shown})
					}
				}
				return w
			}
			cases := []struct {
				name, where string
				args        []any
				want        want
			}{
				{"=", col + " = " + vals[0].literal, nil, read(vals[0])},
				{"= other", col + " = " + vals[1].literal, nil, read(vals[1])},
				{"IN", col + " IN (" + vals[0].literal + ", " + vals[1].literal + ")", nil, read(vals...)},
				{"prepared", col + " = ?", []any{vals[1].arg}, read(vals[1])},
			}
			for _, c := range cases {
				t.Run(s.Name+" "+col+" "+c.name, func(t *testing.T) {
					env.Requests()
					q := "SELECT id, " + col + " FROM " + s.Name + " WHERE " + c.where
					rows := env.Rows(t, q, c.args...)
					if got := env.Requests(); !sameRequests(got, c.want.reqs) {
						t.Errorf("%s\nrequests:\n%s\nwant:\n%s", q, stripesqltest.Join(got), stripesqltest.Join(c.want.reqs))
					}
					if len(rows) != len(c.want.rows) || checksum(rows) != checksum(c.want.rows) {
						t.Errorf("%s: %d rows %v, want %d %v", q, len(rows), rows, len(c.want.rows), c.want.rows)
					}
				})
			}
			t.Run(s.Name+" "+col+" scan", func(t *testing.T) {
				q := "SELECT COUNT(*), COUNT(" + col + ") FROM " + s.Name
				if got := env.Rows(t, q); len(got) != 1 || got[0][0] == "0" || got[0][1] != "0" {
					t.Errorf("%s = %v, want rows and no %s", q, got, col)
				}
			})
		}
	}
	if seen < 4 {
		t.Errorf("%d filter-only columns, want at least payout, delivery_success, pending and price", seen)
	}
}

// payoutTxns is the reference of a payout reconciliation: for each payout
// arriving from 2024-12-01 on, its balance transactions as the fake
// account assigned them (not as the filter lists them).
func payoutTxns(env *stripesqltest.Env) (payouts []map[string]any, rows [][]string) {
	from := unix("2024-12-01")
	byPayout := map[string][]map[string]any{}
	for _, x := range env.Fake.Objects("balance_transactions") {
		if po := env.Fake.PayoutOf(fmt.Sprint(x["id"])); po != "" {
			byPayout[po] = append(byPayout[po], x)
		}
	}
	for _, p := range env.Fake.Objects("payouts") {
		if int64(p["arrival_date"].(float64)) < from {
			continue
		}
		payouts = append(payouts, p)
		for _, x := range byPayout[fmt.Sprint(p["id"])] {
			rows = append(rows, []string{fmt.Sprint(p["id"]), fmt.Sprint(x["id"]), fmt.Sprint(x["type"]), jsonScalar(x["net"])})
		}
	}
	return payouts, rows
}

// A join pins the filter-only column: the payouts of the range are read,
// then each payout's balance transactions, one list per payout (EXPLAIN
// says so), whichever way the query is written; the answer is the fake
// account's own assignment of transactions to payouts.
func TestFilterOnlyJoin(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	payouts, all := payoutTxns(env)
	if len(payouts) < 2 {
		t.Fatalf("%d payouts from 2024-12-01 on", len(payouts))
	}
	bt, _ := tables.Lookup("balance_transactions")
	po, _ := tables.Lookup("payouts")
	reqs := listRequests(po, url.Values{"arrival_date[gte]": {fmt.Sprint(unix("2024-12-01"))}}, len(payouts))
	for _, p := range payouts {
		n := len(fakeList(t, env.Fake, bt.Path, url.Values{"payout": {fmt.Sprint(p["id"])}}))
		reqs = append(reqs, listRequests(bt, url.Values{"payout": {fmt.Sprint(p["id"])}}, n)...)
	}
	charges := func(rows [][]string) [][]string {
		var out [][]string
		for _, r := range rows {
			if r[2] == "charge" {
				out = append(out, r)
			}
		}
		return out
	}
	const cols = "p.id, b.id, b.type, b.net"
	const where = "p.arrival_date >= '2024-12-01'"
	cases := []struct {
		name, query string
		want        [][]string
	}{
		{"payouts first", "SELECT " + cols + " FROM payouts p JOIN balance_transactions b ON b.payout = p.id WHERE " + where, all},
		{"transactions first", "SELECT " + cols + " FROM balance_transactions b JOIN payouts p ON p.id = b.payout WHERE " + where, all},
		{"left join", "SELECT " + cols + " FROM payouts p LEFT JOIN balance_transactions b ON b.payout = p.id WHERE " + where, all},
		{"with a condition on the transactions", "SELECT " + cols + " FROM payouts p JOIN balance_transactions b ON b.payout = p.id WHERE " + where + " AND b.type = 'charge'", charges(all)},
		{"IN subquery", "SELECT b.payout, b.id, b.type, b.net FROM balance_transactions b WHERE b.payout IN (SELECT id FROM payouts p WHERE " + where + ")", all},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			explain := env.Rows(t, "EXPLAIN "+c.query)
			if !strings.Contains(fmt.Sprint(explain), "payout={") || !strings.Contains(fmt.Sprint(explain), "(for each row of the outer side of the join)") {
				t.Errorf("EXPLAIN shows no list per payout:\n%v", explain)
			}
			env.Requests()
			rows := env.Rows(t, c.query)
			if len(rows) != len(c.want) || checksum(rows) != checksum(c.want) {
				t.Errorf("%d rows, want %d", len(rows), len(c.want))
			}
			if got := env.Requests(); !sameRequests(got, reqs) {
				t.Errorf("requests:\n%s\nwant:\n%s", stripesqltest.Join(got), stripesqltest.Join(reqs))
			}
		})
	}
}

// Conditions on a filter-only column that no request can answer are
// refused, with a MySQL error saying how to pin it, before any request:
// read without its parameter the column is NULL, and the query would
// silently match nothing.
func TestFilterOnlyRefused(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	queries := []string{
		"SELECT id FROM balance_transactions WHERE payout LIKE 'po_%'",
		"SELECT id FROM balance_transactions WHERE payout IS NULL",
		"SELECT id FROM balance_transactions WHERE payout IS NOT NULL",
		"SELECT id FROM balance_transactions WHERE payout > 'po_'",
		"SELECT id FROM balance_transactions WHERE payout <> 'po_1'",
		"SELECT id FROM balance_transactions WHERE payout = 'po_1' OR type = 'charge'",
		"SELECT id FROM balance_transactions WHERE payout = (SELECT MAX(id) FROM payouts)",
		"SELECT p.id FROM payouts p JOIN balance_transactions b ON b.payout > p.id",
		"SELECT p.id FROM payouts p JOIN balance_transactions b ON b.payout = p.id OR b.type = 'payout'",
		"SELECT id FROM events WHERE delivery_success IS NULL",
		"SELECT id FROM subscriptions WHERE price LIKE 'price_%'",
		"EXPLAIN SELECT id FROM balance_transactions WHERE payout LIKE 'po_%'",
		"EXPLAIN SELECT id FROM balance_transactions WHERE payout > 'po_'",
		"EXPLAIN SELECT id FROM balance_transactions WHERE payout IS NULL",
	}
	for _, q := range queries {
		t.Run(q, func(t *testing.T) {
			env.Requests()
			msg := env.Error(t, q)
			if !strings.Contains(msg, "Error 1235 (42000)") || !strings.Contains(msg, "is a filter-only column") || !strings.Contains(msg, "pin it to constants") {
				t.Errorf("error %q", msg)
			}
			if reqs := env.Requests(); len(reqs) != 0 {
				t.Errorf("asked Stripe before refusing:\n%s", stripesqltest.Join(reqs))
			}
		})
	}
}

// The row cache never answers a payout's transactions from the held rows
// of the unfiltered list (their payout is NULL): the payout's list is read,
// its rows hold the payout before they are checked and stored, under a
// stream of their own, which answers the same payout again.
func TestFilterOnlyRowCache(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{CacheTTL: time.Hour})
	bt, _ := tables.Lookup("balance_transactions")
	payouts := env.Fake.Objects("payouts")
	po, other := fmt.Sprint(payouts[3]["id"]), fmt.Sprint(payouts[4]["id"])
	txns := func(payout string, keep func(map[string]any) bool) (rows [][]string, n int) {
		objs := fakeList(t, env.Fake, bt.Path, url.Values{"payout": {payout}})
		for _, o := range objs {
			if keep(o) {
				rows = append(rows, []string{fmt.Sprint(o["id"]), payout})
			}
		}
		return rows, len(objs)
	}
	every := func(map[string]any) bool { return true }
	isCharge := func(o map[string]any) bool { return o["type"] == "charge" }
	all, n := txns(po, every)
	charged, _ := txns(po, isCharge)
	otherRows, otherN := txns(other, every)

	env.Rows(t, "SELECT COUNT(*) FROM balance_transactions") // the unfiltered list, held whole
	steps := []struct {
		name, where string
		reqs        []string
		rows        [][]string
	}{
		{"not from the unfiltered list", "payout = '" + po + "'", listRequests(bt, url.Values{"payout": {po}}, n), all},
		{"again: its own stream", "payout = '" + po + "'", nil, all},
		{"with a condition the rows show", "payout = '" + po + "' AND type = 'charge'",
			[]string{"GET /v1/balance_transactions?limit=100&payout=" + po + "&type=charge"}, charged},
		{"another payout", "payout = '" + other + "'", listRequests(bt, url.Values{"payout": {other}}, otherN), otherRows},
	}
	env.Requests()
	for _, s := range steps {
		q := "SELECT id, payout FROM balance_transactions WHERE " + s.where
		rows := env.Rows(t, q)
		if got := env.Requests(); !sameRequests(got, s.reqs) {
			t.Errorf("%s: %s\nrequests:\n%s\nwant:\n%s", s.name, q, stripesqltest.Join(got), stripesqltest.Join(s.reqs))
		}
		if len(rows) != len(s.rows) || checksum(rows) != checksum(s.rows) {
			t.Errorf("%s: %s: %d rows, want %d", s.name, q, len(rows), len(s.rows))
		}
	}
	// The unfiltered list's rows still hold no payout, and still answer
	// what they can.
	got := env.Rows(t, "SELECT COUNT(*), COUNT(payout) FROM balance_transactions WHERE type = 'charge'")
	want := 0
	for _, o := range env.Fake.Objects("balance_transactions") {
		if isCharge(o) {
			want++
		}
	}
	if fmt.Sprint(got) != fmt.Sprintf("[[%s 0]]", strconv.Itoa(want)) {
		t.Errorf("held charges: %v, want [[%d 0]]", got, want)
	}
	if reqs := env.Requests(); len(reqs) != 0 {
		t.Errorf("the held list asked Stripe:\n%s", stripesqltest.Join(reqs))
	}
}

// An id beside a pinned payout is checked on the payout's list: a
// retrieve cannot say whether the transaction is that payout's. Several
// ids read the list once.
func TestFilterOnlyWithID(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	bt, _ := tables.Lookup("balance_transactions")
	po := fmt.Sprint(env.Fake.Objects("payouts")[2]["id"])
	var in, out string
	for _, x := range env.Fake.Objects("balance_transactions") {
		if id := fmt.Sprint(x["id"]); env.Fake.PayoutOf(id) == po {
			in = id
		} else {
			out = id
		}
	}
	list := listRequests(bt, url.Values{"payout": {po}}, len(fakeList(t, env.Fake, bt.Path, url.Values{"payout": {po}})))
	cases := []struct {
		name, where string
		want        [][]string
	}{
		{"its payout", "id = '" + in + "' AND payout = '" + po + "'", [][]string{{in, po}}},
		{"another payout's", "id = '" + out + "' AND payout = '" + po + "'", nil},
		{"several ids", "id IN ('" + in + "', '" + out + "') AND payout = '" + po + "'", [][]string{{in, po}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env.Requests()
			q := "SELECT id, payout FROM balance_transactions WHERE " + c.where
			if rows := env.Rows(t, q); fmt.Sprint(rows) != fmt.Sprint(c.want) && len(rows)+len(c.want) > 0 {
				t.Errorf("%s: %v, want %v", q, rows, c.want)
			}
			if got := env.Requests(); !sameRequests(got, list) {
				t.Errorf("%s\nrequests:\n%s\nwant:\n%s", q, stripesqltest.Join(got), stripesqltest.Join(list))
			}
		})
	}
}
