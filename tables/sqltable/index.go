package sqltable

import (
	"fmt"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/stripesql/stripesql/tables"
)

// index is how a WHERE clause reaches a table in go-mysql-server: the
// analyzer turns predicates on an index's columns into ranges and hands
// them to LookupPartitions, which plans Stripe requests from them.
type index struct {
	db, table string
	name      string
	// columns are the indexed columns: "id"; "created"; or a filter
	// column, followed by "created" when the endpoint also filters created,
	// so that `customer = ? AND created > ?` pushes both down.
	columns []string
	ords    []int // the columns' positions in the table's schema
	types   []sql.Type
	unique  bool
	comment string
}

var _ sql.OrderedIndex = (*index)(nil)

func (i *index) ID() string       { return i.name }
func (i *index) Database() string { return i.db }
func (i *index) Table() string    { return i.table }
func (i *index) Expressions() []string {
	out := make([]string, len(i.columns))
	for n, c := range i.columns {
		out[n] = i.table + "." + c
	}
	return out
}
func (i *index) IsUnique() bool                             { return i.unique }
func (i *index) IsSpatial() bool                            { return false }
func (i *index) IsFullText() bool                           { return false }
func (i *index) IsVector() bool                             { return false }
func (i *index) Comment() string                            { return i.comment }
func (i *index) IndexType() string                          { return "BTREE" }
func (i *index) IsGenerated() bool                          { return false }
func (i *index) CanSupport(*sql.Context, ...sql.Range) bool { return true }
func (i *index) CanSupportOrderBy(sql.Expression) bool      { return false }

// PrefixLengths indexes a TEXT column (free text such as customers.email)
// by its first IDLength characters, as MySQL and MariaDB require of a key
// on TEXT: SHOW CREATE TABLE then restores as it is. Lookups are not
// affected (the engine keeps the whole predicate above a prefix index).
func (i *index) PrefixLengths() []uint16 {
	var out []uint16
	for n, t := range i.types {
		if types.IsTextBlob(t) {
			if out == nil {
				out = make([]uint16, len(i.types))
			}
			out[n] = IDLength
		}
	}
	return out
}

// Order is ascending: the engine assumes a forward scan is ascending and a
// reverse one descending, and the scan honours both (see order.go).
func (i *index) Order() sql.IndexOrder { return sql.IndexOrderAsc }
func (i *index) Reversible() bool      { return true }

// ColumnExpressionTypes are the types the engine converts range keys to:
// the columns', except that a TIMESTAMP's keys are DATETIME(6). MySQL
// compares a TIMESTAMP with a datetime of any year, to the microsecond
// (`created < '2050-01-01'` holds for every row), where converting the key
// to TIMESTAMP would fail the query ("outside of timestamp range") or
// round it to the second.
func (i *index) ColumnExpressionTypes() []sql.ColumnExpressionType {
	out := make([]sql.ColumnExpressionType, len(i.columns))
	for n, e := range i.Expressions() {
		typ := i.types[n]
		if types.IsTimestampType(typ) {
			typ = types.DatetimeMaxPrecision
		}
		out[n] = sql.ColumnExpressionType{Expression: e, Type: typ}
	}
	return out
}

func (i *index) String() string { return fmt.Sprintf("%s(%s)", i.name, strings.Join(i.columns, ",")) }

// buildIndexes declares the indexes of a spec's table: the primary key
// (retrieve by id), created (list created ranges) and one per filter.
func buildIndexes(db string, s *tables.Spec, schema sql.Schema) []*index {
	mk := func(name string, unique bool, comment string, cols ...string) *index {
		ix := &index{db: db, table: s.Name, name: name, columns: cols, unique: unique, comment: comment}
		for _, c := range cols {
			o := schema.IndexOfColName(c)
			if o < 0 {
				panic(fmt.Sprintf("tables: %s: index column %q is not a column of %s", s.Name, c, s.Object))
			}
			ix.ords = append(ix.ords, o)
			ix.types = append(ix.types, schema[o].Type)
		}
		return ix
	}
	withCreated := func(col string) []string {
		if s.Created {
			return []string{col, "created"}
		}
		return []string{col}
	}
	var out []*index
	if s.Retrievable() {
		out = append(out, mk("PRIMARY", true, "id = … is a retrieve: GET "+s.Path+"/{id}", "id"))
	}
	// created before the parent's (parent, created): go-mysql-server
	// weighs a range on created alike in both and keeps the first index,
	// and through the parent's, unbounded, it would read no range at all
	// (a walk of every parent's whole list).
	if s.Created {
		out = append(out, mk("created", false, "pushed down as created[gt|gte|lt|lte]", "created"))
	}
	if p := s.Parent; p != nil {
		comment := "one request stream per " + tables.Singular(p.Table) + "; without it every " + tables.Singular(p.Table) + " is walked"
		if p.Table == "" {
			comment = "one request stream per " + p.Column + "; required: no table lists them to walk"
		}
		out = append(out, mk(p.Column, false, comment, withCreated(p.Column)...))
	}
	out = append(out, mk(tables.AccountColumn, false, "reads the connected account: Stripe-Account header", tables.AccountColumn))
	for _, r := range s.Ranges {
		out = append(out, mk(r.Column, false, "pushed down as "+r.ParamName()+"[gt|gte|lt|lte]", r.Column))
	}
	// Filter-only columns first: when the engine weighs two equalities
	// alike, it keeps the first index, and a filter-only column must be
	// pinned by its index (the other equality is then sent too, see
	// WithResidual).
	for _, only := range []bool{true, false} {
		for _, f := range s.Filters {
			switch {
			case f.Only != only:
			case only:
				out = append(out, mk(f.Column, false, "filter-only: pushed down as "+f.ParamName()+"=…, the column holding the value sent; NULL without it", withCreated(f.Column)...))
			default:
				out = append(out, mk(f.Column, false, "pushed down as "+f.ParamName()+"=…", withCreated(f.Column)...))
			}
		}
	}
	return out
}
