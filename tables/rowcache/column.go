package rowcache

import (
	"encoding/binary"
	"sync"
	"sync/atomic"

	"github.com/dolthub/go-mysql-server/sql"
)

// columnar is a block's rows as they are stored: newest first, by column,
// each cell a code into its column's dictionary of distinct values,
// already boxed as the engine's values. A repeated value (a currency, a
// status, a customer id) is stored once per column, and reading a cell is
// an index, with no allocation.
//
// Rows decoded from an encoding decode a column the first time it is
// read: a query decodes the columns it reads, and the block grows (Size)
// by what they hold. Everything made on first use is made once, under a
// lock, for every goroutine reading the block.
type columnar struct {
	layout  *Layout
	created []int64
	cols    []columnSlot
	// size is what the rows hold, growing as columns are decoded and
	// indexes made.
	size atomic.Int64
	// data is the encoding the rows were decoded from (nil when built):
	// undecoded columns and JSON chunks are parts of it.
	data []byte
	// encoded is the length of the rows' encoding, once known.
	encoded atomic.Int64

	idsMu sync.Mutex
	ids   atomic.Pointer[idIndex]
	err   atomic.Pointer[error]
}

// columnSlot is one column of a block: decoded, or its encoded section.
type columnSlot struct {
	col     atomic.Pointer[column]
	mu      sync.Mutex
	kind    byte // of the section (see columnValues)
	section section
	chunks  jsonChunks
}

// column is a decoded column.
type column struct {
	codes codes
	dict  []any // code-1 → value; a JSON value is a blobRef or a jsonBytes
	json  bool  // some values are JSON: made into documents when read
	// blobs marks a JSON column's codes as its values' numbers (code-1):
	// such values are mostly distinct, and a dictionary entry each would
	// hold more than the code.
	blobs bool
	bytes int64 // what it holds

	indexMu sync.Mutex
	index   atomic.Pointer[valueIndex]
}

// emptyColumn is a column of NULLs.
var emptyColumn = &column{}

// codes are a column's codes, one per row, each width bytes (little
// endian): as narrow as its dictionary allows. 0 is NULL.
type codes struct {
	width int // 0 (all NULL), 1, 2 or 4
	b     []byte
}

func (c codes) at(i int) uint32 {
	switch c.width {
	case 0:
		return 0
	case 1:
		return uint32(c.b[i])
	case 2:
		return uint32(binary.LittleEndian.Uint16(c.b[2*i:]))
	default:
		return binary.LittleEndian.Uint32(c.b[4*i:])
	}
}

// widthFor is the width of codes into a dictionary of n values.
func widthFor(n int) int {
	switch {
	case n == 0:
		return 0
	case n < 1<<8:
		return 1
	case n < 1<<16:
		return 2
	default:
		return 4
	}
}

func packCodes(in []uint32, width int) codes {
	out := codes{width: width, b: make([]byte, len(in)*width)}
	for i, c := range in {
		switch width {
		case 1:
			out.b[i] = byte(c)
		case 2:
			binary.LittleEndian.PutUint16(out.b[2*i:], uint16(c))
		case 4:
			binary.LittleEndian.PutUint32(out.b[4*i:], c)
		}
	}
	return out
}

// packColumn makes a column of codes into dict, one per row in order,
// keeping only the values the rows use, numbered by first use (so that
// an encoding does not depend on how the rows were gathered); JSON values
// of chunks, by their numbers.
func packColumn(in []uint32, dict []any) *column {
	if col, ok := packBlobs(in, dict); ok {
		return col
	}
	renumber := make([]uint32, len(dict)+1)
	kept := make([]any, 0, len(dict))
	out := make([]uint32, len(in))
	for i, code := range in {
		if code == 0 {
			continue
		}
		if renumber[code] == 0 {
			kept = append(kept, dict[code-1])
			renumber[code] = uint32(len(kept))
		}
		out[i] = renumber[code]
	}
	return newColumn(packCodes(out, widthFor(len(kept))), kept, 0)
}

// packBlobs makes a column whose values are all JSON of chunks a column
// of their numbers; ok is false for another column.
func packBlobs(in []uint32, dict []any) (col *column, ok bool) {
	for _, v := range dict {
		if _, ok := v.(blobRef); !ok {
			return nil, false
		}
	}
	out := make([]uint32, len(in))
	top := uint32(0)
	for i, code := range in {
		if code != 0 {
			out[i] = uint32(dict[code-1].(blobRef)) + 1
			top = max(top, out[i])
		}
	}
	if top == 0 {
		return emptyColumn, true
	}
	return newBlobColumn(packCodes(out, widthFor(int(top))), 0), true
}

// newBlobColumn makes a column of JSON value numbers; shared is the
// length of the buffer its codes are in (0 when they have their own).
func newBlobColumn(cs codes, shared int) *column {
	return &column{codes: cs, json: true, blobs: true, bytes: int64(max(shared, len(cs.b)))}
}

// newColumn makes a column of codes and dict; shared is the length of
// the buffer they and the dictionary's strings share (0 when they do not).
func newColumn(cs codes, dict []any, shared int) *column {
	if len(dict) == 0 {
		return emptyColumn
	}
	col := &column{codes: cs, dict: dict, bytes: int64(len(cs.b))}
	if shared > 0 {
		col.bytes = int64(shared)
	}
	for _, v := range dict {
		switch v.(type) {
		case blobRef, jsonBytes:
			col.json = true
		case string:
			if shared > 0 {
				col.bytes += ifaceBytes + 16 // its header: its text is in the buffer
				continue
			}
		}
		col.bytes += ifaceBytes + valueBytes(v)
	}
	return col
}

// value is cell i of the column, as the engine reads it.
func (col *column) value(p *columnar, c, i int, blobs *Blobs) any {
	code := col.codes.at(i)
	if code == 0 {
		return nil
	}
	if col.blobs {
		return p.json(blobs, c, blobRef(code-1))
	}
	v := col.dict[code-1]
	if col.json {
		switch x := v.(type) {
		case blobRef:
			return p.json(blobs, c, x)
		case jsonBytes:
			return engineValue(x)
		}
	}
	return v
}

// column returns column c, decoding it on first use. A column whose
// encoding is malformed reads as NULL (see Block.Err).
func (p *columnar) column(c int) *column {
	if col := p.cols[c].col.Load(); col != nil {
		return col
	}
	return p.decode(c)
}

func (p *columnar) decode(c int) *column {
	s := &p.cols[c]
	s.mu.Lock()
	defer s.mu.Unlock()
	if col := s.col.Load(); col != nil {
		return col
	}
	col, err := decodeColumn(s.kind, s.section, len(p.created), s.chunks.count())
	if err != nil {
		p.fail(err)
		col = emptyColumn
	}
	p.size.Add(col.bytes)
	s.col.Store(col)
	return col
}

// fail records the first malformed part found after Decode.
func (p *columnar) fail(err error) { p.err.CompareAndSwap(nil, &err) }

func (p *columnar) blobCount() int {
	n := 0
	for c := range p.cols {
		n += p.cols[c].chunks.count()
	}
	return n
}

func (p *columnar) fill(i int, need []bool, dst sql.Row, blobs *Blobs) {
	if need == nil {
		for c := range p.cols {
			dst[c] = p.column(c).value(p, c, i, blobs)
		}
		return
	}
	for c, needed := range need {
		if needed {
			dst[c] = p.column(c).value(p, c, i, blobs)
		}
	}
}

func (p *columnar) cell(i, c int) any { return p.column(c).value(p, c, i, nil) }

func (p *columnar) id(i int) string {
	id, _ := p.cell(i, p.layout.IDOrd).(string)
	return id
}
