package cache

import (
	"container/list"
	"errors"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// Segments holds data known to be complete over intervals of an ordered
// key space (for example: every object created in [lo, hi)), per stream.
// A stream is an opaque name for one way of reading the data; the caller
// decides what makes two reads the same stream.
//
// The store is what makes interval caching correct by construction:
//   - a segment is added only for an interval read whole, and the
//     segments of a stream never overlap (a new segment drops what it
//     overlaps), so a value is held at most once per stream;
//   - Cover splits a requested interval into the held segments and the
//     gaps left to read, so a reader fetches exactly what is missing;
//   - a segment is a sequence of blocks tiling its interval, each a
//     bounded part of its data: memory holds the blocks used lately
//     (least recently used out first, within MaxBytes); with a KV (a
//     disk) every block is there too and is read back when needed, so no
//     interval is dropped for being larger than memory. Without one, a
//     block out of memory is out of its segment: the segment is cut
//     around it (it keeps the rest, still read whole);
//   - a segment expires TTL after its data was last known right: its
//     read, or later when something else keeps the stream right (Fresh,
//     the events of a source); expiry drops it whole;
//   - a change to one key (Apply) touches the one block holding it.
//
// Values are opaque: the caller gives a BlockCodec to turn them into
// bytes and back, and to fold changes into them.
type Segments struct {
	maxBytes int64
	ttl      time.Duration
	now      func() time.Time
	kv       KV
	codec    BlockCodec
	diskMax  int64
	fresh    func(stream string, since time.Time) time.Time
	log      *slog.Logger

	mu      sync.Mutex
	streams map[string][]*Segment // sorted by Lo, disjoint
	segLRU  *list.List            // of *Segment, most recently used first
	memLRU  *list.List            // of *Block held in memory, most recently used first
	bytes   int64                 // memory of the blocks held in memory
	disk    int64                 // bytes of the blocks in the KV
	stats   SegmentStats
	// reading are the intervals being read now, per stream (see Claim).
	reading map[string][]*claim
	// meta are the caller's records kept beside the segments (SetMeta).
	meta map[string][]byte
	// kvFailed stops writes after a failed one (segments_kv.go).
	kvFailed kvState
}

// SegmentsOptions configure a Segments.
type SegmentsOptions struct {
	// MaxBytes bounds the memory of the blocks held in memory; TTL is how
	// long a segment stays fresh (see Fresh); both positive or nothing is
	// held. Now is the clock (nil: time.Now).
	MaxBytes int64
	TTL      time.Duration
	Now      func() time.Time
	// KV, when set, keeps every block and segment (OpenSegments reads
	// back what it holds): DiskBytes bounds the blocks' bytes there
	// (least recently used segments give up their oldest blocks first).
	KV        KV
	DiskBytes int64
	// Codec turns values into bytes and back, and folds changes; needed
	// with a KV, and for Apply.
	Codec BlockCodec
	// Fresh, when set, says until when something other than a read kept
	// the data of a stream read from since on right (zero: nothing did):
	// a segment expires TTL after the later of its read and that. It is
	// called with the store locked: it must not use the store.
	Fresh func(stream string, since time.Time) time.Time
	// Logger receives what the store could not do on its KV (nil: none).
	Logger *slog.Logger
}

// BlockCodec is what Segments needs of the values it holds (which say
// their size in memory as Sized).
type BlockCodec interface {
	// Encode returns a value's bytes for the KV.
	Encode(v any) ([]byte, error)
	// Decode rebuilds a block of stream from its bytes and the deltas
	// written after them (Change.Delta), oldest first.
	Decode(stream string, data []byte, deltas [][]byte) (any, error)
	// Compact returns v with the changes folded into it made cheap to
	// read again, and true, when that is worth doing (then its deltas
	// are replaced by its new bytes).
	Compact(v any) (any, bool)
}

// Segment is one interval [Lo, Hi) of a stream held whole.
type Segment struct {
	Stream string
	Lo, Hi int64
	// Since is when the read of the interval started: the data is at least
	// as new as that.
	Since time.Time
	// Final is set when the interval's data no longer changes (the
	// caller said so: see Claim.FinishFinal): it never expires.
	Final bool

	blocks []*Block // newest first, tiling [Lo, Hi)
	elem   *list.Element
}

// Block is a part [Lo, Hi) of a segment's interval and its data. The
// lowest block of a segment may also hold data of keys below the
// segment's Lo (a tail the caller knows of; see Apply).
type Block struct {
	Lo, Hi int64

	stream string
	seg    *Segment // nil while it belongs to a claim
	id     uint64
	items  int
	disk   int64 // its bytes in the KV (0: none)
	deltas int   // deltas written after its bytes
	val    any   // nil when not in memory
	size   int64 // memory charged for val
	elem   *list.Element
	pins   int  // Apply holds it in memory
	gone   bool // dropped: it is no longer anyone's
	// hint is the caller's note about the block's value (SetHint),
	// dropped when the value changes; version counts the changes.
	hint    any
	version uint64
	// loading is closed when a read of the block from the KV ends.
	loading chan struct{}
}

// SegmentStats are a store's counters.
type SegmentStats struct {
	Hits      int64 // segments served by Cover
	Gaps      int64 // intervals read by a claim (Claim)
	Evictions int64 // blocks dropped from memory to stay within MaxBytes (or from the disk within DiskBytes)
	Expired   int64 // segments dropped because their TTL had passed
	Waiting   int64 // readers now waiting for another's read (Claim)
	Loads     int64 // blocks read back from the KV
	Corrupt   int64 // blocks the KV could not vouch for, dropped (read again when needed)
	Changes   int64 // changes applied to held blocks (Apply)
}

// StreamStats describes what one stream holds.
type StreamStats struct {
	Stream   string
	Segments int
	Blocks   int
	Items    int
	Bytes    int64 // in memory
	Disk     int64 // in the KV
	Oldest   time.Time
}

// ErrBlockGone is Load's error for a block dropped meanwhile (evicted, cut
// by a change, or unreadable): the caller covers its interval again.
var ErrBlockGone = errors.New("segment block gone")

// NewSegments returns an empty store held in memory only.
func NewSegments(opts Options) *Segments {
	s, _ := OpenSegments(SegmentsOptions{MaxBytes: opts.MaxBytes, TTL: opts.TTL, Now: opts.Now})
	return s
}

// OpenSegments returns a store configured by opts; with a KV it holds
// again what the KV holds (see open in segments_kv.go).
func OpenSegments(opts SegmentsOptions) (*Segments, error) {
	s := &Segments{maxBytes: opts.MaxBytes, ttl: opts.TTL, now: opts.Now, kv: opts.KV, codec: opts.Codec,
		diskMax: opts.DiskBytes, fresh: opts.Fresh, log: opts.Logger,
		streams: map[string][]*Segment{}, segLRU: list.New(), memLRU: list.New(),
		reading: map[string][]*claim{}, meta: map[string][]byte{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.kv == nil {
		return s, nil
	}
	if s.codec == nil {
		return nil, errors.New("cache: segments on a KV need a codec")
	}
	return s, s.open()
}

// Enabled reports whether the store holds anything (positive TTL and MaxBytes).
func (s *Segments) Enabled() bool { return s.ttl > 0 && s.maxBytes > 0 }

// Durable reports whether the store keeps what it holds in a KV.
func (s *Segments) Durable() bool { return s.kv != nil }

// Now is the store's clock.
func (s *Segments) Now() time.Time { return s.now() }

// Part is a piece of a covered interval: a held segment clipped to the
// interval asked for, with its blocks that meet it (newest first, as they
// were then), or (Segment nil) a gap to read.
type Part struct {
	Lo, Hi  int64
	Segment *Segment
	Blocks  []*Block
}

// Cover splits [lo, hi) of stream into held segments and gaps, from the
// highest keys down (the order Stripe lists objects in). Held segments
// become the most recently used.
func (s *Segments) Cover(stream string, lo, hi int64) []Part {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.coverLocked(stream, lo, hi, true)
}

// coverLocked is Cover; use marks the held segments used (a hit, most
// recently used), which a plan only asking (Covers) does not.
func (s *Segments) coverLocked(stream string, lo, hi int64, use bool) []Part {
	s.expireLocked(stream)
	segs := s.streams[stream]
	var parts []Part
	cur := hi
	for i := len(segs) - 1; i >= 0 && cur > lo; i-- {
		g := segs[i]
		if g.Lo >= cur {
			continue
		}
		if g.Hi <= lo {
			break
		}
		if g.Hi < cur {
			parts = append(parts, Part{Lo: g.Hi, Hi: cur})
		}
		plo, phi := max(g.Lo, lo), min(g.Hi, cur)
		blocks := blocksMeeting(g, plo, phi)
		parts = append(parts, Part{Lo: plo, Hi: phi, Segment: g, Blocks: blocks})
		if use {
			s.segLRU.MoveToFront(g.elem)
			s.stats.Hits++
			// A use of the blocks too: oldest first, so that the newest
			// are the last to leave memory.
			for i := len(blocks) - 1; i >= 0; i-- {
				if b := blocks[i]; b.elem != nil {
					s.memLRU.MoveToFront(b.elem)
				}
			}
		}
		cur = plo
	}
	if cur > lo {
		parts = append(parts, Part{Lo: lo, Hi: cur})
	}
	return parts
}

// blocksMeeting are g's blocks that meet [lo, hi), newest first; the
// lowest block of g meets a part reaching down to g.Lo (its tail is
// below).
func blocksMeeting(g *Segment, lo, hi int64) []*Block {
	var out []*Block
	for _, b := range g.blocks {
		if b.Lo < hi && lo < b.Hi {
			out = append(out, b)
		}
	}
	return out
}

// Covers reports whether stream's held segments cover [lo, hi) with no
// gap (they may reach beyond it), as Cover would find them; it counts no
// hit and changes no recency (a plan asking, not a read).
func (s *Segments) Covers(stream string, lo, hi int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.coverLocked(stream, lo, hi, false) {
		if p.Segment == nil {
			return false
		}
	}
	return true
}

// Count returns the items of stream's segments when they cover [lo, hi)
// with no gap and lie within it; it counts no hit and changes no recency.
func (s *Segments) Count(stream string, lo, hi int64) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	segs, ok := s.wholeLocked(stream, lo, hi)
	n := 0
	for _, g := range segs {
		for _, b := range g.blocks {
			n += b.items
		}
	}
	return n, ok
}

// Whole returns stream's segments, newest first, when they cover [lo, hi)
// with no gap and lie within it, each with all its blocks (Part.Blocks);
// it counts no hit and changes no recency.
func (s *Segments) Whole(stream string, lo, hi int64) ([]Part, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	segs, ok := s.wholeLocked(stream, lo, hi)
	if !ok {
		return nil, false
	}
	out := make([]Part, len(segs))
	for i, g := range segs {
		out[i] = Part{Lo: g.Lo, Hi: g.Hi, Segment: g, Blocks: append([]*Block(nil), g.blocks...)}
	}
	return out, true
}

func (s *Segments) wholeLocked(stream string, lo, hi int64) ([]*Segment, bool) {
	s.expireLocked(stream)
	cur := hi
	segs := s.streams[stream]
	out := make([]*Segment, 0, len(segs))
	for i := len(segs) - 1; i >= 0; i-- {
		g := segs[i]
		if g.Hi != cur || g.Lo < lo {
			return nil, false
		}
		out, cur = append(out, g), g.Lo
	}
	return out, cur == lo
}

// expireLocked drops the stream's segments whose TTL has passed.
func (s *Segments) expireLocked(stream string) {
	segs := s.streams[stream]
	if len(segs) == 0 {
		return
	}
	now := s.now()
	var ops []Op
	for _, g := range append([]*Segment(nil), segs...) { // removeLocked shifts the slice
		if !g.Final && s.expiredLocked(stream, g.Since, now) {
			ops = s.removeLocked(g, ops)
			s.stats.Expired++
		}
	}
	s.writeLocked(ops)
}

// expiredLocked reports whether data of stream read from since on has
// expired at now: TTL after the later of its read and what kept it right
// since (Fresh). A read longer than the TTL is not expired on arrival
// when the stream's events kept it right meanwhile.
func (s *Segments) expiredLocked(stream string, since, now time.Time) bool {
	at := since
	if s.fresh != nil {
		if f := s.fresh(stream, since); f.After(at) {
			at = f
		}
	}
	return !now.Before(at.Add(s.ttl))
}

// NewBlock is a block to store: the part [Lo, Hi) of an interval, its
// value and the number of items within [Lo, Hi).
type NewBlock struct {
	Lo, Hi int64
	Value  any
	Items  int
}

// Put adds the segment [lo, hi) of stream, read whole from since on, made
// of blocks (newest first, tiling it). Segments it overlaps are dropped
// first (they are older or equal reads).
func (s *Segments) Put(stream string, lo, hi int64, since time.Time, blocks []NewBlock) bool {
	stored := s.prepare(stream, blocks)
	s.mu.Lock()
	defer s.mu.Unlock()
	ok, ops := s.putLocked(stream, lo, hi, since, stored, notFinal, nil)
	s.writeLocked(ops)
	return ok
}

// notFinal is a finalBelow of putLocked that makes no part final.
const notFinal = -1 << 63

// putLocked stores the segment [lo, hi) of stream made of the contiguous
// run of blocks that starts at hi (the others are dropped), and reports
// whether it stored it; the KV changes are added to ops. The blocks
// wholly below finalBelow are a segment of their own, final (it never
// expires).
func (s *Segments) putLocked(stream string, lo, hi int64, since time.Time, blocks []*Block, finalBelow int64, ops []Op) (bool, []Op) {
	// A block that is larger than memory and not on disk cannot be held;
	// one dropped meanwhile (unreadable) is no part of the segment.
	fit := blocks[:0:0]
	for _, b := range blocks {
		switch {
		case b.gone:
		case b.durable() || sizeOf(b.val) <= s.maxBytes:
			fit = append(fit, b)
		default:
			ops = s.dropBlockLocked(b, ops)
		}
	}
	// What the read covered is newer than what is held there.
	if s.Enabled() && lo < hi {
		for _, g := range s.overlapping(stream, lo, hi) {
			ops = s.removeLocked(g, ops)
		}
	}
	run, rest := tiling(fit, lo, hi)
	for _, b := range rest {
		ops = s.dropBlockLocked(b, ops)
	}
	if len(run) == 0 || !s.Enabled() {
		for _, b := range run {
			ops = s.dropBlockLocked(b, ops)
		}
		return false, ops
	}
	segLo := max(lo, run[len(run)-1].Lo)
	if s.expiredLocked(stream, since, s.now()) {
		for _, b := range run {
			ops = s.dropBlockLocked(b, ops)
		}
		return false, ops
	}
	// The run splits where its blocks begin to be final (newest first:
	// the final ones are at its end).
	k := len(run)
	for k > 0 && run[k-1].Hi <= finalBelow {
		k--
	}
	for _, part := range []struct {
		blocks []*Block
		final  bool
	}{{run[:k], false}, {run[k:], true}} {
		if len(part.blocks) == 0 {
			continue
		}
		plo, phi := max(segLo, part.blocks[len(part.blocks)-1].Lo), part.blocks[0].Hi
		g := &Segment{Stream: stream, Lo: plo, Hi: phi, Since: since, Final: part.final, blocks: part.blocks}
		s.insertLocked(g)
		// Oldest first into memory: when the segment is larger than memory,
		// its newest blocks are the ones kept.
		for i := len(part.blocks) - 1; i >= 0; i-- {
			b := part.blocks[i]
			b.seg = g
			if s.kv != nil {
				ops = append(ops, Op{Key: pendingKey(b.id), Delete: true})
			}
			if b.val != nil {
				s.residentLocked(b)
			}
		}
		ops = s.recordLocked(g, ops)
	}
	ops = s.evictLocked(ops)
	return true, ops
}

// tiling returns the blocks that tile an interval from hi down with no
// gap (newest first), and the others.
func tiling(blocks []*Block, lo, hi int64) (run, rest []*Block) {
	sorted := append([]*Block(nil), blocks...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Hi > sorted[j].Hi })
	cur := hi
	for _, b := range sorted {
		if cur > lo && b.Hi == cur && b.Lo < b.Hi {
			run = append(run, b)
			cur = b.Lo
			continue
		}
		rest = append(rest, b)
	}
	return run, rest
}

// insertLocked adds a segment to its stream (sorted by Lo) and to the
// segment recency list.
func (s *Segments) insertLocked(g *Segment) {
	segs := s.streams[g.Stream]
	i := sort.Search(len(segs), func(i int) bool { return segs[i].Lo >= g.Lo })
	segs = append(segs, nil)
	copy(segs[i+1:], segs[i:])
	segs[i] = g
	s.streams[g.Stream] = segs
	g.elem = s.segLRU.PushFront(g)
}

func (s *Segments) overlapping(stream string, lo, hi int64) []*Segment {
	var out []*Segment
	for _, g := range s.streams[stream] {
		if g.Lo < hi && lo < g.Hi {
			out = append(out, g)
		}
	}
	return out
}

// removeLocked drops a segment and its blocks.
func (s *Segments) removeLocked(g *Segment, ops []Op) []Op {
	s.unlinkLocked(g)
	if s.kv != nil {
		ops = append(ops, Op{Key: s.recordKey(g.Stream, g.Lo), Delete: true})
	}
	for _, b := range g.blocks {
		ops = s.dropBlockLocked(b, ops)
	}
	g.blocks = nil
	return ops
}

// unlinkLocked takes a segment out of its stream and the recency list,
// leaving its blocks as they are.
func (s *Segments) unlinkLocked(g *Segment) {
	removeFrom(s.streams, g.Stream, g)
	if g.elem != nil {
		s.segLRU.Remove(g.elem)
		g.elem = nil
	}
}

// Streams lists the streams that match.
func (s *Segments) Streams(match func(stream string) bool) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.streams {
		if match(k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// RemoveStreams drops every segment of the streams that match (from the
// KV too) and returns how many segments it dropped. Reads of those
// streams in progress will not store what they read (see Claim).
func (s *Segments) RemoveStreams(match func(stream string) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	var ops []Op
	for k, segs := range s.streams {
		if !match(k) {
			continue
		}
		for _, g := range append([]*Segment(nil), segs...) {
			ops = s.removeLocked(g, ops)
			n++
		}
	}
	for k, cs := range s.reading {
		if match(k) {
			for _, c := range cs {
				c.superseded = true
			}
		}
	}
	s.writeLocked(ops)
	return n
}

// Stats returns the counters, the bytes held in memory, and per stream
// what it holds.
func (s *Segments) Stats() (SegmentStats, int64, []StreamStats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []StreamStats
	for k, segs := range s.streams {
		st := StreamStats{Stream: k, Segments: len(segs)}
		for _, g := range segs {
			for _, b := range g.blocks {
				st.Blocks++
				st.Items += b.items
				st.Disk += b.disk
				if b.val != nil {
					st.Bytes += b.size
				}
			}
			if st.Oldest.IsZero() || g.Since.Before(st.Oldest) {
				st.Oldest = g.Since
			}
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Stream < out[j].Stream })
	return s.stats, s.bytes, out
}

// InMemory is the number of blocks held in memory.
func (s *Segments) InMemory() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.memLRU.Len()
}

// DiskBytes is the bytes of the blocks held in the KV.
func (s *Segments) DiskBytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.disk
}

// MaxBytes is the store's memory bound.
func (s *Segments) MaxBytes() int64 { return s.maxBytes }

// MaxDiskBytes is the bound of the KV's blocks.
func (s *Segments) MaxDiskBytes() int64 { return s.diskMax }

// TTL is how long a segment stays fresh.
func (s *Segments) TTL() time.Duration { return s.ttl }

// removeFrom takes x out of the list of key in m, and the key out of m
// when its list is empty.
func removeFrom[T comparable](m map[string][]T, key string, x T) {
	list := m[key]
	for i, y := range list {
		if y == x {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(m, key)
	} else {
		m[key] = list
	}
}
