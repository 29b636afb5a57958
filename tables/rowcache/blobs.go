package rowcache

import (
	"bytes"
	"sort"

	"github.com/dolthub/go-mysql-server/sql/types"
)

// JSON values are most of a block's bytes. A column's JSON values are
// compressed together in chunks (objects of one kind share most of their
// text), and stay compressed while the block is held: a reader
// decompresses a chunk when it first reads one of its values, so that a
// query reading a few rows' JSON decompresses a few chunks, and what it
// decompressed goes when it is done.

// chunkBytes is how much JSON text a chunk compresses at once: enough for
// zstd to find what the objects share, little enough to hold uncompressed.
const chunkBytes = 256 << 10

// jsonChunk is a run of a column's JSON values compressed together: the
// values, each length-prefixed, as one zstd frame.
type jsonChunk struct {
	z     []byte
	first int // the number of its first value
	count int
	raw   int // decompressed length
}

// jsonChunks are a column's compressed JSON values, numbered in order.
type jsonChunks []jsonChunk

// count is the number of values.
func (cs jsonChunks) count() int {
	if len(cs) == 0 {
		return 0
	}
	last := cs[len(cs)-1]
	return last.first + last.count
}

// bytes is what the chunks hold.
func (cs jsonChunks) bytes() int64 {
	var n int64
	for _, c := range cs {
		n += int64(len(c.z))
	}
	return n
}

// of returns the chunk holding value number n.
func (cs jsonChunks) of(n int) int {
	return sort.Search(len(cs), func(k int) bool { return cs[k].first+cs[k].count > n })
}

// open decompresses chunk k into its values.
func (cs jsonChunks) open(k int) ([][]byte, error) {
	c := cs[k]
	raw, err := decompress(c.z, c.raw)
	if err != nil {
		return nil, err
	}
	r := &reader{buf: raw}
	vals := make([][]byte, c.count)
	for i := range vals {
		vals[i] = r.bytes()
	}
	if r.err != nil || r.left() != 0 {
		return nil, malformed("JSON chunk")
	}
	return vals, nil
}

// jsonWriter compresses a column's JSON values as they come, a chunk at
// a time, so that a long read holds them compressed.
type jsonWriter struct {
	chunks  jsonChunks
	pending []byte // values not compressed yet
	waiting int    // how many
	scratch []byte
}

// add appends a value and returns its number.
func (w *jsonWriter) add(text string) blobRef {
	n := blobRef(w.count())
	w.pending = appendText(w.pending, text)
	w.waiting++
	if len(w.pending) >= chunkBytes {
		w.flush()
	}
	return n
}

func (w *jsonWriter) count() int { return w.chunks.count() + w.waiting }

// flush compresses the pending values into a chunk.
func (w *jsonWriter) flush() {
	if w.waiting == 0 {
		return
	}
	// A chunk is held long: its own bytes, not the room EncodeAll made
	// (as much as the text).
	w.scratch = encoder.EncodeAll(w.pending, w.scratch[:0])
	w.chunks = append(w.chunks, jsonChunk{z: bytes.Clone(w.scratch), first: w.chunks.count(),
		count: w.waiting, raw: len(w.pending)})
	w.pending, w.waiting = w.pending[:0], 0
}

// Blobs reads a block's JSON values, decompressing a chunk the first
// time one of its values is read, and keeping the few it read last: rows
// read in order read chunks in order. One reader serves one goroutine.
type Blobs struct {
	b    *columnar
	open []openChunks // per column
}

// Blobs returns a reader of the block's JSON values, nil when it has none.
func (b *Block) Blobs() *Blobs {
	if b.rows.blobCount() == 0 {
		return nil
	}
	return &Blobs{b: b.rows}
}

// Len is the number of JSON values of the block.
func (r *Blobs) Len() int {
	if r == nil {
		return 0
	}
	return r.b.blobCount()
}

// json returns column c's JSON value number n as a fresh document; nil
// when its chunk is malformed (see Block.Err). r may be nil, or a reader
// of another block: the value is then read by a reader of its own.
func (p *columnar) json(r *Blobs, c int, n blobRef) any {
	if r == nil || r.b != p {
		r = &Blobs{b: p}
	}
	if r.open == nil {
		r.open = make([]openChunks, len(p.cols))
	}
	text, err := r.open[c].get(p.cols[c].chunks, n)
	if err != nil {
		p.fail(err)
		return nil
	}
	return types.NewLazyJSONDocument(text)
}

// openChunks are the chunks of a column a reader decompressed last,
// newest first.
type openChunks []openChunk

type openChunk struct {
	k    int
	vals [][]byte
}

// keptChunks is how many decompressed chunks a reader keeps per column.
const keptChunks = 4

// get returns value number n of chunks.
func (open *openChunks) get(chunks jsonChunks, n blobRef) ([]byte, error) {
	k := chunks.of(int(n))
	if k == len(chunks) {
		return nil, malformed("JSON value number")
	}
	kept := *open
	for i, o := range kept {
		if o.k == k {
			copy(kept[1:i+1], kept[:i])
			kept[0] = o
			return o.vals[int(n)-chunks[k].first], nil
		}
	}
	vals, err := chunks.open(k)
	if err != nil {
		return nil, err
	}
	if len(kept) < keptChunks {
		kept = append(kept, openChunk{})
	}
	copy(kept[1:], kept)
	kept[0] = openChunk{k: k, vals: vals}
	*open = kept
	return vals[int(n)-chunks[k].first], nil
}
