package cache

import (
	"container/list"
	"context"
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
//     segments of a stream never overlap (Put drops what a new segment
//     overlaps), so a value is held at most once per stream;
//   - Cover splits a requested interval into the held segments and the
//     gaps left to read, so a reader fetches exactly what is missing;
//   - eviction (least recently used segment, within MaxBytes) and expiry
//     (TTL after the read started) drop a whole segment, and with it its
//     interval: no interval is ever believed whole without its data.
//
// Values are opaque and treated as immutable: Update replaces a
// segment's value with a new one.
type Segments struct {
	maxBytes int64
	ttl      time.Duration
	now      func() time.Time

	mu      sync.Mutex
	streams map[string][]*Segment // sorted by Lo, disjoint
	lru     *list.List            // of *Segment, most recent first
	bytes   int64
	stats   SegmentStats
	// reading are the intervals being read now, per stream (see Claim).
	reading map[string][]*claim
}

// Segment is one interval [Lo, Hi) of a stream held whole.
type Segment struct {
	Stream string
	Lo, Hi int64
	// Since is when the read of the interval started: the data is at least
	// as new as that.
	Since time.Time
	Value any
	Size  int64 // bytes charged against MaxBytes
	Items int   // values held, for statistics

	elem *list.Element
}

// SegmentStats are a store's counters.
type SegmentStats struct {
	Hits      int64 // segments served by Cover
	Gaps      int64 // intervals read by a claim (Claim)
	Evictions int64 // segments dropped to stay within MaxBytes
	Expired   int64 // segments dropped because their TTL had passed
	Waiting   int64 // readers now waiting for another's read (Claim)
}

// StreamStats describes what one stream holds.
type StreamStats struct {
	Stream   string
	Segments int
	Items    int
	Bytes    int64
	Oldest   time.Time // Since of its oldest segment
}

// NewSegments returns an empty store bounded like a Cache (see Options).
func NewSegments(opts Options) *Segments {
	s := &Segments{maxBytes: opts.MaxBytes, ttl: opts.TTL, now: opts.Now,
		streams: map[string][]*Segment{}, lru: list.New(), reading: map[string][]*claim{}}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Enabled reports whether the store holds anything (positive TTL and MaxBytes).
func (s *Segments) Enabled() bool { return s.ttl > 0 && s.maxBytes > 0 }

// Now is the store's clock.
func (s *Segments) Now() time.Time { return s.now() }

// Part is a piece of a covered interval: a held segment clipped to the
// interval asked for, or (Segment nil) a gap to read.
type Part struct {
	Lo, Hi  int64
	Segment *Segment
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
		parts = append(parts, Part{Lo: max(g.Lo, lo), Hi: min(g.Hi, cur), Segment: g})
		if use {
			s.lru.MoveToFront(g.elem)
			s.stats.Hits++
		}
		cur = max(g.Lo, lo)
	}
	if cur > lo {
		parts = append(parts, Part{Lo: lo, Hi: cur})
	}
	return parts
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
	segs, ok := s.Whole(stream, lo, hi)
	n := 0
	for _, g := range segs {
		n += g.Items
	}
	return n, ok
}

// Whole returns stream's segments, newest first, when they cover [lo, hi)
// with no gap and lie within it; it counts no hit and changes no recency.
func (s *Segments) Whole(stream string, lo, hi int64) ([]*Segment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
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
	now := s.now()
	for _, g := range append([]*Segment(nil), s.streams[stream]...) { // removeLocked shifts the slice
		if !now.Before(g.Since.Add(s.ttl)) {
			s.removeLocked(g)
			s.stats.Expired++
		}
	}
}

// Put adds the segment [lo, hi) of stream, read whole from since on.
// Segments it overlaps are dropped first (they are older or equal reads).
// A segment larger than MaxBytes is not kept.
func (s *Segments) Put(stream string, lo, hi int64, since time.Time, v any, size int64, items int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putLocked(stream, lo, hi, since, v, size, items)
}

// putLocked reports whether it stored the segment.
func (s *Segments) putLocked(stream string, lo, hi int64, since time.Time, v any, size int64, items int) bool {
	if lo >= hi || !s.Enabled() {
		return false
	}
	for _, g := range s.overlapping(stream, lo, hi) {
		s.removeLocked(g)
	}
	if size > s.maxBytes || !s.now().Before(since.Add(s.ttl)) {
		return false
	}
	g := &Segment{Stream: stream, Lo: lo, Hi: hi, Since: since, Value: v, Size: size, Items: items}
	segs := s.streams[stream]
	i := sort.Search(len(segs), func(i int) bool { return segs[i].Lo >= lo })
	segs = append(segs, nil)
	copy(segs[i+1:], segs[i:])
	segs[i] = g
	s.streams[stream] = segs
	g.elem = s.lru.PushFront(g)
	s.bytes += size
	for s.bytes > s.maxBytes { // never g, the most recent, as size <= maxBytes
		s.removeLocked(s.lru.Back().Value.(*Segment))
		s.stats.Evictions++
	}
	return true
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

func (s *Segments) removeLocked(g *Segment) {
	segs := s.streams[g.Stream]
	for i, x := range segs {
		if x == g {
			segs = append(segs[:i], segs[i+1:]...)
			break
		}
	}
	if len(segs) == 0 {
		delete(s.streams, g.Stream)
	} else {
		s.streams[g.Stream] = segs
	}
	s.lru.Remove(g.elem)
	s.bytes -= g.Size
}

// Update calls f on each segment of stream that holds key at, or whose
// interval starts just above it (a segment may keep values of the key
// below its interval, as a tail its reader knows about). f returns the
// segment's new value, size and items, or keep false to drop the segment
// (and its interval). A read of an interval holding at that is in
// progress will not be stored: it may have missed the change.
func (s *Segments) Update(stream string, at int64, f func(g *Segment) (v any, size int64, items int, keep bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.reading[stream] {
		if c.lo <= at && at < c.hi {
			c.superseded = true
		}
	}
	for _, g := range append([]*Segment(nil), s.streams[stream]...) {
		if g.Lo-1 > at || at >= g.Hi {
			continue
		}
		v, size, items, keep := f(g)
		if !keep {
			s.removeLocked(g)
			continue
		}
		s.bytes += size - g.Size
		g.Value, g.Size, g.Items = v, size, items
	}
	for s.bytes > s.maxBytes && s.lru.Len() > 0 {
		s.removeLocked(s.lru.Back().Value.(*Segment))
		s.stats.Evictions++
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

// RemoveStreams drops every segment of the streams that match and returns
// how many segments it dropped. Reads of those streams in progress will
// not store what they read (see Claim).
func (s *Segments) RemoveStreams(match func(stream string) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, segs := range s.streams {
		if !match(k) {
			continue
		}
		for _, g := range append([]*Segment(nil), segs...) {
			s.removeLocked(g)
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
	return n
}

// Stats returns the counters, the bytes held, and per stream what it holds.
func (s *Segments) Stats() (SegmentStats, int64, []StreamStats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []StreamStats
	for k, segs := range s.streams {
		st := StreamStats{Stream: k, Segments: len(segs)}
		for _, g := range segs {
			st.Items += g.Items
			st.Bytes += g.Size
			if st.Oldest.IsZero() || g.Since.Before(st.Oldest) {
				st.Oldest = g.Since
			}
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Stream < out[j].Stream })
	return s.stats, s.bytes, out
}

// MaxBytes is the store's bound.
func (s *Segments) MaxBytes() int64 { return s.maxBytes }

// TTL is how long a segment stays fresh.
func (s *Segments) TTL() time.Duration { return s.ttl }

// claim is one interval being read; done is closed when the read ends.
type claim struct {
	owner      uint64
	lo, hi     int64
	done       chan struct{}
	superseded bool
}

// Claim is a reader's hold on an interval it is about to read, so that
// concurrent readers of the same data wait for one read instead of all
// asking the source.
type Claim struct {
	s      *Segments
	stream string
	c      *claim
}

// Claim returns a claim on [lo, hi) of stream, or, when another reader is
// reading an overlapping interval, waits for that read to end and returns
// nil (the caller then covers its interval again). It returns ctx's error
// if ctx ends while waiting. Claims of the same owner (not 0) do not wait
// for one another: an owner waiting for itself would never go on.
func (s *Segments) Claim(ctx context.Context, stream string, owner uint64, lo, hi int64) (*Claim, error) {
	s.mu.Lock()
	for _, c := range s.reading[stream] {
		if c.lo < hi && lo < c.hi && (owner == 0 || c.owner != owner) {
			s.stats.Waiting++
			s.mu.Unlock()
			defer func() {
				s.mu.Lock()
				s.stats.Waiting--
				s.mu.Unlock()
			}()
			select {
			case <-c.done:
				return nil, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	c := &claim{owner: owner, lo: lo, hi: hi, done: make(chan struct{})}
	s.reading[stream] = append(s.reading[stream], c)
	s.stats.Gaps++
	s.mu.Unlock()
	return &Claim{s: s, stream: stream, c: c}, nil
}

// ClaimNow returns a claim on [lo, hi) of stream without waiting for
// other readers of it: for a reader that waited once already, and must
// not wait again for each new read of an interval that keeps expiring
// (a TTL shorter than the read) or being dropped.
func (s *Segments) ClaimNow(stream string, owner uint64, lo, hi int64) *Claim {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &claim{owner: owner, lo: lo, hi: hi, done: make(chan struct{})}
	s.reading[stream] = append(s.reading[stream], c)
	s.stats.Gaps++
	return &Claim{s: s, stream: stream, c: c}
}

// Put stores the segment [lo, hi) (within the claimed interval) while
// the claim goes on, unless an update or removal superseded the claim;
// it reports whether it stored it. A claim filled from elsewhere (another
// process's read) stores what it found this way, then finishes with
// nothing.
func (cl *Claim) Put(lo, hi int64, since time.Time, v any, size int64, items int) bool {
	s := cl.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return cl.putLocked(lo, hi, since, v, size, items)
}

func (cl *Claim) putLocked(lo, hi int64, since time.Time, v any, size int64, items int) bool {
	lo, hi = max(lo, cl.c.lo), min(hi, cl.c.hi)
	if v == nil || cl.c.superseded || lo >= hi {
		return false
	}
	return cl.s.putLocked(cl.stream, lo, hi, since, v, size, items) // false: too large, or expired already
}

// Finish ends the claim, storing the segment [lo, hi) (within the claimed
// interval) when v is not nil and nothing removed the stream meanwhile;
// it reports whether it stored it. The segment is stored before the claim
// ends, under one lock: no update or reader sees the interval neither
// held nor being read.
func (cl *Claim) Finish(lo, hi int64, since time.Time, v any, size int64, items int) bool {
	s := cl.s
	s.mu.Lock()
	stored := cl.putLocked(lo, hi, since, v, size, items)
	cs := s.reading[cl.stream]
	for i, c := range cs {
		if c == cl.c {
			cs = append(cs[:i], cs[i+1:]...)
			break
		}
	}
	if len(cs) == 0 {
		delete(s.reading, cl.stream)
	} else {
		s.reading[cl.stream] = cs
	}
	s.mu.Unlock()
	close(cl.c.done)
	return stored
}
