package sqltable

import (
	"fmt"
	"testing"

	"github.com/stripesql/stripesql/tables/rowcache"
)

// A block's id filter holds every id of the block, and says "may hold"
// of few others.
func TestIDFilter(t *testing.T) {
	b := rowcache.NewBuilder(runLayout)
	for i := 0; i < 2048; i++ {
		b.Add(runRow(fmt.Sprintf("ch_%d", i), int64(1000-i/10)))
	}
	blk := b.Build(minInt64, unbounded)
	f := newIDFilter(blk)
	for i := 0; i < blk.Len(); i++ {
		if !f.mayHold(blk.ID(i)) {
			t.Fatalf("the filter misses %s, an id of the block", blk.ID(i))
		}
	}
	falsePos := 0
	const others = 20000
	for i := 0; i < others; i++ {
		if f.mayHold(fmt.Sprintf("ch_other_%d", i)) {
			falsePos++
		}
	}
	if rate := float64(falsePos) / others; rate > 0.01 {
		t.Errorf("the filter says 'may hold' of %.2f%% of other ids, want under 1%%", 100*rate)
	}
	// An event putting an id into the block: a new filter holds it too,
	// the old one (still read by others) is unchanged.
	g := f.with([]string{"ch_new"})
	if !g.mayHold("ch_new") || !g.mayHold(blk.ID(7)) {
		t.Error("the filter with a new id misses it or an old one")
	}
	if f.mayHold("ch_new") && !f.mayHold("ch_new_never_added_either") {
		t.Log("the old filter says 'may hold' of the new id: a false positive, allowed")
	}
	empty := newIDFilter(rowcache.NewBuilder(runLayout).Build(minInt64, unbounded))
	if empty.mayHold("ch_1") {
		t.Error("the filter of an empty block may hold an id")
	}
}
