package refdb

import (
	"database/sql"
	"fmt"
	"io"
	"strings"

	"github.com/stripesql/stripesql/tables"
)

// Table describes the MariaDB copy of one stripesql table: its columns as
// stripesql declares them (tables.Spec.AllColumns), each converted here
// from the object by its kind.
type Table struct {
	Name string
	cols []tables.Column
	key  string
	// Fill gives the value of a column that is not a field of the object:
	// a filter-only column (balance_transactions.payout, from the fake's
	// own assignment). A column without one is NULL.
	Fill map[string]func(Obj) any
}

// TableOf is the copy of stripesql's table name. Tables whose rows are not
// the list's objects (exploded or derived rows) have no copy.
func TableOf(name string) (*Table, error) {
	spec, ok := tables.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("refdb: no table %s", name)
	}
	if spec.Explode != nil || spec.Derive != nil || spec.Columns != nil {
		return nil, fmt.Errorf("refdb: %s's rows are not its objects: no copy", name)
	}
	cols, err := spec.AllColumns()
	if err != nil {
		return nil, err
	}
	return &Table{Name: name, cols: cols, key: spec.KeyColumn(), Fill: map[string]func(Obj) any{}}, nil
}

// columnType is a column's MariaDB type: stripesql's (DESCRIBE), strings
// compared by a binary collation as go-mysql-server compares them.
func columnType(c tables.Column) string {
	switch c.Kind {
	case tables.KindInt:
		return "BIGINT"
	case tables.KindFloat:
		return "DOUBLE"
	case tables.KindDecimal:
		return "DECIMAL(30,12)"
	case tables.KindMajor:
		return "DECIMAL(22,3)" // three decimals: the most any currency has
	case tables.KindBool:
		return "TINYINT(1)"
	case tables.KindTime:
		return "DATETIME"
	case tables.KindJSON:
		return "JSON"
	case tables.KindString:
		if c.Text > 0 {
			return "MEDIUMTEXT"
		}
	}
	return "VARCHAR(255)" // an id, a reference, a code
}

// value converts an object's field to the column's value.
func value(c tables.Column, o Obj) any {
	switch c.Kind {
	case tables.KindInt:
		return o.NullableInt(c.Name)
	case tables.KindFloat:
		return o.NullableFloat(c.Name)
	case tables.KindDecimal:
		return o.Nullable(c.Name)
	case tables.KindMajor:
		return o.Major(strings.TrimSuffix(c.Name, tables.MajorSuffix))
	case tables.KindBool:
		return o.NullableBool(c.Name)
	case tables.KindTime:
		return o.NullableTime(c.Name)
	case tables.KindJSON:
		return o.JSON(c.Name)
	case tables.KindRef:
		return o.Ref(c.Name)
	}
	return o.Nullable(c.Name)
}

// Create creates the table in db.
func (t *Table) Create(db *sql.DB) error {
	var defs []string
	for _, c := range t.cols {
		d := quoteIdent(c.Name) + " " + columnType(c)
		if c.Name == t.key {
			d += " NOT NULL PRIMARY KEY"
		}
		defs = append(defs, d)
	}
	stmt := "CREATE TABLE " + quoteIdent(t.Name) + " (\n\t" + strings.Join(defs, ",\n\t") +
		"\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
	if _, err := db.Exec(stmt); err != nil {
		return fmt.Errorf("creating %s: %v", t.Name, err)
	}
	return nil
}

// Load creates the table and inserts objects into it.
func (t *Table) Load(w io.Writer, db *sql.DB, objects []map[string]any) (int, error) {
	if err := t.Create(db); err != nil {
		return 0, err
	}
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.Name
	}
	return Insert(w, false, db, t.Name, SliceSource(objects), names, func(o Obj) []any {
		row := make([]any, len(t.cols))
		for i, c := range t.cols {
			if fill, ok := t.Fill[c.Name]; ok {
				row[i] = fill(o)
			} else {
				row[i] = value(c, o)
			}
		}
		return row
	})
}
