package sqltable

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/dolthub/vitess/go/mysql"

	"github.com/stripesql/stripesql/tables"
)

// Statement kinds a table may be written with.
const (
	Insert = "INSERT"
	Update = "UPDATE"
	Delete = "DELETE"
)

// MySQL errors of refused writes.
const (
	erOptionPreventsStatement = 1290 // the read-only server's error
	erIllegalHA               = 1031 // "Table storage engine for '%s' doesn't have this option"
	erBadNull                 = 1048 // "Column '%s' cannot be null"
	erBadField                = 1054 // "Unknown column '%s' in '%s'"
	erNonUpdateableColumn     = 1348 // "Column '%s' is not updatable"
	erNoDefaultForField       = 1364 // "Field '%s' doesn't have a default value"
)

// writeOp is the Stripe endpoint one kind of statement calls on a table.
type writeOp struct {
	kind   string
	method string
	// path is the list path (create) or the object path with its {param}.
	path   string
	params []tables.WriteParam
}

// endpoint names the request in messages: "POST /v1/customers".
func (op writeOp) endpoint() string { return op.method + " " + op.path }

func (op writeOp) param(name string) (tables.WriteParam, bool) {
	for _, p := range op.params {
		if p.Name == name {
			return p, true
		}
	}
	return tables.WriteParam{}, false
}

// objectPath is the path of object id (an update's or a delete's).
func (op writeOp) objectPath(id string) string {
	open := strings.LastIndexByte(op.path, '{')
	return op.path[:open] + url.PathEscape(id)
}

// WritableTables lists the tables INSERT, UPDATE or DELETE may change.
func WritableTables() []string {
	var out []string
	for _, s := range tables.Specs() {
		if _, ok := s.Writes(); ok {
			out = append(out, s.Name)
		}
	}
	return out
}

// writeOpOf returns the endpoint a statement of kind calls, or the MySQL
// error saying the table cannot be written that way.
func writeOpOf(s *tables.Spec, kind string) (writeOp, error) {
	w, ok := s.Writes()
	if !ok {
		return writeOp{}, mysql.NewSQLError(erIllegalHA, "HY000",
			"Table '%s' cannot be written: stripesql writes only to %s", s.Name, strings.Join(WritableTables(), ", "))
	}
	var op writeOp
	switch kind {
	case Insert:
		op = writeOp{kind: kind, method: http.MethodPost, path: s.Path, params: w.Create}
		ok = w.Create != nil
	case Update:
		op = writeOp{kind: kind, method: http.MethodPost, path: w.ItemPath, params: w.Update}
		ok = w.Update != nil
	case Delete:
		op = writeOp{kind: kind, method: http.MethodDelete, path: w.ItemPath}
		ok = w.Delete
	}
	if !ok {
		hint := ""
		if _, archivable := (writeOp{params: w.Update}).param("active"); archivable && kind == Delete {
			hint = fmt.Sprintf(" (archive one instead: UPDATE %s SET active = FALSE WHERE id = '…')", s.Name)
		}
		return writeOp{}, mysql.NewSQLError(erIllegalHA, "HY000",
			"Table '%s' does not support %s: the Stripe API has no %s endpoint for %s%s", s.Name, kind, strings.ToLower(kind), s.Name, hint)
	}
	return op, nil
}

// CheckWrite says, before anything is read or sent, whether a statement
// of kind may set these columns of table: every column must exist and be
// a parameter of the endpoint the statement calls; an INSERT naming its
// columns must name those Stripe requires. A table this package does not
// serve is left to the engine.
func CheckWrite(table, kind string, columns []string) error {
	s, ok := tables.Lookup(table)
	if !ok {
		return nil
	}
	op, err := writeOpOf(s, kind)
	if err != nil {
		return err
	}
	cols, err := s.AllColumns()
	if err != nil {
		return err
	}
	for _, c := range columns {
		if err := op.checkColumn(s, cols, c); err != nil {
			return err
		}
	}
	if kind != Insert || len(columns) == 0 {
		return nil
	}
	for _, p := range op.params {
		if p.Required && !slices.ContainsFunc(columns, func(c string) bool { return strings.EqualFold(c, p.Name) }) {
			return op.requiredError(s, cols, p.Name)
		}
	}
	return nil
}

// checkColumn refuses a column the table lacks or the endpoint does not take.
func (op writeOp) checkColumn(s *tables.Spec, cols []tables.Column, name string) error {
	if !tables.HasColumn(cols, strings.ToLower(name)) {
		return mysql.NewSQLError(erBadField, "42S22", "Unknown column '%s' in table '%s'", name, s.Name)
	}
	if strings.EqualFold(name, tables.AccountColumn) {
		if op.kind == Insert {
			return nil // the connected account to create in (Stripe-Account)
		}
		return mysql.NewSQLError(erNonUpdateableColumn, "HY000",
			"Column '%s' of table '%s' cannot be set by %s: an object stays in the account it was created in", name, s.Name, op.kind)
	}
	if _, ok := op.param(strings.ToLower(name)); !ok {
		return mysql.NewSQLError(erNonUpdateableColumn, "HY000",
			"Column '%s' of table '%s' cannot be set by %s: %s does not take it (columns it takes: %s)",
			name, s.Name, op.kind, op.endpoint(), strings.Join(op.writableColumns(cols), ", "))
	}
	return nil
}

// writableColumns are the table's columns the endpoint takes.
func (op writeOp) writableColumns(cols []tables.Column) []string {
	var out []string
	for _, c := range cols {
		if _, ok := op.param(c.Name); ok {
			out = append(out, c.Name)
		}
	}
	return out
}

func (op writeOp) requiredError(s *tables.Spec, cols []tables.Column, name string) error {
	if !tables.HasColumn(cols, name) {
		return mysql.NewSQLError(erIllegalHA, "HY000",
			"Table '%s' cannot be inserted into: %s requires parameter %s, which is not a column", s.Name, op.endpoint(), name)
	}
	return mysql.NewSQLError(erNoDefaultForField, "HY000",
		"Field '%s' doesn't have a default value: %s requires it (INSERT INTO %s (%s, …) VALUES …)", name, op.endpoint(), s.Name, name)
}
