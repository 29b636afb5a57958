package rowcache

import (
	"slices"
)

// Merged returns the block with its overlay folded into stored rows: a
// block as stored (Overlay 0) of the same rows, which encodes without
// its overlay and reads without the indirection. It decodes every column;
// it is work for the background, once Overlay grows. A block as stored
// is its own.
func (b *Block) Merged() *Block {
	o := b.over
	if o == nil {
		return b
	}
	p := newColumnar(b.layout, slices.Clone(o.created))
	inOrder := make([]uint32, len(o.order))
	for c := range p.cols {
		if b.layout.skips(c) {
			p.setColumn(c, emptyColumn, nil)
			continue
		}
		chunks := b.rows.cols[c].chunks
		col := newMergingColumn(b.rows.column(c), chunks, b.layout.json(c))
		for i, e := range o.order {
			if e >= 0 {
				inOrder[i] = col.storedCode(int(e))
			} else {
				inOrder[i] = col.intern(o.rows[^e][c])
			}
		}
		if col.json != nil {
			col.json.flush()
			chunks = col.json.chunks
			if wasted(inOrder, col.dict, chunks) {
				col.dict, chunks = rechunk(inOrder, col.dict, chunks)
			}
		}
		p.setColumn(c, packColumn(inOrder, col.dict), chunks)
	}
	return &Block{layout: b.layout, rows: p}
}

// mergingColumn is a stored column to which the overlay's values are
// added: its dictionary, JSON chunks and codes are the stored column's.
type mergingColumn struct {
	builderColumn
	stored *column
	// blobCodes are, for a stored column of JSON value numbers, the codes
	// of the numbers its rows read (entries are made for those only: the
	// chunks may hold many more).
	blobCodes map[uint32]uint32
}

func newMergingColumn(stored *column, chunks jsonChunks, json bool) *mergingColumn {
	col := &mergingColumn{stored: stored, builderColumn: builderColumn{index: map[any]uint32{}}}
	if stored.blobs {
		col.blobCodes = map[uint32]uint32{}
	} else {
		col.dict = slices.Clip(stored.dict)
		for code, v := range col.dict {
			if k, ok := key(v); ok {
				col.index[k] = uint32(code + 1)
			}
		}
	}
	if json {
		col.json = &jsonWriter{chunks: slices.Clip(chunks)}
	}
	return col
}

// storedCode is the code of stored row i's value.
func (col *mergingColumn) storedCode(i int) uint32 {
	code := col.stored.codes.at(i)
	if col.blobCodes == nil || code == 0 {
		return code
	}
	if merged, ok := col.blobCodes[code]; ok {
		return merged
	}
	col.dict = append(col.dict, blobRef(code-1))
	col.blobCodes[code] = uint32(len(col.dict))
	return uint32(len(col.dict))
}

// wasted reports whether a JSON column's chunks hold more values no row
// reads than values rows read, or many small chunks (each patch folded in
// adds one): compressed again, they are smaller.
func wasted(in []uint32, dict []any, chunks jsonChunks) bool {
	small := 0
	for _, ch := range chunks {
		if ch.raw < chunkBytes/4 {
			small++
		}
	}
	used, live := make([]bool, len(dict)+1), 0
	for _, code := range in {
		if code != 0 && !used[code] {
			used[code] = true
			live++
		}
	}
	return 2*live < chunks.count() || small > 8
}

// rechunk compresses again the JSON values of chunks that rows (codes
// into dict) read, in the order they read them; it returns dict with
// their new numbers. Chunks that are malformed are left as they are (the
// values read as NULL either way).
func rechunk(in []uint32, dict []any, chunks jsonChunks) ([]any, jsonChunks) {
	w := &jsonWriter{}
	var open openChunks
	out := slices.Clone(dict)
	done := make([]bool, len(dict)+1)
	for _, code := range in {
		if code == 0 || done[code] {
			continue
		}
		done[code] = true
		if ref, ok := dict[code-1].(blobRef); ok {
			text, err := open.get(chunks, ref)
			if err != nil {
				return dict, chunks
			}
			out[code-1] = w.add(string(text))
		}
	}
	w.flush()
	return out, w.chunks
}
