package compat

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/refdb"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

const examplesDir = "../../examples"

// pendingTables are tables examples/queries.sql uses that the server does
// not serve yet; a query needing one is skipped, naming it, until it does.
// Any other missing table fails the query.
var pendingTables []string

type exampleQuery struct {
	name, sql string
	// noRows is set by a "-- demo: no rows" line: the demo account has
	// nothing the query looks for (unreconciled payouts).
	noRows bool
}

// readExampleQueries splits examples/queries.sql at its "-- name:" lines
// and drops comment lines.
func readExampleQueries(t *testing.T) []exampleQuery {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(examplesDir, "queries.sql"))
	if err != nil {
		t.Fatal(err)
	}
	var out []exampleQuery
	for _, block := range strings.Split(string(b), "\n-- name: ")[1:] {
		name, body, _ := strings.Cut(block, "\n")
		var lines []string
		q := exampleQuery{name: strings.TrimSpace(name)}
		for _, l := range strings.Split(body, "\n") {
			switch l = strings.TrimSpace(l); {
			case strings.HasPrefix(l, "-- demo: no rows"):
				q.noRows = true
			case !strings.HasPrefix(l, "--"):
				lines = append(lines, l)
			}
		}
		q.sql = strings.TrimSpace(strings.Join(lines, "\n"))
		out = append(out, q)
	}
	if len(out) == 0 {
		t.Fatal("examples/queries.sql has no \"-- name:\" query")
	}
	return out
}

// demoFake is the account `make demo` serves when started now: 1,000
// charges (seed 1) whose two years of data end now, as the examples'
// relative dates ("the last 90 days", "this month and last") expect.
func demoFake() fakestripe.Options {
	return fakestripe.Options{Scale: 1000, Seed: 1, End: time.Now()}
}

// Every query of examples/queries.sql runs on `make demo`'s account and
// returns rows (none, when it says so).
func TestExampleQueries(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: demoFake()})
	served := stripesqltest.Column(env.Rows(t, "SHOW TABLES"))
	for _, q := range readExampleQueries(t) {
		t.Run(q.name, func(t *testing.T) {
			var missing []string
			for _, name := range refdb.TablesOf(q.sql) {
				if !slices.Contains(served, name) {
					missing = append(missing, name)
				}
			}
			if len(missing) > 0 && !slices.ContainsFunc(missing, func(s string) bool { return !slices.Contains(pendingTables, s) }) {
				t.Skipf("needs tables not served yet: %v", missing)
			}
			switch rows := env.Rows(t, q.sql); {
			case q.noRows && len(rows) > 0:
				t.Errorf("returned %d rows on the demo account, which has none to find:\n%s\n%v", len(rows), q.sql, rows)
			case !q.noRows && len(rows) == 0:
				t.Errorf("returned no rows on the demo account:\n%s", q.sql)
			}
		})
	}
}

var sqlBlock = regexp.MustCompile("(?s)```sql\n(.*?)```")

// grafanaMacros are Grafana's macros, expanded as its MySQL data source
// does, over a dashboard's default range, the 30 days before now
// (TestGrafanaTimeSeriesIsPushedDown checks that shape's pushdown).
func grafanaMacros(now time.Time) []struct {
	re   *regexp.Regexp
	expr string
} {
	return []struct {
		re   *regexp.Regexp
		expr string
	}{
		{regexp.MustCompile(`\$__timeGroupAlias\((\w+), '1d'\)`), `UNIX_TIMESTAMP($1) DIV 86400 * 86400 AS "time"`},
		{regexp.MustCompile(`\$__timeFilter\((\w+)\)`), fmt.Sprintf("$1 BETWEEN FROM_UNIXTIME(%d) AND FROM_UNIXTIME(%d)", now.Add(-30*24*time.Hour).Unix(), now.Unix())},
	}
}

// guideQueries are the ```sql blocks of each connection guide in
// examples/, Grafana's with its macros expanded over the 30 days before
// now; each guide has one at least.
func guideQueries(t *testing.T, now time.Time) []exampleQuery {
	t.Helper()
	macros := grafanaMacros(now)
	guides, err := filepath.Glob(filepath.Join(examplesDir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out []exampleQuery
	for _, guide := range guides {
		name := filepath.Base(guide)
		if name == "README.md" {
			continue
		}
		b, err := os.ReadFile(guide)
		if err != nil {
			t.Fatal(err)
		}
		blocks := sqlBlock.FindAllStringSubmatch(string(b), -1)
		if len(blocks) == 0 {
			t.Errorf("%s has no ```sql query", name)
		}
		for i, m := range blocks {
			query := m[1]
			for _, macro := range macros {
				query = macro.re.ReplaceAllString(query, macro.expr)
			}
			if strings.Contains(query, "$__") {
				t.Errorf("%s: unexpanded Grafana macro in:\n%s", name, query)
				continue
			}
			out = append(out, exampleQuery{name: fmt.Sprintf("%s#%d", name, i+1), sql: strings.TrimSpace(query)})
		}
	}
	return out
}

// Each connection guide in examples/ has a query, and it runs on the demo
// account and returns rows (Grafana's through its macros and DSN).
func TestGuideQueries(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: demoFake()})
	grafana := openGrafanaDB(t, env)
	for _, q := range guideQueries(t, time.Now()) {
		t.Run(q.name, func(t *testing.T) {
			db := env.DB
			if strings.HasPrefix(q.name, "grafana.md") {
				db = grafana
			}
			if n, err := countRows(db, q.sql); err != nil || n == 0 {
				t.Errorf("%d rows, error %v:\n%s", n, err, q.sql)
			}
		})
	}
}

func countRows(db *sql.DB, query string) (int, error) {
	rows, err := db.Query(query)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("reading rows: %w", err)
	}
	return n, nil
}

// The first dashboard query, "the last 30 days", returns the demo
// account's charges of the 30 days before now, over the wire: one list
// from NOW() - INTERVAL 30 DAY (created[gte]), and every charge the fake
// created since then, none before.
func TestDemoLastThirtyDays(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: demoFake()})
	ctx := context.Background()
	conn, err := env.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// DATETIMEs are UTC wall-clock times: NOW() must be too.
	if _, err := conn.ExecContext(ctx, "SET time_zone = '+00:00'"); err != nil {
		t.Fatal(err)
	}
	env.Requests()
	before := time.Now().Add(-30 * 24 * time.Hour).Unix()
	rows, err := stripesqltest.Query(ctx, conn, "SELECT id FROM charges WHERE created >= NOW() - INTERVAL 30 DAY")
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now().Add(-30 * 24 * time.Hour).Unix()
	reqs := env.Requests()
	var since int64
	if len(reqs) != 1 || !strings.HasPrefix(reqs[0], "GET /v1/charges?created[gte]=") ||
		!strings.HasSuffix(reqs[0], "&limit=100") {
		t.Fatalf("requests %v, want one list of charges from 30 days ago", reqs)
	}
	fmt.Sscanf(strings.TrimPrefix(reqs[0], "GET /v1/charges?created[gte]="), "%d", &since)
	if since < before-1 || since > after {
		t.Errorf("created[gte]=%d, want NOW() - 30 days, between %d and %d", since, before, after)
	}
	var want []string
	for _, c := range env.Fake.Objects("charges") {
		if int64(c["created"].(float64)) >= since {
			want = append(want, c["id"].(string))
		}
	}
	got := stripesqltest.Column(rows)
	slices.Sort(got)
	slices.Sort(want)
	if len(got) == 0 || !slices.Equal(got, want) {
		t.Errorf("%d charges of the last 30 days, want the fake's %d", len(got), len(want))
	}
}
