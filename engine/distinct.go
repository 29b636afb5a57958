package engine

import (
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/expression/function/aggregation"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"
	"github.com/dolthub/go-mysql-server/sql/types"
)

const exactDistinctRuleID analyzer.RuleId = 10_011

// exactDistincts makes COUNT(DISTINCT x) of one expression count distinct
// values by the values themselves. go-mysql-server's count converts every
// value to text, joins them with a comma, hashes that and keeps the
// 64-bit hashes: about 600 ns a row, most of the time of a warm
// COUNT(DISTINCT customer) over held rows (3× MariaDB's), and two
// values whose hashes collide count once. Here a value is its own key (a
// string or an integer as it is; anything else as the same text the
// engine makes of it, so values equal as text are one, as before).
func exactDistincts(_ *sql.Context, _ *analyzer.Analyzer, n sql.Node, _ *plan.Scope, _ analyzer.RuleSelector, _ *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
	return transform.NodeExprs(n, func(e sql.Expression) (sql.Expression, transform.TreeIdentity, error) {
		cd, ok := e.(*aggregation.CountDistinct)
		if !ok || cd.Window() != nil || len(cd.Children()) != 1 {
			return e, transform.SameTree, nil
		}
		if _, star := cd.Children()[0].(*expression.Star); star {
			return e, transform.SameTree, nil
		}
		return &exactDistinct{cd}, transform.NewTree, nil
	})
}

// exactDistinct is COUNT(DISTINCT x) counting by value.
type exactDistinct struct{ *aggregation.CountDistinct }

var _ sql.Aggregation = (*exactDistinct)(nil)

func (a *exactDistinct) NewBuffer() (sql.AggregationBuffer, error) {
	child, err := transform.Clone(a.Children()[0])
	if err != nil {
		return nil, err
	}
	return &distinctValues{expr: child, strs: map[string]struct{}{}, others: map[any]struct{}{}}, nil
}

func (a *exactDistinct) WithChildren(children ...sql.Expression) (sql.Expression, error) {
	e, err := a.CountDistinct.WithChildren(children...)
	if err != nil {
		return nil, err
	}
	return &exactDistinct{e.(*aggregation.CountDistinct)}, nil
}

func (a *exactDistinct) WithId(id sql.ColumnId) sql.IdExpression {
	return &exactDistinct{a.CountDistinct.WithId(id).(*aggregation.CountDistinct)}
}

// distinctValues is exactDistinct's buffer: the set of values seen
// (strings apart: a map keyed by strings hashes them without going
// through an interface).
type distinctValues struct {
	expr   sql.Expression
	strs   map[string]struct{}
	others map[any]struct{}
}

func (b *distinctValues) Update(ctx *sql.Context, row sql.Row) error {
	v, err := b.expr.Eval(ctx, row)
	if err != nil || v == nil {
		return err // NULL is not counted
	}
	switch x := v.(type) {
	case string:
		b.strs[x] = struct{}{}
		return nil
	case int64, int32, int16, int8, uint64, uint32, uint16, uint8:
	default:
		if v, _, err = types.Text.Convert(ctx, v); err != nil {
			return err
		}
		if s, ok := v.(string); ok {
			b.strs[s] = struct{}{}
			return nil
		}
	}
	b.others[v] = struct{}{}
	return nil
}

func (b *distinctValues) Eval(*sql.Context) (any, error) {
	return int64(len(b.strs) + len(b.others)), nil
}

func (b *distinctValues) Dispose() { expression.Dispose(b.expr) }
