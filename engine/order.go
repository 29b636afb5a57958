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

const orderedScansRuleID analyzer.RuleId = 10_001

// orderedScans marks the Stripe tables a query sorts on. go-mysql-server
// drops an ORDER BY that an index serves and trusts the scan's order, so
// those tables must deliver index order (buffering when Stripe's
// newest-first order is not it). Tables of a query without ORDER BY on
// them stream pages in Stripe's order, so a LIMIT stops the paging early.
// It runs before the analyzer picks indexes, while Sort nodes still exist.
func orderedScans(_ *sql.Context, _ *analyzer.Analyzer, n sql.Node, _ *plan.Scope, _ analyzer.RuleSelector, _ *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
	sorted := map[string]bool{}
	collectSorted(n, sorted)
	if len(sorted) == 0 {
		return n, transform.SameTree, nil
	}
	return transform.Node(n, func(n sql.Node) (sql.Node, transform.TreeIdentity, error) {
		switch n := n.(type) {
		case *plan.TableAlias:
			rt, ok := n.Child.(*plan.ResolvedTable)
			if !ok || !sorted[strings.ToLower(n.Name())] {
				return n, transform.SameTree, nil
			}
			c, err := markOrdered(rt)
			if err != nil {
				return n, transform.SameTree, err
			}
			nn, err := n.WithChildren(c)
			return nn, transform.NewTree, err
		case *plan.ResolvedTable:
			if !sorted[strings.ToLower(n.Name())] {
				return n, transform.SameTree, nil
			}
			nn, err := markOrdered(n)
			return nn, transform.NewTree, err
		}
		return n, transform.SameTree, nil
	})
}

func markOrdered(rt *plan.ResolvedTable) (sql.Node, error) {
	t, ok := rt.Table.(*sqltable.Table)
	if !ok {
		return rt, nil
	}
	return rt.WithTable(t.WithOrdered())
}

// collectSorted records the tables (by name or alias) that an ORDER BY,
// in the query or any subquery, may sort by an index of. The engine drops
// a sort only when its fields are a prefix of an index's columns, so a
// sort whose first field is not a column (an aggregate: ORDER BY total
// DESC over a GROUP BY) needs no ordered scan, and the table streams.
func collectSorted(root sql.Node, into map[string]bool) {
	transform.Inspect(root, func(n sql.Node) bool {
		if s, ok := n.(*plan.Sort); ok && len(s.SortFields) > 0 && columnOf(root, s.SortFields[0].Column) != nil {
			for _, f := range s.SortFields {
				sql.Inspect(f.Column, func(e sql.Expression) bool {
					if gf := columnOf(root, e); gf != nil {
						into[strings.ToLower(gf.Table())] = true
					}
					return true
				})
			}
		}
		return true
	})
	transform.InspectExpressions(root, func(e sql.Expression) bool {
		if sq, ok := e.(*plan.Subquery); ok {
			collectSorted(sq.Query, into)
		}
		return true
	})
}

// columnOf returns the table column a sort field is, directly or as a
// projection's alias; nil for anything else (an aggregate, a function).
func columnOf(root sql.Node, e sql.Expression) *expression.GetField {
	gf, ok := e.(*expression.GetField)
	if !ok || gf.Table() != "" {
		return gf
	}
	var col *expression.GetField
	transform.InspectExpressions(root, func(x sql.Expression) bool {
		if a, ok := x.(*expression.Alias); ok && strings.EqualFold(a.Name(), gf.Name()) {
			if c, ok := a.Child.(*expression.GetField); ok && c.Table() != "" {
				col = c
			}
		}
		return true
	})
	return col
}
