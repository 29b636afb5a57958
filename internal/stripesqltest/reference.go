package stripesqltest

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/memory"
	gms "github.com/dolthub/go-mysql-server/sql"
	"github.com/shopspring/decimal"

	"github.com/stripesql/stripesql/tables"
	"github.com/stripesql/stripesql/tables/sqltable"
)

// Reference is go-mysql-server's memory engine over a copy of columns of
// a stripesql server's tables, read whole, with no index: it filters,
// joins, sorts and aggregates every row itself, knowing nothing of Stripe
// requests or of stripesql's cache. Tests compare stripesql's answers
// (pushed down, cached) with its.
type Reference struct {
	engine *sqle.Engine
	pro    *memory.DbProvider
	db     *memory.Database
	// Values are the literals each column holds, as SQL text, per table.
	Values map[string]map[string][]string
}

// NewReference copies the named columns of each table (read from env by a
// full scan) into a memory database "stripe".
func NewReference(tb testing.TB, env *Env, columns map[string][]string) *Reference {
	tb.Helper()
	db := memory.NewDatabase("stripe")
	pro := memory.NewDBProvider(db)
	r := &Reference{engine: sqle.NewDefault(pro), pro: pro, db: db, Values: map[string]map[string][]string{}}
	for table, cols := range columns {
		r.Load(tb, env, table, cols)
	}
	return r
}

// Load copies (again) the columns cols of table from env.
func (r *Reference) Load(tb testing.TB, env *Env, table string, cols []string) {
	tb.Helper()
	r.LoadWith(tb, env, table, cols, nil)
}

// LoadWith is Load, with the values set gives a row's columns instead of
// what the scan read (the values of filter-only columns, which a scan
// does not show, from the fake account); ok false keeps the scan's.
func (r *Reference) LoadWith(tb testing.TB, env *Env, table string, cols []string, set func(col string, row gms.Row) (any, bool)) {
	tb.Helper()
	spec, ok := tables.Lookup(table)
	if !ok {
		tb.Fatalf("reference: no table %s", table)
	}
	st, err := sqltable.New(spec, "stripe", nil)
	if err != nil {
		tb.Fatal(err)
	}
	var schema gms.Schema
	for _, name := range cols {
		i := st.Schema().IndexOfColName(name)
		if i < 0 {
			tb.Fatalf("reference: %s has no column %s", table, name)
		}
		col := *st.Schema()[i]
		col.PrimaryKey = false // no index: the reference scans and filters
		col.Source = table
		schema = append(schema, &col)
	}
	ctx := r.context()
	_ = r.db.DropTable(ctx, table)
	mt := memory.NewTable(r.db, table, gms.NewPrimaryKeySchema(schema), nil)
	r.db.AddTable(table, mt)
	rows, err := env.DB.Query("SELECT " + strings.Join(cols, ", ") + " FROM " + table)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	r.Values[table] = map[string][]string{}
	seen := map[string]bool{}
	for rows.Next() {
		row := scanTyped(tb, rows, schema)
		for i, col := range cols {
			if set == nil {
				break
			}
			if v, ok := set(col, row); ok {
				row[i] = v
			}
		}
		if err := mt.Insert(ctx, row); err != nil {
			tb.Fatal(err)
		}
		for i, v := range row {
			lit := Literal(v)
			if k := cols[i] + lit; !seen[k] {
				seen[k] = true
				r.Values[table][cols[i]] = append(r.Values[table][cols[i]], lit)
			}
		}
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
}

func (r *Reference) context() *gms.Context {
	ctx := gms.NewContext(context.Background(), gms.WithSession(memory.NewSession(gms.NewBaseSession(), r.pro)))
	ctx.SetCurrentDatabase("stripe")
	return ctx
}

// Query answers a query, each value as Env.Rows shows it (see Text).
func (r *Reference) Query(query string) ([][]string, error) {
	ctx := r.context()
	_, iter, _, err := r.engine.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := gms.RowIterToRows(ctx, iter)
	if err != nil {
		return nil, err
	}
	out := make([][]string, len(rows))
	for i, row := range rows {
		out[i] = make([]string, len(row))
		for j, v := range row {
			out[i][j] = Text(v)
		}
	}
	return out, nil
}

// Text is a value as Env.Rows shows it (times as the driver parses them).
func Text(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	case []byte:
		return string(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(v), 'f', -1, 32)
	case decimal.Decimal:
		return v.String()
	case fmt.Stringer:
		return v.String()
	default:
		return fmt.Sprint(v)
	}
}

// Numbers rewrites a row set's numbers by value (29.00 → 29), so that
// answers typed DECIMAL by one engine and DOUBLE by another compare.
func Numbers(rows [][]string) [][]string {
	out := make([][]string, len(rows))
	for i, row := range rows {
		out[i] = make([]string, len(row))
		for j, v := range row {
			if d, err := decimal.NewFromString(v); err == nil {
				v = d.String()
			}
			out[i][j] = v
		}
	}
	return out
}

// scanTyped reads a row into the Go values the engine uses for schema.
func scanTyped(tb testing.TB, rows *sql.Rows, schema gms.Schema) gms.Row {
	vals := make([]any, len(schema))
	ptrs := make([]any, len(schema))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		tb.Fatal(err)
	}
	row := make(gms.Row, len(schema))
	for i, v := range vals {
		if v == nil {
			continue
		}
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		cv, _, err := schema[i].Type.Convert(context.Background(), v)
		if err != nil {
			tb.Fatalf("%s: %v", schema[i].Name, err)
		}
		row[i] = cv
	}
	return row
}

// Literal renders a value as SQL.
func Literal(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return "'" + v.UTC().Format("2006-01-02 15:04:05") + "'"
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	default:
		return fmt.Sprint(v)
	}
}
