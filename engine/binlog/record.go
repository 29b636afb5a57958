package binlog

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/stripesql/stripesql/tables/sqltable"
)

// A transaction's record in the log: its event's time and id, where it
// starts in the stream, and its statements, each a table (number and
// TABLE_MAP body after the database name) and one rows event. The GTID,
// BEGIN and XID events around them, and the database name, are added as
// it is streamed.
//
//	u8 version | u32 created | u64 start | str event id | u16 n |
//	n × (u64 table id | str table map tail | u8 rows type | str rows body)
//
// str is a u32 length then the bytes.
const recordVersion = 1

// statement is one table's row change within a transaction.
type statement struct {
	tableID  uint64
	tail     []byte
	rowsType byte
	rows     []byte
}

// txRecord is a decoded record.
type txRecord struct {
	created uint32
	start   uint64
	event   string
	stmts   []statement
}

// encode makes a transaction's record, starting at stream position
// start, and returns it with its size in the stream.
func (l *Log) encode(tx sqltable.Transaction, start uint64) ([]byte, uint64, error) {
	r := txRecord{created: uint32(tx.Created), start: start, event: tx.Event}
	for _, ch := range tx.Rows {
		t, err := tableOf(ch.Table, ch.Schema)
		if err != nil {
			return nil, 0, err
		}
		typ := byte(evUpdateRowsV2)
		switch {
		case ch.Before == nil:
			typ = evWriteRowsV2
		case ch.After == nil:
			typ = evDeleteRowsV2
		}
		body, err := t.rowsBody(ch.Before, ch.After)
		if err != nil {
			return nil, 0, fmt.Errorf("table %s: %w", ch.Table, err)
		}
		r.stmts = append(r.stmts, statement{tableID: t.id, tail: t.tail, rowsType: typ, rows: body})
	}
	return r.bytes(), l.size(r), nil
}

func (r txRecord) bytes() []byte {
	b := []byte{recordVersion}
	b = binary.LittleEndian.AppendUint32(b, r.created)
	b = binary.LittleEndian.AppendUint64(b, r.start)
	b = appendStr(b, []byte(r.event))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(r.stmts)))
	for _, s := range r.stmts {
		b = binary.LittleEndian.AppendUint64(b, s.tableID)
		b = appendStr(b, s.tail)
		b = append(b, s.rowsType)
		b = appendStr(b, s.rows)
	}
	return b
}

func appendStr(b, s []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

var errBadRecord = errors.New("binlog: a transaction's record is unreadable")

// decodeRecord reads a record.
func decodeRecord(b []byte) (txRecord, error) {
	var r txRecord
	if len(b) < 13+4 || b[0] != recordVersion {
		return r, errBadRecord
	}
	r.created = binary.LittleEndian.Uint32(b[1:])
	r.start = binary.LittleEndian.Uint64(b[5:])
	b = b[13:]
	ev, b, ok := readStr(b)
	if !ok || len(b) < 2 {
		return r, errBadRecord
	}
	r.event = string(ev)
	n := int(binary.LittleEndian.Uint16(b))
	b = b[2:]
	for i := 0; i < n; i++ {
		if len(b) < 8 {
			return r, errBadRecord
		}
		s := statement{tableID: binary.LittleEndian.Uint64(b)}
		if s.tail, b, ok = readStr(b[8:]); !ok || len(b) < 1 {
			return r, errBadRecord
		}
		s.rowsType = b[0]
		if s.rows, b, ok = readStr(b[1:]); !ok {
			return r, errBadRecord
		}
		r.stmts = append(r.stmts, s)
	}
	return r, nil
}

func readStr(b []byte) ([]byte, []byte, bool) {
	if len(b) < 4 {
		return nil, nil, false
	}
	n := int(binary.LittleEndian.Uint32(b))
	if len(b) < 4+n {
		return nil, nil, false
	}
	return b[4 : 4+n], b[4+n:], true
}

// eventOfRecord is a record's event id ("" when unreadable).
func eventOfRecord(b []byte) string {
	r, err := decodeRecord(b)
	if err != nil {
		return ""
	}
	return r.event
}

// size is a transaction's size in the stream of the log's database.
func (l *Log) size(r txRecord) uint64 {
	n := eventSize(len(gtidBody(l.sid, 1))) + eventSize(len(queryBody(l.db, "BEGIN"))) + eventSize(len(xidBody(0)))
	for _, s := range r.stmts {
		n += eventSize(len(tableMapBody(l.db, s.tableID, s.tail))) + eventSize(len(s.rows))
	}
	return uint64(n)
}

// events are a transaction's events, numbered gno, as streamed by server
// serverID, the first at the record's start position.
func (l *Log) events(r txRecord, gno int64, serverID uint32) [][]byte {
	pos := r.start
	var out [][]byte
	add := func(typ byte, body []byte) {
		pos += uint64(eventSize(len(body)))
		out = append(out, event(typ, header{ts: r.created, serverID: serverID, logPos: uint32(pos)}, body))
	}
	add(evGTID, gtidBody(l.sid, gno))
	add(evQuery, queryBody(l.db, "BEGIN"))
	for _, s := range r.stmts {
		add(evTableMap, tableMapBody(l.db, s.tableID, s.tail))
		add(s.rowsType, s.rows)
	}
	add(evXID, xidBody(uint64(gno)))
	return out
}
