package binlog

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/tables/sqltable"
)

// Log is one account's binary log: each Stripe event applied to the
// account's rows is a transaction numbered server_uuid:1, 2, …, recorded
// in the account's store (cache.KV, beside the row cache) in the write
// that applies the event (sqltable.ChangeLog), so that numbers are never
// reused and a restart neither loses nor repeats a transaction. Without a
// store the log is held in memory, under a uuid of its own each run (a
// consumer of an earlier run is told to take a new snapshot).
//
// Keys (outside the row cache's prefixes):
//
//	l/meta         the uuid, the first and last numbers kept, the end position
//	l/t/<gno>      a transaction (record below)
//	l/e/<event id> the number of the event's transaction (no event twice)
type Log struct {
	kv     cache.KV
	db     string
	sid    [16]byte
	retain int64

	// rec is held from Record to its done: one batch at a time.
	rec sync.Mutex

	mu      sync.Mutex
	st      state
	failed  error
	changed chan struct{} // closed when a transaction is added
	mem     map[int64][]byte
	memEv   map[string]bool
}

// state is what l/meta keeps: transactions first..last are held, last
// is the newest ever (first-1 and below were purged), End the stream's
// position after the last.
type state struct {
	UUID  string `json:"uuid"`
	First int64  `json:"first"`
	Last  int64  `json:"last"`
	End   uint64 `json:"end"`
}

var (
	metaKey     = []byte("l/meta")
	txPrefix    = []byte("l/t/")
	eventPrefix = []byte("l/e/")
)

func txKey(gno int64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), txPrefix...), uint64(gno))
}
func eventKey(id string) []byte {
	return append(append([]byte(nil), eventPrefix...), id...)
}

// DefaultRetain is how many transactions a log keeps by default.
const DefaultRetain = 100_000

// Open opens the log of database db on kv (nil: in memory), keeping the
// newest retain transactions (0: DefaultRetain).
func Open(kv cache.KV, db string, retain int64) (*Log, error) {
	if retain <= 0 {
		retain = DefaultRetain
	}
	l := &Log{kv: kv, db: db, retain: retain, changed: make(chan struct{}), mem: map[int64][]byte{}, memEv: map[string]bool{}}
	if kv != nil {
		b, ok, err := kv.Get(metaKey)
		if err != nil {
			return nil, fmt.Errorf("binlog: reading the log's state: %w", err)
		}
		if ok {
			if err := json.Unmarshal(b, &l.st); err != nil {
				return nil, fmt.Errorf("binlog: the log's state is unreadable: %w", err)
			}
		}
	}
	if l.st.UUID == "" {
		var sid [16]byte
		_, _ = rand.Read(sid[:])
		sid[6] = sid[6]&0x0f | 0x40 // version 4
		sid[8] = sid[8]&0x3f | 0x80
		l.st = state{UUID: formatSID(sid), First: 1, Last: 0, End: startPos()}
		if kv != nil {
			if err := kv.Write([]cache.Op{l.metaOp(l.st)}, true); err != nil {
				return nil, fmt.Errorf("binlog: writing the log's state: %w", err)
			}
		}
	}
	sid, err := parseSID(l.st.UUID)
	if err != nil {
		return nil, err
	}
	l.sid = sid
	return l, nil
}

// startPos is the position of the first transaction: after the magic
// number, the format description and the previous GTIDs.
func startPos() uint64 {
	return 4 + uint64(eventSize(len(formatDescBody(0)))) + uint64(eventSize(len(previousGTIDsBody(nil))))
}

func (l *Log) metaOp(st state) cache.Op {
	b, _ := json.Marshal(st)
	return cache.Op{Key: metaKey, Val: b}
}

// UUID is the log's server uuid.
func (l *Log) UUID() string { return l.st.UUID }

// Database is the database the log's tables are in.
func (l *Log) Database() string { return l.db }

// snapshot is the log's state now, the error that stopped it, and the
// channel closed at its next transaction.
func (l *Log) snapshot() (state, error, chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.st, l.failed, l.changed
}

// Executed is the log's GTID set, "" when empty.
func (l *Log) Executed() string {
	st, _, _ := l.snapshot()
	if st.Last == 0 {
		return ""
	}
	return fmt.Sprintf("%s:1-%d", st.UUID, st.Last)
}

// Purged is the set of transactions no longer held, "" when none.
func (l *Log) Purged() string {
	st, _, _ := l.snapshot()
	if st.First <= 1 {
		return ""
	}
	return fmt.Sprintf("%s:1-%d", st.UUID, st.First-1)
}

// End is the stream's position after the last transaction.
func (l *Log) End() uint64 {
	st, _, _ := l.snapshot()
	return st.End
}

// Record implements sqltable.ChangeLog.
func (l *Log) Record(txs []sqltable.Transaction) ([]cache.Op, func(error)) {
	l.rec.Lock()
	st, failed, _ := l.snapshot()
	if failed != nil {
		l.rec.Unlock()
		return nil, func(error) {}
	}
	next := st
	var ops []cache.Op
	recs := map[int64][]byte{}
	var ids []string
	for _, tx := range txs {
		if l.logged(tx.Event) {
			continue
		}
		rec, size, err := l.encode(tx, next.End)
		if err != nil {
			// A value of a type with no binlog form: every column type
			// stripesql serves has one (columnOf), so this is a bug to
			// see in the stream's tests, not a transaction to half-send.
			continue
		}
		next.Last++
		next.End += size
		recs[next.Last] = rec
		ids = append(ids, tx.Event)
		ops = append(ops, cache.Op{Key: txKey(next.Last), Val: rec},
			cache.Op{Key: eventKey(tx.Event), Val: binary.BigEndian.AppendUint64(nil, uint64(next.Last))})
	}
	var purge []int64
	for next.Last-next.First+1 > l.retain {
		purge = append(purge, next.First)
		next.First++
	}
	for _, gno := range purge {
		ops = append(ops, cache.Op{Key: txKey(gno), Delete: true})
		if id := l.eventOf(gno); id != "" {
			ops = append(ops, cache.Op{Key: eventKey(id), Delete: true})
		}
	}
	if len(recs) == 0 && len(purge) == 0 {
		l.rec.Unlock()
		return nil, func(error) {}
	}
	ops = append(ops, l.metaOp(next))
	if l.kv == nil {
		ops = nil
	}
	return ops, func(err error) {
		defer l.rec.Unlock()
		l.mu.Lock()
		defer l.mu.Unlock()
		if err != nil && l.kv != nil {
			l.failed = err
			close(l.changed)
			l.changed = make(chan struct{})
			return
		}
		if l.kv == nil {
			for gno, r := range recs {
				l.mem[gno] = r
			}
			for _, id := range ids {
				l.memEv[id] = true
			}
			for _, gno := range purge {
				if id := eventOfRecord(l.mem[gno]); id != "" {
					delete(l.memEv, id)
				}
				delete(l.mem, gno)
			}
		}
		l.st = next
		close(l.changed)
		l.changed = make(chan struct{})
	}
}

// logged reports an event already recorded.
func (l *Log) logged(id string) bool {
	if l.kv == nil {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.memEv[id]
	}
	_, ok, _ := l.kv.Get(eventKey(id))
	return ok
}

// eventOf is the event id of a held transaction.
func (l *Log) eventOf(gno int64) string {
	rec, err := l.read(gno)
	if err != nil {
		return ""
	}
	return eventOfRecord(rec)
}

// read is a held transaction's record.
func (l *Log) read(gno int64) ([]byte, error) {
	if l.kv == nil {
		l.mu.Lock()
		defer l.mu.Unlock()
		if r, ok := l.mem[gno]; ok {
			return r, nil
		}
		return nil, errPurged
	}
	r, ok, err := l.kv.Get(txKey(gno))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errPurged
	}
	return r, nil
}

var errPurged = errors.New("binlog: the transaction is no longer held")

// formatSID writes a uuid as MySQL does.
func formatSID(s [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

func parseSID(u string) ([16]byte, error) {
	var s [16]byte
	var hex []byte
	for i := 0; i < len(u); i++ {
		if u[i] != '-' {
			hex = append(hex, u[i])
		}
	}
	if len(hex) != 32 {
		return s, fmt.Errorf("binlog: %q is not a uuid", u)
	}
	for i := 0; i < 16; i++ {
		var v byte
		for _, c := range hex[2*i : 2*i+2] {
			switch {
			case c >= '0' && c <= '9':
				v = v<<4 | (c - '0')
			case c >= 'a' && c <= 'f':
				v = v<<4 | (c - 'a' + 10)
			case c >= 'A' && c <= 'F':
				v = v<<4 | (c - 'A' + 10)
			default:
				return s, fmt.Errorf("binlog: %q is not a uuid", u)
			}
		}
		s[i] = v
	}
	return s, nil
}
