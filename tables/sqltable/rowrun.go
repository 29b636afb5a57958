package sqltable

import (
	"sort"

	"github.com/dolthub/go-mysql-server/sql"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/tables/rowcache"
)

// An interval of a list is held as blocks of about blockRows rows (or
// blockBytes), each covering whole seconds, so that memory holds as many
// of an interval's blocks as fit and the rest are read back from disk,
// and an event touches one block, not the interval.
const (
	blockRows  = 2048
	blockBytes = 4 << 20
)

// blockRun cuts rows arriving newest first (created descending, as one
// Stripe cursor lists them) into blocks. A block is sealed when it is
// full and a row of an older second comes: all the rows of one second
// are in one block, and the blocks tile the run's range from its top.
type blockRun struct {
	layout *rowcache.Layout
	hi     int64 // the top of the block being built
	b      *rowcache.Builder
	oldest int64 // created of the oldest row in b
	seal   func(cache.NewBlock)
	// cut, when above the run's rows, is a second the blocks also end
	// at, whatever their size: where the rows below begin to be final
	// (see gapRead.final), so that the final part is its own blocks.
	cut int64
	// broken is set when a row came older than a block already sealed
	// allows (out of order): nothing the run read can be stored.
	broken bool
	// rowsPerBlock is blockRows (tests make it smaller).
	rowsPerBlock int
}

// newBlockRun starts a run of the rows created below hi; seal receives
// each block as it is sealed.
func newBlockRun(l *rowcache.Layout, hi int64, seal func(cache.NewBlock)) *blockRun {
	return &blockRun{layout: l, hi: hi, b: rowcache.NewBuilder(l), oldest: hi, seal: seal, rowsPerBlock: blockRows}
}

// add puts a row into the run; false when its id is in the block already
// (an object listed twice).
func (r *blockRun) add(row sql.Row) bool {
	c := r.layout.Created(row)
	if c >= r.hi {
		r.broken = true
		return false
	}
	switch {
	case c < r.cut && r.cut <= r.oldest && r.cut < r.hi:
		// The block's rows (if any) are all at or above the cut.
		r.sealAt(r.cut, r.cut)
	case c < r.oldest && r.b.Len() > 0 && (r.b.Len() >= r.rowsPerBlock || r.b.Size() >= blockBytes):
		r.sealAt(r.oldest, r.oldest)
	}
	if !r.b.Add(row) {
		return false
	}
	r.oldest = min(r.oldest, c)
	return true
}

// sealAt seals the block being built as [lo, hi), keeping its rows from
// keep on (rows below lo are a tail: known, not part of the interval).
func (r *blockRun) sealAt(lo, keep int64) {
	if lo >= r.hi {
		return
	}
	blk := r.b.Build(min(lo, keep), r.hi)
	r.seal(cache.NewBlock{Lo: lo, Hi: r.hi, Value: blk, Items: blk.Count(lo, r.hi)})
	r.hi = lo
	r.b = rowcache.NewBuilder(r.layout)
	r.oldest = r.hi
}

// end seals the last block down to lo; a read stopped early ends at the
// second above its oldest (lo) and keeps that second's rows as a tail
// (keep).
func (r *blockRun) end(lo, keep int64) {
	if !r.broken {
		r.sealAt(lo, keep)
	}
}

// size is the memory the block being built holds.
func (r *blockRun) size() int64 { return r.b.Size() }

// blocksOfRows cuts rows (any order) created in [lo, hi) into blocks,
// newest first: for rows read elsewhere (another replica) as one piece.
func blocksOfRows(l *rowcache.Layout, rows []sql.Row, lo, hi int64, keep int64) []cache.NewBlock {
	sort.SliceStable(rows, func(i, j int) bool {
		return l.Created(rows[i]) > l.Created(rows[j])
	})
	var out []cache.NewBlock
	run := newBlockRun(l, hi, func(nb cache.NewBlock) { out = append(out, nb) })
	for _, row := range rows {
		if c := l.Created(row); c >= hi || c < keep {
			continue
		}
		run.add(row)
	}
	run.end(lo, keep)
	return out
}
