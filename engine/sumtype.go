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
)

const sumTypeRuleID analyzer.RuleId = 10_005

// decimalSums gives SUM over a DECIMAL or integer column MySQL's DECIMAL
// type. go-mysql-server's planner types every SUM reference as DOUBLE
// (the sum over decimals is computed exactly all the same), so clients
// print amounts as `4.5940072e+07`. The references to such sums are
// retyped, and the value is sent as a decimal.
func decimalSums(_ *sql.Context, _ *analyzer.Analyzer, n sql.Node, _ *plan.Scope, _ analyzer.RuleSelector, _ *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
	decimalSum := map[string]sql.Type{}
	transform.InspectExpressions(n, func(e sql.Expression) bool {
		if s, ok := e.(*aggregation.Sum); ok && s.Window() == nil && (types.IsDecimal(s.Child.Type()) || types.IsInteger(s.Child.Type())) {
			decimalSum[strings.ToLower(plan.AliasSubqueryString(s))] = sumType(s.Child.Type())
		}
		return true
	})
	if len(decimalSum) == 0 {
		return n, transform.SameTree, nil
	}
	return transform.NodeExprs(n, func(e sql.Expression) (sql.Expression, transform.TreeIdentity, error) {
		gf, ok := e.(*expression.GetField)
		if !ok || !types.IsFloat(gf.Type()) {
			return e, transform.SameTree, nil
		}
		typ, ok := decimalSum[strings.ToLower(gf.Name())]
		if !ok {
			return e, transform.SameTree, nil
		}
		return expression.NewGetFieldWithTable(gf.Index(), int(gf.TableId()), typ, gf.Database(), gf.Table(), gf.Name(), gf.IsNullable()), transform.NewTree, nil
	})
}

// sumType is MySQL's type of SUM over a DECIMAL(p, s): DECIMAL(p+22, s),
// at most 65 digits; over an integer, DECIMAL(41, 0).
func sumType(t sql.Type) sql.Type {
	dt, ok := t.(sql.DecimalType)
	if !ok {
		return types.MustCreateDecimalType(41, 0)
	}
	p := min(int(dt.Precision())+22, 65)
	return types.MustCreateDecimalType(uint8(p), dt.Scale())
}
