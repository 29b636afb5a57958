package rowcache

import (
	"hash/maphash"
)

// find returns the row of id, or -1, by an index of the ids made on
// first use (a block read for a query is seldom searched by id).
func (p *columnar) find(id string) int {
	ix := p.ids.Load()
	if ix == nil {
		p.idsMu.Lock()
		if ix = p.ids.Load(); ix == nil {
			ix = newIDIndex(len(p.created), p.id)
			p.size.Add(int64(len(ix.slots)) * 4)
			p.ids.Store(ix)
		}
		p.idsMu.Unlock()
	}
	return ix.find(id, p.id)
}

// idIndex finds rows by id: an open-addressing hash table of row numbers
// (4 bytes a slot, where a map would take some 40 bytes a row).
type idIndex struct {
	slots []int32 // row+1; 0 is empty
}

var idSeed = maphash.MakeSeed()

func newIDIndex(n int, id func(int) string) *idIndex {
	size := 2
	for size < 2*n {
		size *= 2
	}
	ix := &idIndex{slots: make([]int32, size)}
	mask := uint64(size - 1)
	for i := 0; i < n; i++ {
		h := maphash.String(idSeed, id(i)) & mask
		for ix.slots[h] != 0 {
			h = (h + 1) & mask
		}
		ix.slots[h] = int32(i + 1)
	}
	return ix
}

func (ix *idIndex) find(id string, idOf func(int) string) int {
	mask := uint64(len(ix.slots) - 1)
	for h := maphash.String(idSeed, id) & mask; ix.slots[h] != 0; h = (h + 1) & mask {
		if i := int(ix.slots[h] - 1); idOf(i) == id {
			return i
		}
	}
	return -1
}

// valueIndex finds a column's rows by value: key → code → rows, the rows
// of code k being rows[start[k-1]:start[k]], in order.
type valueIndex struct {
	codes map[any]uint32
	start []int32
	rows  []int32
}

// matches returns the rows whose column c holds the value of key k.
func (p *columnar) matches(c int, k any) []int32 {
	col := p.column(c)
	ix := col.valueIndex(p, len(p.created))
	code, ok := ix.codes[k]
	if !ok {
		return nil
	}
	return ix.rows[ix.start[code-1]:ix.start[code]]
}

// valueIndex returns the column's index, made on first use (only the
// columns queries filter on pay for one).
func (col *column) valueIndex(p *columnar, n int) *valueIndex {
	if ix := col.index.Load(); ix != nil {
		return ix
	}
	col.indexMu.Lock()
	defer col.indexMu.Unlock()
	if ix := col.index.Load(); ix != nil {
		return ix
	}
	ix := &valueIndex{codes: make(map[any]uint32, len(col.dict)), start: make([]int32, len(col.dict)+1)}
	if col.blobs {
		col.index.Store(ix) // JSON is not looked up
		return ix
	}
	for code, v := range col.dict {
		if k, ok := key(v); ok {
			ix.codes[k] = uint32(code + 1)
		}
	}
	// Counting sort of the rows by code: start[k] counts the rows of
	// codes up to k, then is where code k+1's rows begin.
	for i := 0; i < n; i++ {
		if code := col.codes.at(i); code != 0 {
			ix.start[code]++
		}
	}
	for k := 1; k < len(ix.start); k++ {
		ix.start[k] += ix.start[k-1]
	}
	ix.rows = make([]int32, ix.start[len(ix.start)-1])
	next := append([]int32(nil), ix.start[:len(ix.start)-1]...)
	for i := 0; i < n; i++ {
		if code := col.codes.at(i); code != 0 {
			ix.rows[next[code-1]] = int32(i)
			next[code-1]++
		}
	}
	if col != emptyColumn {
		p.size.Add(int64(len(ix.codes))*48 + int64(len(ix.start)+len(ix.rows))*4)
	}
	col.index.Store(ix)
	return ix
}
