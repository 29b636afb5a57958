package engine

import (
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"

	"github.com/stripesql/stripesql/tables/sqltable"
)

// withStripeTable replaces the Stripe table read by n (a table, an index
// lookup on one, or an alias of either) with change(table); ok false from
// change leaves n as it is. Rules use it to hand the table what the plan
// knows (a LIMIT, residual filters) after the analyzer built the read.
func withStripeTable(ctx *sql.Context, n sql.Node, change func(*sqltable.Table) (*sqltable.Table, bool)) (sql.Node, transform.TreeIdentity, error) {
	switch n := n.(type) {
	case *plan.TableAlias:
		c, same, err := withStripeTable(ctx, n.Child, change)
		if err != nil || same {
			return n, transform.SameTree, err
		}
		nn, err := n.WithChildren(c)
		return nn, transform.NewTree, err
	case *plan.ResolvedTable:
		t, ok := n.Table.(*sqltable.Table)
		if !ok {
			return n, transform.SameTree, nil
		}
		nt, ok := change(t)
		if !ok {
			return n, transform.SameTree, nil
		}
		nn, err := n.WithTable(nt)
		return nn, transform.NewTree, err
	case *plan.IndexedTableAccess:
		rt, ok := n.TableNode.(*plan.ResolvedTable)
		if !ok || !n.IsStatic() {
			return n, transform.SameTree, nil
		}
		t, ok := rt.Table.(*sqltable.Table)
		if !ok {
			return n, transform.SameTree, nil
		}
		nt, ok := change(t)
		if !ok {
			return n, transform.SameTree, nil
		}
		nrt, err := rt.WithTable(nt)
		if err != nil {
			return n, transform.SameTree, err
		}
		nn, err := plan.NewStaticIndexedAccessForTableNode(ctx, nrt.(*plan.ResolvedTable), plan.GetIndexLookup(n))
		return nn, transform.NewTree, err
	}
	return n, transform.SameTree, nil
}
