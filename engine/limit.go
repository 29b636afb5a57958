package engine

import (
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/stripesql/stripesql/tables/sqltable"
)

// limitHintRuleID names our analyzer rule; go-mysql-server's own ids are
// small integers, so ours sits far above them.
const limitHintRuleID analyzer.RuleId = 10_000

// limitHint tells a Stripe table how many rows a LIMIT will read, so that
// `ORDER BY created DESC LIMIT 10` is one request of limit=10 rather than
// a page of 100. go-mysql-server has no LIMIT pushdown; the hint is only a
// page size, never a truncation: rows past it are still fetched if read.
func limitHint(ctx *sql.Context, _ *analyzer.Analyzer, n sql.Node, _ *plan.Scope, _ analyzer.RuleSelector, _ *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
	return transform.Node(n, func(n sql.Node) (sql.Node, transform.TreeIdentity, error) {
		lim, ok := n.(*plan.Limit)
		if !ok {
			return n, transform.SameTree, nil
		}
		count, ok := literalInt(ctx, lim.Limit)
		if !ok {
			return n, transform.SameTree, nil
		}
		child, same, err := hintScan(ctx, lim.Child, count)
		if err != nil || same {
			return n, transform.SameTree, err
		}
		nn, err := lim.WithChildren(child)
		return nn, transform.NewTree, err
	})
}

// hintScan passes the hint through nodes that neither drop nor add rows
// (projections, OFFSET) to the table read beneath them.
func hintScan(ctx *sql.Context, n sql.Node, count int64) (sql.Node, transform.TreeIdentity, error) {
	switch n := n.(type) {
	case *plan.Project:
		c, same, err := hintScan(ctx, n.Child, count)
		if err != nil || same {
			return n, transform.SameTree, err
		}
		nn, err := n.WithChildren(c)
		return nn, transform.NewTree, err
	case *plan.Offset:
		off, ok := literalInt(ctx, n.Offset)
		if !ok {
			return n, transform.SameTree, nil
		}
		c, same, err := hintScan(ctx, n.Child, count+off)
		if err != nil || same {
			return n, transform.SameTree, err
		}
		nn, err := n.WithChildren(c)
		return nn, transform.NewTree, err
	}
	return withStripeTable(ctx, n, func(t *sqltable.Table) (*sqltable.Table, bool) {
		return t.WithLimitHint(int(count)), true
	})
}

// literalInt evaluates a LIMIT/OFFSET that is a constant.
func literalInt(ctx *sql.Context, e sql.Expression) (int64, bool) {
	lit, ok := e.(*expression.Literal)
	if !ok {
		return 0, false
	}
	v, _, err := types.Int64.Convert(ctx, lit.Value())
	if err != nil {
		return 0, false
	}
	n, ok := v.(int64)
	return n, ok && n > 0
}
