package binlog

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"

	"github.com/dolthub/go-mysql-server/sql"
)

// TABLE_MAP optional metadata (MySQL 8.0, binlog_row_metadata=FULL):
// what lets a consumer name and type the columns without asking.
const (
	metaSignedness    = 1
	metaColumnCharset = 3
	metaColumnName    = 4
	metaSimplePK      = 8
)

// rowsStmtEnd flags the last rows event of a statement.
const rowsStmtEnd = 1

// table is a table's binlog form: its columns and its TABLE_MAP event's
// body after the database name.
type table struct {
	id   uint64
	cols []column
	tail []byte
}

// tableID is a table's number in TABLE_MAP and rows events: the same for
// a table name in every transaction.
func tableID(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()&(1<<40-1) | 1
}

// tableOf maps a table's schema to its binlog form.
func tableOf(name string, sch sql.Schema) (*table, error) {
	t := &table{id: tableID(name)}
	for _, c := range sch {
		col, err := columnOf(c)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", name, err)
		}
		t.cols = append(t.cols, col)
	}
	b := append([]byte{byte(len(name))}, name...)
	b = append(b, 0)
	b = appendLenEnc(b, uint64(len(sch)))
	var meta []byte
	for _, c := range t.cols {
		b = append(b, c.typ)
		meta = append(meta, c.meta...)
	}
	b = appendLenEnc(b, uint64(len(meta)))
	b = append(b, meta...)
	nullable := make([]bool, len(sch))
	for i, c := range sch {
		nullable[i] = c.Nullable
	}
	b = append(b, bitmap(nullable)...)

	var signed, names, charsets, pk []byte
	var numeric []bool
	for i, c := range t.cols {
		if c.numeric {
			numeric = append(numeric, c.unsigned)
		}
		if c.char {
			charsets = appendLenEnc(charsets, uint64(c.collate))
		}
		names = appendLenEnc(names, uint64(len(sch[i].Name)))
		names = append(names, sch[i].Name...)
		if sch[i].PrimaryKey {
			pk = appendLenEnc(pk, uint64(i))
		}
	}
	if len(numeric) > 0 {
		signed = msbBitmap(numeric)
		b = appendTLV(b, metaSignedness, signed)
	}
	if len(charsets) > 0 {
		b = appendTLV(b, metaColumnCharset, charsets)
	}
	b = appendTLV(b, metaColumnName, names)
	if len(pk) > 0 {
		b = appendTLV(b, metaSimplePK, pk)
	}
	t.tail = b
	return t, nil
}

// tableMapBody is a whole TABLE_MAP body, in database db, of the table
// numbered id whose body after the database name is tail.
func tableMapBody(db string, id uint64, tail []byte) []byte {
	b := appendTableID(nil, id)
	b = append(b, 1, 0) // TM_BIT_LEN_EXACT_F, as MySQL sets it
	b = append(b, byte(len(db)))
	b = append(b, db...)
	b = append(b, 0)
	return append(b, tail...)
}

// rowsBody is a WRITE/UPDATE/DELETE_ROWS v2 body of one row change:
// before (update, delete) and after (insert, update) full images.
func (t *table) rowsBody(before, after sql.Row) ([]byte, error) {
	b := appendTableID(nil, t.id)
	b = binary.LittleEndian.AppendUint16(b, rowsStmtEnd)
	b = binary.LittleEndian.AppendUint16(b, 2) // extra data: none but its length
	b = appendLenEnc(b, uint64(len(t.cols)))
	all := make([]bool, len(t.cols))
	for i := range all {
		all[i] = true
	}
	present := bitmap(all)
	b = append(b, present...)
	if before != nil && after != nil {
		b = append(b, present...)
	}
	var err error
	for _, row := range []sql.Row{before, after} {
		if row == nil {
			continue
		}
		if b, err = t.appendImage(b, row); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// appendImage writes one full row image: its NULL bitmap, then its
// values.
func (t *table) appendImage(b []byte, row sql.Row) ([]byte, error) {
	if len(row) != len(t.cols) {
		return nil, fmt.Errorf("binlog: a row of %d values for %d columns", len(row), len(t.cols))
	}
	nulls := make([]bool, len(row))
	for i, v := range row {
		nulls[i] = v == nil
	}
	b = append(b, bitmap(nulls)...)
	var err error
	for i, v := range row {
		if v == nil {
			continue
		}
		if b, err = t.cols[i].append(b, v); err != nil {
			return nil, fmt.Errorf("column %d: %w", i, err)
		}
	}
	return b, nil
}

func appendTableID(b []byte, id uint64) []byte {
	return append(b, byte(id), byte(id>>8), byte(id>>16), byte(id>>24), byte(id>>32), byte(id>>40))
}

// bitmap packs bits, the first in the lowest bit of the first byte.
func bitmap(bits []bool) []byte {
	b := make([]byte, (len(bits)+7)/8)
	for i, on := range bits {
		if on {
			b[i/8] |= 1 << (i % 8)
		}
	}
	return b
}

// msbBitmap packs bits most significant first (the SIGNEDNESS
// metadata's order).
func msbBitmap(bits []bool) []byte {
	b := make([]byte, (len(bits)+7)/8)
	for i, on := range bits {
		if on {
			b[i/8] |= 0x80 >> (i % 8)
		}
	}
	return b
}

// appendTLV writes one optional metadata field of TABLE_MAP.
func appendTLV(b []byte, typ byte, v []byte) []byte {
	b = append(b, typ)
	b = appendLenEnc(b, uint64(len(v)))
	return append(b, v...)
}

// appendLenEnc writes a length-encoded integer.
func appendLenEnc(b []byte, n uint64) []byte {
	switch {
	case n < 251:
		return append(b, byte(n))
	case n < 1<<16:
		return append(b, 0xfc, byte(n), byte(n>>8))
	case n < 1<<24:
		return append(b, 0xfd, byte(n), byte(n>>8), byte(n>>16))
	}
	return binary.LittleEndian.AppendUint64(append(b, 0xfe), n)
}
