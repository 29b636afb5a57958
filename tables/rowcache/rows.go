// Package rowcache holds decoded rows compactly, for the row cache: the
// rows of one interval of a list (one cache.Segments segment), typed as
// the engine wants them, so a warm query parses no JSON.
//
// Rows are dictionary-encoded: each cell is a uint32 code into the
// block's dictionary of distinct values, already boxed as the engine's
// values. A repeated value (a currency, a status, a customer id, `{}`) is
// stored once per block, and reading a cell is an index, with no
// allocation. Rows are kept newest first (created descending), keyed by
// id: a block never holds an id twice.
package rowcache

import (
	"crypto/sha256"
	"encoding/binary"
	"sort"
	"sync"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/klauspost/compress/zstd"
	"github.com/shopspring/decimal"
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

// Block is an immutable set of rows, newest first.
type Block struct {
	layout  *Layout
	codes   []uint32 // row-major, Cols per row; 0 is NULL
	dict    []any    // code-1 → value
	created []int64
	ids     map[string]int32
	size    int64
	// blobs are the block's JSON values, compressed together in chunks (JSON
	// objects of one kind share most of their text); a dictionary entry
	// of a JSON value is a blobRef.
	blobs [][]byte
	// starts are the number of the first value of each chunk.
	starts    []int
	blobCount int

	// columns are per-column indexes value → code, made on first use by
	// Where (only the columns queries filter on pay for one).
	mu      sync.Mutex
	columns map[int]*columnIndex
}

// jsonBytes is a JSON cell while a block is built: its bytes.
type jsonBytes string

// blobRef is a JSON cell of a built block: its position among the
// block's blobs. A document is made per read, so that what the engine
// parses from it is not kept in the cache.
type blobRef uint32

// Blobs reads a block's JSON values, decompressing a chunk the first
// time one of its values is read: a query reading a few rows' JSON
// decompresses a few chunks. One reader serves one goroutine.
type Blobs struct {
	b      *Block
	chunks map[int][][]byte
}

// Blobs returns a reader of the block's JSON values, nil when it has none.
func (b *Block) Blobs() *Blobs {
	if len(b.blobs) == 0 {
		return nil
	}
	return &Blobs{b: b, chunks: map[int][][]byte{}}
}

// Len is the number of JSON values of the block.
func (r *Blobs) Len() int {
	if r == nil {
		return 0
	}
	return r.b.blobCount
}

// get returns JSON value number i.
func (r *Blobs) get(i blobRef) []byte {
	starts := r.b.starts
	k := sort.Search(len(starts), func(k int) bool { return starts[k] > int(i) }) - 1
	vals, ok := r.chunks[k]
	if !ok {
		raw, err := decoder.DecodeAll(r.b.blobs[k], nil)
		if err != nil {
			panic("rowcache: a block's own blobs do not decompress: " + err.Error())
		}
		for len(raw) > 0 {
			n, w := binary.Uvarint(raw)
			vals = append(vals, raw[w:w+int(n)])
			raw = raw[w+int(n):]
		}
		r.chunks[k] = vals
	}
	return vals[int(i)-starts[k]]
}

var (
	encoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	decoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
)

// HasJSON reports whether any of the columns need marks (all when nil)
// holds JSON in this block, that is whether Fill needs Blobs.
func (b *Block) HasJSON(need []bool) bool {
	if len(b.blobs) == 0 {
		return false
	}
	for c, j := range b.layout.JSON {
		if j && (need == nil || need[c]) {
			return true
		}
	}
	return false
}

// Len is the number of rows.
func (b *Block) Len() int { return len(b.created) }

// Size is an estimate of the bytes the block holds.
func (b *Block) Size() int64 { return b.size }

// Count is the number of rows whose created time is in [lo, hi).
func (b *Block) Count(lo, hi int64) int {
	from, to := b.Span(lo, hi)
	return to - from
}

// ID is row i's id.
func (b *Block) ID(i int) string {
	id, _ := b.Cell(i, b.layout.IDOrd).(string)
	return id
}

// Created is row i's created time.
func (b *Block) Created(i int) int64 { return b.created[i] }

// Span returns the rows whose created time is in [lo, hi), as [from, to).
func (b *Block) Span(lo, hi int64) (from, to int) {
	// created descending: rows with created >= hi come first.
	from = sort.Search(len(b.created), func(i int) bool { return b.created[i] < hi })
	to = sort.Search(len(b.created), func(i int) bool { return b.created[i] < lo })
	return from, max(from, to)
}

// Fill writes row i's cells that need marks (all when need is nil) into
// dst, which has Cols cells; the others are left as they are. blobs are
// the block's (see HasJSON).
func (b *Block) Fill(i int, need []bool, dst sql.Row, blobs *Blobs) {
	n := b.layout.Cols
	codes := b.codes[i*n : i*n+n]
	for c, code := range codes {
		if need != nil && !need[c] {
			continue
		}
		dst[c] = b.value(code, blobs)
	}
}

// Cell is row i's value of column c, for a column that holds no JSON.
func (b *Block) Cell(i, c int) any { return b.value(b.codes[i*b.layout.Cols+c], nil) }

func (b *Block) value(code uint32, blobs *Blobs) any {
	if code == 0 {
		return nil
	}
	v := b.dict[code-1]
	if r, ok := v.(blobRef); ok {
		return types.NewLazyJSONDocument(blobs.get(r))
	}
	return v
}

// Find returns the position of the row with id, or -1.
func (b *Block) Find(id string) int {
	if i, ok := b.ids[id]; ok {
		return int(i)
	}
	return -1
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
// The slice is the index's own: read only.
func (b *Block) Matches(c int, v any) (rows []int32, ok bool) {
	l := b.layout
	if l.JSON != nil && l.JSON[c] || l.Skip != nil && l.Skip[c] {
		return nil, false // JSON cells are blobs; skipped columns are not stored
	}
	k, ok := key(stored(v))
	if !ok {
		return nil, false
	}
	ix := b.column(c)
	return ix.rows[ix.codes[k]], true
}

// columnIndex finds a column's rows by value: value → code → rows.
type columnIndex struct {
	codes map[any]uint32
	rows  map[uint32][]int32
}

// column returns the index of column c's values.
func (b *Block) column(c int) *columnIndex {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ix, ok := b.columns[c]; ok {
		return ix
	}
	ix := &columnIndex{codes: map[any]uint32{}, rows: map[uint32][]int32{}}
	n := b.layout.Cols
	for i := 0; i*n < len(b.codes); i++ {
		code := b.codes[i*n+c]
		if code == 0 {
			continue
		}
		if _, seen := ix.rows[code]; !seen {
			if k, ok := key(b.dict[code-1]); ok {
				ix.codes[k] = code
			}
		}
		ix.rows[code] = append(ix.rows[code], int32(i))
	}
	if b.columns == nil {
		b.columns = map[int]*columnIndex{}
	}
	b.columns[c] = ix
	return ix
}

// Builder collects rows into a Block.
type Builder struct {
	layout *Layout
	rows   []built
	dict   []any
	index  map[any]uint32
	ids    map[string]int32
	size   int64
	// JSON values are compressed as they come, a chunk at a time, so a
	// long read holds them compressed: chunks are done, pending is not
	// yet; blobs counts the values (a value's blobRef is its number).
	chunks  [][]byte
	starts  []int
	pending []byte
	blobs   int
	flushed int // values in chunks
	// building counts what only the builder holds (interning digests).
	building int64
}

// chunkBytes is how much JSON text a chunk compresses at once: enough for
// zstd to find what the objects share, little enough to hold uncompressed.
const chunkBytes = 256 << 10

// jsonKey interns a JSON value by a digest of its text: the text itself
// would keep every value uncompressed in the interning map.
type jsonKey [16]byte

type built struct {
	codes   []uint32
	created int64
}

// NewBuilder starts an empty block of the layout.
func NewBuilder(l *Layout) *Builder {
	return &Builder{layout: l, index: map[any]uint32{}, ids: map[string]int32{}}
}

// Add stores a row (cells as the engine holds them). It returns false,
// storing nothing, when a row with the same id is already there: the
// first read of an object wins within one read of an interval.
func (b *Builder) Add(row sql.Row) bool {
	id, _ := row[b.layout.IDOrd].(string)
	if _, dup := b.ids[id]; dup {
		return false
	}
	b.ids[id] = int32(len(b.rows))
	b.rows = append(b.rows, built{codes: b.encode(row), created: createdOf(row[b.layout.CreatedOrd])})
	return true
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
func (b *Builder) Len() int { return len(b.rows) }

// Bytes per cell code, row and dictionary entry, on top of the values'
// own bytes: slice and map slots, interface headers.
const (
	codeBytes  = 4
	rowBytes   = 8 + 24 + 40 // created, codes slice, id map slot
	entryBytes = 16          // dictionary slot
)

func (b *Builder) encode(row sql.Row) []uint32 {
	codes := make([]uint32, b.layout.Cols)
	for c, v := range row {
		if v == nil || b.layout.Skip != nil && b.layout.Skip[c] {
			continue
		}
		codes[c] = b.intern(v)
	}
	b.size += int64(len(codes))*codeBytes + rowBytes
	return codes
}

// intern returns the code of a value, adding it to the dictionary.
func (b *Builder) intern(v any) uint32 {
	v = stored(v)
	if j, ok := v.(jsonBytes); ok {
		return b.internJSON(j)
	}
	k, ok := key(v)
	if ok {
		if code, ok := b.index[k]; ok {
			return code
		}
	}
	b.dict = append(b.dict, v)
	code := uint32(len(b.dict))
	if ok {
		b.index[k] = code
	}
	b.size += entryBytes + valueBytes(v)
	return code
}

// internJSON returns the code of a JSON value, compressing it with the
// chunk being filled.
func (b *Builder) internJSON(j jsonBytes) uint32 {
	sum := sha256.Sum256([]byte(j))
	var k jsonKey
	copy(k[:], sum[:])
	if code, ok := b.index[k]; ok {
		return code
	}
	b.pending = binary.AppendUvarint(b.pending, uint64(len(j)))
	b.pending = append(b.pending, j...)
	b.dict = append(b.dict, blobRef(b.blobs))
	b.blobs++
	code := uint32(len(b.dict))
	b.index[k] = code
	b.size += entryBytes + 8 // dictionary slot, blobRef
	b.building += 16 + 48    // the digest and its map slot, while building
	if len(b.pending) >= chunkBytes {
		b.Flush()
	}
	return code
}

// Flush compresses the pending JSON values into a chunk.
func (b *Builder) Flush() {
	if len(b.pending) == 0 {
		return
	}
	z := encoder.EncodeAll(b.pending, nil)
	b.chunks = append(b.chunks, z)
	b.starts = append(b.starts, b.flushed)
	b.flushed = b.blobs
	b.size += int64(len(z))
	b.pending = b.pending[:0]
}

// Size is an estimate of the bytes the rows added so far hold, and of
// what building them holds besides (JSON not compressed yet, digests).
func (b *Builder) Size() int64 { return b.size + b.building + int64(len(b.pending)) }

// Build returns the block of the rows created in [lo, hi), newest first.
func (b *Builder) Build(lo, hi int64) *Block {
	keep := make([]built, 0, len(b.rows))
	ids := make(map[string]int32, len(b.rows))
	for _, r := range b.rows {
		if r.created >= lo && r.created < hi {
			keep = append(keep, r)
		}
	}
	sort.SliceStable(keep, func(i, j int) bool { return keep[i].created > keep[j].created })
	n := b.layout.Cols
	b.Flush()
	blk := &Block{layout: b.layout, dict: b.dict, blobs: b.chunks, starts: b.starts, blobCount: b.blobs, codes: make([]uint32, 0, len(keep)*n),
		created: make([]int64, len(keep)), ids: ids, size: b.size}
	for i, r := range keep {
		blk.codes = append(blk.codes, r.codes...)
		blk.created[i] = r.created
		if id, ok := blk.Cell(i, b.layout.IDOrd).(string); ok {
			ids[id] = int32(i)
		}
	}
	return blk
}

// With returns a copy of the block with row put in (replacing the row of
// the same id) or, when row is nil, without the row of id.
func (b *Block) With(id string, row sql.Row) *Block {
	// The copy shares the block's dictionary and compressed chunks; a new
	// row's values are added after them.
	nb := NewBuilder(b.layout)
	nb.dict = append([]any(nil), b.dict...)
	for i, d := range nb.dict {
		if k, ok := key(d); ok {
			nb.index[k] = uint32(i + 1)
		}
	}
	nb.blobs = b.blobCount
	nb.chunks = append([][]byte(nil), b.blobs...)
	nb.starts = append([]int(nil), b.starts...)
	nb.flushed = nb.blobs
	nb.size = b.size
	n := b.layout.Cols
	if row != nil {
		nb.Add(row)
	}
	for i := 0; i < b.Len(); i++ {
		rid := b.ID(i)
		if rid == id {
			continue
		}
		nb.ids[rid] = int32(len(nb.rows))
		nb.rows = append(nb.rows, built{codes: b.codes[i*n : i*n+n], created: b.created[i]})
	}
	return nb.Build(minInt64, maxInt64)
}

const (
	minInt64 = -1 << 63
	maxInt64 = 1<<63 - 1
)

// stored is the form a value is kept in.
func stored(v any) any {
	if j, ok := v.(sql.JSONWrapper); ok {
		if jb, ok := j.(types.JSONBytes); ok {
			if bs, err := jb.GetBytes(); err == nil {
				return jsonBytes(bs)
			}
		}
	}
	return v
}

// timeKey and decimalKey make values comparable map keys by value.
type (
	timeKey    int64
	decimalKey string
)

// key is the interning key of a value; ok is false for a value that is
// not interned (stored as is).
func key(v any) (any, bool) {
	switch x := v.(type) {
	case string, int64, int8, int32, uint64, float64, bool, jsonBytes:
		return x, true
	case time.Time:
		return timeKey(x.UnixNano()), true
	case decimal.Decimal:
		return decimalKey(x.String()), true
	}
	return nil, false
}

func valueBytes(v any) int64 {
	switch x := v.(type) {
	case string:
		return int64(16 + len(x))
	case jsonBytes:
		return int64(16 + len(x))
	case time.Time:
		return 24
	case decimal.Decimal:
		return 48
	default:
		return 8
	}
}

func createdOf(v any) int64 {
	switch x := v.(type) {
	case time.Time:
		return x.Unix()
	case int64:
		return x
	}
	return 0
}
