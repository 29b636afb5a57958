package engine

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/memo"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"

	"github.com/stripesql/stripesql/tables/sqltable"
)

// A filter-only column (balance_transactions.payout) holds a value only
// on rows read by a request that sent it: a table access pins it through
// its index (a lookup with constants, or per row of a join) or a residual
// filter, and otherwise reads NULL. A condition on an unpinned one would
// compare against that NULL and silently drop every row. Two pieces keep
// that from happening:
//
//   - pinCoster makes the join planner pay for any join whose condition
//     reads an unpinned filter-only column, so that `payouts p JOIN
//     balance_transactions b ON b.payout = p.id` reads the payouts first
//     and looks up each payout's transactions (one list per payout),
//     rather than scanning the transactions (a hash join, or a lookup of
//     the payout by b.payout);
//   - filterOnlyGuard refuses, with a MySQL error saying how to pin the
//     column, a final plan that still reads one unpinned in a condition,
//     or through its index without fixing it to values.
//
// A column a table requires (tables.Spec.Requires: a tax calculation's
// line items' calculation) is pinned the same ways, and the guard refuses
// any read of the table that does not pin it: Stripe would list nothing.
// A table whose required parameter has a default listing it sensibly
// (Spec.Unpinned: apps secrets' scope[type]=account) is read with it by
// an access pinning none of its filter-only columns.

const filterOnlyRuleID analyzer.RuleId = 10_007

// unpinnedPenalty is the cost added to a join plan reading an unpinned
// filter-only column: more than any real plan costs, so it is chosen only
// when no plan pins it (and the guard then refuses it).
const unpinnedPenalty = 1e15

// pinCoster is go-mysql-server's coster with unpinnedPenalty.
type pinCoster struct{ memo.Coster }

func (c pinCoster) EstimateCost(ctx *sql.Context, r memo.RelExpr, s sql.StatsProvider) (float64, error) {
	cost, err := c.Coster.EstimateCost(ctx, r, s)
	if j, ok := r.(memo.JoinRel); ok && err == nil {
		srcs := memoSources(r)
		conds := j.JoinPrivate().Filter
		if lj, ok := r.(*memo.LookupJoin); ok {
			conds = append(conds[:len(conds):len(conds)], lj.Lookup.Table.Expressions()...)
		}
		if _, _, bad := unpinnedRef(conds, srcs); bad {
			cost += unpinnedPenalty
		}
		for _, src := range srcs {
			if src.walks {
				cost += walkPenalty
			}
		}
	}
	return cost, err
}

// walkPenalty is the cost added to a join plan reading a child list
// whole, filtered or not (treasury transactions by walking every
// financial account): a
// plan looking up each parent's children instead (1 + n requests, not 1
// + n for the walk and more for the other side) is chosen where there is
// one. Less than unpinnedPenalty: a pinned filter-only column comes first.
const walkPenalty = 1e12

// pinSource is a Stripe table access and the filter-only columns it pins.
type pinSource struct {
	t      *sqltable.Table
	pinned map[string]bool
	// walks is set when the access reads a child list whole, walking
	// every parent.
	walks bool
}

// sourceOf describes the table access n: a table, or an indexed access
// (by a lookup known at planning time, or per row of a join).
func sourceOf(n sql.Node) (pinSource, bool) {
	tn, ok := n.(sql.TableNode)
	if !ok {
		return pinSource{}, false
	}
	t, ok := tn.UnderlyingTable().(*sqltable.Table)
	if !ok {
		return pinSource{}, false
	}
	ita, ok := n.(*plan.IndexedTableAccess)
	switch {
	case !ok:
		return pinSource{t: t, pinned: t.Pinned(nil, nil), walks: t.Walks(nil, nil)}, true
	case ita.IsStatic():
		lookup := plan.GetIndexLookup(ita)
		return pinSource{t: t, pinned: t.Pinned(ita.Index(), &lookup), walks: t.Walks(ita.Index(), &lookup)}, true
	}
	return pinSource{t: t, pinned: t.Pinned(ita.Index(), nil), walks: t.Walks(ita.Index(), nil)}, true
}

// memoSources are the Stripe table accesses of a memo expression's best
// plan, by the name conditions use (the alias, else the table's).
func memoSources(r memo.RelExpr) map[string]pinSource {
	out := map[string]pinSource{}
	var walk func(r memo.RelExpr)
	walk = func(r memo.RelExpr) {
		switch r := r.(type) {
		case *memo.TableScan:
			if src, ok := sourceOf(r.Table); ok {
				out[r.Name()] = src
			}
			return
		case *memo.TableAlias:
			if src, ok := sourceOf(r.Table.Child); ok {
				out[r.Name()] = src
			}
			return
		case *memo.IndexScan:
			if src, ok := sourceOf(r.Table); ok {
				out[strings.ToLower(cmpOr(r.Alias, r.Name()))] = src
			}
			return
		case *memo.LookupJoin:
			// the right side is read by the lookup, not by its best plan
			walk(r.Left.Best)
			walk(r.Lookup)
			return
		}
		for _, g := range r.Children() {
			if g.Best != nil {
				walk(g.Best)
			}
		}
	}
	walk(r)
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// unpinnedRef finds a column of exprs that is a filter-only column its
// access does not pin.
func unpinnedRef(exprs []sql.Expression, srcs map[string]pinSource) (pinSource, string, bool) {
	var found pinSource
	col := ""
	for _, e := range exprs {
		transform.InspectExpr(e, func(e sql.Expression) bool {
			gf, ok := e.(*expression.GetField)
			if !ok || col != "" {
				return col != ""
			}
			src, ok := srcs[strings.ToLower(gf.Table())]
			name := strings.ToLower(gf.Name())
			if ok && src.t.Spec().FilterOnly(name) && !src.pinned[name] {
				found, col = src, name
				return true
			}
			return false
		})
	}
	return found, col, col != ""
}

// filterOnlyGuard refuses a plan with a condition (WHERE, ON, HAVING, or
// the key of a lookup) on a filter-only column its table access does not
// pin. It runs after residualFilters, which pins such columns too.
// A dump tool's read of a table that cannot be listed is first made no
// rows (unlistedInDump).
func filterOnlyGuard(ctx *sql.Context, _ *analyzer.Analyzer, n sql.Node, _ *plan.Scope, _ analyzer.RuleSelector, _ *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
	n, same, err := unlistedInDump(ctx, n)
	if err != nil {
		return n, same, err
	}
	return n, same, checkPinned(n, map[string]pinSource{})
}

func checkPinned(n sql.Node, outer map[string]pinSource) error {
	// A name read by several accesses (the lookups of a join on an OR)
	// pins only what every one of them pins; a subquery's own tables
	// hide the outer query's of the same name.
	local := map[string]pinSource{}
	var err error
	add := func(name string, n sql.Node) bool {
		src, ok := sourceOf(n)
		if !ok {
			return false
		}
		// A lookup through a filter-only column's index that does not fix
		// it to values (payout > …, payout IS NULL) would read it NULL.
		if ita, ok := n.(*plan.IndexedTableAccess); ok && err == nil {
			exprs := ita.Index().Expressions()
			col := exprs[0][strings.LastIndexByte(exprs[0], '.')+1:]
			if src.t.Spec().FilterOnly(col) && !src.pinned[col] {
				err = sqltable.PinError(src.t.Spec(), col)
			}
		}
		name = strings.ToLower(name)
		if prev, ok := local[name]; ok {
			for c := range src.pinned {
				src.pinned[c] = src.pinned[c] && prev.pinned[c]
			}
		}
		local[name] = src
		return true
	}
	transform.Inspect(n, func(n sql.Node) bool {
		switch n := n.(type) {
		case *plan.ShowCreateTable, *plan.ShowColumns, *plan.ShowIndexes:
			return false // the table's definition: no row is read
		case *plan.TableAlias:
			return !add(n.Name(), n.Child)
		case *plan.IndexedTableAccess, *plan.ResolvedTable:
			add(n.(sql.Nameable).Name(), n)
		}
		return true
	})
	if err != nil {
		return err
	}
	for _, src := range local {
		for _, col := range src.t.Spec().Requires {
			if !src.pinned[col] && !src.t.ReadsUnpinned(src.pinned) {
				return sqltable.RequiredError(src.t.Spec(), col)
			}
		}
	}
	srcs := map[string]pinSource{}
	for k, v := range outer {
		srcs[k] = v
	}
	for k, v := range local {
		srcs[k] = v
	}
	var conds []sql.Expression
	transform.Inspect(n, func(n sql.Node) bool {
		switch n := n.(type) {
		case *plan.Filter:
			conds = append(conds, n.Expression)
		case *plan.Having:
			conds = append(conds, n.Cond)
		case *plan.JoinNode:
			if n.Filter != nil {
				conds = append(conds, n.Filter)
			}
		case *plan.IndexedTableAccess:
			if !n.IsStatic() {
				conds = append(conds, n.Expressions()...)
			}
		}
		return true
	})
	if src, col, bad := unpinnedRef(conds, srcs); bad {
		return sqltable.PinError(src.t.Spec(), col)
	}
	for _, sq := range subqueryNodes(n) {
		if err := checkPinned(sq, srcs); err != nil {
			return err
		}
	}
	return nil
}
