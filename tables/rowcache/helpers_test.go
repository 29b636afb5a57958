package rowcache

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/shopspring/decimal"
)

// with is the block with row put in or, when row is nil, without the row
// of id: one event.
func with(b *Block, id string, row sql.Row) *Block {
	if row == nil {
		return b.Patch(nil, []string{id})
	}
	return b.Patch([]sql.Row{row}, nil)
}

// chunkBytesOf is what a block's compressed JSON holds.
func chunkBytesOf(b *Block) int64 {
	var n int64
	for c := range b.rows.cols {
		n += b.rows.cols[c].chunks.bytes()
	}
	return n
}

// dictLen is the number of dictionary entries of a block's columns.
func dictLen(b *Block) int {
	n := 0
	for c := range b.rows.cols {
		n += len(b.rows.column(c).dict)
	}
	return n
}

// sameCell reports whether two cells are the same value: times the same
// instant in UTC, decimals the same coefficient and exponent, floats the
// same bits, JSON the same text.
func sameCell(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y) && x.Location() == time.UTC && y.Location() == time.UTC
	case decimal.Decimal:
		y, ok := b.(decimal.Decimal)
		return ok && x.Exponent() == y.Exponent() && x.Coefficient().Cmp(y.Coefficient()) == 0
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case sql.JSONWrapper:
		y, ok := b.(sql.JSONWrapper)
		if !ok {
			return false
		}
		xs, ys := stored(x), stored(y)
		_, isText := xs.(jsonBytes)
		return isText && xs == ys
	}
	return a == b
}

// cellString shows a cell in a failure.
func cellString(v any) string {
	if j, ok := stored(v).(jsonBytes); ok {
		return "JSON " + string(j)
	}
	return fmt.Sprintf("%T %v", v, v)
}

// sameBlock checks that got reads as want does: every row and cell, ids,
// spans, and the rows of each value of each column that can be looked up.
func sameBlock(t *testing.T, got, want *Block) {
	t.Helper()
	if got.Len() != want.Len() {
		t.Fatalf("Len = %d, want %d", got.Len(), want.Len())
	}
	l := want.layout
	gb, wb := got.Blobs(), want.Blobs()
	gr, wr := make(sql.Row, l.Cols), make(sql.Row, l.Cols)
	for i := 0; i < want.Len(); i++ {
		if got.ID(i) != want.ID(i) || got.Created(i) != want.Created(i) {
			t.Fatalf("row %d = %s at %d, want %s at %d", i, got.ID(i), got.Created(i), want.ID(i), want.Created(i))
		}
		if f := got.Find(want.ID(i)); f != i {
			t.Fatalf("Find(%s) = %d, want %d", want.ID(i), f, i)
		}
		got.Fill(i, nil, gr, gb)
		want.Fill(i, nil, wr, wb)
		for c := range wr {
			if !sameCell(gr[c], wr[c]) {
				t.Fatalf("row %d (%s) column %d = %s, want %s", i, want.ID(i), c, cellString(gr[c]), cellString(wr[c]))
			}
			if !l.json(c) && !sameCell(got.Cell(i, c), wr[c]) {
				t.Fatalf("Cell(%d, %d) = %s, want %s", i, c, cellString(got.Cell(i, c)), cellString(wr[c]))
			}
		}
	}
	if err := got.Err(); err != nil {
		t.Fatalf("Err = %v", err)
	}
	// Spans over every second held, and around them.
	var bounds []int64
	for i := 0; i < want.Len(); i++ {
		bounds = append(bounds, want.Created(i)-1, want.Created(i), want.Created(i)+1)
	}
	bounds = append(bounds, minInt64, maxInt64)
	for k := 0; k+1 < len(bounds); k += 2 {
		lo, hi := min(bounds[k], bounds[k+1]), max(bounds[k], bounds[k+1])
		gf, gt := got.Span(lo, hi)
		wf, wt := want.Span(lo, hi)
		if gf != wf || gt != wt || got.Count(lo, hi) != want.Count(lo, hi) {
			t.Fatalf("Span(%d, %d) = %d, %d; want %d, %d", lo, hi, gf, gt, wf, wt)
		}
	}
	// The rows of every value held, and of a value not held.
	for c := 0; c < l.Cols; c++ {
		values := []any{"no such value", int64(-12345), nil}
		seen := map[any]bool{}
		for i := 0; i < want.Len(); i++ {
			want.Fill(i, nil, wr, wb)
			if k, ok := key(stored(wr[c])); ok && !seen[k] {
				seen[k] = true
				values = append(values, wr[c])
			}
		}
		for _, v := range values {
			g, gok := got.Matches(c, v)
			w, wok := want.Matches(c, v)
			if gok != wok || !slices.Equal(g, w) {
				t.Fatalf("Matches(%d, %s) = %v, %v; want %v, %v", c, cellString(v), g, gok, w, wok)
			}
		}
	}
	if got.Find("no such id") != -1 {
		t.Fatal("Find of an absent id found it")
	}
}

// decoded is b encoded and decoded back.
func decoded(t testing.TB, b *Block) *Block {
	t.Helper()
	data, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(b.layout, data)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// decodedColumns lists the columns of a block decoded so far.
func decodedColumns(b *Block) []int {
	var out []int
	for c := range b.rows.cols {
		if col := b.rows.cols[c].col.Load(); col != nil && col != emptyColumn {
			out = append(out, c)
		}
	}
	return out
}
