package compat

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// grafanaDSN is the data source name Grafana's MySQL data source builds
// (pkg/tsdb/mysql), with its "Session timezone" set to UTC (time_zone).
func grafanaDSN(addr, database string) string {
	return fmt.Sprintf("root@tcp(%s)/%s?collation=utf8mb4_unicode_ci&parseTime=true&loc=UTC&allowNativePasswords=true&clientFoundRows=true&time_zone=%%27%%2B00%%3A00%%27", addr, database)
}

func openGrafanaDB(t *testing.T, env *stripesqltest.Env) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", grafanaDSN(env.Addr, "stripe"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// runGoSQLDriver is go-sql-driver/mysql as Grafana uses it: parseTime,
// text-protocol queries, and server-side prepared statements for queries
// with arguments.
func runGoSQLDriver(t *testing.T, env *stripesqltest.Env, w *want) *report {
	db := openGrafanaDB(t, env)
	r := &report{Columns: map[string]*string{}, Results: map[string]*result{}}
	var err error
	if r.Databases, err = goColumn(db, "SHOW DATABASES"); err != nil {
		t.Fatal(err)
	}
	if r.Tables, err = goColumn(db, "SHOW TABLES"); err != nil {
		t.Fatal(err)
	}
	meta, err := goQuery(db, "SELECT * FROM "+metadataTable+" LIMIT 0")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range meta.Columns {
		r.Columns[c.Name] = c.Type
	}
	for name, exp := range w.queries {
		var args []any
		if name == "prepared" {
			args = append(args, w.param)
		}
		if r.Results[name], err = goQuery(db, exp.sql, args...); err != nil {
			t.Fatalf("%s query: %v", name, err)
		}
	}
	return r
}

func goColumn(db *sql.DB, query string) ([]string, error) {
	res, err := goQuery(db, query)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, row := range res.Rows {
		var s string
		if err := json.Unmarshal(row[0].V, &s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// goQuery runs a query and tags each value with the Go type the driver
// scanned it into; []byte is tagged by the column's database type.
func goQuery(db *sql.DB, query string, args ...any) (*result, error) {
	rows, err := db.Query(query, args...)
	if err != nil {
		return nil, err
	}
	types, vals, err := readRows(rows)
	if err != nil {
		return nil, err
	}
	res := &result{Rows: [][]cell{}}
	for _, ct := range types {
		name := ct.DatabaseTypeName()
		res.Columns = append(res.Columns, resultColumn{Name: ct.Name(), Type: &name})
	}
	for _, row := range vals {
		cells := make([]cell, len(row))
		for i, v := range row {
			cells[i] = goCell(v, types[i].DatabaseTypeName())
		}
		res.Rows = append(res.Rows, cells)
	}
	return res, nil
}

// readRows reads and closes rows, each value as the driver scans it into
// an any.
func readRows(rows *sql.Rows) ([]*sql.ColumnType, [][]any, error) {
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, nil, err
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(types))
		ptrs := make([]any, len(types))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		out = append(out, vals)
	}
	return types, out, rows.Err()
}

func goCell(v any, dbType string) cell {
	tag, text := "", ""
	switch v := v.(type) {
	case nil:
		return cell{T: "null", V: json.RawMessage("null")}
	case int64:
		tag, text = "int", strconv.FormatInt(v, 10)
	case float64:
		tag, text = "float", strconv.FormatFloat(v, 'g', -1, 64)
	case time.Time:
		tag, text = "datetime", v.Format(time.RFC3339Nano)
	case []byte:
		// The driver hands DECIMAL, JSON and strings over as bytes.
		tag, text = "string", string(v)
		switch classify(dbType) {
		case kindDecimal:
			tag = "decimal"
		case kindJSON:
			tag = "bytes"
		}
	default:
		tag, text = fmt.Sprintf("other:%T", v), fmt.Sprint(v)
	}
	raw, _ := json.Marshal(text)
	return cell{T: tag, V: raw}
}
