package cache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/testutil"
)

// memKV is a KV in memory, for the tests of Segments on a KV: writes are
// atomic; a value can be made corrupt, and writes made to fail.
type memKV struct {
	mu      sync.Mutex
	data    map[string][]byte
	corrupt map[string]bool
	fail    bool
	writes  int
}

func newMemKV() *memKV { return &memKV{data: map[string][]byte{}, corrupt: map[string]bool{}} }

func (m *memKV) Get(key []byte) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.data[string(key)]
	if ok && m.corrupt[string(key)] {
		return nil, false, ErrCorrupt
	}
	return append([]byte(nil), v...), ok, nil
}

func (m *memKV) Scan(prefix []byte, f func(key, val []byte, err error) error) error {
	m.mu.Lock()
	var keys []string
	for k := range m.data {
		if strings.HasPrefix(k, string(prefix)) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	vals := make([][]byte, len(keys))
	errs := make([]error, len(keys))
	for i, k := range keys {
		vals[i] = append([]byte(nil), m.data[k]...)
		if m.corrupt[k] {
			vals[i], errs[i] = nil, ErrCorrupt
		}
	}
	m.mu.Unlock()
	for i, k := range keys {
		if err := f([]byte(k), vals[i], errs[i]); err != nil {
			return err
		}
	}
	return nil
}

func (m *memKV) Write(ops []Op, _ bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return errors.New("disk full")
	}
	m.writes++
	for _, op := range ops {
		switch {
		case op.Delete && op.Prefix:
			for k := range m.data {
				if strings.HasPrefix(k, string(op.Key)) {
					delete(m.data, k)
					delete(m.corrupt, k)
				}
			}
		case op.Delete:
			delete(m.data, string(op.Key))
			delete(m.corrupt, string(op.Key))
		default:
			m.data[string(op.Key)] = append([]byte(nil), op.Val...)
		}
	}
	return nil
}

func (m *memKV) Hash(b []byte) []byte {
	sum := sha256.Sum256(b)
	return sum[:16]
}

// keys lists the keys with prefix.
func (m *memKV) keys(prefix string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k := range m.data {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// tvCodec stores a tv as "name|size"; a delta is a new name (the patch
// of changeTo), and a name ending in "*" asks to be compacted (the star
// goes).
type tvCodec struct {
	mu      sync.Mutex
	decodes int
}

func (c *tvCodec) Encode(v any) ([]byte, error) {
	x, ok := v.(tv)
	if !ok {
		return nil, fmt.Errorf("not a tv: %T", v)
	}
	return []byte(x.name + "|" + strconv.FormatInt(x.size, 10)), nil
}

func (c *tvCodec) Decode(_ string, data []byte, deltas [][]byte) (any, error) {
	c.mu.Lock()
	c.decodes++
	c.mu.Unlock()
	name, size, ok := bytes.Cut(data, []byte("|"))
	n, err := strconv.ParseInt(string(size), 10, 64)
	if !ok || err != nil {
		return nil, fmt.Errorf("malformed tv %q", data)
	}
	v := tv{string(name), n}
	for _, d := range deltas {
		v.name = string(d)
	}
	return v, nil
}

func (c *tvCodec) Compact(v any) (any, bool) {
	x := v.(tv)
	if !strings.HasSuffix(x.name, "*") {
		return v, false
	}
	return tv{strings.TrimSuffix(x.name, "*"), x.size}, true
}

// openKV opens Segments on kv with a memory bound, a disk bound (0:
// none) and a clock.
func openKV(t *testing.T, kv *memKV, maxBytes, diskBytes int64, clock *testutil.Clock) *Segments {
	t.Helper()
	s, err := OpenSegments(SegmentsOptions{MaxBytes: maxBytes, TTL: time.Hour, Now: clock.Now, KV: kv, DiskBytes: diskBytes, Codec: &tvCodec{}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// blocksOf makes n blocks of size bytes tiling [0, 10n), newest first,
// named B<n-1> … B0, each of one item.
func blocksOf(n int, size int64) []NewBlock {
	var out []NewBlock
	for i := n - 1; i >= 0; i-- {
		out = append(out, NewBlock{Lo: int64(10 * i), Hi: int64(10*i + 10), Value: tv{fmt.Sprintf("B%d", i), size}, Items: 1})
	}
	return out
}

// loadAll loads every block of stream's parts over [lo, hi) and returns
// their names, newest first ("gap" for a gap).
func loadAll(t *testing.T, s *Segments, stream string, lo, hi int64) string {
	t.Helper()
	var names []string
	for _, p := range s.Cover(stream, lo, hi) {
		if p.Segment == nil {
			names = append(names, fmt.Sprintf("gap[%d,%d)", p.Lo, p.Hi))
			continue
		}
		for _, b := range p.Blocks {
			v, err := s.Load(b)
			if err != nil {
				names = append(names, "ERR:"+err.Error())
				continue
			}
			names = append(names, v.(tv).name)
		}
	}
	return strings.Join(names, " ")
}

// A segment larger than memory is held whole: its blocks are on the KV,
// memory holds those used last, within MaxBytes, and the others are read
// back when used.
func TestSegmentsKVLargerThanMemory(t *testing.T) {
	clock := testutil.NewClock()
	kv := newMemKV()
	s := openKV(t, kv, 100, 0, clock)
	if !s.Put("s", 0, 100, clock.Now(), blocksOf(10, 30)) {
		t.Fatal("Put stored nothing")
	}
	checkSegments(t, s)
	_, bytes, st := s.Stats()
	if bytes > 100 || len(st) != 1 || st[0].Blocks != 10 || st[0].Items != 10 || st[0].Disk == 0 {
		t.Fatalf("bytes %d, streams %+v: want ≤ 100 bytes in memory and the 10 blocks held", bytes, st)
	}
	// The newest blocks are the ones left in memory.
	if got := held(s, "s"); got != "(disk)+(disk)+(disk)+(disk)+(disk)+(disk)+(disk)+B2+B1+B0[0,100)" &&
		!strings.HasPrefix(got, "B9+B8+B7") {
		t.Logf("held = %q", got)
	}
	if got := loadAll(t, s, "s", 0, 100); got != "B9 B8 B7 B6 B5 B4 B3 B2 B1 B0" {
		t.Errorf("blocks read = %q", got)
	}
	if n, ok := s.Count("s", 0, 100); !ok || n != 10 {
		t.Errorf("Count = %d, %v; want 10, true", n, ok)
	}
	if st, bytes, _ := s.Stats(); st.Loads == 0 || bytes > 100 {
		t.Errorf("Loads %d, bytes %d: want blocks read back and memory within its bound", st.Loads, bytes)
	}
	checkSegments(t, s)
}

// Without a KV, a segment larger than memory keeps its newest blocks: the
// oldest leave first, and the segment is cut above them.
func TestSegmentsMemoryKeepsTheNewestBlocks(t *testing.T) {
	s, clock := newTestSegments(100, time.Hour)
	s.Put("s", 0, 100, clock.Now(), blocksOf(10, 30))
	if got := held(s, "s"); got != "B9+B8+B7[70,100)" {
		t.Errorf("held = %q, want the three newest blocks", got)
	}
	checkSegments(t, s)
}

// What the KV holds is held again by the next Segments opened on it:
// segments, block values (read back when used), the caller's meta.
func TestSegmentsKVReopen(t *testing.T) {
	clock := testutil.NewClock()
	kv := newMemKV()
	s := openKV(t, kv, 1000, 0, clock)
	s.Put("s", 0, 100, clock.Now(), blocksOf(10, 30))
	put(s, "other?email=ann@example.com", 5, 7, clock.Now(), "X", 1, 3)
	s.SetMeta("cursor", []byte("evt_1"))

	r := openKV(t, kv, 1000, 0, clock)
	if got := loadAll(t, r, "s", 0, 100); got != "B9 B8 B7 B6 B5 B4 B3 B2 B1 B0" {
		t.Errorf("after reopening, blocks read = %q", got)
	}
	if got := loadAll(t, r, "other?email=ann@example.com", 0, 10); got != "gap[7,10) X gap[0,5)" {
		t.Errorf("after reopening, other stream = %q", got)
	}
	if v, ok := r.Meta("cursor"); !ok || string(v) != "evt_1" {
		t.Errorf("Meta(cursor) = %q, %v", v, ok)
	}
	if n, ok := r.Count("s", 0, 100); !ok || n != 10 {
		t.Errorf("Count = %d, %v", n, ok)
	}
	if r.DiskBytes() != s.DiskBytes() || r.DiskBytes() == 0 {
		t.Errorf("DiskBytes = %d after reopening, %d before", r.DiskBytes(), s.DiskBytes())
	}
	// Stream names are not in the keys.
	for _, k := range kv.keys("") {
		if strings.Contains(k, "ann@example.com") {
			t.Errorf("key %q shows a stream's name", k)
		}
	}
	checkSegments(t, r)
}

// The blocks of a read that never finished (the process died) are not
// anyone's: the next open drops them.
func TestSegmentsKVUnfinishedReadDropped(t *testing.T) {
	clock := testutil.NewClock()
	kv := newMemKV()
	s := openKV(t, kv, 1000, 0, clock)
	cl, _ := s.Claim(context.Background(), "s", 1, 0, 100)
	for _, nb := range blocksOf(3, 10) {
		cl.Add(nb)
	}
	if n := len(kv.keys("b/")); n != 3 {
		t.Fatalf("%d blocks written during the read, want 3", n)
	}
	// A crash now: the claim never finishes.
	r := openKV(t, kv, 1000, 0, clock)
	if got := kv.keys(""); len(got) != 0 {
		t.Errorf("keys left after reopening: %q", got)
	}
	if got := loadAll(t, r, "s", 0, 100); got != "gap[0,100)" {
		t.Errorf("held = %q", got)
	}
}

// A claim's blocks that tile the interval from its top are stored as one
// segment; the pending marks go.
func TestSegmentsKVClaimFinish(t *testing.T) {
	clock := testutil.NewClock()
	kv := newMemKV()
	s := openKV(t, kv, 50, 0, clock)
	cl, _ := s.Claim(context.Background(), "s", 1, -100, 50)
	for _, nb := range blocksOf(5, 20) {
		cl.Add(nb)
	}
	// The blocks tile [0, 50) from the top; one more block is below a
	// hole: not stored.
	cl.Add(NewBlock{Lo: -30, Hi: -20, Value: tv{"stray", 20}, Items: 1})
	if !cl.Finish(-100, 50, clock.Now()) {
		t.Fatal("Finish stored nothing")
	}
	if got := loadAll(t, s, "s", -100, 50); got != "B4 B3 B2 B1 B0 gap[-100,0)" {
		t.Errorf("held = %q", got)
	}
	if got := kv.keys("p/"); len(got) != 0 {
		t.Errorf("pending marks left: %q", got)
	}
	if got := len(kv.keys("b/")); got != 5 {
		t.Errorf("%d blocks in the KV, want 5 (the stray one dropped)", got)
	}
	checkSegments(t, s)
}

// The disk bound: the least recently used segment gives up its oldest
// blocks first.
func TestSegmentsKVDiskBound(t *testing.T) {
	clock := testutil.NewClock()
	kv := newMemKV()
	// Each block's bytes are "B<i>|10": 5 bytes.
	s := openKV(t, kv, 1000, 30, clock)
	s.Put("a", 0, 30, clock.Now(), blocksOf(3, 10))
	s.Put("b", 0, 30, clock.Now(), blocksOf(3, 10))
	s.Cover("a", 0, 30) // b is the least recently used
	s.Put("c", 0, 20, clock.Now(), blocksOf(2, 10))
	if s.DiskBytes() > 30 {
		t.Errorf("DiskBytes = %d, want ≤ 30", s.DiskBytes())
	}
	if got := held(s, "b"); got != "B2[20,30)" {
		t.Errorf("b holds %q, want its newest block only", got)
	}
	if got := held(s, "a"); got != "B2+B1+B0[0,30)" {
		t.Errorf("a holds %q, want all of it", got)
	}
	if got := len(kv.keys("b/")); got != 6 {
		t.Errorf("%d blocks in the KV, want 6", got)
	}
	checkSegments(t, s)
}

// A block the KV cannot vouch for is never served: Load says it is gone,
// the segment is cut around it (so the gap is read again), and the next
// open holds the cut.
func TestSegmentsKVCorruptBlock(t *testing.T) {
	clock := testutil.NewClock()
	kv := newMemKV()
	s := openKV(t, kv, 1, 0, clock) // nothing stays in memory
	s.Put("s", 0, 50, clock.Now(), blocksOf(5, 10))
	parts := s.Cover("s", 0, 50)
	kv.mu.Lock()
	kv.corrupt[string(blockKey(parts[0].Blocks[2].id))] = true // B2
	kv.mu.Unlock()
	if got := loadAll(t, s, "s", 0, 50); got != "B4 B3 ERR:"+ErrBlockGone.Error()+" B1 B0" {
		t.Errorf("blocks read = %q", got)
	}
	if got := loadAll(t, s, "s", 0, 50); got != "B4 B3 gap[20,30) B1 B0" {
		t.Errorf("blocks read after = %q", got)
	}
	if st := segStats(s); st.Corrupt != 1 {
		t.Errorf("Corrupt = %d, want 1", st.Corrupt)
	}
	r := openKV(t, kv, 1, 0, clock)
	if got := loadAll(t, r, "s", 0, 50); got != "B4 B3 gap[20,30) B1 B0" {
		t.Errorf("after reopening = %q", got)
	}
	checkSegments(t, r)
}

// A corrupt record is dropped at open; the other segments are held.
func TestSegmentsKVCorruptRecord(t *testing.T) {
	clock := testutil.NewClock()
	kv := newMemKV()
	s := openKV(t, kv, 1000, 0, clock)
	put(s, "a", 0, 10, clock.Now(), "A", 1, 1)
	put(s, "b", 0, 10, clock.Now(), "B", 1, 1)
	kv.mu.Lock()
	kv.corrupt[string(s.recordKey("a", 0))] = true
	kv.mu.Unlock()
	r := openKV(t, kv, 1000, 0, clock)
	if got := loadAll(t, r, "a", 0, 10) + " " + loadAll(t, r, "b", 0, 10); got != "gap[0,10) B" {
		t.Errorf("held = %q", got)
	}
	if st := segStats(r); st.Corrupt != 1 {
		t.Errorf("Corrupt = %d", st.Corrupt)
	}
}

// Apply on a KV: a change to a block not in memory reads it back, makes
// the change, and writes the change's delta with the meta in one write;
// the next open reads the block with its deltas. A block whose changes
// piled up is compacted: its deltas are replaced by its new bytes.
func TestSegmentsKVApply(t *testing.T) {
	clock := testutil.NewClock()
	kv := newMemKV()
	s := openKV(t, kv, 1, 0, clock) // nothing stays in memory
	s.Put("s", 0, 30, clock.Now(), blocksOf(3, 10))
	var seen []string
	ch := changeTo("s", 15, &seen, "N", 10, 4, true)
	ch.Delta = []byte("N")
	writes := kv.writes
	s.Apply([]Change{ch}, map[string][]byte{"cursor": []byte("evt_9")})
	if kv.writes != writes+1 {
		t.Errorf("%d writes for one Apply, want 1", kv.writes-writes)
	}
	if fmt.Sprint(seen) != "[B1[10,20)]" {
		t.Errorf("patched %v", seen)
	}
	if got := len(kv.keys("d/")); got != 1 {
		t.Errorf("%d deltas in the KV, want 1", got)
	}
	r := openKV(t, kv, 1000, 0, clock)
	if got := loadAll(t, r, "s", 0, 30); got != "B2 N B0" {
		t.Errorf("after reopening = %q", got)
	}
	if n, _ := r.Count("s", 0, 30); n != 1+4+1 {
		t.Errorf("Count = %d, want 6", n)
	}
	if v, _ := r.Meta("cursor"); string(v) != "evt_9" {
		t.Errorf("Meta = %q", v)
	}
	// A change asking to be compacted.
	ch = changeTo("s", 15, &seen, "M*", 10, 4, true)
	ch.Delta = []byte("M*")
	r.Apply([]Change{ch}, nil)
	if got := len(kv.keys("d/")); got != 0 {
		t.Errorf("%d deltas after compaction, want 0", got)
	}
	q := openKV(t, kv, 1000, 0, clock)
	if got := loadAll(t, q, "s", 0, 30); got != "B2 M B0" {
		t.Errorf("after compaction and reopening = %q", got)
	}
	checkSegments(t, q)
}

// A change made while the interval holding its key is being read is made
// to the read's blocks when the read ends (the read may predate it); a
// cut makes the read store nothing.
func TestSegmentsChangeDuringRead(t *testing.T) {
	for _, durable := range []bool{false, true} {
		t.Run(fmt.Sprint("durable=", durable), func(t *testing.T) {
			clock := testutil.NewClock()
			var s *Segments
			if durable {
				s = openKV(t, newMemKV(), 1, 0, clock)
			} else {
				s, _ = newTestSegments(1000, time.Hour)
			}
			cl, _ := s.Claim(context.Background(), "s", 1, 0, 30)
			nbs := blocksOf(3, 10)
			cl.Add(nbs[0])
			var seen []string
			ch := changeTo("s", 5, &seen, "N", 10, 2, true) // in B0, not read yet
			ch.Delta = []byte("N")
			s.Apply([]Change{ch}, nil)
			cl.Add(nbs[1])
			cl.Add(nbs[2])
			if !cl.Finish(0, 30, clock.Now()) {
				t.Fatal("Finish stored nothing")
			}
			if got := loadAll(t, s, "s", 0, 30); got != "B2 B1 N" {
				t.Errorf("held = %q, want the change made to B0", got)
			}
			if n, _ := s.Count("s", 0, 30); n != 4 {
				t.Errorf("Count = %d, want 4", n)
			}
			checkSegments(t, s)
		})
	}
}

// Fresh keeps a stream's segments from expiring while something else
// (the source's events) keeps them right.
func TestSegmentsFresh(t *testing.T) {
	clock := testutil.NewClock()
	var mu sync.Mutex
	freshUntil := time.Time{}
	s, _ := OpenSegments(SegmentsOptions{MaxBytes: 1000, TTL: time.Minute, Now: clock.Now,
		Fresh: func(stream string, _ time.Time) time.Time {
			mu.Lock()
			defer mu.Unlock()
			if stream == "kept" {
				return freshUntil
			}
			return time.Time{}
		}})
	put(s, "kept", 0, 10, clock.Now(), "K", 1, 1)
	put(s, "aged", 0, 10, clock.Now(), "A", 1, 1)
	for i := 0; i < 5; i++ {
		clock.Advance(50 * time.Second)
		mu.Lock()
		freshUntil = clock.Now()
		mu.Unlock()
	}
	if got := fmtParts(s.Cover("kept", 0, 10)); got != "K[0,10)" {
		t.Errorf("kept = %q, want held after 250 s with fresh events", got)
	}
	if got := fmtParts(s.Cover("aged", 0, 10)); got != "gap[0,10)" {
		t.Errorf("aged = %q, want expired", got)
	}
	clock.Advance(time.Minute) // the events stopped a minute ago
	if got := fmtParts(s.Cover("kept", 0, 10)); got != "gap[0,10)" {
		t.Errorf("kept = %q, want expired once its events stopped for the TTL", got)
	}
}

// After a write fails the KV is not written again: a change makes its
// block memory-only (its bytes on the KV no longer hold it), and the meta
// that would say the change was made is not written.
func TestSegmentsKVFailedWrite(t *testing.T) {
	clock := testutil.NewClock()
	kv := newMemKV()
	s := openKV(t, kv, 1000, 0, clock)
	s.Put("s", 0, 30, clock.Now(), blocksOf(3, 10))
	kv.mu.Lock()
	kv.fail = true
	kv.mu.Unlock()
	var seen []string
	ch := changeTo("s", 15, &seen, "N", 10, 1, true)
	ch.Delta = []byte("N")
	s.Apply([]Change{ch}, map[string][]byte{"cursor": []byte("evt_2")}) // fails: broken
	s.Apply([]Change{ch}, map[string][]byte{"cursor": []byte("evt_3")})
	kv.mu.Lock()
	kv.fail = false
	kv.mu.Unlock()
	if got := loadAll(t, s, "s", 0, 30); got != "B2 N B0" {
		t.Errorf("held = %q", got)
	}
	r := openKV(t, kv, 1000, 0, clock)
	if _, ok := r.Meta("cursor"); ok {
		t.Error("the cursor of changes never written is in the KV")
	}
	checkSegments(t, s)
}

// A read whose older data no longer changes stores it as a final
// segment: the TTL expires only the rest, and a restart keeps it final.
func TestSegmentsFinalPart(t *testing.T) {
	clock := testutil.NewClock()
	kv := newMemKV()
	s := openKV(t, kv, 1000, 0, clock)
	cl, _ := s.Claim(context.Background(), "s", 1, 0, 30)
	for _, nb := range blocksOf(3, 10) {
		cl.Add(nb)
	}
	if !cl.FinishFinal(0, 30, clock.Now(), 25) { // B0 and B1 are below 25
		t.Fatal("FinishFinal stored nothing")
	}
	if got := held(s, "s"); got != "B1+B0[0,20) B2[20,30)" {
		t.Errorf("held = %q", got)
	}
	clock.Advance(2 * time.Hour)
	if got := loadAll(t, s, "s", 0, 30); got != "gap[20,30) B1 B0" {
		t.Errorf("after the TTL = %q, want the final part held", got)
	}
	r := openKV(t, kv, 1000, 0, clock)
	clock.Advance(2 * time.Hour)
	if got := loadAll(t, r, "s", 0, 30); got != "gap[20,30) B1 B0" {
		t.Errorf("after reopening and the TTL = %q, want the final part held", got)
	}
	checkSegments(t, r)
}

// A block of a read that turns out unreadable before the read ends (a
// change made it read back) is no part of what the read stores: the
// segment ends above it.
func TestSegmentsKVClaimBlockUnreadable(t *testing.T) {
	clock := testutil.NewClock()
	kv := newMemKV()
	s := openKV(t, kv, 1, 0, clock) // nothing stays in memory
	cl, _ := s.Claim(context.Background(), "s", 1, 0, 30)
	for _, nb := range blocksOf(3, 10) {
		cl.Add(nb)
	}
	kv.mu.Lock()
	kv.corrupt[string(blockKey(cl.c.blocks[1].id))] = true // B1
	kv.mu.Unlock()
	var seen []string
	ch := changeTo("s", 15, &seen, "N", 10, 1, true) // in B1: read back at Finish
	ch.Delta = []byte("N")
	s.Apply([]Change{ch}, nil)
	if !cl.Finish(0, 30, clock.Now()) {
		t.Fatal("Finish stored nothing")
	}
	if got := loadAll(t, s, "s", 0, 30); got != "B2 gap[0,20)" {
		t.Errorf("held = %q, want B2 only (B1 unreadable, B0 below it)", got)
	}
	checkSegments(t, s)
}

// A read longer than the TTL is stored when something kept its stream
// right meanwhile (its changes are made to it at the end): not expired on
// arrival.
func TestSegmentsLongReadKeptFresh(t *testing.T) {
	clock := testutil.NewClock()
	var fresh time.Time
	s, _ := OpenSegments(SegmentsOptions{MaxBytes: 1000, TTL: time.Minute, Now: clock.Now,
		Fresh: func(stream string, _ time.Time) time.Time {
			if stream == "kept" {
				return fresh
			}
			return time.Time{}
		}})
	since := clock.Now()
	kept, _ := s.Claim(context.Background(), "kept", 1, 0, 10)
	aged, _ := s.Claim(context.Background(), "aged", 1, 0, 10)
	clock.Advance(5 * time.Minute) // the reads took five TTLs
	fresh = clock.Now()
	if !finish(kept, 0, 10, since, "K", 1, 1) {
		t.Error("a long read of a stream kept right meanwhile was not stored")
	}
	if finish(aged, 0, 10, since, "A", 1, 1) {
		t.Error("a long read of a stream nothing kept right was stored, expired")
	}
}

// A batch of changes touching many blocks is made a few blocks at a time
// (memory holds no more of them at once), the meta in the last write.
func TestSegmentsKVApplyInParts(t *testing.T) {
	clock := testutil.NewClock()
	kv := newMemKV()
	s := openKV(t, kv, 1, 0, clock) // nothing stays in memory
	const n = 2*applyBlocks + 6
	s.Put("s", 0, 10*n, clock.Now(), blocksOf(n, 10))
	var changes []Change
	var seen []string
	for i := 0; i < n; i++ {
		ch := changeTo("s", int64(10*i+5), &seen, fmt.Sprintf("N%d", i), 10, 1, true)
		ch.Delta = []byte(fmt.Sprintf("N%d", i))
		changes = append(changes, ch)
	}
	writes := kv.writes
	s.Apply(changes, map[string][]byte{"cursor": []byte("done")})
	if got := kv.writes - writes; got != 3 {
		t.Errorf("%d writes for %d blocks, want 3 parts of at most %d", got, n, applyBlocks)
	}
	if len(seen) != n {
		t.Errorf("%d changes made, want %d", len(seen), n)
	}
	r := openKV(t, kv, 1, 0, clock)
	if v, _ := r.Meta("cursor"); string(v) != "done" {
		t.Errorf("meta = %q", v)
	}
	if got := loadAll(t, r, "s", 0, 20); got != "N1 N0" {
		t.Errorf("after reopening: %q", got)
	}
}

// A block's hint stays while its value does (in memory or not), and goes
// when a change replaces it; a hint of an older value is not noted.
func TestSegmentsHint(t *testing.T) {
	s, clock := newTestSegments(1000, time.Hour)
	put(s, "s", 0, 10, clock.Now(), "A", 1, 1)
	b := s.Cover("s", 0, 10)[0].Blocks[0]
	ver := s.Version(b)
	s.Load(b)
	s.SetHint(b, ver, "ids of A")
	if h := s.Hint(b); h != "ids of A" {
		t.Errorf("Hint = %v", h)
	}
	var seen []string
	s.Apply([]Change{changeTo("s", 5, &seen, "B", 1, 1, true)}, nil)
	if h := s.Hint(b); h != nil {
		t.Errorf("Hint after a change = %v, want none", h)
	}
	s.SetHint(b, ver, "stale") // made from the value before the change
	if h := s.Hint(b); h != nil {
		t.Errorf("Hint after a stale SetHint = %v, want none", h)
	}
	// A change that says how the hint changes keeps it so.
	s.SetHint(b, s.Version(b), "ids of B")
	ch := changeTo("s", 5, &seen, "C", 1, 1, true)
	ch.Rehint = func(h any) any { return h.(string) + " and C" }
	s.Apply([]Change{ch}, nil)
	if h := s.Hint(b); h != "ids of B and C" {
		t.Errorf("Hint after a change with Rehint = %v", h)
	}
}
