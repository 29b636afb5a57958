package rowcache

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// A block's encoding, for a store of blocks larger than memory:
//
//	"RCB1" cols rows
//	created: a section of the created times, newest first, as varint
//	         differences from the one before
//	per column:
//	  0 (all NULL), or 1 and a section of: the dictionary (count, then
//	     each value tagged with its type, see appendValue), the codes'
//	     width, and the codes, width bytes each; or 2 (a JSON column of
//	     value numbers) and a section of: the width and the codes
//	  the JSON chunks: count, then each one's values, length and zstd frame
//
// numbers being uvarints and a section a mode, a length and its bytes
// (see appendSection). Each column is a section of its own so that a
// block read back decompresses only the columns read; the JSON chunks are
// kept as the block holds them, compressed.

var blockMagic = []byte("RCB1")

// Column kinds in an encoding.
const (
	columnNull   byte = 0 // every cell NULL: no section
	columnValues byte = 1
	columnBlobs  byte = 2 // codes are JSON value numbers (column.blobs)
)

// Encode returns the block's encoding (see Decode). A patched block is
// encoded as its Merged block. It fails for a block holding a value of a
// type other than those the decoder makes (nil, string, int64, int8,
// int32, uint64, float64, bool, time.Time, decimal.Decimal, JSON); the
// block is then kept in memory only.
func (b *Block) Encode() ([]byte, error) {
	if b.over != nil {
		return b.Merged().Encode()
	}
	p := b.rows
	if p.data != nil {
		return bytes.Clone(p.data), nil // as it was read: nothing changed since
	}
	out := append([]byte(nil), blockMagic...)
	out = appendUvarint(out, p.layout.Cols)
	out = appendUvarint(out, len(p.created))
	var raw []byte
	last := int64(0)
	for _, c := range p.created {
		raw = binary.AppendVarint(raw, c-last)
		last = c
	}
	out = appendSection(out, raw)
	for c := range p.cols {
		col := p.column(c)
		switch {
		case col == emptyColumn:
			out = append(out, columnNull)
		case col.blobs:
			raw = append(raw[:0], byte(col.codes.width))
			raw = append(raw, col.codes.b...)
			out = appendSection(append(out, columnBlobs), raw)
		default:
			raw = appendUvarint(raw[:0], len(col.dict))
			for _, v := range col.dict {
				var err error
				if raw, err = appendValue(raw, v); err != nil {
					return nil, fmt.Errorf("column %d: %w", c, err)
				}
			}
			raw = append(raw, byte(col.codes.width))
			raw = append(raw, col.codes.b...)
			out = appendSection(append(out, columnValues), raw)
		}
		chunks := p.cols[c].chunks
		out = appendUvarint(out, len(chunks))
		for _, ch := range chunks {
			out = appendUvarint(out, ch.count)
			out = appendUvarint(out, ch.raw)
			out = appendBytes(out, ch.z)
		}
	}
	p.encoded.Store(int64(len(out)))
	return out, nil
}

// Decode returns the block l's rows encoded in data (by Encode). It reads
// the framing and the created times; a column is decoded when first read.
// The block keeps data (its columns and JSON are parts of it): the caller
// must not change it afterwards. Decode fails on data that is not an
// encoding of l's rows, without allocating more than the data can hold;
// a malformed column it does not decode reads as NULL (see Block.Err).
func Decode(l *Layout, data []byte) (*Block, error) {
	r := &reader{buf: data}
	if !bytes.HasPrefix(data, blockMagic) {
		return nil, malformed("not a block")
	}
	r.pos = len(blockMagic)
	if cols := r.uvarint(); r.err == nil && cols != uint64(l.Cols) {
		return nil, fmt.Errorf("%w: %d columns, the layout has %d", errMalformed, cols, l.Cols)
	}
	n := r.size()
	s := r.section()
	if r.err != nil {
		return nil, r.err
	}
	created, err := decodeCreated(s, n)
	if err != nil {
		return nil, err
	}
	p := newColumnar(l, created)
	for c := range p.cols {
		s := &p.cols[c]
		switch s.kind = r.byte(); s.kind {
		case columnNull:
			s.col.Store(emptyColumn)
		case columnValues, columnBlobs:
			s.section = r.section()
			if l.skips(c) {
				r.fail("values of a skipped column")
			}
			if s.kind == columnBlobs && !l.json(c) {
				r.fail("JSON value numbers in a column not of JSON")
			}
		default:
			r.fail("unknown column kind")
		}
		s.chunks = r.chunks()
		if len(s.chunks) > 0 && l.skips(c) {
			r.fail("JSON of a skipped column")
		}
	}
	if r.err == nil && r.left() != 0 {
		r.fail("trailing bytes")
	}
	if r.err != nil {
		return nil, r.err
	}
	p.data = data
	p.size.Add(int64(len(data)))
	p.encoded.Store(int64(len(data)))
	return &Block{layout: l, rows: p}, nil
}

// decodeCreated reads n created times, newest first.
func decodeCreated(s section, n int) ([]int64, error) {
	if s.mode == 0 {
		return nil, malformed("created times")
	}
	if n > s.raw { // a varint takes a byte at least
		return nil, malformed("more rows than created times")
	}
	raw, err := s.open()
	if err != nil {
		return nil, err
	}
	r := &reader{buf: raw}
	created := make([]int64, n)
	last := int64(0)
	for i := range created {
		last += r.varint()
		created[i] = last
		if i > 0 && last > created[i-1] {
			r.fail("created times out of order")
		}
	}
	if r.err == nil && r.left() != 0 {
		r.fail("trailing created times")
	}
	return created, r.err
}

// chunks reads a column's JSON chunks.
func (r *reader) chunks() jsonChunks {
	n := r.count(3) // a chunk takes 3 bytes at least
	if n == 0 {
		return nil
	}
	chunks := make(jsonChunks, n)
	first := 0
	for k := range chunks {
		ch := &chunks[k]
		ch.count, ch.raw, ch.z = r.size(), r.size(), r.bytes()
		ch.raw = checkFrame(r, ch.z, ch.raw)
		if ch.count > ch.raw || ch.count == 0 { // a value takes a byte at least
			r.fail("JSON chunk count")
		}
		ch.first = first
		first += ch.count
		if r.err != nil {
			return nil
		}
	}
	return chunks
}

// decodeColumn decodes a column of n rows; blobs is the number of its
// JSON values.
func decodeColumn(kind byte, s section, n, blobs int) (*column, error) {
	if kind == columnNull {
		return emptyColumn, nil
	}
	raw, err := s.open()
	if err != nil {
		return nil, err
	}
	r := newOwnedReader(raw)
	var dict []any
	top := blobs // the largest code
	if kind == columnValues {
		dict = make([]any, r.count(1)) // a value takes a byte at least
		for i := range dict {
			v := r.value()
			if ref, ok := v.(blobRef); ok && int(ref) >= blobs {
				r.fail("JSON value number")
			}
			dict[i] = v
		}
		top = len(dict)
	}
	width := int(r.byte())
	if r.err != nil {
		return nil, r.err
	}
	if width != 0 && width != 1 && width != 2 && width != 4 || r.left() != n*width {
		return nil, malformed("codes")
	}
	cs := codes{width: width, b: raw[r.pos:]}
	for i := 0; i < n; i++ {
		if cs.at(i) > uint32(top) {
			return nil, malformed("code out of the dictionary")
		}
	}
	if kind == columnBlobs {
		return newBlobColumn(cs, len(raw)), nil
	}
	return newColumn(cs, dict, len(raw)), nil
}
