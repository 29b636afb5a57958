package engine

import (
	"strings"

	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/vt/sqlparser"

	"github.com/stripesql/stripesql/tables"
	"github.com/stripesql/stripesql/tables/sqltable"
)

// MySQL errors of write statements stripesql does not run.
const (
	erNotSupportedYet          = 1235 // "This version of MySQL doesn't yet support '%s'"
	erUpdateWithoutKeyInSafe   = 1175 // safe-updates mode: "… without a WHERE that uses a KEY column"
	erTableAccessDeniedForUser = 1142 // "%s command denied to user '%s'@'%s' for table '%s'"
)

// writeTarget is what a write statement changes: one table, the columns
// it sets.
type writeTarget struct {
	kind      string // sqltable.Insert, sqltable.Update, sqltable.Delete
	db, table string // db is "" for the session's current database
	columns   []string
	// account is the stripe_account an UPDATE or DELETE names, if any.
	account *sqlparser.SQLVal
}

// targetOf reads the table and columns of an INSERT, UPDATE or DELETE
// that stripesql can run against Stripe: one table, objects named by id.
// ok is false for any other statement (left to the read-only refusal).
func targetOf(st sqlparser.Statement) (t writeTarget, ok bool, err error) {
	switch s := st.(type) {
	case *sqlparser.Insert:
		if strings.EqualFold(s.Action, sqlparser.ReplaceStr) {
			return t, true, notSupported("REPLACE (Stripe objects are created with INSERT and changed with UPDATE)")
		}
		if len(s.OnDup) > 0 {
			return t, true, notSupported("INSERT … ON DUPLICATE KEY UPDATE (Stripe creates a new object for every row)")
		}
		t = writeTarget{kind: sqltable.Insert, db: s.Table.DbQualifier.String(), table: s.Table.Name.String()}
		for _, c := range s.Columns {
			t.columns = append(t.columns, c.String())
		}
		return t, true, nil
	case *sqlparser.Update:
		t = writeTarget{kind: sqltable.Update}
		if t.db, t.table, err = singleTable(s.TableExprs, "UPDATE"); err != nil {
			return t, true, err
		}
		for _, e := range s.Exprs {
			t.columns = append(t.columns, e.Name.Name.String())
		}
		if t.account, err = accountCondition(t, s.Where); err != nil {
			return t, true, err
		}
		return t, true, byID(t, s.Where)
	case *sqlparser.Delete:
		t = writeTarget{kind: sqltable.Delete}
		if len(s.Targets) > 1 {
			return t, true, notSupported("DELETE from several tables")
		}
		if t.db, t.table, err = singleTable(s.TableExprs, "DELETE"); err != nil {
			return t, true, err
		}
		if t.account, err = accountCondition(t, s.Where); err != nil {
			return t, true, err
		}
		return t, true, byID(t, s.Where)
	}
	return t, false, nil
}

func notSupported(what string) error {
	return mysql.NewSQLError(erNotSupportedYet, "42000", "This version of stripesql doesn't yet support '%s'", what)
}

// singleTable is the one table an UPDATE or DELETE names (no join).
func singleTable(exprs sqlparser.TableExprs, kind string) (db, table string, err error) {
	if len(exprs) == 1 {
		if a, ok := exprs[0].(*sqlparser.AliasedTableExpr); ok {
			if n, ok := a.Expr.(sqlparser.TableName); ok {
				return n.DbQualifier.String(), n.Name.String(), nil
			}
		}
	}
	return "", "", notSupported(kind + " of several tables or of a subquery")
}

// byID refuses an UPDATE or DELETE whose WHERE does not name the objects
// by id (id = 'cus_…', id IN ('cus_…', …), ANDed with anything): Stripe
// changes objects one by one, and a statement that would first have to
// scan a whole list to find them is more likely a mistake than a plan.
func byID(t writeTarget, where *sqlparser.Where) error {
	if where != nil && namesIDs(where.Expr) {
		return nil
	}
	return mysql.NewSQLError(erUpdateWithoutKeyInSafe, "HY000",
		"%s of table %s needs WHERE id = '…' or WHERE id IN ('…', …): stripesql changes Stripe objects by id only (find the ids with a SELECT first)",
		t.kind, t.table)
}

// namesIDs reports whether a conjunct of e is id = v or id IN (v, …)
// with literal or placeholder values.
func namesIDs(e sqlparser.Expr) bool {
	switch e := e.(type) {
	case *sqlparser.AndExpr:
		return namesIDs(e.Left) || namesIDs(e.Right)
	case *sqlparser.ParenExpr:
		return namesIDs(e.Expr)
	case *sqlparser.ComparisonExpr:
		switch e.Operator {
		case sqlparser.EqualStr:
			return isIDColumn(e.Left) && isValue(e.Right) || isIDColumn(e.Right) && isValue(e.Left)
		case sqlparser.InStr:
			tuple, ok := e.Right.(sqlparser.ValTuple)
			if !ok || !isIDColumn(e.Left) || len(tuple) == 0 {
				return false
			}
			for _, v := range tuple {
				if !isValue(v) {
					return false
				}
			}
			return true
		}
	}
	return false
}

func isIDColumn(e sqlparser.Expr) bool { return isColumn(e, "id") }

func isColumn(e sqlparser.Expr, name string) bool {
	c, ok := e.(*sqlparser.ColName)
	return ok && c.Name.EqualString(name)
}

// accountCondition finds the connected account an UPDATE or DELETE
// changes: a conjunct stripe_account = v (or IN (v)). The objects are
// read from there and changed there; one statement changes one account.
func accountCondition(t writeTarget, where *sqlparser.Where) (*sqlparser.SQLVal, error) {
	if where == nil {
		return nil, nil
	}
	var found *sqlparser.SQLVal
	var walk func(sqlparser.Expr) error
	walk = func(e sqlparser.Expr) error {
		switch e := e.(type) {
		case *sqlparser.AndExpr:
			if err := walk(e.Left); err != nil {
				return err
			}
			return walk(e.Right)
		case *sqlparser.ParenExpr:
			return walk(e.Expr)
		case *sqlparser.ComparisonExpr:
			var v sqlparser.Expr
			switch {
			case e.Operator == sqlparser.EqualStr && isColumn(e.Left, tables.AccountColumn):
				v = e.Right
			case e.Operator == sqlparser.EqualStr && isColumn(e.Right, tables.AccountColumn):
				v = e.Left
			case e.Operator == sqlparser.InStr && isColumn(e.Left, tables.AccountColumn):
				if tuple, ok := e.Right.(sqlparser.ValTuple); ok && len(tuple) == 1 {
					v = tuple[0]
				} else {
					v = e.Right
				}
			default:
				return nil
			}
			sv, ok := v.(*sqlparser.SQLVal)
			if !ok || found != nil {
				return notSupported(t.kind + " of several connected accounts' objects (name one: stripe_account = 'acct_…')")
			}
			found = sv
		}
		return nil
	}
	return found, walk(where.Expr)
}

// isValue: a literal or a placeholder, not a column or a subquery.
func isValue(e sqlparser.Expr) bool {
	_, ok := e.(*sqlparser.SQLVal)
	return ok
}
