package engine

import (
	"regexp"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/expression/function/json"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"

	"github.com/stripesql/stripesql/tables/sqltable"
)

const searchRuleID analyzer.RuleId = 10_008

// searchVariable turns Search pushdown off for a session (SET
// stripe_search = OFF), to compare an answer with the lists' or to spare
// the Search API's own rate limit.
const searchVariable = "stripe_search"

func init() { addSessionSwitch(searchVariable) }

// searchFilters hands the conjuncts of a Filter above a Stripe table read
// that the Search API can take (metadata keys, string equality and LIKE,
// integer comparisons) to the table, which reads through Search where the
// list it would read does not take them (sqltable's search_plan.go), and
// the disjunctions among them (OR, IN), which it may read as one search
// per branch. It runs after residualFilters, so the list plan it compares
// with is the final one. The Filter stays: the engine checks every row.
func searchFilters(ctx *sql.Context, _ *analyzer.Analyzer, n sql.Node, _ *plan.Scope, _ analyzer.RuleSelector, _ *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
	if !switchOn(ctx, searchVariable) {
		return n, transform.SameTree, nil
	}
	return underFilters(ctx, n, func(f *plan.Filter) func(*sqltable.Table) (*sqltable.Table, bool) {
		table := strings.ToLower(tableName(f.Child))
		conds, anyOf := searchConds(f.Expression, table), searchDisjunctions(f.Expression, table)
		if len(conds) == 0 && len(anyOf) == 0 {
			return nil
		}
		return func(t *sqltable.Table) (*sqltable.Table, bool) { return t.WithSearch(conds, anyOf...) }
	})
}

// tableName is the name a table read's columns carry: its alias, else
// the table's ("" for anything else).
func tableName(n sql.Node) string {
	switch n := n.(type) {
	case *plan.TableAlias:
		return n.Name()
	case *plan.ResolvedTable:
		return n.Name()
	case *plan.IndexedTableAccess:
		return n.Name()
	}
	return ""
}

// searchConds are the conjuncts of e on table's columns that may become
// search clauses: column = constant (metadata->>'$.key' = 'v' too),
// column LIKE 'pattern', and integer comparisons (BETWEEN included).
// Whether Search can take each is the table's to say (WithSearch).
func searchConds(e sql.Expression, table string) []sqltable.SearchCond {
	var out []sqltable.SearchCond
	for _, c := range expression.SplitConjunction(e) {
		switch c := c.(type) {
		case *expression.Like:
			gf, ok := c.Left().(*expression.GetField)
			pat, isLit := literal(c.Right())
			if ok && isLit && strings.EqualFold(gf.Table(), table) && defaultEscape(c.Escape) {
				out = append(out, sqltable.SearchCond{Column: strings.ToLower(gf.Name()), Op: sqltable.SearchLike, Value: pat})
			}
		case *expression.Between:
			lo, ok1 := literal(c.Lower)
			hi, ok2 := literal(c.Upper)
			if ok1 && ok2 {
				out = appendCmp(out, c.Val, sqltable.SearchGte, lo, table)
				out = appendCmp(out, c.Val, sqltable.SearchLte, hi, table)
			}
		case *expression.Equals:
			out = appendComparison(out, c.Left(), c.Right(), sqltable.SearchEq, sqltable.SearchEq, table)
		case *expression.GreaterThan:
			out = appendComparison(out, c.Left(), c.Right(), sqltable.SearchGt, sqltable.SearchLt, table)
		case *expression.GreaterThanOrEqual:
			out = appendComparison(out, c.Left(), c.Right(), sqltable.SearchGte, sqltable.SearchLte, table)
		case *expression.LessThan:
			out = appendComparison(out, c.Left(), c.Right(), sqltable.SearchLt, sqltable.SearchGt, table)
		case *expression.LessThanOrEqual:
			out = appendComparison(out, c.Left(), c.Right(), sqltable.SearchLte, sqltable.SearchGte, table)
		}
	}
	return out
}

// searchDisjunctions are the conjuncts of e that are disjunctions, each
// as its branches' conditions (searchConds of each branch): `a OR b OR …`,
// and `x IN (v, …)` read as `x = v OR …`, a branch of an OR too. A branch
// without conditions Search can take makes its disjunction one the table
// cannot search (it says so: WithSearch).
func searchDisjunctions(e sql.Expression, table string) [][][]sqltable.SearchCond {
	var out [][][]sqltable.SearchCond
	for _, c := range expression.SplitConjunction(e) {
		var branches [][]sqltable.SearchCond
		for _, b := range expression.SplitDisjunction(c) {
			if in, ok := inBranches(b, table); ok {
				branches = append(branches, in...)
			} else {
				branches = append(branches, searchConds(b, table))
			}
		}
		if len(branches) > 1 || len(branches) == 1 && isIn(c) {
			out = append(out, branches)
		}
	}
	return out
}

// inBranches reads `x IN (v, …)` of constants as the branches `x = v`; a
// NULL among them matches nothing and is left out. ok is false for
// anything else.
func inBranches(e sql.Expression, table string) ([][]sqltable.SearchCond, bool) {
	in, ok := e.(interface {
		Left() sql.Expression
		Right() sql.Expression
	})
	tuple, isTuple := expression.Tuple(nil), false
	if ok && isIn(e) {
		tuple, isTuple = in.Right().(expression.Tuple)
	}
	if !isTuple {
		return nil, false
	}
	var out [][]sqltable.SearchCond
	for _, x := range tuple {
		lit, ok := x.(*expression.Literal)
		if !ok {
			return nil, false
		}
		if lit.Value() == nil {
			continue
		}
		out = append(out, appendCmp(nil, in.Left(), sqltable.SearchEq, lit.Value(), table))
	}
	return out, true
}

// isIn reports `x IN (…)` (go-mysql-server hashes a list of constants).
func isIn(e sql.Expression) bool {
	switch e.(type) {
	case *expression.InTuple, *expression.HashInTuple:
		return true
	}
	return false
}

// appendComparison adds `l op r` with a column on one side and a constant
// on the other; flipped is op with its sides swapped.
func appendComparison(out []sqltable.SearchCond, l, r sql.Expression, op, flipped sqltable.SearchOp, table string) []sqltable.SearchCond {
	if v, ok := literal(r); ok {
		return appendCmp(out, l, op, v, table)
	}
	if v, ok := literal(l); ok {
		return appendCmp(out, r, flipped, v, table)
	}
	return out
}

// appendCmp adds `col op v` when col is a column of table, or a metadata
// key (JSON_UNQUOTE(JSON_EXTRACT(metadata, '$.key')), metadata->>'$.key',
// or metadata->'$.key', which go-mysql-server compares with a string as
// the value it holds).
func appendCmp(out []sqltable.SearchCond, col sql.Expression, op sqltable.SearchOp, v any, table string) []sqltable.SearchCond {
	if n, ok := sqltable.IntValue(v); ok {
		v = n
	}
	key := ""
	if u, ok := col.(*json.JSONUnquote); ok {
		col = u.Child
	}
	if x, ok := col.(*json.JSONExtract); ok {
		path, isLit := literal(x.Paths[0])
		p, isString := path.(string)
		if len(x.Paths) != 1 || !isLit || !isString {
			return out
		}
		if key, ok = metadataKey(p); !ok {
			return out
		}
		col = x.JSON
	}
	gf, ok := col.(*expression.GetField)
	if !ok || !strings.EqualFold(gf.Table(), table) {
		return out
	}
	name := strings.ToLower(gf.Name())
	if key != "" && name != "metadata" {
		return out
	}
	return append(out, sqltable.SearchCond{Column: name, Key: key, Op: op, Value: v})
}

// metadataKey reads a JSON path naming one key: $.key or $."key".
func metadataKey(path string) (string, bool) {
	m := jsonKeyPath.FindStringSubmatch(path)
	if m == nil {
		return "", false
	}
	return m[1] + m[2], true
}

var jsonKeyPath = regexp.MustCompile(`^\$\.(?:([A-Za-z_][A-Za-z0-9_]*)|"([^"\\]*)")$`)

// literal is a constant's value (a bound argument of a prepared statement
// included, once bound).
func literal(e sql.Expression) (any, bool) {
	lit, ok := e.(*expression.Literal)
	if !ok || lit.Value() == nil {
		return nil, false
	}
	return lit.Value(), true
}

// defaultEscape reports a LIKE with the default escape character \.
func defaultEscape(e sql.Expression) bool {
	if e == nil {
		return true
	}
	v, ok := literal(e)
	return ok && v == `\`
}
