package compat

import (
	"cmp"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// The table whose column metadata every client reads, and the kinds of the
// columns checked in it.
const metadataTable = "charges"

var metadataKinds = map[string]kind{
	"id": kindString, "amount": kindInt, "created": kindDatetime, "metadata": kindJSON, "description": kindString,
}

// chargeSelect is the select list of the plain and prepared queries:
// VARCHAR, BIGINT, DATETIME, JSON, nullable VARCHAR, and a computed DECIMAL.
var chargeSelect = []struct {
	expr string
	col  expectedColumn
}{
	{"id", expectedColumn{"id", kindString}},
	{"amount", expectedColumn{"amount", kindInt}},
	{"created", expectedColumn{"created", kindDatetime}},
	{"metadata", expectedColumn{"metadata", kindJSON}},
	{"description", expectedColumn{"description", kindString}},
	{"CAST(amount AS DECIMAL(20,2)) / 100 AS amount_units", expectedColumn{"amount_units", kindDecimal}},
}

// rowsPerQuery bounds the plain and prepared queries; the id tie-breaker
// makes their order total.
const rowsPerQuery = 5

// preparedSQL is the parameterised query; the plain one has the customer
// written in.
func preparedSQL() string {
	exprs := make([]string, len(chargeSelect))
	for i, c := range chargeSelect {
		exprs[i] = c.expr
	}
	return fmt.Sprintf("SELECT %s FROM charges WHERE customer = ? ORDER BY created DESC, id LIMIT %d", strings.Join(exprs, ", "), rowsPerQuery)
}

// pricesDecimalSQL reads a DECIMAL column stored by Stripe as a string.
const pricesDecimalSQL = "SELECT id, unit_amount_decimal FROM prices WHERE unit_amount_decimal IS NOT NULL ORDER BY created DESC, id LIMIT 5"

type expectedColumn struct {
	name string
	kind kind
}

type expectedResult struct {
	sql  string
	cols []expectedColumn
	// rows hold nil for NULL, else string, int64, time.Time, jsonValue or
	// *big.Rat according to the column's kind.
	rows [][]any
}

// want is what every client must see, computed from the server's catalog
// and the fake account's objects.
type want struct {
	database  string
	databases []string
	tables    []string
	columns   []string
	// param is the customer the parameterised query asks for.
	param   string
	queries map[string]expectedResult
}

func computeWant(t *testing.T, env *stripesqltest.Env) *want {
	t.Helper()
	w := &want{
		database:  "stripe",
		databases: stripesqltest.Column(env.Rows(t, "SHOW DATABASES")),
		tables:    stripesqltest.Column(env.Rows(t, "SHOW TABLES")),
		columns:   stripesqltest.Column(env.Rows(t, "SHOW COLUMNS FROM "+metadataTable)),
		queries:   map[string]expectedResult{},
	}
	charges := env.Fake.Objects("charges")
	customer, rows := pickCustomer(t, charges)
	w.param = customer
	var cols []expectedColumn
	for _, c := range chargeSelect {
		cols = append(cols, c.col)
	}
	var expected [][]any
	for _, c := range rows {
		amount := int64(c["amount"].(float64))
		expected = append(expected, []any{c["id"], amount, unixTime(c["created"]), jsonValue{c["metadata"]}, c["description"], big.NewRat(amount, 100)})
	}
	w.queries["plain"] = expectedResult{sql: strings.Replace(preparedSQL(), "?", sqlString(customer), 1), cols: cols, rows: expected}
	w.queries["prepared"] = expectedResult{sql: preparedSQL(), cols: cols, rows: expected}
	if slices.Contains(w.tables, "prices") {
		w.queries["decimal"] = expectedPrices(t, env.Fake.Objects("prices"))
	}
	return w
}

// pickCustomer returns the first customer (by id) whose newest charges,
// as the queries return them, include a NULL description and non-empty
// metadata, so that every client decodes NULL and a JSON object.
func pickCustomer(t *testing.T, charges []map[string]any) (string, []map[string]any) {
	t.Helper()
	byCustomer := map[string][]map[string]any{}
	for _, c := range charges {
		if cus, ok := c["customer"].(string); ok {
			byCustomer[cus] = append(byCustomer[cus], c)
		}
	}
	customers := make([]string, 0, len(byCustomer))
	for cus := range byCustomer {
		customers = append(customers, cus)
	}
	slices.Sort(customers)
	for _, cus := range customers {
		rows := newestFirst(byCustomer[cus], rowsPerQuery)
		hasNull := slices.ContainsFunc(rows, func(c map[string]any) bool { return c["description"] == nil })
		hasMeta := slices.ContainsFunc(rows, func(c map[string]any) bool { return len(c["metadata"].(map[string]any)) > 0 })
		if hasNull && hasMeta && len(rows) > 1 {
			return cus, rows
		}
	}
	t.Fatal("the fake account has no customer whose newest charges include a NULL description and non-empty metadata; the suite could not check NULL and JSON decoding")
	return "", nil
}

// newestFirst sorts objects as ORDER BY created DESC, id and keeps n.
func newestFirst(objs []map[string]any, n int) []map[string]any {
	objs = slices.Clone(objs)
	slices.SortFunc(objs, func(a, b map[string]any) int {
		if c := cmp.Compare(b["created"].(float64), a["created"].(float64)); c != 0 {
			return c
		}
		return strings.Compare(a["id"].(string), b["id"].(string))
	})
	return objs[:min(n, len(objs))]
}

func expectedPrices(t *testing.T, prices []map[string]any) expectedResult {
	t.Helper()
	var withDecimal []map[string]any
	for _, p := range prices {
		if p["unit_amount_decimal"] != nil {
			withDecimal = append(withDecimal, p)
		}
	}
	res := expectedResult{sql: pricesDecimalSQL, cols: []expectedColumn{{"id", kindString}, {"unit_amount_decimal", kindDecimal}}}
	for _, p := range newestFirst(withDecimal, rowsPerQuery) {
		d, ok := new(big.Rat).SetString(p["unit_amount_decimal"].(string))
		if !ok {
			t.Fatalf("fake price %s: unit_amount_decimal %q", p["id"], p["unit_amount_decimal"])
		}
		res.rows = append(res.rows, []any{p["id"], d})
	}
	if len(res.rows) == 0 {
		t.Fatal("the fake account has no price with unit_amount_decimal")
	}
	return res
}

func unixTime(v any) time.Time { return time.Unix(int64(v.(float64)), 0).UTC() }

// sqlString quotes s as a MySQL string literal.
func sqlString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// sqlPrepareScript is the parameterised query in SQL form, for clients
// without client-side parameters (the mariadb CLI, mycli).
func sqlPrepareScript(query, param string) string {
	return fmt.Sprintf("PREPARE compat_stmt FROM %s; SET @compat_param = %s; EXECUTE compat_stmt USING @compat_param; DEALLOCATE PREPARE compat_stmt",
		sqlString(query), sqlString(param))
}

// checkReport compares a client's report with w; every failure names what
// differs. parts lists the report parts the client must deliver.
func checkReport(t *testing.T, r *report, w *want, parts []string, opts checkOptions) {
	t.Helper()
	for _, p := range parts {
		if !r.has(p) {
			t.Errorf("report lacks %s", p)
		}
	}
	if r.Databases != nil {
		if !slices.Contains(r.Databases, w.database) {
			t.Errorf("databases %v lack %s", r.Databases, w.database)
		}
		for _, db := range r.Databases {
			if !slices.Contains(w.databases, db) {
				t.Errorf("databases list %q, which SHOW DATABASES does not (%v)", db, w.databases)
			}
		}
	}
	if r.Tables != nil && !sameSet(r.Tables, w.tables) {
		t.Errorf("tables = %v\nwant (SHOW TABLES) %v", sorted(r.Tables), sorted(w.tables))
	}
	if r.Columns != nil {
		checkColumns(t, r.Columns, w.columns)
	}
	if r.PrimaryKey != nil && !slices.Equal(r.PrimaryKey, []string{"id"}) {
		t.Errorf("primary key of %s = %v, want [id]", metadataTable, r.PrimaryKey)
	}
	for name, res := range r.Results {
		exp, ok := w.queries[name]
		if !ok {
			t.Errorf("report has an unexpected result %q", name)
			continue
		}
		if err := checkResult(res, exp, opts); err != nil {
			t.Errorf("%s query %q: %v", name, exp.sql, err)
		}
	}
}

func (r *report) has(part string) bool {
	switch part {
	case "databases":
		return r.Databases != nil
	case "tables":
		return r.Tables != nil
	case "columns":
		return r.Columns != nil
	case "primary_key":
		return r.PrimaryKey != nil
	}
	if name, ok := strings.CutPrefix(part, "results."); ok {
		return r.Results[name] != nil
	}
	panic("unknown report part " + part)
}

func checkColumns(t *testing.T, got map[string]*string, names []string) {
	t.Helper()
	gotNames := make([]string, 0, len(got))
	for n := range got {
		gotNames = append(gotNames, n)
	}
	if !sameSet(gotNames, names) {
		t.Errorf("columns of %s = %v\nwant (SHOW COLUMNS) %v", metadataTable, sorted(gotNames), sorted(names))
	}
	for name, k := range metadataKinds {
		if typ := got[name]; typ != nil {
			if err := typeFits(*typ, k); err != nil {
				t.Errorf("column %s.%s: %v", metadataTable, name, err)
			}
		}
	}
}

func checkResult(res *result, exp expectedResult, opts checkOptions) error {
	var names []string
	for _, c := range res.Columns {
		names = append(names, c.Name)
	}
	var wantNames []string
	for _, c := range exp.cols {
		wantNames = append(wantNames, c.name)
	}
	if !slices.Equal(names, wantNames) {
		return fmt.Errorf("columns %v, want %v", names, wantNames)
	}
	var errs []string
	for i, c := range res.Columns {
		if c.Type != nil {
			if err := typeFits(*c.Type, exp.cols[i].kind); err != nil {
				errs = append(errs, fmt.Sprintf("column %s: %v", c.Name, err))
			}
		}
	}
	if len(res.Rows) != len(exp.rows) {
		return fmt.Errorf("%d rows, want %d", len(res.Rows), len(exp.rows))
	}
	if res.RowCount != nil && *res.RowCount != len(exp.rows) {
		errs = append(errs, fmt.Sprintf("the tool counted %d rows, want %d", *res.RowCount, len(exp.rows)))
	}
	for i, row := range res.Rows {
		if len(row) != len(exp.cols) {
			return fmt.Errorf("row %d has %d values, want %d", i, len(row), len(exp.cols))
		}
		for j, c := range row {
			if err := checkCell(c, exp.cols[j].kind, exp.rows[i][j], res.Columns[j].Type, opts); err != nil {
				errs = append(errs, fmt.Sprintf("row %d (%v) column %s: %v", i, exp.rows[i][0], exp.cols[j].name, err))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n\t"))
	}
	return nil
}

func sameSet(a, b []string) bool { return slices.Equal(sorted(a), sorted(b)) }

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}
