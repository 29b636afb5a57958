package sqltable

import (
	"hash/maphash"

	"github.com/stripesql/stripesql/tables/rowcache"
)

// idFilter is a Bloom filter of the ids a held block holds, kept as the
// block's hint (cache.Segments.SetHint): a retrieve from held rows
// (heldRetrieve) reads only the blocks that may hold its id, not every
// block of a list larger than memory from disk. A false "may hold" costs
// a block read; there is no false "does not": a block's hint goes when
// its rows change.
type idFilter struct{ bits []uint64 }

// idFilterBits is the filter's size per id (4 KiB a block of 2,048
// rows, beside some 600 KiB of rows): with idFilterHashes hashes, about
// one block in 1,700 that does not hold an id is read for it. (12 bits
// and 6 hashes read one in 270: a retrieve over a dozen blocks then read
// two blocks it did not need about once in a thousand.)
const (
	idFilterBits   = 16
	idFilterHashes = 8
)

var idFilterSeed = maphash.MakeSeed()

// newIDFilter makes the filter of a block's ids.
func newIDFilter(blk *rowcache.Block) *idFilter {
	n := max(64, blk.Len()*idFilterBits)
	f := &idFilter{bits: make([]uint64, (n+63)/64)}
	for i := 0; i < blk.Len(); i++ {
		f.each(blk.ID(i), func(bit uint64) { f.bits[bit/64] |= 1 << (bit % 64) })
	}
	return f
}

// with returns a copy of the filter holding ids too (the filter itself may
// be read meanwhile), for a block an event puts objects into.
func (f *idFilter) with(ids []string) *idFilter {
	n := &idFilter{bits: append([]uint64(nil), f.bits...)}
	for _, id := range ids {
		n.each(id, func(bit uint64) { n.bits[bit/64] |= 1 << (bit % 64) })
	}
	return n
}

// rehint is cache.Change.Rehint for a change putting ids into a block: a
// deleted id stays in the filter (it may only say "may hold" wrongly).
func rehint(ids []string) func(any) any {
	return func(h any) any {
		if f, ok := h.(*idFilter); ok {
			return f.with(ids)
		}
		return nil
	}
}

// mayHold reports whether the block may hold id.
func (f *idFilter) mayHold(id string) bool {
	hit := true
	f.each(id, func(bit uint64) { hit = hit && f.bits[bit/64]&(1<<(bit%64)) != 0 })
	return hit
}

// each calls mark with the filter's bits of id (double hashing).
func (f *idFilter) each(id string, mark func(bit uint64)) {
	h := maphash.String(idFilterSeed, id)
	a, b := h, h>>32|h<<32|1
	m := uint64(len(f.bits) * 64)
	for k := uint64(0); k < idFilterHashes; k++ {
		mark((a + k*b) % m)
	}
}
