package engine

import (
	"fmt"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"

	"github.com/stripesql/stripesql/tables/sqltable"
)

// explainBuilder answers EXPLAIN with what matters over Stripe: which
// requests each table access makes. go-mysql-server's own EXPLAIN is a
// placeholder row; its tree form (EXPLAIN FORMAT=TREE, EXPLAIN PLAN) is
// kept and followed by the requests.
type explainBuilder struct {
	inner sql.NodeExecBuilder
}

func (b explainBuilder) Build(ctx *sql.Context, n sql.Node, row sql.Row) (sql.RowIter, error) {
	d, ok := n.(*plan.DescribeQuery)
	if !ok || d.Format.Analyze {
		return b.inner.Build(ctx, n, row)
	}
	accesses := tableAccesses(ctx, d.Query())
	var rows []sql.Row
	if d.Format.Plan {
		for _, l := range strings.Split(sql.Describe(d.Query(), d.Format), "\n") {
			if strings.TrimSpace(l) != "" {
				rows = append(rows, sql.NewRow(l))
			}
		}
		for _, a := range accesses {
			rows = append(rows, sql.NewRow(fmt.Sprintf("stripe: %s: %s", a.name, a.requests)))
		}
		return sql.RowsToRowIter(rows...), nil
	}
	for i, a := range accesses {
		rows = append(rows, sql.Row{
			uint64(i + 1), "SIMPLE", a.name, nil, a.accessType, a.possibleKeys, a.key, nil, a.ref, nil, nil,
			"Stripe: " + a.requests,
		})
	}
	return sql.RowsToRowIter(rows...), nil
}

// access is one read of a Stripe table in a plan.
type access struct {
	name, accessType, possibleKeys, key, ref, requests string
}

// tableAccesses lists the Stripe table reads of a plan, in plan order,
// subqueries included.
func tableAccesses(ctx *sql.Context, n sql.Node) []access {
	var out []access
	transform.Inspect(n, func(n sql.Node) bool {
		switch n := n.(type) {
		case *plan.IndexedTableAccess:
			t, ok := n.UnderlyingTable().(*sqltable.Table)
			if !ok {
				return true
			}
			a := access{name: n.Name(), possibleKeys: possibleKeys(t), key: n.Index().ID(), accessType: "range"}
			if n.IsStatic() {
				// Keys on TIMESTAMP columns are the session's wall clock.
				lookup := sqltable.InZone(ctx, plan.GetIndexLookup(n))
				a.requests = t.Describe(&lookup, nil, nil)
				if n.Index().ID() == "PRIMARY" {
					a.accessType = "const"
				}
			} else {
				var keys []string
				for _, e := range n.Expressions() {
					keys = append(keys, e.String())
				}
				a.accessType, a.ref = "ref", strings.Join(keys, ",")
				a.requests = t.Describe(nil, n.Index(), keys)
			}
			out = append(out, a)
		case *plan.ResolvedTable:
			if t, ok := n.UnderlyingTable().(*sqltable.Table); ok {
				out = append(out, access{name: n.Name(), accessType: "ALL", possibleKeys: possibleKeys(t), requests: t.Describe(nil, nil, nil)})
			}
		}
		return true
	})
	for _, e := range subqueryNodes(n) {
		out = append(out, tableAccesses(ctx, e)...)
	}
	return out
}

// subqueryNodes are the plans of subqueries inside expressions.
func subqueryNodes(n sql.Node) []sql.Node {
	var out []sql.Node
	transform.InspectExpressions(n, func(e sql.Expression) bool {
		if sq, ok := e.(*plan.Subquery); ok {
			out = append(out, sq.Query)
		}
		return true
	})
	return out
}

func possibleKeys(t *sqltable.Table) string {
	ixs, _ := t.GetIndexes(nil)
	names := make([]string, len(ixs))
	for i, ix := range ixs {
		names[i] = ix.ID()
	}
	return strings.Join(names, ",")
}
