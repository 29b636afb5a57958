// Package rowcache holds decoded rows compactly, for the row cache: the
// rows of one block of an interval of a list (a few thousand rows), typed
// as the engine wants them, so a warm query parses no JSON.
//
// A Block is rows newest first (created descending), keyed by id: a block
// never holds an id twice. It stores them by column, each column's cells
// codes into the column's dictionary of distinct values (column.go), its
// JSON compressed (blobs.go). A block is built from rows (Builder), or
// decoded from bytes (Encode, Decode), then decoding a column only when a
// query first reads it; events change it by Patch, which lays the changed
// rows over the block rather than rebuilding it (patch.go), and travel as
// deltas (EncodeDelta). The package knows rows, a Layout and bytes: where
// blocks are kept is the caller's.
//
// Blocks are immutable, and safe for concurrent readers: what a block
// makes on first use (a decoded column, an index) is made once for all.
package rowcache

import (
	"sort"

	"github.com/dolthub/go-mysql-server/sql"
)

// Layout says where a table's rows keep their id and created time, and
// which columns are not stored (computed on read).
type Layout struct {
	Cols       int
	IDOrd      int
	CreatedOrd int
	// Skip marks columns left out (NULL when read): they are derived
	// from other columns on the way out.
	Skip []bool
	// JSON marks the JSON columns.
	JSON []bool
}

func (l *Layout) skips(c int) bool { return l.Skip != nil && l.Skip[c] }
func (l *Layout) json(c int) bool  { return l.JSON != nil && l.JSON[c] }

// Created is a row's created time in seconds (0 if it has none).
func (l *Layout) Created(row sql.Row) int64 { return createdOf(row[l.CreatedOrd]) }

// Block is an immutable set of rows, newest first. Concurrent readers may
// share it: what it makes on first use is made once, under a lock. Its
// Size grows as a block read back from bytes decodes columns (and as
// Find and Matches make their indexes).
type Block struct {
	layout *Layout
	rows   *columnar
	// over is what Patch laid over rows; nil for a block of rows as they
	// are stored.
	over *overlay
}

// Len is the number of rows.
func (b *Block) Len() int { return len(b.createdTimes()) }

// Size is an estimate of the bytes the block holds now: it grows as a
// block decoded from bytes decodes the columns queries read, so a caller
// accounting for memory reads it again.
func (b *Block) Size() int64 {
	n := b.rows.size.Load()
	if b.over != nil {
		n += b.over.size
	}
	return n
}

// EncodedSize is the length of the block's encoding once known: the
// bytes it was decoded from, or its last Encode; 0 before either. A
// patched block's is its base's (its changes are in deltas).
func (b *Block) EncodedSize() int64 { return b.rows.encoded.Load() }

// Err reports a malformed part of the encoding a block was decoded from,
// found when it was first read after Decode (which checks the framing and
// decodes the rest on demand); the part reads as NULL. A block read back
// from bytes that Encode wrote has none.
func (b *Block) Err() error {
	if err := b.rows.err.Load(); err != nil {
		return *err
	}
	return nil
}

// createdTimes are the rows' created times, newest first.
func (b *Block) createdTimes() []int64 {
	if b.over != nil {
		return b.over.created
	}
	return b.rows.created
}

// Count is the number of rows whose created time is in [lo, hi).
func (b *Block) Count(lo, hi int64) int {
	from, to := b.Span(lo, hi)
	return to - from
}

// Span returns the rows whose created time is in [lo, hi), as [from, to).
func (b *Block) Span(lo, hi int64) (from, to int) {
	created := b.createdTimes()
	// created descending: rows with created >= hi come first.
	from = sort.Search(len(created), func(i int) bool { return created[i] < hi })
	to = sort.Search(len(created), func(i int) bool { return created[i] < lo })
	return from, max(from, to)
}

// Created is row i's created time.
func (b *Block) Created(i int) int64 { return b.createdTimes()[i] }

// ID is row i's id.
func (b *Block) ID(i int) string {
	if b.over != nil {
		if k, ok := b.over.overlaid(i); ok {
			return b.over.rowIDs[k]
		}
		i = int(b.over.order[i])
	}
	return b.rows.id(i)
}

// Fill writes row i's cells that need marks (all when need is nil) into
// dst, which has Cols cells; the others are left as they are. blobs are
// the block's (see HasJSON); nil reads JSON all the same, slower.
func (b *Block) Fill(i int, need []bool, dst sql.Row, blobs *Blobs) {
	if b.over != nil {
		if k, ok := b.over.overlaid(i); ok {
			b.over.fill(k, need, dst)
			return
		}
		i = int(b.over.order[i])
	}
	b.rows.fill(i, need, dst, blobs)
}

// Cell is row i's value of column c, for a column that holds no JSON.
func (b *Block) Cell(i, c int) any {
	if b.over != nil {
		if k, ok := b.over.overlaid(i); ok {
			return engineValue(b.over.rows[k][c])
		}
		i = int(b.over.order[i])
	}
	return b.rows.cell(i, c)
}

// Find returns the position of the row with id, or -1.
func (b *Block) Find(id string) int {
	if b.over != nil {
		return b.over.find(b.rows, id)
	}
	return b.rows.find(id)
}

// HasJSON reports whether any of the columns need marks (all when nil)
// holds JSON in this block, that is whether Fill needs Blobs.
func (b *Block) HasJSON(need []bool) bool {
	for c := range b.rows.cols {
		if (need == nil || need[c]) && b.rows.cols[c].chunks.count() > 0 {
			return true
		}
	}
	return false
}

// Where returns the positions of the rows whose column c equals v (a
// value as the engine holds it), in order; nil when there are none or v
// is not a value the block can look up (see Matches).
func (b *Block) Where(c int, v any) []int {
	rows, _ := b.Matches(c, v)
	if len(rows) == 0 {
		return nil
	}
	out := make([]int, len(rows))
	for i, r := range rows {
		out[i] = int(r)
	}
	return out
}

// Matches returns the positions of the rows whose column c equals v, in
// order, from the column's index (made on first use); ok is false when v
// is not a value the block can look up by (then nothing can be said).
// Equal is Go's equality of the values as stored, which is the engine's
// for the types a block interns (see key). The slice may be the index's
// own: read only.
func (b *Block) Matches(c int, v any) (rows []int32, ok bool) {
	if b.layout.json(c) || b.layout.skips(c) {
		return nil, false // JSON cells are blobs; skipped columns are not stored
	}
	k, ok := key(stored(v))
	if !ok {
		return nil, false
	}
	if b.over != nil {
		return b.over.matches(b.rows, c, k), true
	}
	return b.rows.matches(c, k), true
}

const (
	minInt64 = -1 << 63
	maxInt64 = 1<<63 - 1
)
