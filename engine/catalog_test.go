package engine_test

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/tables"
)

// catalogTables are issue 3's plain list tables, each the fake resource of
// the same name, with a value column compared besides id in full scans.
var catalogTables = map[string]string{
	"application_fees": "amount", "checkout_sessions": "amount_total", "coupons": "duration",
	"credit_notes": "amount", "disputes": "amount", "events": "type", "invoice_items": "amount",
	"payment_intents": "amount", "payouts": "amount", "plans": "amount", "prices": "unit_amount",
	"products": "name", "promotion_codes": "code", "tax_rates": "percentage", "transfers": "amount",
}

func catalogNames() []string {
	names := make([]string, 0, len(catalogTables))
	for n := range catalogTables {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Every catalog table, scanned whole, returns exactly the fake's objects,
// a page of 100 after the other.
func TestCatalogFullScans(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	crossed := 0
	for _, name := range catalogNames() {
		t.Run(name, func(t *testing.T) {
			spec, ok := tables.Lookup(name)
			if !ok {
				t.Fatalf("no table %s", name)
			}
			objs := env.Fake.Objects(name)
			if len(objs) == 0 {
				t.Fatalf("the fake has no %s", name)
			}
			col := catalogTables[name]
			rows := env.Rows(t, "SELECT id, "+col+" FROM "+name)
			want := make([][]string, len(objs))
			for i, o := range objs {
				want[i] = []string{fmt.Sprint(o["id"]), jsonScalar(o[col])}
			}
			if got, w := checksum(rows), checksum(want); got != w || len(rows) != len(want) {
				t.Errorf("%d rows (checksum %s), want %d (checksum %s)", len(rows), got, len(want), w)
			}
			if reqs, w := env.Requests(), pages(spec.Path, nil, len(objs)); !matchRequests(reqs, w) {
				t.Errorf("requests:\n%s\nwant:\n%s", stripesqltest.Join(reqs), stripesqltest.Join(w))
			}
			if len(objs) > 100 {
				crossed++
			}
		})
	}
	if crossed < 2 {
		t.Errorf("only %d tables span several pages: the scans test no paging", crossed)
	}
}

// pages are the requests listing n objects with params: one per 100.
func pages(path string, params url.Values, n int) []string {
	q := url.Values{"limit": {"100"}}
	for k, v := range params {
		q[k] = v
	}
	out := []string{stripesqltest.FormatRequest("GET", path, q)}
	q.Set("starting_after", "*")
	for k := 100; k < n; k += 100 {
		out = append(out, stripesqltest.FormatRequest("GET", path, q))
	}
	return out
}

// Each filter a catalog table pushes down makes exactly its list request,
// and the rows are the fake's objects with that value; created and other
// time ranges too; id = … is a retrieve.
func TestCatalogPushdown(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	type check struct {
		name, query string
		want        []string                  // request lines ("*": any cursor)
		keep        func(map[string]any) bool // the objects the rows must be
	}
	for _, name := range catalogNames() {
		spec, _ := tables.Lookup(name)
		objs := env.Fake.Objects(name)
		var checks []check
		for _, f := range spec.Filters {
			if f.Only {
				continue // no field to check: TestFilterOnlyColumns
			}
			param := f.Param
			if param == "" {
				param = f.Column
			}
			value, literal := sampleOf(objs, f.Column)
			keep := func(o map[string]any) bool { return fmt.Sprint(o[f.Column]) == value }
			n := countOf(objs, keep)
			checks = append(checks, check{f.Column, "SELECT id FROM " + name + " WHERE " + f.Column + " = " + literal,
				pages(spec.Path, url.Values{param: {value}}, n), keep})
		}
		ranges := spec.Ranges
		if spec.Created {
			ranges = append([]tables.Range{{Column: "created"}}, ranges...)
		}
		for _, r := range ranges {
			col := r.Column
			at := medianTime(objs, col)
			keep := func(o map[string]any) bool { v, ok := o[col].(float64); return ok && int64(v) >= at }
			checks = append(checks, check{col + " range", fmt.Sprintf("SELECT id FROM %s WHERE %s >= '%s'", name, col, sqlTime(at)),
				pages(spec.Path, url.Values{r.ParamName() + "[gte]": {fmt.Sprint(at)}}, countOf(objs, keep)), keep})
		}
		id := fmt.Sprint(objs[len(objs)/2]["id"])
		checks = append(checks, check{"id", "SELECT id FROM " + name + " WHERE id = '" + id + "'",
			[]string{"GET " + spec.Path + "/" + id}, func(o map[string]any) bool { return o["id"] == id }})
		for _, c := range checks {
			t.Run(name+" "+c.name, func(t *testing.T) {
				env.Requests()
				rows := env.Rows(t, c.query)
				if got := env.Requests(); !matchRequests(got, c.want) {
					t.Errorf("%s\nrequests:\n%s\nwant:\n%s", c.query, stripesqltest.Join(got), stripesqltest.Join(c.want))
				}
				if got, want := sortedColumn(rows), idsOf(objs, c.keep); got != want {
					t.Errorf("%s: rows %s, want %s", c.query, got, want)
				}
			})
		}
	}
}

// Queries whose pushdown needs care: two filters (both pushed, one also
// checked by the engine), a wildcard that SQL equality must not honour, a column the
// list cannot filter.
func TestCatalogPushdownEdges(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	prices := env.Fake.Objects("prices")
	product, _ := sampleOf(prices, "product")
	items := env.Fake.Objects("invoice_items")
	at := medianTime(items, "date")
	month := func(o map[string]any) bool { d := int64(o["date"].(float64)); return d >= at && d < at+30*86400 }
	cases := []struct {
		name, query string
		wantAny     [][]string // the requests must be one of these
		resource    string
		keep        func(map[string]any) bool
	}{
		{"two filters", "SELECT id FROM prices WHERE active = TRUE AND product = '" + product + "'",
			[][]string{{"GET /v1/prices?active=true&limit=100&product=" + product}}, "prices",
			func(o map[string]any) bool { return o["active"] == true && o["product"] == product }},
		{"wildcards are not SQL equality", "SELECT id FROM events WHERE type = 'charge.*'",
			[][]string{{"GET /v1/events?limit=100&type=charge.*"}}, "events", func(map[string]any) bool { return false }},
		{"a pattern is checked in the engine", "SELECT id FROM events WHERE type LIKE 'charge.%'",
			[][]string{pages("/v1/events", nil, len(env.Fake.Objects("events")))}, "events",
			func(o map[string]any) bool { return strings.HasPrefix(fmt.Sprint(o["type"]), "charge.") }},
		{"invoice items' date is their created range", fmt.Sprintf("SELECT id FROM invoice_items WHERE date >= '%s' AND date < '%s'", sqlTime(at), sqlTime(at+30*86400)),
			[][]string{pages("/v1/invoiceitems", url.Values{"created[gte]": {fmt.Sprint(at)}, "created[lt]": {fmt.Sprint(at + 30*86400)}}, countOf(items, month))},
			"invoice_items", month},
		{"unknown id", "SELECT id FROM payouts WHERE id = 'po_nope'",
			[][]string{{"GET /v1/payouts/po_nope"}}, "payouts", func(map[string]any) bool { return false }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env.Requests()
			rows := env.Rows(t, c.query)
			got := env.Requests()
			ok := false
			for _, w := range c.wantAny {
				ok = ok || matchRequests(got, w)
			}
			if !ok {
				t.Errorf("%s\nrequests:\n%s\nwant one of %v", c.query, stripesqltest.Join(got), c.wantAny)
			}
			if got, want := sortedColumn(rows), idsOf(env.Fake.Objects(c.resource), c.keep); got != want {
				t.Errorf("%s: rows %s, want %s", c.query, got, want)
			}
		})
	}
}

// sampleOf picks a value of col to filter on: the most common one (ties to
// the smallest), as the fake serves it and as an SQL literal. A column
// that is null everywhere gets a made-up id that matches nothing.
func sampleOf(objs []map[string]any, col string) (value, literal string) {
	counts := map[string]int{}
	isBool := false
	for _, o := range objs {
		switch v := o[col].(type) {
		case string:
			counts[v]++
		case bool:
			isBool = true
			counts[fmt.Sprint(v)]++
		}
	}
	best := ""
	for v, n := range counts {
		if n > counts[best] || n == counts[best] && v < best {
			best = v
		}
	}
	switch {
	case best == "":
		return "x_nothing", "'x_nothing'"
	case isBool:
		return best, strings.ToUpper(best)
	}
	return best, "'" + best + "'"
}

func countOf(objs []map[string]any, keep func(map[string]any) bool) int {
	n := 0
	for _, o := range objs {
		if keep(o) {
			n++
		}
	}
	return n
}

// medianTime is the middle value of a unix-time field.
func medianTime(objs []map[string]any, col string) int64 {
	var ts []int64
	for _, o := range objs {
		if v, ok := o[col].(float64); ok {
			ts = append(ts, int64(v))
		}
	}
	sort.Slice(ts, func(a, b int) bool { return ts[a] < ts[b] })
	return ts[len(ts)/2]
}

func sqlTime(unix int64) string { return time.Unix(unix, 0).UTC().Format("2006-01-02 15:04:05") }

func sortedColumn(rows [][]string) string {
	col := stripesqltest.Column(rows)
	sort.Strings(col)
	return fmt.Sprintf("%d %v", len(col), col)
}

func idsOf(objs []map[string]any, keep func(map[string]any) bool) string {
	var out []string
	for _, o := range objs {
		if keep(o) {
			out = append(out, fmt.Sprint(o["id"]))
		}
	}
	sort.Strings(out)
	return fmt.Sprintf("%d %v", len(out), out)
}
