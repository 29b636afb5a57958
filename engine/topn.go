package engine

import (
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"
)

const topNRuleID analyzer.RuleId = 10_006

// topNThroughProject keeps only the top rows of `ORDER BY … LIMIT n`
// when a projection sits between the LIMIT and the sort.
// go-mysql-server turns Limit(Sort) into a TopN, which holds n rows, but
// not Limit(Project(Sort)), the shape of `SELECT cols … ORDER BY amount
// DESC LIMIT 10`, which then sorts every row of the table to keep ten.
func topNThroughProject(_ *sql.Context, _ *analyzer.Analyzer, n sql.Node, _ *plan.Scope, _ analyzer.RuleSelector, _ *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
	return transform.Node(n, func(n sql.Node) (sql.Node, transform.TreeIdentity, error) {
		lim, ok := n.(*plan.Limit)
		if !ok || lim.CalcFoundRows {
			return n, transform.SameTree, nil
		}
		keep := lim.Limit
		child := lim.Child
		off, hasOffset := child.(*plan.Offset)
		if hasOffset {
			keep = expression.NewPlus(lim.Limit, off.Offset)
			child = off.Child
		}
		proj, ok := child.(*plan.Project)
		if !ok {
			return n, transform.SameTree, nil
		}
		sort, ok := proj.Child.(*plan.Sort)
		if !ok {
			return n, transform.SameTree, nil
		}
		np, err := proj.WithChildren(plan.NewTopN(sort.SortFields, keep, sort.Child))
		if err != nil {
			return n, transform.SameTree, err
		}
		if hasOffset {
			if np, err = off.WithChildren(np); err != nil {
				return n, transform.SameTree, err
			}
		}
		nn, err := lim.WithChildren(np)
		return nn, transform.NewTree, err
	})
}
