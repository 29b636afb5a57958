package engine

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"
)

const transitiveRuleID analyzer.RuleId = 10_002

// transitiveEqualities copies a constant through inner-join equalities:
// from `c.id = 'cus_1'` and `ch.customer = c.id` it adds
// `ch.customer = 'cus_1'`, so that both tables get their own Stripe
// filter (a retrieve and a filtered list) instead of one side being
// listed whole. go-mysql-server does not infer this. Only inner joins
// are crossed: on an outer join the added predicate would drop the
// unmatched rows. The added predicates are implied, so results are equal.
func transitiveEqualities(_ *sql.Context, _ *analyzer.Analyzer, n sql.Node, _ *plan.Scope, _ analyzer.RuleSelector, _ *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
	return transform.Node(n, func(n sql.Node) (sql.Node, transform.TreeIdentity, error) {
		f, ok := n.(*plan.Filter)
		if !ok {
			return n, transform.SameTree, nil
		}
		var joinConds []sql.Expression
		if !innerJoinConditions(f.Child, &joinConds) || len(joinConds) == 0 {
			return n, transform.SameTree, nil
		}
		extra := impliedEqualities(expression.SplitConjunction(f.Expression), joinConds)
		if len(extra) == 0 {
			return n, transform.SameTree, nil
		}
		all := append(expression.SplitConjunction(f.Expression), extra...)
		return plan.NewFilter(expression.JoinAnd(all...), f.Child), transform.NewTree, nil
	})
}

// innerJoinConditions gathers the conditions of a tree of inner joins
// (through aliases and filters); it reports false if the tree holds any
// other kind of join.
func innerJoinConditions(n sql.Node, into *[]sql.Expression) bool {
	switch n := n.(type) {
	case *plan.JoinNode:
		if !n.Op.IsInner() || n.Op.IsCross() && n.Filter == nil {
			return n.Op.IsCross()
		}
		if n.Filter != nil {
			*into = append(*into, expression.SplitConjunction(n.Filter)...)
		}
		return innerJoinConditions(n.Left(), into) && innerJoinConditions(n.Right(), into)
	case *plan.Filter:
		*into = append(*into, expression.SplitConjunction(n.Expression)...)
		return innerJoinConditions(n.Child, into)
	}
	return true
}

// impliedEqualities returns `col = const` for every column equal, through
// a chain of column equalities, to a column with `= const` in where.
func impliedEqualities(where, joinConds []sql.Expression) []sql.Expression {
	// union-find over column names
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		if p, ok := parent[x]; ok && p != x {
			r := find(p)
			parent[x] = r
			return r
		}
		parent[x] = x
		return x
	}
	fields := map[string]*expression.GetField{}
	for _, e := range append(append([]sql.Expression{}, where...), joinConds...) {
		if l, r, ok := columnPair(e); ok {
			fields[key(l)], fields[key(r)] = l, r
			parent[find(key(l))] = find(key(r))
		}
	}
	constant := map[string]sql.Expression{} // class → constant
	have := map[string]bool{}
	for _, e := range where {
		if gf, c, ok := columnConstant(e); ok {
			fields[key(gf)] = gf
			constant[find(key(gf))] = c
			have[key(gf)] = true
		}
	}
	var out []sql.Expression
	for k, gf := range fields {
		if c, ok := constant[find(k)]; ok && !have[k] {
			out = append(out, expression.NewEquals(gf, c))
			have[k] = true
		}
	}
	return out
}

func key(gf *expression.GetField) string {
	return strings.ToLower(gf.Table() + "." + gf.Name())
}

// columnPair matches `a.x = b.y`.
func columnPair(e sql.Expression) (*expression.GetField, *expression.GetField, bool) {
	eq, ok := e.(*expression.Equals)
	if !ok {
		return nil, nil, false
	}
	l, lok := eq.Left().(*expression.GetField)
	r, rok := eq.Right().(*expression.GetField)
	return l, r, lok && rok
}

// columnConstant matches `a.x = literal` or `a.x = ?`, either way round.
func columnConstant(e sql.Expression) (*expression.GetField, sql.Expression, bool) {
	eq, ok := e.(*expression.Equals)
	if !ok {
		return nil, nil, false
	}
	l, r := eq.Left(), eq.Right()
	if _, ok := l.(*expression.GetField); !ok {
		l, r = r, l
	}
	gf, ok := l.(*expression.GetField)
	if !ok {
		return nil, nil, false
	}
	switch r.(type) {
	case *expression.Literal, *expression.BindVar:
		return gf, r, true
	}
	return nil, nil, false
}
