package compat

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/internal/fakestripe"
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

var tableRef = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+([a-z_]+)\b`)

// Every query of examples/queries.sql runs on an account the size of
// `make demo`'s and returns rows (none, when it says so).
func TestExampleQueries(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 1000}})
	served := stripesqltest.Column(env.Rows(t, "SHOW TABLES"))
	for _, q := range readExampleQueries(t) {
		t.Run(q.name, func(t *testing.T) {
			var missing []string
			for _, m := range tableRef.FindAllStringSubmatch(q.sql, -1) {
				if !slices.Contains(served, m[1]) {
					missing = append(missing, m[1])
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

// Grafana's macros, expanded as its MySQL data source does, over January
// 2024 (TestGrafanaTimeSeriesIsPushedDown checks that shape's pushdown).
var grafanaMacros = []struct {
	re   *regexp.Regexp
	expr string
}{
	{regexp.MustCompile(`\$__timeGroupAlias\((\w+), '1d'\)`), `UNIX_TIMESTAMP($1) DIV 86400 * 86400 AS "time"`},
	{regexp.MustCompile(`\$__timeFilter\((\w+)\)`), "$1 BETWEEN FROM_UNIXTIME(1704067200) AND FROM_UNIXTIME(1706745600)"},
}

// Each connection guide in examples/ has a query, and it runs on the demo
// account and returns rows (Grafana's through its macros and DSN).
func TestGuideQueries(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 1000}})
	guides, err := filepath.Glob(filepath.Join(examplesDir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, guide := range guides {
		if filepath.Base(guide) == "README.md" {
			continue
		}
		t.Run(filepath.Base(guide), func(t *testing.T) {
			b, err := os.ReadFile(guide)
			if err != nil {
				t.Fatal(err)
			}
			blocks := sqlBlock.FindAllStringSubmatch(string(b), -1)
			if len(blocks) == 0 {
				t.Fatal("has no ```sql query")
			}
			db := env.DB
			if filepath.Base(guide) == "grafana.md" {
				db = openGrafanaDB(t, env)
			}
			for _, m := range blocks {
				query := m[1]
				for _, macro := range grafanaMacros {
					query = macro.re.ReplaceAllString(query, macro.expr)
				}
				if strings.Contains(query, "$__") {
					t.Errorf("unexpanded Grafana macro in:\n%s", query)
					continue
				}
				if n, err := countRows(db, query); err != nil || n == 0 {
					t.Errorf("%d rows, error %v:\n%s", n, err, query)
				}
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
