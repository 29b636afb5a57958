package engine

import (
	"io"
	"sync/atomic"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/rowexec"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/stripesql/stripesql/tables/sqltable"
)

// go-mysql-server runs a join's inner side once per outer row: a nested
// loop re-reads it, a lookup join looks it up, and even its hash join
// builds a lookup iterator, hashes the key through its type and evaluates
// the whole condition (a collation-aware string comparison) for each
// outer row. Over rows held in memory that machinery is most of a
// join's time (100,000 charges joined to 20,000 held customers: 5.6×
// MariaDB). heldJoins builds such joins itself when their inner side
// reads a table whose whole list the row cache holds: the inner side is
// read once, on the first outer row, its rows kept in a map by the join
// key, and each outer row looks its key up.
//
// It changes nothing Stripe is asked: it applies only when the inner
// table is held whole (sqltable.Table.HeldWhole), where every plan reads
// it without a request, and the outer side is the plan's own. The answer
// is the plan's: the key is compared as go-mysql-server compares it
// (strings of the binary collation the tables use are equal when their
// bytes are; NULL matches nothing) and any other part of the condition is
// evaluated on each matching pair.
type heldJoins struct {
	// b builds the join's sides (with heldJoins as its override, so that
	// nested joins are built here too).
	b sql.NodeExecBuilder
}

// heldJoinsOff leaves every join to go-mysql-server (tests compare).
var heldJoinsOff atomic.Bool

// newJoinBuilder is the engine's executor: go-mysql-server's, with held
// joins built by heldJoins.
func newJoinBuilder() sql.NodeExecBuilder {
	h := &heldJoins{}
	h.b = rowexec.NewOverrideBuilder(h)
	return h.b
}

// Build returns nil (build as usual) for anything but a join heldJoins
// answers.
func (h *heldJoins) Build(ctx *sql.Context, n sql.Node, row sql.Row) (sql.RowIter, error) {
	j, ok := n.(*plan.JoinNode)
	if !ok || len(row) > 0 || j.ScopeLen > 0 || heldJoinsOff.Load() {
		return nil, nil
	}
	outer := false
	switch j.Op {
	case plan.JoinTypeInner, plan.JoinTypeHash:
	case plan.JoinTypeLeftOuter, plan.JoinTypeLeftOuterHash:
		outer = true
	default:
		return nil, nil
	}
	in, table, ok := heldInner(ctx, j.Right())
	if !ok {
		return nil, nil
	}
	if rows, _, _ := table.RowCount(ctx); !j.Op.IsHash() && rows > maxHeldJoinRows {
		return nil, nil // kept in memory here, where the plan streams it
	}
	leftWidth, rightWidth := len(j.Left().Schema()), len(j.Right().Schema())
	key, rest := joinKey(j.JoinCond(), leftWidth, rightWidth)
	if key == nil && j.Op.IsHash() {
		return nil, nil // its hash on an expression beats pairing every row
	}
	left, err := h.b.Build(ctx, j.Left(), row)
	if err != nil {
		return nil, err
	}
	return &heldJoinIter{h: h, inner: in, left: left, key: key, cond: rest, full: j.JoinCond(), outer: outer,
		leftWidth: leftWidth, rightWidth: rightWidth}, nil
}

// maxHeldJoinRows bounds the table a nested loop reads once into memory
// (a hash join holds its inner side anyway): the plan re-reads it per
// outer row instead, slowly but without holding it.
const maxHeldJoinRows = 250_000

// heldInner is the node to read a join's inner side from once, and its
// table: the table (its alias kept) under go-mysql-server's hash lookup,
// or a lookup fixed at planning time, when the table is held whole. A
// lookup keyed by the outer row (a lookup join) is not: reading the whole
// table could be far more rows than the lookups, and its key is in the
// lookup, not in the join's condition.
func heldInner(ctx *sql.Context, n sql.Node) (sql.Node, *sqltable.Table, bool) {
	if hl, ok := n.(*plan.HashLookup); ok {
		n = hl.Child
	}
	t := n
	if ta, ok := t.(*plan.TableAlias); ok {
		t = ta.Child
	}
	var table sql.Table
	switch t := t.(type) {
	case *plan.ResolvedTable:
		table = t.UnderlyingTable()
	case *plan.IndexedTableAccess:
		if !t.IsStatic() {
			return nil, nil, false
		}
		table = t.UnderlyingTable()
	default:
		return nil, nil, false
	}
	st, ok := table.(*sqltable.Table)
	if !ok || !st.HeldWhole(ctx) {
		return nil, nil, false
	}
	return n, st, true
}

// equiKey is the equality a held join hashes on: the outer row's column
// left equals the inner row's column right.
type equiKey struct {
	left, right int
}

// joinKey finds in cond an equality of an outer column and an inner
// column that compares as Go strings compare (both strings of the
// tables' binary collation); rest is the rest of the condition (nil for
// none). Without such an equality key is nil and rest the whole
// condition.
func joinKey(cond sql.Expression, leftWidth, rightWidth int) (key *equiKey, rest sql.Expression) {
	var others []sql.Expression
	for _, c := range expression.SplitConjunction(cond) {
		if key == nil {
			if k, ok := stringEquality(c, leftWidth, rightWidth); ok {
				key = &k
				continue
			}
		}
		others = append(others, c)
	}
	if len(others) == 0 {
		return key, nil
	}
	return key, expression.JoinAnd(others...)
}

// stringEquality reads `outer.col = inner.col` (either way round).
func stringEquality(e sql.Expression, leftWidth, rightWidth int) (equiKey, bool) {
	eq, ok := e.(*expression.Equals)
	if !ok {
		return equiKey{}, false
	}
	a, ok1 := eq.Left().(*expression.GetField)
	b, ok2 := eq.Right().(*expression.GetField)
	if !ok1 || !ok2 || !binaryString(a.Type()) || !binaryString(b.Type()) {
		return equiKey{}, false
	}
	if a.Index() >= leftWidth {
		a, b = b, a
	}
	if a.Index() < 0 || a.Index() >= leftWidth || b.Index() < leftWidth || b.Index() >= leftWidth+rightWidth {
		return equiKey{}, false
	}
	return equiKey{left: a.Index(), right: b.Index() - leftWidth}, true
}

// binaryString reports a string type whose equality is byte equality.
func binaryString(t sql.Type) bool {
	st, ok := t.(sql.StringType)
	return ok && types.IsText(t) && st.Collation() == sqltable.Collation
}

// heldJoinIter is a held join's rows: each outer row with each inner row
// its key finds (and the rest of the condition accepts); for a left
// join, an outer row matching none with NULLs.
type heldJoinIter struct {
	h     *heldJoins
	inner sql.Node
	left  sql.RowIter
	key   *equiKey
	cond  sql.Expression // what the key leaves to check (nil: nothing)
	full  sql.Expression // the join's whole condition
	outer bool

	leftWidth, rightWidth int
	// read is set once the inner side is read: rows all its rows, byKey
	// them by key (with key set).
	read  bool
	rows  []sql.Row
	byKey map[string][]sql.Row

	cur     sql.Row   // the current outer row
	cands   []sql.Row // its candidate inner rows not yet tried
	matched bool      // whether one of them matched
}

func (it *heldJoinIter) Next(ctx *sql.Context) (sql.Row, error) {
	for {
		for len(it.cands) > 0 {
			r := it.cands[0]
			it.cands = it.cands[1:]
			row := it.join(it.cur, r)
			if it.cond != nil {
				ok, err := sql.EvaluateCondition(ctx, it.cond, row)
				if err != nil {
					return nil, err
				}
				if !sql.IsTrue(ok) {
					continue
				}
			}
			it.matched = true
			return row, nil
		}
		if it.cur != nil && it.outer && !it.matched {
			row := it.join(it.cur, nil)
			it.cur = nil
			return row, nil
		}
		l, err := it.left.Next(ctx)
		if err != nil {
			return nil, err // io.EOF included
		}
		if !it.read {
			// On the first outer row, as the plan would: an empty outer
			// side reads nothing of the inner one.
			if err := it.readInner(ctx); err != nil {
				return nil, err
			}
		}
		it.cur, it.matched = l, false
		it.cands = it.candidates(l)
	}
}

// candidates are the inner rows to try with outer row l.
func (it *heldJoinIter) candidates(l sql.Row) []sql.Row {
	if it.key == nil {
		return it.rows
	}
	switch k := l[it.key.left].(type) {
	case string:
		return it.byKey[k]
	case nil:
		return nil // NULL = anything is not true
	}
	it.general()
	return it.rows
}

// general gives up the key (a value that is not a Go string, not seen
// from these tables): every inner row is tried, under the whole
// condition, as the plan tries them.
func (it *heldJoinIter) general() {
	it.key, it.cond = nil, it.full
}

// readInner reads the inner side once, keyed.
func (it *heldJoinIter) readInner(ctx *sql.Context) error {
	it.read = true
	iter, err := it.h.b.Build(ctx, it.inner, nil)
	if err != nil {
		return err
	}
	defer iter.Close(ctx)
	if it.key != nil {
		it.byKey = map[string][]sql.Row{}
	}
	for {
		r, err := iter.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		it.rows = append(it.rows, r)
		if it.key == nil {
			continue
		}
		switch k := r[it.key.right].(type) {
		case string:
			it.byKey[k] = append(it.byKey[k], r)
		case nil:
		default:
			it.general()
		}
	}
}

// join is an outer row followed by an inner one (NULLs for none).
func (it *heldJoinIter) join(l, r sql.Row) sql.Row {
	row := make(sql.Row, it.leftWidth+it.rightWidth)
	copy(row, l)
	copy(row[it.leftWidth:], r)
	return row
}

func (it *heldJoinIter) Close(ctx *sql.Context) error {
	return it.left.Close(ctx)
}
