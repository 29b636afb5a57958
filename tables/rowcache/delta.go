package rowcache

import (
	"bytes"
	"fmt"

	"github.com/dolthub/go-mysql-server/sql"
)

// A delta is one Patch as bytes, for a store that writes a block once
// and its changes as they come: the block's encoding, then its deltas
// applied in order by Patch, are the patched block.
//
//	"RCD1" and a section of: cols, the upserts (count, then each row's
//	cells, see appendValue), the deletes (count, then each id)

var deltaMagic = []byte("RCD1")

// EncodeDelta returns the encoding of Patch(upserts, deletes) for blocks
// of l. It fails for a row of another length than l's or holding a value
// of a type blocks do not encode (see Encode).
func EncodeDelta(l *Layout, upserts []sql.Row, deletes []string) ([]byte, error) {
	raw := appendUvarint(nil, l.Cols)
	raw = appendUvarint(raw, len(upserts))
	for i, row := range upserts {
		if len(row) != l.Cols {
			return nil, fmt.Errorf("rowcache: upsert %d has %d cells, the layout %d", i, len(row), l.Cols)
		}
		for _, v := range storedRow(l, row) {
			var err error
			if raw, err = appendValue(raw, v); err != nil {
				return nil, fmt.Errorf("upsert %d: %w", i, err)
			}
		}
	}
	raw = appendUvarint(raw, len(deletes))
	for _, id := range deletes {
		raw = appendText(raw, id)
	}
	return appendSection(append([]byte(nil), deltaMagic...), raw), nil
}

// DecodeDelta returns the upserts and deletes data encodes (EncodeDelta),
// its cells as the engine holds them. It fails on data that is not a
// delta of l's rows, without allocating more than the data can hold. The
// rows do not share data's memory.
func DecodeDelta(l *Layout, data []byte) (upserts []sql.Row, deletes []string, err error) {
	if !bytes.HasPrefix(data, deltaMagic) {
		return nil, nil, malformed("not a delta")
	}
	r := &reader{buf: data, pos: len(deltaMagic)}
	s := r.section()
	if r.err == nil && r.left() != 0 {
		r.fail("trailing bytes")
	}
	if r.err != nil {
		return nil, nil, r.err
	}
	raw, err := s.open()
	if err != nil {
		return nil, nil, err
	}
	r = newOwnedReader(raw)
	if cols := r.uvarint(); r.err == nil && cols != uint64(l.Cols) {
		return nil, nil, fmt.Errorf("%w: %d columns, the layout has %d", errMalformed, cols, l.Cols)
	}
	n := r.count(max(l.Cols, 1)) // a cell takes a byte at least
	for range n {
		row := make(sql.Row, l.Cols)
		for c := range row {
			v := r.value()
			if _, ok := v.(blobRef); ok {
				r.fail("JSON value number in a delta")
			}
			if !l.skips(c) {
				row[c] = engineValue(v)
			}
		}
		upserts = append(upserts, row)
	}
	for range r.count(1) {
		deletes = append(deletes, r.string())
	}
	if r.err == nil && r.left() != 0 {
		r.fail("trailing bytes")
	}
	if r.err != nil {
		return nil, nil, r.err
	}
	return upserts, deletes, nil
}
