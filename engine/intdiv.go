package engine

import (
	"math"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/shopspring/decimal"
)

const exactIntDivRuleID analyzer.RuleId = 10_021

// exactIntDivs makes `a DIV b` truncate. go-mysql-server divides decimal
// operands to two decimals, rounded, and then truncates
// (sql/expression/div.go intDiv: DivRound(r, 2).Truncate(0)), so
// 1728172756 DIV 86400 is 20002, not 20001: Grafana's day buckets
// (`UNIX_TIMESTAMP(created) DIV 86400 * 86400`, UNIX_TIMESTAMP being a
// DECIMAL) put the charges of a day's last seven minutes in the next day.
// Found by the recipes' comparison with MariaDB (internal/pushdown).
func exactIntDivs(_ *sql.Context, _ *analyzer.Analyzer, n sql.Node, _ *plan.Scope, _ analyzer.RuleSelector, _ *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
	return transform.NodeExprs(n, func(e sql.Expression) (sql.Expression, transform.TreeIdentity, error) {
		return transform.Expr(e, func(e sql.Expression) (sql.Expression, transform.TreeIdentity, error) {
			if d, ok := e.(*expression.IntDiv); ok {
				return &exactIntDiv{IntDiv: d}, transform.NewTree, nil
			}
			return e, transform.SameTree, nil
		})
	})
}

// exactIntDiv is DIV with decimal operands divided exactly.
type exactIntDiv struct {
	*expression.IntDiv
}

func (d *exactIntDiv) WithChildren(children ...sql.Expression) (sql.Expression, error) {
	e, err := d.IntDiv.WithChildren(children...)
	if err != nil {
		return nil, err
	}
	return &exactIntDiv{IntDiv: e.(*expression.IntDiv)}, nil
}

func (d *exactIntDiv) Eval(ctx *sql.Context, row sql.Row) (any, error) {
	lt, rt := d.LeftChild.Type(), d.RightChild.Type()
	if types.IsText(lt) || types.IsText(rt) || types.IsTime(lt) || types.IsTime(rt) ||
		(types.IsUnsigned(lt) && types.IsUnsigned(rt)) || (types.IsSigned(lt) && types.IsSigned(rt)) {
		return d.IntDiv.Eval(ctx, row) // float and integer division: exact there
	}
	l, err := d.LeftChild.Eval(ctx, row)
	if err != nil {
		return nil, err
	}
	r, err := d.RightChild.Eval(ctx, row)
	if err != nil {
		return nil, err
	}
	if l == nil || r == nil {
		return nil, nil
	}
	ld, lok := toDecimal(ctx, l)
	rd, rok := toDecimal(ctx, r)
	if !lok || !rok || rd.IsZero() {
		return d.IntDiv.Eval(ctx, row) // its conversions, warnings and errors
	}
	q, _ := ld.QuoRem(rd, 0) // truncated toward zero, as MySQL's DIV
	if q.GreaterThan(decimal.NewFromInt(math.MaxInt64)) || q.LessThan(decimal.NewFromInt(math.MinInt64)) {
		return d.IntDiv.Eval(ctx, row) // its out-of-range error
	}
	return q.IntPart(), nil
}

// toDecimal is a number as a decimal.
func toDecimal(ctx *sql.Context, v any) (decimal.Decimal, bool) {
	if b, ok := v.(bool); ok {
		if b {
			return decimal.NewFromInt(1), true
		}
		return decimal.Zero, true
	}
	c, _, err := types.InternalDecimalType.Convert(ctx, v)
	if err != nil {
		return decimal.Decimal{}, false
	}
	dec, ok := c.(decimal.Decimal)
	return dec, ok
}
