package cache

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Segments in a KV. Keys:
//
//	s/<hash of stream><lo>   a segment's record: its interval, read time and blocks
//	b/<id>                   a block's bytes
//	d/<id><n>                the n-th delta written after them (Change.Delta)
//	p/<id>                   a block written for a read not finished yet
//	m/<name>                 the caller's records (SetMeta, Apply)
//
// Stream names are hashed (KV.Hash): a stream's parameters may name a
// customer's email. What makes the KV crash-safe: a block is written
// before any record names it (marked pending until then: a crash leaves
// pending blocks, dropped by the next open); a record is written with the
// pending marks of its blocks removed, in one atomic write; a change's
// delta, the records it changes and the caller's meta saying the change
// was made go in one atomic write too. The KV keeps the order of writes
// (a write that survived a crash had every earlier one survive), so
// writes need not wait to be durable: what a crash loses, the caller's
// meta does not claim either.

var (
	recordPrefix  = []byte("s/")
	blockPrefix   = []byte("b/")
	deltasPrefix  = []byte("d/")
	pendingPrefix = []byte("p/")
	metaPrefix    = []byte("m/")
)

func withID(prefix []byte, id uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), prefix...), id)
}

func blockKey(id uint64) []byte    { return withID(blockPrefix, id) }
func deltaPrefix(id uint64) []byte { return withID(deltasPrefix, id) }
func pendingKey(id uint64) []byte  { return withID(pendingPrefix, id) }
func metaKey(name string) []byte   { return append(append([]byte(nil), metaPrefix...), name...) }

func deltaKey(id uint64, n int) []byte {
	return binary.BigEndian.AppendUint64(deltaPrefix(id), uint64(n))
}

// recordKey is where a segment's record is: its stream (hashed) and its
// lower end, ordered as numbers.
func (s *Segments) recordKey(stream string, lo int64) []byte {
	k := append(append([]byte(nil), recordPrefix...), s.kv.Hash([]byte(stream))...)
	return binary.BigEndian.AppendUint64(k, uint64(lo)^1<<63)
}

// newBlockID is a random block id: ids need no counter kept in step
// with the KV, and a million blocks collide with odds of one in 10^7.
func newBlockID() uint64 {
	var b [8]byte
	for {
		_, _ = rand.Read(b[:])
		if id := binary.BigEndian.Uint64(b[:]); id != 0 {
			return id
		}
	}
}

// record is a segment as its KV record holds it.
type record struct {
	Stream string        `json:"stream"`
	Lo     int64         `json:"lo"`
	Hi     int64         `json:"hi"`
	Since  int64         `json:"since"` // unix nanoseconds
	Final  bool          `json:"final,omitempty"`
	Blocks []blockRecord `json:"blocks"`
}

type blockRecord struct {
	ID     uint64 `json:"id"`
	Lo     int64  `json:"lo"`
	Hi     int64  `json:"hi"`
	Items  int    `json:"items"`
	Disk   int64  `json:"disk"`
	Deltas int    `json:"deltas"`
}

// recordLocked writes a segment's record again (its blocks changed).
// Only durable blocks can be named: a segment with a block held only in
// memory has no record (it is not there after a restart).
func (s *Segments) recordLocked(g *Segment, ops []Op) []Op {
	if s.kv == nil {
		return ops
	}
	key := s.recordKey(g.Stream, g.Lo)
	r := record{Stream: g.Stream, Lo: g.Lo, Hi: g.Hi, Since: g.Since.UnixNano(), Final: g.Final}
	for _, b := range g.blocks {
		if !b.durable() {
			return append(ops, Op{Key: key, Delete: true})
		}
		r.Blocks = append(r.Blocks, blockRecord{ID: b.id, Lo: b.Lo, Hi: b.Hi, Items: b.items, Disk: b.disk, Deltas: b.deltas})
	}
	data, _ := json.Marshal(r)
	return append(ops, Op{Key: key, Val: data})
}

// open reads back what the KV holds: drops the blocks of reads a crash
// interrupted, then holds every segment whose record it can read (a
// record that cannot be read is dropped, and its interval read again).
// When the KV lost keys it cannot name (its own files are damaged),
// nothing it holds is trusted: it is emptied.
func (s *Segments) open() error {
	var ops []Op
	err := s.scanKV(pendingPrefix, func(key, _ []byte, _ error) {
		if len(key) == len(pendingPrefix)+8 {
			id := binary.BigEndian.Uint64(key[len(pendingPrefix):])
			ops = append(ops, Op{Key: blockKey(id), Delete: true}, Op{Key: deltaPrefix(id), Delete: true, Prefix: true})
		}
		ops = append(ops, Op{Key: key, Delete: true})
	})
	if err == nil {
		err = s.scanKV(metaPrefix, func(key, val []byte, err error) {
			if err != nil {
				ops = append(ops, Op{Key: key, Delete: true})
				return
			}
			s.meta[string(key[len(metaPrefix):])] = val
		})
	}
	if err == nil {
		err = s.scanKV(recordPrefix, func(key, val []byte, err error) {
			g, bad := s.segmentOf(val, err)
			if bad != "" {
				s.stats.Corrupt++
				s.log.Warn("cache: a segment on disk could not be read; its rows will be read from Stripe again", "reason", bad)
				ops = append(ops, Op{Key: key, Delete: true})
				return
			}
			if len(s.overlapping(g.Stream, g.Lo, g.Hi)) > 0 {
				ops = append(ops, Op{Key: key, Delete: true})
				return
			}
			s.insertLocked(g)
			for _, b := range g.blocks {
				s.disk += b.disk
			}
		})
	}
	if errors.Is(err, ErrCorrupt) {
		s.log.Warn("cache: the disk cache is damaged; it is emptied and rows will be read from Stripe again", "error", err.Error())
		s.streams, s.meta, s.disk = map[string][]*Segment{}, map[string][]byte{}, 0
		s.segLRU.Init()
		return s.kv.Write([]Op{{Key: nil, Delete: true, Prefix: true}}, true)
	}
	if err != nil {
		return err
	}
	return s.kv.Write(ops, true)
}

// scanKV is KV.Scan for open: f sees each key (err set for a value the
// KV cannot vouch for); a failure of the scan itself, keys lost that the
// KV cannot name (key nil), ends it with that error.
func (s *Segments) scanKV(prefix []byte, f func(key, val []byte, err error)) error {
	return s.kv.Scan(prefix, func(key, val []byte, err error) error {
		if key == nil {
			return err
		}
		f(key, val, err)
		return nil
	})
}

// segmentOf rebuilds a segment from its record, or says what is wrong
// with it.
func (s *Segments) segmentOf(val []byte, err error) (*Segment, string) {
	if err != nil {
		return nil, err.Error()
	}
	var r record
	if err := json.Unmarshal(val, &r); err != nil {
		return nil, "malformed record: " + err.Error()
	}
	g := &Segment{Stream: r.Stream, Lo: r.Lo, Hi: r.Hi, Since: time.Unix(0, r.Since), Final: r.Final}
	cur := r.Hi
	for _, br := range r.Blocks {
		if br.Hi != cur || br.Lo >= br.Hi || br.ID == 0 {
			return nil, fmt.Sprintf("blocks of [%d, %d) do not tile it", r.Lo, r.Hi)
		}
		cur = br.Lo
		g.blocks = append(g.blocks, &Block{Lo: br.Lo, Hi: br.Hi, stream: r.Stream, seg: g, id: br.ID,
			items: br.Items, disk: br.Disk, deltas: br.Deltas})
	}
	if cur != r.Lo || len(g.blocks) == 0 {
		return nil, fmt.Sprintf("blocks of [%d, %d) do not tile it", r.Lo, r.Hi)
	}
	return g, ""
}

// Meta returns the caller's record name (SetMeta, Apply), as the KV
// held it at open or as last set.
func (s *Segments) Meta(name string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.meta[name]
	return v, ok
}

// SetMeta sets the caller's record name (nil removes it), in the KV too.
func (s *Segments) SetMeta(name string, val []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if val == nil {
		delete(s.meta, name)
		s.writeLocked([]Op{{Key: metaKey(name), Delete: true}})
		return
	}
	s.meta[name] = val
	s.writeLocked([]Op{{Key: metaKey(name), Val: val}})
}

// kvState says whether a write to the KV failed: from then on nothing is
// written (a write that failed left the KV as it was, and a later write
// could claim changes it lost), and changes make blocks memory-only.
type kvState struct{ broken atomic.Bool }

func (s *Segments) broken() bool { return s.kvFailed.broken.Load() }

// writeLocked writes ops to the KV as one atomic write.
func (s *Segments) writeLocked(ops []Op) {
	if len(ops) == 0 || s.kv == nil || s.broken() {
		return
	}
	if err := s.kv.Write(ops, false); err != nil {
		s.failLocked(err)
	}
}

// failLocked stops writing to the KV after a failed write.
func (s *Segments) failLocked(err error) {
	if s.kvFailed.broken.Swap(true) {
		return
	}
	s.log.Error("cache: writing to the disk cache failed; it is not written any more until a restart (what it holds is caught up or read again then)",
		"error", err.Error())
}
