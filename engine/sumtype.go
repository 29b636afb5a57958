package engine

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/expression/function/aggregation"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/shopspring/decimal"
)

const sumTypeRuleID analyzer.RuleId = 10_005

// decimalSums gives SUM and AVG over a DECIMAL or integer column MySQL's
// DECIMAL types. go-mysql-server's planner types every SUM and AVG
// reference as DOUBLE (the aggregate over decimals is computed exactly
// all the same), so clients print amounts as `4.5940072e+07` and lose
// the scale. A window SUM or AVG is typed as its operand instead (an AVG
// over BIGINT as BIGINT, truncated): its operand is given the aggregate's
// type (typeWindowOperand). The references to such aggregates are
// retyped, then the references to those through derived tables, CTEs and
// views (whose outer references are typed before this rule), until
// nothing changes.
//
// The types are column types (types.MustCreateColumnDecimalType): their
// values are written at the type's scale, as MariaDB writes
// `9122037.000` for a SUM over DECIMAL(22,3), whatever scale the summed
// values happened to carry.
func decimalSums(ctx *sql.Context, a *analyzer.Analyzer, n sql.Node, scope *plan.Scope, sel analyzer.RuleSelector, qf *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
	// Derived tables are opaque to the transforms below: their queries
	// are retyped first, so that their schemas show the DECIMALs.
	n, same, err := transform.Node(n, func(n sql.Node) (sql.Node, transform.TreeIdentity, error) {
		sa, ok := n.(*plan.SubqueryAlias)
		if !ok {
			return n, transform.SameTree, nil
		}
		child, same, err := decimalSums(ctx, a, sa.Child, scope, sel, qf)
		if err != nil || same {
			return n, transform.SameTree, err
		}
		nn, err := sa.WithChildren(child)
		return nn, transform.NewTree, err
	})
	if err != nil {
		return n, transform.SameTree, err
	}
	n, more, err := transform.NodeExprs(n, typeWindowOperand)
	if err != nil {
		return n, transform.SameTree, err
	}
	same = same && more
	byName := map[string]sql.Type{}
	transform.InspectExpressions(n, func(e sql.Expression) bool {
		if typ := aggregateType(e); typ != nil {
			byName[strings.ToLower(plan.AliasSubqueryString(e))] = typ
		}
		return true
	})
	if len(byName) > 0 {
		n, more, err = retypeFields(n, func(gf *expression.GetField) sql.Type {
			return byName[strings.ToLower(gf.Name())]
		})
		same = same && more
	}
	// Each pass carries the new types one level further out of the
	// derived tables (an outer reference read through a Window or a
	// Project of the same scope is retyped with the next pass).
	for err == nil {
		derived := derivedDecimals(n)
		if len(derived) == 0 {
			break
		}
		var more transform.TreeIdentity
		n, more, err = retypeFields(n, func(gf *expression.GetField) sql.Type {
			return derived[derivedKey(gf.Table(), gf.Name())]
		})
		if more {
			break
		}
		same = transform.NewTree
	}
	return n, same, err
}

// aggregateType is MySQL's DECIMAL type of e when e is a SUM or AVG over
// a DECIMAL or integer, nil otherwise.
func aggregateType(e sql.Expression) sql.Type {
	switch a := e.(type) {
	case *aggregation.Sum:
		if op, ok := a.Child.(decimalOperand); ok {
			return op.typ
		}
		return decimalAggregateType(a.Child.Type(), 22, 0)
	case *aggregation.Avg:
		if op, ok := a.Child.(decimalOperand); ok {
			return op.typ
		}
		// div_precision_increment (4) more digits and scale.
		return decimalAggregateType(a.Child.Type(), 4, 4)
	}
	return nil
}

// typeWindowOperand gives a window SUM or AVG over a DECIMAL or integer
// its MySQL type. A window aggregate is typed by go-mysql-server as its
// operand (a SUM over DECIMAL(22,3) as DECIMAL(22,3), an AVG over BIGINT
// as BIGINT, its value truncated), so the operand is wrapped in a
// decimalOperand of the aggregate's type.
func typeWindowOperand(e sql.Expression) (sql.Expression, transform.TreeIdentity, error) {
	var child sql.Expression
	switch a := e.(type) {
	case *aggregation.Sum:
		if a.Window() == nil {
			return e, transform.SameTree, nil
		}
		child = a.Child
	case *aggregation.Avg:
		if a.Window() == nil {
			return e, transform.SameTree, nil
		}
		child = a.Child
	default:
		return e, transform.SameTree, nil
	}
	if _, done := child.(decimalOperand); done {
		return e, transform.SameTree, nil
	}
	typ := aggregateType(e)
	if typ == nil {
		return e, transform.SameTree, nil
	}
	ne, err := e.WithChildren(decimalOperand{Expression: child, typ: typ})
	return ne, transform.NewTree, err
}

// decimalOperand is a window aggregate's operand typed as the aggregate:
// it names and evaluates as the operand, integers as exact decimals (the
// aggregate would sum them as DOUBLEs).
type decimalOperand struct {
	sql.Expression
	typ sql.Type
}

func (d decimalOperand) Type() sql.Type { return d.typ }

func (d decimalOperand) Eval(ctx *sql.Context, row sql.Row) (any, error) {
	v, err := d.Expression.Eval(ctx, row)
	if err != nil || v == nil {
		return v, err
	}
	if _, isDecimal := v.(decimal.Decimal); isDecimal {
		return v, nil
	}
	dec, _, err := d.typ.Convert(ctx, v)
	return dec, err
}

func (d decimalOperand) Children() []sql.Expression { return []sql.Expression{d.Expression} }

func (d decimalOperand) WithChildren(children ...sql.Expression) (sql.Expression, error) {
	if len(children) != 1 {
		return nil, sql.ErrInvalidChildrenNumber.New(d, len(children), 1)
	}
	return decimalOperand{Expression: children[0], typ: d.typ}, nil
}

// MySQL's limits of a DECIMAL's precision and go-mysql-server's of its
// scale (MariaDB's is 38; no SUM or AVG here comes near either).
const (
	maxDecimalPrecision = 65
	maxDecimalScale     = 30
)

// decimalAggregateType is MySQL's type of an aggregate over t adding
// morePrecision digits and moreScale to the scale: SUM over DECIMAL(p, s)
// is DECIMAL(p+22, s), AVG DECIMAL(p+4, s+4); an integer counts as
// DECIMAL(its digits, 0). Nil when t is neither a DECIMAL nor an integer.
func decimalAggregateType(t sql.Type, morePrecision, moreScale int) sql.Type {
	var p, s int
	switch {
	case types.IsDecimal(t):
		dt := t.(sql.DecimalType)
		p, s = int(dt.Precision()), int(dt.Scale())
	case types.IsInteger(t):
		p = integerDigits(t)
	default:
		return nil
	}
	p, s = min(p+morePrecision, maxDecimalPrecision), min(s+moreScale, maxDecimalScale)
	return types.MustCreateColumnDecimalType(uint8(p), uint8(s))
}

// integerDigits is the number of decimal digits of an integer type's
// largest value, MariaDB's precision of an integer column in an
// aggregate's type (TINYINT 3 whatever its display width, BIGINT 19).
func integerDigits(t sql.Type) int {
	switch t.Type() {
	case types.Int8.Type(), types.Uint8.Type():
		return 3
	case types.Int16.Type(), types.Uint16.Type():
		return 5
	case types.Int24.Type(), types.Uint24.Type():
		return 8
	case types.Int32.Type(), types.Uint32.Type():
		return 10
	case types.Uint64.Type():
		return 20
	}
	return 19
}

// retypeFields gives the field references for which typeOf has another
// type that type: DOUBLE for a SUM or AVG, the operand's type for a
// window SUM or AVG, either through a derived table.
func retypeFields(n sql.Node, typeOf func(*expression.GetField) sql.Type) (sql.Node, transform.TreeIdentity, error) {
	return transform.NodeExprs(n, func(e sql.Expression) (sql.Expression, transform.TreeIdentity, error) {
		gf, ok := e.(*expression.GetField)
		if !ok {
			return e, transform.SameTree, nil
		}
		typ := typeOf(gf)
		if typ == nil || typ.Equals(gf.Type()) {
			return e, transform.SameTree, nil
		}
		return expression.NewGetFieldWithTable(gf.Index(), int(gf.TableId()), typ, gf.Database(), gf.Table(), gf.Name(), gf.IsNullable()), transform.NewTree, nil
	})
}

// derivedDecimals are the DECIMAL columns of the derived tables (and CTEs,
// views) in n, by derivedKey.
func derivedDecimals(n sql.Node) map[string]sql.Type {
	cols := map[string]sql.Type{}
	transform.Inspect(n, func(n sql.Node) bool {
		if sa, ok := n.(*plan.SubqueryAlias); ok {
			for _, c := range sa.Schema() {
				if types.IsDecimal(c.Type) {
					cols[derivedKey(c.Source, c.Name)] = c.Type
				}
			}
		}
		return true
	})
	return cols
}

func derivedKey(table, column string) string {
	return strings.ToLower(table) + "\x00" + strings.ToLower(column)
}
