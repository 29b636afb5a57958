package rowcache

import (
	"cmp"
	"crypto/sha256"
	"slices"

	"github.com/dolthub/go-mysql-server/sql"
)

// Builder collects rows into a Block.
type Builder struct {
	layout  *Layout
	created []int64
	ids     map[string]int32
	cols    []builderColumn
}

// builderColumn is a column being built: a code per row added, into a
// dictionary of the values met so far.
type builderColumn struct {
	skip  bool
	codes []uint32
	dict  []any
	index map[any]uint32 // interning key → code
	// json holds a JSON column's values, compressed as they come; nil
	// for other columns (whose JSON values, if any, stay text).
	json *jsonWriter
	// dictBytes is what dict and index hold.
	dictBytes int64
}

// jsonKey interns a JSON value by a digest of its text: the text itself
// would keep every value uncompressed in the interning map. A digest, not
// a hash: two values taken for one would serve one's text for the other.
type jsonKey [16]byte

// Bytes a map slot of the interning index holds, and a JSON value's digest.
const (
	indexSlotBytes = 48
	digestBytes    = 16 + indexSlotBytes
)

// NewBuilder starts an empty block of the layout.
func NewBuilder(l *Layout) *Builder {
	b := &Builder{layout: l, ids: map[string]int32{}, cols: make([]builderColumn, l.Cols)}
	for c := range b.cols {
		b.cols[c] = builderColumn{skip: l.skips(c), index: map[any]uint32{}}
		if l.json(c) && !l.skips(c) {
			b.cols[c].json = &jsonWriter{}
		}
	}
	return b
}

// Add stores a row (cells as the engine holds them). It returns false,
// storing nothing, when a row with the same id is already there: the
// first read of an object wins within one read of an interval.
func (b *Builder) Add(row sql.Row) bool {
	id, _ := row[b.layout.IDOrd].(string)
	if _, dup := b.ids[id]; dup {
		return false
	}
	b.ids[id] = int32(len(b.created))
	b.created = append(b.created, b.layout.Created(row))
	for c := range b.cols {
		col := &b.cols[c]
		if col.skip {
			continue
		}
		var v any
		if c < len(row) {
			v = row[c]
		}
		col.codes = append(col.codes, col.intern(v))
	}
	return true
}

// intern returns the code of a value, adding it to the dictionary.
func (col *builderColumn) intern(v any) uint32 {
	if v == nil {
		return 0
	}
	v = stored(v)
	if j, ok := v.(jsonBytes); ok && col.json != nil {
		return col.internJSON(j)
	}
	k, ok := key(v)
	if ok {
		if code, ok := col.index[k]; ok {
			return code
		}
	}
	col.dict = append(col.dict, v)
	code := uint32(len(col.dict))
	col.dictBytes += ifaceBytes + valueBytes(v)
	if ok {
		col.index[k] = code
		col.dictBytes += indexSlotBytes
	}
	return code
}

// internJSON returns the code of a JSON value, compressing it with the
// chunk being filled.
func (col *builderColumn) internJSON(j jsonBytes) uint32 {
	sum := sha256.Sum256([]byte(j))
	k := jsonKey(sum[:16])
	if code, ok := col.index[k]; ok {
		return code
	}
	col.dict = append(col.dict, col.json.add(string(j)))
	code := uint32(len(col.dict))
	col.index[k] = code
	col.dictBytes += ifaceBytes + boxBytes + digestBytes
	return code
}

// bytes is what the column holds while building.
func (col *builderColumn) bytes() int64 {
	n := int64(len(col.codes))*4 + col.dictBytes
	if col.json != nil {
		n += col.json.chunks.bytes() + int64(len(col.json.pending))
	}
	return n
}

// IDs returns the set of ids added.
func (b *Builder) IDs() map[string]bool {
	out := make(map[string]bool, len(b.ids))
	for id := range b.ids {
		out[id] = true
	}
	return out
}

// Len is the number of rows added.
func (b *Builder) Len() int { return len(b.created) }

// Bytes a row holds while building besides its cells: its created time
// and its slot in the id map.
const builderRowBytes = 8 + 40

// Size is an estimate of the bytes the rows added so far hold while
// building (JSON not compressed yet, digests, codes of 4 bytes): more
// than the block built of them.
func (b *Builder) Size() int64 {
	n := int64(len(b.created)) * builderRowBytes
	for c := range b.cols {
		n += b.cols[c].bytes()
	}
	return n
}

// Flush compresses the pending JSON values.
func (b *Builder) Flush() {
	for c := range b.cols {
		if w := b.cols[c].json; w != nil {
			w.flush()
		}
	}
}

// Build returns the block of the rows created in [lo, hi), newest first
// (rows of one second in the order they were added). The builder stays
// usable.
func (b *Builder) Build(lo, hi int64) *Block {
	var keep []int32
	for i, c := range b.created {
		if c >= lo && c < hi {
			keep = append(keep, int32(i))
		}
	}
	slices.SortStableFunc(keep, func(i, j int32) int { return cmp.Compare(b.created[j], b.created[i]) })
	b.Flush()
	p := newColumnar(b.layout, make([]int64, len(keep)))
	for j, i := range keep {
		p.created[j] = b.created[i]
	}
	inOrder := make([]uint32, len(keep))
	for c := range b.cols {
		col := &b.cols[c]
		built := emptyColumn
		if !col.skip {
			for j, i := range keep {
				inOrder[j] = col.codes[i]
			}
			built = packColumn(inOrder, col.dict)
		}
		var chunks jsonChunks
		if col.json != nil {
			chunks = slices.Clip(col.json.chunks)
		}
		p.setColumn(c, built, chunks)
	}
	return &Block{layout: b.layout, rows: p}
}

// newColumnar starts rows of created times; their columns are set next.
func newColumnar(l *Layout, created []int64) *columnar {
	p := &columnar{layout: l, created: created, cols: make([]columnSlot, l.Cols)}
	p.size.Store(int64(len(created)) * 8)
	return p
}

// setColumn sets a decoded column and its JSON chunks.
func (p *columnar) setColumn(c int, col *column, chunks jsonChunks) {
	p.cols[c].col.Store(col)
	p.cols[c].chunks = chunks
	p.size.Add(col.bytes + chunks.bytes())
}
