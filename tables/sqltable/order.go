package sqltable

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
)

// rowOrder says how a step's rows must be arranged before the engine sees
// them. go-mysql-server drops an ORDER BY that an index can serve and then
// trusts a forward index scan to be ascending and a reverse one to be
// descending, on the index columns. Stripe lists newest first, so only a
// reverse scan on created streams as it comes; anything else is buffered,
// when the query sorts on the table at all (Table.ordered).
type rowOrder struct {
	kind  orderKind
	ords  []int // sort keys: schema positions
	types []sql.Type
	// binary marks the sort keys whose strings compare by their bytes.
	binary []bool
	desc   bool
}

type orderKind int

const (
	// orderAsIs streams rows in Stripe's order.
	orderAsIs orderKind = iota
	// orderReversed buffers the step and serves it oldest first.
	orderReversed
	// orderSorted buffers the step and sorts it on ords.
	orderSorted
)

// orderFor is the order a scan of ix by request r must deliver, given
// that the columns before sortedFrom are fixed to one value by the range.
func (t *Table) orderFor(ix *index, sortedFrom int, reverse bool, r request) rowOrder {
	rest := ix.columns[sortedFrom:]
	switch {
	case !t.ordered || len(rest) == 0:
		return rowOrder{}
	case len(rest) == 1 && rest[0] == "created" && r.kind == reqList:
		// One list is newest first; a walk of several (treasury
		// transactions of each financial account) is not.
		if reverse {
			return rowOrder{}
		}
		return rowOrder{kind: orderReversed}
	default:
		return rowOrder{kind: orderSorted, ords: ix.ords[sortedFrom:], types: ix.types[sortedFrom:],
			binary: binaryStrings(ix.types[sortedFrom:]), desc: reverse}
	}
}

// arrange puts buffered rows into the order.
func (o rowOrder) arrange(rows []sql.Row) {
	switch o.kind {
	case orderReversed:
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	case orderSorted:
		// Unstable: rows equal on the index columns come in no particular
		// order from an index either.
		slices.SortFunc(rows, func(a, b sql.Row) int {
			if o.desc {
				return o.compare(b, a)
			}
			return o.compare(a, b)
		})
	}
}

// binaryCollations compare strings by their bytes, as Go does.
var binaryCollations = map[sql.CollationID]bool{
	sql.Collation_binary: true, sql.Collation_utf8mb4_bin: true, sql.Collation_utf8mb4_0900_bin: true,
}

// binaryStrings marks the types whose strings compare by their bytes.
func binaryStrings(ts []sql.Type) []bool {
	out := make([]bool, len(ts))
	for i, t := range ts {
		st, ok := t.(sql.StringType)
		out[i] = ok && binaryCollations[st.Collation()]
	}
	return out
}

// fastCompare compares two values without the engine's conversions when
// Go's own comparison is the type's (integers, and strings of a type
// binary marks); ok is false otherwise.
func fastCompare(binary bool, x, y any) (int, bool) {
	switch a := x.(type) {
	case string:
		b, ok := y.(string)
		if !ok || !binary {
			return 0, false
		}
		return strings.Compare(a, b), true
	case int64:
		b, ok := y.(int64)
		if !ok {
			return 0, false
		}
		return cmp.Compare(a, b), true
	}
	return 0, false
}

// compare orders NULL first, as MySQL indexes do.
func (o rowOrder) compare(a, b sql.Row) int {
	for n, ord := range o.ords {
		x, y := a[ord], b[ord]
		switch {
		case x == nil && y == nil:
			continue
		case x == nil:
			return -1
		case y == nil:
			return 1
		}
		if c, ok := fastCompare(o.binary[n], x, y); ok {
			if c != 0 {
				return c
			}
			continue
		}
		c, err := o.types[n].Compare(context.Background(), x, y)
		if err == nil && c != 0 {
			return c
		}
	}
	return 0
}

// inAnyRange reports whether a row lies within one of the ranges.
func inAnyRange(ctx context.Context, ix *index, rs []sql.MySQLRange, row sql.Row) bool {
	for _, r := range rs {
		if inRange(ctx, ix, r, row) {
			return true
		}
	}
	return false
}

// inRange reports whether a row lies within a lookup range on ix.
func inRange(ctx context.Context, ix *index, r sql.MySQLRange, row sql.Row) bool {
	for n, ce := range r {
		if !inColumnRange(ctx, ce, row[ix.ords[n]]) {
			return false
		}
	}
	return true
}

func inColumnRange(ctx context.Context, ce sql.MySQLRangeColumnExpr, v any) bool {
	if v == nil {
		// NULL sorts between BelowNull and AboveNull.
		_, lowerHoldsNull := ce.LowerBound.(sql.BelowNull)
		_, upperExcludesAll := ce.UpperBound.(sql.BelowNull)
		return lowerHoldsNull && !upperExcludesAll
	}
	cmp := func(k any) int {
		c, err := ce.Typ.Compare(ctx, v, k)
		if err != nil {
			return 0
		}
		return c
	}
	switch c := ce.LowerBound.(type) {
	case sql.Below:
		if cmp(c.Key) < 0 {
			return false
		}
	case sql.Above:
		if cmp(c.Key) <= 0 {
			return false
		}
	case sql.AboveAll:
		return false
	}
	switch c := ce.UpperBound.(type) {
	case sql.Above:
		return cmp(c.Key) <= 0
	case sql.Below:
		return cmp(c.Key) < 0
	case sql.AboveNull, sql.BelowNull:
		return false
	}
	return true
}
