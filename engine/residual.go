package engine

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"

	"github.com/stripesql/stripesql/tables/sqltable"
)

const residualRuleID analyzer.RuleId = 10_004

// residualFilters hands the equalities left in a Filter above a Stripe
// table read to the table as extra list parameters: the analyzer picks one
// index, so of `product = 'p' AND active = TRUE` only one reaches Stripe
// and the other is checked by the engine on every row of a longer list.
// The Filter stays, so the rows are exactly those of the query.
func residualFilters(ctx *sql.Context, _ *analyzer.Analyzer, n sql.Node, _ *plan.Scope, _ analyzer.RuleSelector, _ *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
	return underFilters(ctx, n, func(f *plan.Filter) func(*sqltable.Table) (*sqltable.Table, bool) {
		conds := equalities(f.Expression)
		if len(conds) == 0 {
			return nil
		}
		return func(t *sqltable.Table) (*sqltable.Table, bool) { return t.WithResidual(conds) }
	})
}

// underFilters rewrites each Stripe table read right under a Filter with
// the change made from that Filter (nil: none).
func underFilters(ctx *sql.Context, n sql.Node, changeFor func(*plan.Filter) func(*sqltable.Table) (*sqltable.Table, bool)) (sql.Node, transform.TreeIdentity, error) {
	return transform.Node(n, func(n sql.Node) (sql.Node, transform.TreeIdentity, error) {
		f, ok := n.(*plan.Filter)
		if !ok {
			return n, transform.SameTree, nil
		}
		change := changeFor(f)
		if change == nil {
			return n, transform.SameTree, nil
		}
		child, same, err := withStripeTable(ctx, f.Child, change)
		if err != nil || same {
			return n, transform.SameTree, err
		}
		nn, err := f.WithChildren(child)
		return nn, transform.NewTree, err
	})
}

// equalities are the `column = constant` conjuncts of a filter, by
// column, and the `column IN (constants, …)` ones as a []any.
func equalities(e sql.Expression) map[string]any {
	out := map[string]any{}
	for _, c := range expression.SplitConjunction(e) {
		if gf, vals, ok := columnConstants(c); ok {
			out[strings.ToLower(gf.Name())] = vals
			continue
		}
		gf, v, ok := columnConstant(c)
		if !ok {
			continue
		}
		lit, ok := v.(*expression.Literal)
		if !ok {
			continue
		}
		out[strings.ToLower(gf.Name())] = lit.Value()
	}
	return out
}

// columnConstants matches `column IN (literal, …)`.
func columnConstants(e sql.Expression) (*expression.GetField, []any, bool) {
	in, ok := e.(interface {
		Left() sql.Expression
		Right() sql.Expression
	})
	switch e.(type) {
	case *expression.InTuple, *expression.HashInTuple:
	default:
		ok = false
	}
	if !ok {
		return nil, nil, false
	}
	gf, ok := in.Left().(*expression.GetField)
	tuple, isTuple := in.Right().(expression.Tuple)
	if !ok || !isTuple {
		return nil, nil, false
	}
	vals := make([]any, len(tuple))
	for i, x := range tuple {
		lit, ok := x.(*expression.Literal)
		if !ok {
			return nil, nil, false
		}
		vals[i] = lit.Value()
	}
	return gf, vals, true
}
