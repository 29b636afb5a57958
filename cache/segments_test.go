package cache

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/testutil"
)

// segPut is a segment to put into a store, with Value "name".
type segPut struct {
	stream string
	lo, hi int64
	name   string
	size   int64
	items  int
}

func newTestSegments(maxBytes int64, ttl time.Duration) (*Segments, *testutil.Clock) {
	clock := testutil.NewClock()
	return NewSegments(Options{MaxBytes: maxBytes, TTL: ttl, Now: clock.Now}), clock
}

func putAll(s *Segments, puts []segPut) {
	for _, p := range puts {
		size := p.size
		if size == 0 {
			size = 1
		}
		put(s, p.stream, p.lo, p.hi, s.Now(), p.name, size, p.items)
	}
}

// fmtParts renders parts as "name[lo,hi)" for a held segment and
// "gap[lo,hi)" for a gap, space-separated.
func fmtParts(parts []Part) string {
	var b []string
	for _, p := range parts {
		name := "gap"
		if p.Segment != nil {
			name = blockNames(p.Blocks)
		}
		b = append(b, fmt.Sprintf("%s[%d,%d)", name, p.Lo, p.Hi))
	}
	return strings.Join(b, " ")
}

// held renders what stream holds, as "name[lo,hi)" by Lo, without
// touching recency or counters.
func held(s *Segments, stream string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b []string
	for _, g := range s.streams[stream] {
		b = append(b, fmt.Sprintf("%s[%d,%d)", blockNames(g.blocks), g.Lo, g.Hi))
	}
	return strings.Join(b, " ")
}

// checkSegments verifies the store's bookkeeping: memory bytes against
// the blocks held in memory, the recency lists against the streams, every
// stream sorted, disjoint and non-empty, and every segment tiled by its
// blocks.
func checkSegments(t *testing.T, s *Segments) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var bytes, disk int64
	n, resident := 0, 0
	for k, segs := range s.streams {
		if len(segs) == 0 {
			t.Errorf("stream %q is held with no segments", k)
		}
		for i, g := range segs {
			name := blockNames(g.blocks)
			if g.Stream != k {
				t.Errorf("segment %s[%d,%d) of stream %q says stream %q", name, g.Lo, g.Hi, k, g.Stream)
			}
			if g.Lo >= g.Hi {
				t.Errorf("empty segment %s[%d,%d) in %q", name, g.Lo, g.Hi, k)
			}
			if i > 0 && segs[i-1].Hi > g.Lo {
				t.Errorf("stream %q: segments [%d,%d) and [%d,%d) overlap or are out of order",
					k, segs[i-1].Lo, segs[i-1].Hi, g.Lo, g.Hi)
			}
			if g.elem == nil || g.elem.Value != g {
				t.Errorf("segment %s[%d,%d) is not in the recency list", name, g.Lo, g.Hi)
			}
			cur := g.Hi
			for _, b := range g.blocks {
				if b.Hi != cur || b.Lo >= b.Hi || b.seg != g || b.gone {
					t.Errorf("segment %s[%d,%d): block [%d,%d) does not continue its blocks down from %d (or is not its, or gone)", name, g.Lo, g.Hi, b.Lo, b.Hi, cur)
				}
				cur = b.Lo
				disk += b.disk
				if b.val != nil && b.elem != nil {
					bytes += b.size
					resident++
				}
				if b.val == nil && !b.durable() {
					t.Errorf("segment %s[%d,%d): block [%d,%d) is neither in memory nor durable", name, g.Lo, g.Hi, b.Lo, b.Hi)
				}
			}
			if cur != g.Lo {
				t.Errorf("segment %s[%d,%d): blocks end at %d", name, g.Lo, g.Hi, cur)
			}
			n++
		}
	}
	if bytes != s.bytes {
		t.Errorf("bytes = %d, blocks held in memory sum to %d", s.bytes, bytes)
	}
	if s.memLRU.Len() < resident {
		t.Errorf("memory list has %d blocks, segments hold %d in memory", s.memLRU.Len(), resident)
	}
	if s.segLRU.Len() != n {
		t.Errorf("recency list has %d segments, streams hold %d", s.segLRU.Len(), n)
	}
	if s.bytes > s.maxBytes {
		t.Errorf("bytes = %d, above MaxBytes %d", s.bytes, s.maxBytes)
	}
	if len(s.reading) == 0 && disk != s.disk {
		t.Errorf("disk = %d, blocks on disk sum to %d", s.disk, disk)
	}
}

func segStats(s *Segments) SegmentStats {
	st, _, _ := s.Stats()
	return st
}

func segBytes(s *Segments) int64 {
	_, b, _ := s.Stats()
	return b
}

func TestSegmentsCover(t *testing.T) {
	tests := []struct {
		name   string
		puts   []segPut
		lo, hi int64
		want   string
		hits   int64
	}{
		{name: "empty store is one gap", lo: 0, hi: 100, want: "gap[0,100)"},
		{name: "empty interval", lo: 50, hi: 50, want: ""},
		{name: "inverted interval", lo: 60, hi: 50, want: ""},
		{name: "exact segment", puts: []segPut{{lo: 0, hi: 100, name: "A"}},
			lo: 0, hi: 100, want: "A[0,100)", hits: 1},
		{name: "segment inside the interval", puts: []segPut{{lo: 40, hi: 60, name: "A"}},
			lo: 0, hi: 100, want: "gap[60,100) A[40,60) gap[0,40)", hits: 1},
		{name: "interval inside a segment is clipped", puts: []segPut{{lo: 0, hi: 100, name: "A"}},
			lo: 30, hi: 70, want: "A[30,70)", hits: 1},
		{name: "segments clipped at both ends", puts: []segPut{{lo: 0, hi: 50, name: "A"}, {lo: 50, hi: 100, name: "B"}},
			lo: 25, hi: 75, want: "B[50,75) A[25,50)", hits: 2},
		{name: "segment above the interval", puts: []segPut{{lo: 200, hi: 300, name: "A"}},
			lo: 0, hi: 100, want: "gap[0,100)"},
		{name: "segment starting at hi is not used", puts: []segPut{{lo: 100, hi: 200, name: "A"}},
			lo: 0, hi: 100, want: "gap[0,100)"},
		{name: "segment ending at lo is not used", puts: []segPut{{lo: -50, hi: 0, name: "A"}},
			lo: 0, hi: 100, want: "gap[0,100)"},
		{name: "highest keys first, gaps between",
			puts: []segPut{{lo: 10, hi: 20, name: "A"}, {lo: 30, hi: 40, name: "B"}, {lo: 60, hi: 90, name: "C"}},
			lo:   0, hi: 100,
			want: "gap[90,100) C[60,90) gap[40,60) B[30,40) gap[20,30) A[10,20) gap[0,10)", hits: 3},
		{name: "adjacent segments, no gap between",
			puts: []segPut{{lo: 0, hi: 10, name: "A"}, {lo: 10, hi: 20, name: "B"}, {lo: 20, hi: 30, name: "C"}},
			lo:   0, hi: 30, want: "C[20,30) B[10,20) A[0,10)", hits: 3},
		{name: "only the segments that meet the interval",
			puts: []segPut{{lo: 0, hi: 10, name: "A"}, {lo: 20, hi: 30, name: "B"}, {lo: 40, hi: 50, name: "C"}},
			lo:   15, hi: 35, want: "gap[30,35) B[20,30) gap[15,20)", hits: 1},
		{name: "other streams are not used",
			puts: []segPut{{stream: "other", lo: 0, hi: 100, name: "X"}, {lo: 50, hi: 60, name: "A"}},
			lo:   0, hi: 100, want: "gap[60,100) A[50,60) gap[0,50)", hits: 1},
		{name: "negative keys", puts: []segPut{{lo: -100, hi: -50, name: "A"}},
			lo: -200, hi: 0, want: "gap[-50,0) A[-100,-50) gap[-200,-100)", hits: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestSegments(1<<20, time.Hour)
			putAll(s, tt.puts)
			parts := s.Cover("", tt.lo, tt.hi)
			if got := fmtParts(parts); got != tt.want {
				t.Errorf("Cover(%d, %d) = %q, want %q", tt.lo, tt.hi, got, tt.want)
			}
			// Parts tile [lo, hi) from the top, and a held part is within
			// its segment.
			cur := tt.hi
			for _, p := range parts {
				if p.Hi != cur || p.Lo >= p.Hi {
					t.Errorf("part [%d,%d) does not continue down from %d", p.Lo, p.Hi, cur)
				}
				if g := p.Segment; g != nil && (p.Lo < g.Lo || p.Hi > g.Hi) {
					t.Errorf("part [%d,%d) is outside its segment [%d,%d)", p.Lo, p.Hi, g.Lo, g.Hi)
				}
				cur = p.Lo
			}
			if len(parts) > 0 && cur != tt.lo {
				t.Errorf("parts end at %d, want %d", cur, tt.lo)
			}
			if got := segStats(s).Hits; got != tt.hits {
				t.Errorf("Hits = %d, want %d", got, tt.hits)
			}
			checkSegments(t, s)
		})
	}
}

func TestSegmentsCoverReturnsWholeSegment(t *testing.T) {
	s, clock := newTestSegments(1<<20, time.Hour)
	since := clock.Now()
	put(s, "s", 0, 100, since, "A", 10, 7)
	parts := s.Cover("s", 20, 30)
	if len(parts) != 1 || parts[0].Segment == nil {
		t.Fatalf("Cover = %q, want one held part", fmtParts(parts))
	}
	g := parts[0].Segment
	if g.Stream != "s" || g.Lo != 0 || g.Hi != 100 || !g.Since.Equal(since) || blockNames(parts[0].Blocks) != "A" {
		t.Errorf("segment = %+v, want stream s, [0,100), since %v, block A", *g, since)
	}
	if n, ok := s.Count("s", 0, 100); !ok || n != 7 {
		t.Errorf("Count = %d, %v; want 7 items", n, ok)
	}
	if v, err := s.Load(parts[0].Blocks[0]); err != nil || v != (tv{"A", 10}) {
		t.Errorf("Load = %v, %v; want A", v, err)
	}
}

// Covers answers whether Cover would find no gap, without counting a hit.
func TestSegmentsCovers(t *testing.T) {
	s, clock := newTestSegments(1<<20, time.Hour)
	since := clock.Now()
	for _, p := range []segPut{{lo: 0, hi: 10, name: "A"}, {lo: 10, hi: 30, name: "B"}, {lo: 40, hi: 50, name: "C"}} {
		put(s, "s", p.lo, p.hi, since, p.name, 1, 1)
	}
	tests := []struct {
		lo, hi int64
		want   bool
	}{
		{0, 30, true},   // two adjacent segments, exactly
		{5, 25, true},   // inside them
		{12, 20, true},  // inside one
		{0, 31, false},  // past the end
		{25, 45, false}, // across the gap [30, 40)
		{40, 50, true},
		{41, 49, true},
		{45, 60, false},
		{30, 40, false}, // the gap itself
		{50, 50, true},  // empty
	}
	before := segStats(s).Hits
	for _, tt := range tests {
		if got := s.Covers("s", tt.lo, tt.hi); got != tt.want {
			t.Errorf("Covers([%d, %d)) = %v, want %v", tt.lo, tt.hi, got, tt.want)
		}
	}
	if s.Covers("other", 0, 10) {
		t.Error("Covers of a stream holding nothing")
	}
	if got := segStats(s).Hits; got != before {
		t.Errorf("Covers counted %d hits", got-before)
	}
}

func TestSegmentsPut(t *testing.T) {
	tests := []struct {
		name  string
		puts  []segPut
		want  string // held in stream "", by Lo
		other string // held in stream "other"
		bytes int64
	}{
		{name: "disjoint segments are all kept",
			puts: []segPut{{lo: 20, hi: 30, name: "B"}, {lo: 0, hi: 10, name: "A"}, {lo: 40, hi: 50, name: "C"}},
			want: "A[0,10) B[20,30) C[40,50)", bytes: 3},
		{name: "adjacent segments are both kept",
			puts: []segPut{{lo: 0, hi: 10, name: "A"}, {lo: 10, hi: 20, name: "B"}},
			want: "A[0,10) B[10,20)", bytes: 2},
		{name: "overlapping the top drops the older",
			puts: []segPut{{lo: 0, hi: 10, name: "A"}, {lo: 5, hi: 15, name: "B"}},
			want: "B[5,15)", bytes: 1},
		{name: "overlapping the bottom drops the older",
			puts: []segPut{{lo: 5, hi: 15, name: "A"}, {lo: 0, hi: 6, name: "B"}},
			want: "B[0,6)", bytes: 1},
		{name: "inside an older segment drops it whole",
			puts: []segPut{{lo: 0, hi: 100, name: "A"}, {lo: 40, hi: 50, name: "B"}},
			want: "B[40,50)", bytes: 1},
		{name: "spanning several drops them all",
			puts: []segPut{{lo: 0, hi: 10, name: "A"}, {lo: 20, hi: 30, name: "B"}, {lo: 40, hi: 50, name: "C"}, {lo: 60, hi: 70, name: "D"},
				{lo: 5, hi: 45, name: "E"}},
			want: "E[5,45) D[60,70)", bytes: 2},
		{name: "same interval replaces",
			puts: []segPut{{lo: 0, hi: 10, name: "A", size: 5}, {lo: 0, hi: 10, name: "B", size: 7}},
			want: "B[0,10)", bytes: 7},
		{name: "other streams are not touched",
			puts: []segPut{{stream: "other", lo: 0, hi: 10, name: "X"}, {lo: 0, hi: 10, name: "A"}},
			want: "A[0,10)", other: "X[0,10)", bytes: 2},
		{name: "empty interval is not kept",
			puts: []segPut{{lo: 10, hi: 10, name: "A"}, {lo: 20, hi: 10, name: "B"}}},
		{name: "empty interval drops nothing",
			puts: []segPut{{lo: 0, hi: 100, name: "A"}, {lo: 50, hi: 50, name: "B"}},
			want: "A[0,100)", bytes: 1},
		{name: "larger than MaxBytes is not kept",
			puts: []segPut{{lo: 0, hi: 10, name: "A", size: 1001}}},
		{name: "exactly MaxBytes is kept",
			puts: []segPut{{lo: 0, hi: 10, name: "A", size: 1000}},
			want: "A[0,10)", bytes: 1000},
		{name: "larger than MaxBytes still drops what it overlaps",
			puts: []segPut{{lo: 0, hi: 10, name: "A"}, {lo: 20, hi: 30, name: "B"}, {lo: 5, hi: 15, name: "C", size: 5000}},
			want: "B[20,30)", bytes: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestSegments(1000, time.Hour)
			putAll(s, tt.puts)
			// held lists by Lo; the table lists the survivors in any
			// order, so compare as sets of words.
			if got := sortedWords(held(s, "")); got != sortedWords(tt.want) {
				t.Errorf("held = %q, want %q", held(s, ""), tt.want)
			}
			if got := held(s, "other"); got != tt.other {
				t.Errorf("held in other = %q, want %q", got, tt.other)
			}
			if got := segBytes(s); got != tt.bytes {
				t.Errorf("bytes = %d, want %d", got, tt.bytes)
			}
			if got := segStats(s).Evictions; got != 0 {
				t.Errorf("Evictions = %d, want 0 (overlap and oversize are not evictions)", got)
			}
			checkSegments(t, s)
		})
	}
}

func sortedWords(s string) string {
	w := strings.Fields(s)
	for i := range w {
		for j := i + 1; j < len(w); j++ {
			if w[j] < w[i] {
				w[i], w[j] = w[j], w[i]
			}
		}
	}
	return strings.Join(w, " ")
}

func TestSegmentsDisabled(t *testing.T) {
	tests := []struct {
		name     string
		maxBytes int64
		ttl      time.Duration
		enabled  bool
	}{
		{"enabled", 100, time.Minute, true},
		{"no bytes", 0, time.Minute, false},
		{"negative bytes", -1, time.Minute, false},
		{"no ttl", 100, 0, false},
		{"negative ttl", 100, -time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := newTestSegments(tt.maxBytes, tt.ttl)
			if s.Enabled() != tt.enabled {
				t.Errorf("Enabled = %v, want %v", s.Enabled(), tt.enabled)
			}
			if s.MaxBytes() != tt.maxBytes || s.TTL() != tt.ttl {
				t.Errorf("MaxBytes, TTL = %d, %v; want %d, %v", s.MaxBytes(), s.TTL(), tt.maxBytes, tt.ttl)
			}
			if !s.Now().Equal(clock.Now()) {
				t.Errorf("Now = %v, want the clock's %v", s.Now(), clock.Now())
			}
			put(s, "s", 0, 10, clock.Now(), "A", 1, 1)
			want := "gap[0,10)"
			if tt.enabled {
				want = "A[0,10)"
			}
			if got := fmtParts(s.Cover("s", 0, 10)); got != want {
				t.Errorf("Cover after Put = %q, want %q", got, want)
			}
		})
	}
}

func TestSegmentsDefaultClock(t *testing.T) {
	s := NewSegments(Options{MaxBytes: 100, TTL: time.Minute})
	before := time.Now()
	now := s.Now()
	if now.Before(before) || now.After(time.Now()) {
		t.Errorf("Now = %v, want the time (about %v)", now, before)
	}
}

func TestSegmentsEviction(t *testing.T) {
	tests := []struct {
		name      string
		steps     []string // "put NAME LO HI SIZE", "cover LO HI", "count LO HI"
		want      string
		evictions int64
		bytes     int64
	}{
		{name: "within MaxBytes nothing goes",
			steps: []string{"put A 0 10 40", "put B 10 20 40"},
			want:  "A[0,10) B[10,20)", bytes: 80},
		{name: "least recently put goes first",
			steps: []string{"put A 0 10 40", "put B 10 20 40", "put C 20 30 40"},
			want:  "B[10,20) C[20,30)", evictions: 1, bytes: 80},
		{name: "a covered segment is recent again",
			steps: []string{"put A 0 10 40", "put B 10 20 40", "cover 0 10", "put C 20 30 40"},
			want:  "A[0,10) C[20,30)", evictions: 1, bytes: 80},
		{name: "a clipped cover makes the segment recent",
			steps: []string{"put A 0 10 40", "put B 10 20 40", "cover 5 6", "put C 20 30 40"},
			want:  "A[0,10) C[20,30)", evictions: 1, bytes: 80},
		{name: "a cover that misses a segment leaves it old",
			steps: []string{"put A 0 10 40", "put B 10 20 40", "cover 10 20", "cover 10 10", "put C 20 30 40"},
			want:  "B[10,20) C[20,30)", evictions: 1, bytes: 80},
		{name: "Count does not change recency",
			steps: []string{"put A 0 10 40", "put B 10 20 40", "count 0 20", "count 0 10", "put C 20 30 40"},
			want:  "B[10,20) C[20,30)", evictions: 1, bytes: 80},
		{name: "several go for one large segment",
			steps: []string{"put A 0 10 30", "put B 10 20 30", "put C 20 30 30", "put D 30 40 90"},
			want:  "D[30,40)", evictions: 3, bytes: 90},
		{name: "whole segments go, oldest first, until it fits",
			steps: []string{"put A 0 10 30", "put B 10 20 30", "put C 20 30 30", "cover 0 10", "put D 30 40 50"},
			want:  "A[0,10) D[30,40)", evictions: 2, bytes: 80},
		{name: "the new segment is the most recent",
			steps: []string{"put A 0 10 50", "put B 10 20 50", "put C 20 30 50"},
			want:  "B[10,20) C[20,30)", evictions: 1, bytes: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := newTestSegments(100, time.Hour)
			for _, step := range tt.steps {
				var op, name string
				var lo, hi, size int64
				switch {
				case strings.HasPrefix(step, "put"):
					fmt.Sscanf(step, "%s %s %d %d %d", &op, &name, &lo, &hi, &size)
					put(s, "s", lo, hi, clock.Now(), name, size, 1)
				case strings.HasPrefix(step, "cover"):
					fmt.Sscanf(step, "%s %d %d", &op, &lo, &hi)
					s.Cover("s", lo, hi)
				case strings.HasPrefix(step, "count"):
					fmt.Sscanf(step, "%s %d %d", &op, &lo, &hi)
					s.Count("s", lo, hi)
				default:
					t.Fatalf("bad step %q", step)
				}
				checkSegments(t, s)
			}
			if got := held(s, "s"); got != tt.want {
				t.Errorf("held = %q, want %q", got, tt.want)
			}
			if got := segStats(s).Evictions; got != tt.evictions {
				t.Errorf("Evictions = %d, want %d", got, tt.evictions)
			}
			if got := segBytes(s); got != tt.bytes {
				t.Errorf("bytes = %d, want %d", got, tt.bytes)
			}
		})
	}
}

func TestSegmentsEvictionAcrossStreams(t *testing.T) {
	s, clock := newTestSegments(100, time.Hour)
	put(s, "a", 0, 10, clock.Now(), "A", 40, 1)
	put(s, "b", 0, 10, clock.Now(), "B", 40, 1)
	s.Cover("a", 0, 10)
	put(s, "c", 0, 10, clock.Now(), "C", 40, 1)
	if got := held(s, "b"); got != "" {
		t.Errorf("stream b holds %q, want it evicted (least recently used of all streams)", got)
	}
	if held(s, "a") != "A[0,10)" || held(s, "c") != "C[0,10)" {
		t.Errorf("a, c hold %q, %q; want A, C", held(s, "a"), held(s, "c"))
	}
	if got := s.Streams(func(string) bool { return true }); fmt.Sprint(got) != "[a c]" {
		t.Errorf("Streams = %v, want [a c] (an emptied stream is gone)", got)
	}
	checkSegments(t, s)
}

func TestSegmentsTTL(t *testing.T) {
	const ttl = time.Minute
	tests := []struct {
		name    string
		age     time.Duration // how old since is when put
		advance time.Duration // clock moves after the put
		kept    bool
	}{
		{name: "fresh", advance: 0, kept: true},
		{name: "just before the TTL", advance: ttl - time.Nanosecond, kept: true},
		{name: "at the TTL", advance: ttl, kept: false},
		{name: "after the TTL", advance: 2 * ttl, kept: false},
		{name: "TTL counts from since, not from Put", age: 30 * time.Second, advance: 30 * time.Second, kept: false},
		{name: "an old read still fresh", age: 30 * time.Second, advance: 29 * time.Second, kept: true},
		{name: "expired on arrival is not kept", age: ttl, advance: 0, kept: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := newTestSegments(100, ttl)
			since := clock.Now().Add(-tt.age)
			put(s, "s", 0, 10, since, "A", 10, 3)
			stored := tt.age < ttl
			clock.Advance(tt.advance)
			want, wantCount := "gap[0,10)", false
			if tt.kept {
				want, wantCount = "A[0,10)", true
			}
			// Count expires too, and counts nothing expired.
			if n, ok := s.Count("s", 0, 10); ok != wantCount || ok && n != 3 {
				t.Errorf("Count = %d, %v; want ok %v", n, ok, wantCount)
			}
			if got := fmtParts(s.Cover("s", 0, 10)); got != want {
				t.Errorf("Cover = %q, want %q", got, want)
			}
			st, bytes, streams := s.Stats()
			var wantExpired int64
			if stored && !tt.kept {
				wantExpired = 1
			}
			if st.Expired != wantExpired {
				t.Errorf("Expired = %d, want %d", st.Expired, wantExpired)
			}
			if tt.kept != (bytes == 10) || !tt.kept && bytes != 0 {
				t.Errorf("bytes = %d, kept %v", bytes, tt.kept)
			}
			if tt.kept != (len(streams) == 1) {
				t.Errorf("streams = %+v, kept %v", streams, tt.kept)
			}
			checkSegments(t, s)
		})
	}
}

func TestSegmentsTTLPerSegment(t *testing.T) {
	s, clock := newTestSegments(1000, time.Minute)
	put(s, "s", 0, 10, clock.Now(), "A", 10, 1)
	clock.Advance(30 * time.Second)
	put(s, "s", 10, 20, clock.Now(), "B", 10, 1)
	clock.Advance(30 * time.Second) // A is a minute old, B half a minute
	if got := fmtParts(s.Cover("s", 0, 20)); got != "B[10,20) gap[0,10)" {
		t.Errorf("Cover = %q, want B held and A expired", got)
	}
	if got := segStats(s).Expired; got != 1 {
		t.Errorf("Expired = %d, want 1", got)
	}
	clock.Advance(30 * time.Second)
	if got := fmtParts(s.Cover("s", 0, 20)); got != "gap[0,20)" {
		t.Errorf("Cover = %q, want all expired", got)
	}
	if st, bytes, _ := s.Stats(); st.Expired != 2 || bytes != 0 {
		t.Errorf("Expired, bytes = %d, %d; want 2, 0", st.Expired, bytes)
	}
	checkSegments(t, s)
}

func TestSegmentsTTLOnlyExpiresTheStreamAsked(t *testing.T) {
	s, clock := newTestSegments(1000, time.Minute)
	put(s, "a", 0, 10, clock.Now(), "A", 10, 1)
	put(s, "b", 0, 10, clock.Now(), "B", 10, 1)
	clock.Advance(time.Minute)
	s.Cover("a", 0, 10)
	if got := segStats(s).Expired; got != 1 {
		t.Errorf("Expired = %d, want 1 (expiry is per stream, when read)", got)
	}
	// b's expired segment is dropped when b is read, never served.
	if got := fmtParts(s.Cover("b", 0, 10)); got != "gap[0,10)" {
		t.Errorf("Cover b = %q, want a gap", got)
	}
	if got := segStats(s).Expired; got != 2 {
		t.Errorf("Expired = %d, want 2", got)
	}
	checkSegments(t, s)
}

func TestSegmentsCount(t *testing.T) {
	tests := []struct {
		name   string
		puts   []segPut
		lo, hi int64
		want   int
		ok     bool
	}{
		{name: "empty store", lo: 0, hi: 10},
		{name: "one segment exactly", puts: []segPut{{lo: 0, hi: 10, items: 4}}, lo: 0, hi: 10, want: 4, ok: true},
		{name: "segments tiling the interval",
			puts: []segPut{{lo: 0, hi: 10, items: 4}, {lo: 10, hi: 20, items: 5}, {lo: 20, hi: 30, items: 0}},
			lo:   0, hi: 30, want: 9, ok: true},
		{name: "a gap between",
			puts: []segPut{{lo: 0, hi: 10, items: 4}, {lo: 11, hi: 20, items: 5}}, lo: 0, hi: 20},
		{name: "a gap at the top", puts: []segPut{{lo: 0, hi: 10, items: 4}}, lo: 0, hi: 20},
		{name: "a gap at the bottom", puts: []segPut{{lo: 10, hi: 20, items: 4}}, lo: 0, hi: 20},
		{name: "a segment reaching above hi", puts: []segPut{{lo: 0, hi: 20, items: 4}}, lo: 0, hi: 10},
		{name: "a segment reaching below lo", puts: []segPut{{lo: 0, hi: 20, items: 4}}, lo: 10, hi: 20},
		{name: "a segment wholly above the interval",
			puts: []segPut{{lo: 0, hi: 10, items: 4}, {lo: 20, hi: 30, items: 5}}, lo: 0, hi: 10},
		{name: "other streams do not count",
			puts: []segPut{{stream: "other", lo: 0, hi: 10, items: 4}}, lo: 0, hi: 10},
		{name: "only the stream asked",
			puts: []segPut{{stream: "other", lo: 0, hi: 10, items: 4}, {lo: 0, hi: 10, items: 2}}, lo: 0, hi: 10, want: 2, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestSegments(1000, time.Hour)
			putAll(s, tt.puts)
			n, ok := s.Count("", tt.lo, tt.hi)
			if ok != tt.ok || ok && n != tt.want {
				t.Errorf("Count(%d, %d) = %d, %v; want %d, %v", tt.lo, tt.hi, n, ok, tt.want, tt.ok)
			}
			if got := segStats(s).Hits; got != 0 {
				t.Errorf("Hits = %d after Count, want 0", got)
			}
		})
	}
}

// changeTo returns a change at key at of stream that records the blocks
// it is made to, as "value[lo,hi)", and sets them to v (a tv of size)
// holding items; with keep false it cuts them instead.
func changeTo(stream string, at int64, seen *[]string, v string, size int64, items int, keep bool) Change {
	if !keep {
		return Change{Stream: stream, At: at}
	}
	return Change{Stream: stream, At: at, Patch: func(old any, lo, hi int64) (any, int) {
		*seen = append(*seen, fmt.Sprintf("%v[%d,%d)", old, lo, hi))
		return tv{v, size}, items
	}}
}

func TestSegmentsApply(t *testing.T) {
	base := []segPut{{lo: 0, hi: 10, name: "A", size: 10, items: 1}, {lo: 10, hi: 20, name: "B", size: 10, items: 2},
		{lo: 30, hi: 40, name: "C", size: 10, items: 3}}
	tests := []struct {
		name  string
		at    int64
		keep  bool
		seen  string // blocks the patch was made to, by Lo
		held  string
		bytes int64
		items int
	}{
		{name: "inside a segment", at: 35, keep: true, seen: "C[30,40)",
			held: "A[0,10) B[10,20) N[30,40)", bytes: 45, items: 1 + 2 + 9},
		{name: "at a segment's Lo", at: 30, keep: true, seen: "C[30,40)",
			held: "A[0,10) B[10,20) N[30,40)", bytes: 45, items: 12},
		{name: "just below a segment's Lo (its tail)", at: 29, keep: true, seen: "C[30,40)",
			held: "A[0,10) B[10,20) N[30,40)", bytes: 45, items: 12},
		{name: "two below a segment's Lo", at: 28, keep: true,
			held: "A[0,10) B[10,20) C[30,40)", bytes: 30, items: 6},
		{name: "at a segment's Hi", at: 40, keep: true,
			held: "A[0,10) B[10,20) C[30,40)", bytes: 30, items: 6},
		{name: "between adjacent segments: the top of one, the tail of the next", at: 9, keep: true,
			seen: "A[0,10) B[10,20)", held: "N[0,10) N[10,20) C[30,40)", bytes: 10 + 25 + 25, items: 9 + 9 + 3},
		{name: "in no segment", at: 100, keep: true,
			held: "A[0,10) B[10,20) C[30,40)", bytes: 30, items: 6},
		{name: "a cut drops", at: 35, keep: false,
			held: "A[0,10) B[10,20)", bytes: 20, items: 3},
		{name: "a cut drops both", at: 9, keep: false,
			held: "C[30,40)", bytes: 10, items: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestSegments(1000, time.Hour)
			putAll(s, base)
			put(s, "other", 0, 100, s.Now(), "X", 10, 1)
			var seen []string
			s.Apply([]Change{changeTo("", tt.at, &seen, "N", 25, 9, tt.keep)}, nil)
			sort.Strings(seen)
			if got := strings.Join(seen, " "); got != tt.seen {
				t.Errorf("patch made to %q, want %q", got, tt.seen)
			}
			if got := held(s, ""); got != tt.held {
				t.Errorf("held = %q, want %q", got, tt.held)
			}
			if got := held(s, "other"); got != "X[0,100)" {
				t.Errorf("other stream holds %q, want it untouched", got)
			}
			_, bytes, streams := s.Stats()
			if bytes != tt.bytes+10 {
				t.Errorf("bytes = %d, want %d", bytes, tt.bytes+10)
			}
			if len(streams) != 2 || streams[0].Stream != "" || streams[0].Items != tt.items || streams[0].Bytes != tt.bytes {
				t.Errorf("stream stats = %+v, want items %d, bytes %d", streams, tt.items, tt.bytes)
			}
			checkSegments(t, s)
		})
	}
}

// A change touches the one block holding its key: the segment keeps its
// other blocks as they were, and a cut keeps what is above and below.
func TestSegmentsApplyTouchesOneBlock(t *testing.T) {
	blocks := func() []NewBlock {
		return []NewBlock{{Lo: 20, Hi: 30, Value: tv{"C", 10}, Items: 3}, {Lo: 10, Hi: 20, Value: tv{"B", 10}, Items: 2},
			{Lo: 0, Hi: 10, Value: tv{"A", 10}, Items: 1}}
	}
	tests := []struct {
		name  string
		at    int64
		keep  bool
		held  string
		items int
	}{
		{name: "patch the middle block", at: 15, keep: true, held: "C+N+A[0,30)", items: 3 + 9 + 1},
		{name: "patch the top block", at: 29, keep: true, held: "N+B+A[0,30)", items: 9 + 2 + 1},
		{name: "patch the tail of the lowest block", at: -1, keep: true, held: "C+B+N[0,30)", items: 3 + 2 + 9},
		{name: "cut the middle block", at: 15, held: "A[0,10) C[20,30)", items: 4},
		{name: "cut the top block", at: 25, held: "B+A[0,20)", items: 3},
		{name: "cut the lowest block", at: 0, held: "C+B[10,30)", items: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := newTestSegments(1000, time.Hour)
			s.Put("s", 0, 30, clock.Now(), blocks())
			var seen []string
			s.Apply([]Change{changeTo("s", tt.at, &seen, "N", 10, 9, tt.keep)}, nil)
			if got := held(s, "s"); got != tt.held {
				t.Errorf("held = %q, want %q", got, tt.held)
			}
			if tt.keep && len(seen) != 1 {
				t.Errorf("patch made to %v, want one block", seen)
			}
			if _, _, st := s.Stats(); len(st) != 1 || st[0].Items != tt.items {
				t.Errorf("stream stats = %+v, want %d items", st, tt.items)
			}
			checkSegments(t, s)
		})
	}
}

func TestSegmentsApplyEmptiesStream(t *testing.T) {
	s, clock := newTestSegments(1000, time.Hour)
	put(s, "s", 0, 10, clock.Now(), "A", 10, 1)
	s.Apply([]Change{{Stream: "s", At: 5}}, nil)
	if got := s.Streams(func(string) bool { return true }); len(got) != 0 {
		t.Errorf("Streams = %v, want none", got)
	}
	checkSegments(t, s)
}

func TestSegmentsApplyGrowingEvicts(t *testing.T) {
	s, clock := newTestSegments(100, time.Hour)
	put(s, "s", 0, 10, clock.Now(), "A", 30, 1)
	put(s, "s", 10, 20, clock.Now(), "B", 30, 1)
	put(s, "s", 20, 30, clock.Now(), "C", 30, 1)
	s.Load(s.Cover("s", 0, 10)[0].Blocks[0]) // LRU order, oldest first: B, C, A
	var seen []string
	s.Apply([]Change{changeTo("s", 25, &seen, "N", 60, 1, true)}, nil) // 30+30+60 > 100
	if got := held(s, "s"); got != "A[0,10) N[20,30)" {
		t.Errorf("held = %q, want B evicted (least recently used)", got)
	}
	if st, bytes, _ := s.Stats(); st.Evictions != 1 || bytes != 90 {
		t.Errorf("Evictions, bytes = %d, %d; want 1, 90", st.Evictions, bytes)
	}
	checkSegments(t, s)

	// Larger than MaxBytes on its own: N goes first (a change is not a
	// use: N is the least recently used), then M itself.
	s.Apply([]Change{changeTo("s", 5, &seen, "M", 101, 1, true)}, nil)
	if got := held(s, "s"); got != "" {
		t.Errorf("held = %q, want nothing", got)
	}
	if st, bytes, _ := s.Stats(); st.Evictions != 3 || bytes != 0 {
		t.Errorf("Evictions, bytes = %d, %d; want 3, 0", st.Evictions, bytes)
	}
	checkSegments(t, s)
}

func TestSegmentsCutSupersedesReads(t *testing.T) {
	tests := []struct {
		name           string
		claimLo, hi    int64
		stream         string
		at             int64
		stored         bool
		finishLo, fini int64
	}{
		{name: "at inside the read", claimLo: 0, hi: 10, at: 5, stored: false},
		{name: "at the read's lo", claimLo: 0, hi: 10, at: 0, stored: false},
		{name: "at the read's top key", claimLo: 0, hi: 10, at: 9, stored: false},
		{name: "at the read's hi", claimLo: 0, hi: 10, at: 10, stored: true},
		{name: "below the read", claimLo: 0, hi: 10, at: -5, stored: true},
		{name: "another stream", claimLo: 0, hi: 10, stream: "other", at: 5, stored: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := newTestSegments(1000, time.Hour)
			cl, err := s.Claim(context.Background(), "s", 1, tt.claimLo, tt.hi)
			if err != nil || cl == nil {
				t.Fatalf("Claim = %v, %v", cl, err)
			}
			stream := tt.stream
			if stream == "" {
				stream = "s"
			}
			s.Apply([]Change{{Stream: stream, At: tt.at}}, nil) // a cut
			finish(cl, tt.claimLo, tt.hi, clock.Now(), "R", 5, 1)
			want := fmt.Sprintf("gap[%d,%d)", tt.claimLo, tt.hi)
			if tt.stored {
				want = fmt.Sprintf("R[%d,%d)", tt.claimLo, tt.hi)
			}
			if got := fmtParts(s.Cover("s", tt.claimLo, tt.hi)); got != want {
				t.Errorf("Cover after Finish = %q, want %q", got, want)
			}
			checkSegments(t, s)
		})
	}
}

func TestSegmentsCutSupersedesOnlyReadsInProgress(t *testing.T) {
	s, clock := newTestSegments(1000, time.Hour)
	s.Apply([]Change{{Stream: "s", At: 5}}, nil) // before any read
	cl, _ := s.Claim(context.Background(), "s", 1, 0, 10)
	finish(cl, 0, 10, clock.Now(), "R", 5, 1)
	if got := held(s, "s"); got != "R[0,10)" {
		t.Errorf("held = %q, want the read stored (the change came before it)", got)
	}
}

func TestSegmentsStreamsAndRemoveStreams(t *testing.T) {
	tests := []struct {
		name    string
		prefix  string
		removed int
		left    string // streams left
	}{
		{name: "none match", prefix: "zzz", removed: 0, left: "[/a /a/x /b]"},
		{name: "one stream", prefix: "/b", removed: 1, left: "[/a /a/x]"},
		{name: "several streams, several segments", prefix: "/a", removed: 3, left: "[/b]"},
		{name: "all", prefix: "", removed: 4, left: "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := newTestSegments(1000, time.Hour)
			put(s, "/a", 0, 10, clock.Now(), "A1", 10, 1)
			put(s, "/a", 20, 30, clock.Now(), "A2", 10, 1)
			put(s, "/a/x", 0, 10, clock.Now(), "X", 10, 1)
			put(s, "/b", 0, 10, clock.Now(), "B", 10, 1)
			match := func(k string) bool { return strings.HasPrefix(k, tt.prefix) }
			if got := fmt.Sprint(s.Streams(match)); tt.prefix != "zzz" && got == "[]" {
				t.Errorf("Streams(match) = %s, want some", got)
			}
			if got := s.RemoveStreams(match); got != tt.removed {
				t.Errorf("RemoveStreams = %d, want %d", got, tt.removed)
			}
			if got := fmt.Sprint(s.Streams(func(string) bool { return true })); got != tt.left {
				t.Errorf("Streams = %s, want %s", got, tt.left)
			}
			if got := s.Streams(match); len(got) != 0 {
				t.Errorf("Streams(match) = %v after RemoveStreams, want none", got)
			}
			if st := segStats(s); st.Evictions != 0 || st.Expired != 0 {
				t.Errorf("stats = %+v, want no evictions or expiries counted", st)
			}
			checkSegments(t, s)
		})
	}
}

func TestSegmentsStreamsSorted(t *testing.T) {
	s, clock := newTestSegments(1000, time.Hour)
	for _, k := range []string{"c", "a", "d", "b"} {
		put(s, k, 0, 10, clock.Now(), k, 1, 1)
	}
	if got := fmt.Sprint(s.Streams(func(k string) bool { return k != "c" })); got != "[a b d]" {
		t.Errorf("Streams = %s, want [a b d]", got)
	}
}

func TestSegmentsRemoveStreamsSupersedesReads(t *testing.T) {
	s, clock := newTestSegments(1000, time.Hour)
	ctx := context.Background()
	gone, _ := s.Claim(ctx, "/a", 1, 0, 10)
	kept, _ := s.Claim(ctx, "/b", 1, 0, 10)
	if n := s.RemoveStreams(func(k string) bool { return k == "/a" }); n != 0 {
		t.Errorf("RemoveStreams = %d, want 0 (claims are not segments)", n)
	}
	finish(gone, 0, 10, clock.Now(), "A", 1, 1)
	finish(kept, 0, 10, clock.Now(), "B", 1, 1)
	if got := held(s, "/a"); got != "" {
		t.Errorf("/a holds %q, want the read in progress not stored", got)
	}
	if got := held(s, "/b"); got != "B[0,10)" {
		t.Errorf("/b holds %q, want B", got)
	}
	// A new read after the removal is stored.
	cl, _ := s.Claim(ctx, "/a", 1, 0, 10)
	finish(cl, 0, 10, clock.Now(), "A2", 1, 1)
	if got := held(s, "/a"); got != "A2[0,10)" {
		t.Errorf("/a holds %q, want A2", got)
	}
	checkSegments(t, s)
}

// waitForSegmentWaiters spins until n Claims wait.
func waitForSegmentWaiters(t *testing.T, s *Segments, n int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := segStats(s).Waiting
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited for %d waiting claims, have %d", n, got)
		}
		runtime.Gosched()
	}
}

type claimResult struct {
	cl  *Claim
	err error
}

func claimAsync(ctx context.Context, s *Segments, stream string, owner uint64, lo, hi int64) <-chan claimResult {
	ch := make(chan claimResult, 1)
	go func() {
		cl, err := s.Claim(ctx, stream, owner, lo, hi)
		ch <- claimResult{cl, err}
	}()
	return ch
}

func TestSegmentsClaimNoWait(t *testing.T) {
	tests := []struct {
		name           string
		stream         string
		owner1, owner2 uint64
		lo1, hi1       int64
		lo2, hi2       int64
	}{
		{name: "disjoint", owner1: 1, owner2: 2, lo1: 0, hi1: 10, lo2: 20, hi2: 30},
		{name: "adjacent above", owner1: 1, owner2: 2, lo1: 0, hi1: 10, lo2: 10, hi2: 20},
		{name: "adjacent below", owner1: 1, owner2: 2, lo1: 10, hi1: 20, lo2: 0, hi2: 10},
		{name: "other stream", stream: "other", owner1: 1, owner2: 2, lo1: 0, hi1: 10, lo2: 0, hi2: 10},
		{name: "same owner overlapping", owner1: 7, owner2: 7, lo1: 0, hi1: 10, lo2: 5, hi2: 15},
		{name: "same owner same interval", owner1: 7, owner2: 7, lo1: 0, hi1: 10, lo2: 0, hi2: 10},
		{name: "owner 0 disjoint", owner1: 0, owner2: 0, lo1: 0, hi1: 10, lo2: 10, hi2: 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestSegments(1000, time.Hour)
			ctx := context.Background()
			first, err := s.Claim(ctx, "s", tt.owner1, tt.lo1, tt.hi1)
			if first == nil || err != nil {
				t.Fatalf("first Claim = %v, %v", first, err)
			}
			stream := tt.stream
			if stream == "" {
				stream = "s"
			}
			r := receiveWithin(t, claimAsync(ctx, s, stream, tt.owner2, tt.lo2, tt.hi2), "a claim that should not wait")
			if r.cl == nil || r.err != nil {
				t.Fatalf("second Claim = %v, %v; want a claim", r.cl, r.err)
			}
			if st := segStats(s); st.Gaps != 2 || st.Waiting != 0 {
				t.Errorf("Gaps, Waiting = %d, %d; want 2, 0", st.Gaps, st.Waiting)
			}
			finish(r.cl, 0, 0, time.Time{}, nil, 0, 0)
			finish(first, 0, 0, time.Time{}, nil, 0, 0)
			if n := len(s.reading); n != 0 {
				t.Errorf("%d streams still reading after both finished", n)
			}
		})
	}
}

func TestSegmentsClaimWaits(t *testing.T) {
	tests := []struct {
		name           string
		owner1, owner2 uint64
		lo2, hi2       int64
	}{
		{name: "same interval, other owner", owner1: 1, owner2: 2, lo2: 0, hi2: 10},
		{name: "overlapping the top", owner1: 1, owner2: 2, lo2: 9, hi2: 20},
		{name: "overlapping the bottom", owner1: 1, owner2: 2, lo2: -10, hi2: 1},
		{name: "inside", owner1: 1, owner2: 2, lo2: 4, hi2: 5},
		{name: "containing", owner1: 1, owner2: 2, lo2: -100, hi2: 100},
		{name: "owner 0 waits for owner 0", owner1: 0, owner2: 0, lo2: 0, hi2: 10},
		{name: "owner 0 waits for an owner", owner1: 3, owner2: 0, lo2: 0, hi2: 10},
		{name: "an owner waits for owner 0", owner1: 0, owner2: 3, lo2: 0, hi2: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := newTestSegments(1000, time.Hour)
			ctx := context.Background()
			first, err := s.Claim(ctx, "s", tt.owner1, 0, 10)
			if first == nil || err != nil {
				t.Fatalf("first Claim = %v, %v", first, err)
			}
			ch := claimAsync(ctx, s, "s", tt.owner2, tt.lo2, tt.hi2)
			waitForSegmentWaiters(t, s, 1)
			select {
			case r := <-ch:
				t.Fatalf("second Claim returned %v, %v before the first finished", r.cl, r.err)
			default:
			}
			finish(first, 0, 10, clock.Now(), "A", 1, 1)
			r := receiveWithin(t, ch, "the waiting claim")
			if r.cl != nil || r.err != nil {
				t.Errorf("waiting Claim = %v, %v; want nil, nil", r.cl, r.err)
			}
			waitForSegmentWaiters(t, s, 0)
			if st := segStats(s); st.Gaps != 1 {
				t.Errorf("Gaps = %d, want 1 (a wait claims nothing)", st.Gaps)
			}
			// The first read is there to cover again.
			if got := fmtParts(s.Cover("s", 0, 10)); got != "A[0,10)" {
				t.Errorf("Cover = %q, want A[0,10)", got)
			}
		})
	}
}

func TestSegmentsClaimWaitersCounted(t *testing.T) {
	s, _ := newTestSegments(1000, time.Hour)
	ctx := context.Background()
	first, _ := s.Claim(ctx, "s", 1, 0, 100)
	var chs []<-chan claimResult
	for i := 0; i < 5; i++ {
		chs = append(chs, claimAsync(ctx, s, "s", uint64(10+i), int64(i*10), int64(i*10+5)))
	}
	waitForSegmentWaiters(t, s, 5)
	finish(first, 0, 0, time.Time{}, nil, 0, 0) // a failed read: nothing stored
	for _, ch := range chs {
		if r := receiveWithin(t, ch, "a waiting claim"); r.cl != nil || r.err != nil {
			t.Errorf("waiting Claim = %v, %v; want nil, nil", r.cl, r.err)
		}
	}
	waitForSegmentWaiters(t, s, 0)
	if got := fmtParts(s.Cover("s", 0, 100)); got != "gap[0,100)" {
		t.Errorf("Cover = %q, want a gap after a read that stored nothing", got)
	}
	// Once the read ended a new claim is granted at once.
	cl, err := s.Claim(ctx, "s", 2, 0, 100)
	if cl == nil || err != nil {
		t.Errorf("Claim after Finish = %v, %v", cl, err)
	}
}

func TestSegmentsClaimContextEnds(t *testing.T) {
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{name: "cancelled while waiting", ctx: func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}, want: context.Canceled},
		{name: "deadline while waiting", ctx: func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 20*time.Millisecond)
		}, want: context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := newTestSegments(1000, time.Hour)
			first, _ := s.Claim(context.Background(), "s", 1, 0, 10)
			ctx, cancel := tt.ctx()
			defer cancel()
			ch := claimAsync(ctx, s, "s", 2, 0, 10)
			if tt.want == context.Canceled {
				waitForSegmentWaiters(t, s, 1)
				cancel()
			}
			r := receiveWithin(t, ch, "the cancelled claim")
			if r.cl != nil || !errors.Is(r.err, tt.want) {
				t.Errorf("Claim = %v, %v; want nil, %v", r.cl, r.err, tt.want)
			}
			waitForSegmentWaiters(t, s, 0)
			// The first read goes on and stores.
			finish(first, 0, 10, clock.Now(), "A", 1, 1)
			if got := held(s, "s"); got != "A[0,10)" {
				t.Errorf("held = %q, want A", got)
			}
		})
	}
}

func TestSegmentsClaimDoneContextNoConflict(t *testing.T) {
	s, _ := newTestSegments(1000, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if cl, err := s.Claim(ctx, "s", 1, 0, 10); cl == nil || err != nil {
		t.Errorf("Claim with nothing to wait for = %v, %v; want a claim", cl, err)
	}
	if cl, err := s.Claim(ctx, "s", 2, 0, 10); cl != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("Claim that would wait = %v, %v; want nil, Canceled", cl, err)
	}
	if got := segStats(s).Waiting; got != 0 {
		t.Errorf("Waiting = %d, want 0", got)
	}
}

func TestSegmentsFinish(t *testing.T) {
	tests := []struct {
		name             string
		claimLo, claimHi int64
		lo, hi           int64
		v                any
		held             string
		items            int
	}{
		{name: "the claimed interval", claimLo: 10, claimHi: 50, lo: 10, hi: 50, v: "A", held: "A[10,50)", items: 3},
		{name: "clipped to the claim", claimLo: 10, claimHi: 50, lo: 0, hi: 100, v: "A", held: "A[10,50)", items: 3},
		{name: "part of the claim", claimLo: 10, claimHi: 50, lo: 20, hi: 40, v: "A", held: "A[20,40)", items: 3},
		{name: "clipped at the top only", claimLo: 10, claimHi: 50, lo: 30, hi: 60, v: "A", held: "A[30,50)", items: 3},
		{name: "outside the claim", claimLo: 10, claimHi: 50, lo: 60, hi: 70, v: "A"},
		{name: "empty", claimLo: 10, claimHi: 50, lo: 30, hi: 30, v: "A"},
		{name: "nil value stores nothing", claimLo: 10, claimHi: 50, lo: 10, hi: 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := newTestSegments(1000, time.Hour)
			cl, _ := s.Claim(context.Background(), "s", 1, tt.claimLo, tt.claimHi)
			finish(cl, tt.lo, tt.hi, clock.Now(), tt.v, 8, 3)
			if got := held(s, "s"); got != tt.held {
				t.Errorf("held = %q, want %q", got, tt.held)
			}
			_, bytes, streams := s.Stats()
			if tt.held != "" && (bytes != 8 || len(streams) != 1 || streams[0].Items != tt.items) {
				t.Errorf("bytes, streams = %d, %+v; want 8, one stream of %d items", bytes, streams, tt.items)
			}
			if tt.held == "" && bytes != 0 {
				t.Errorf("bytes = %d, want 0", bytes)
			}
			if len(s.reading) != 0 {
				t.Errorf("reading = %v after Finish, want empty", s.reading)
			}
			checkSegments(t, s)
		})
	}
}

func TestSegmentsFinishReplacesOverlapped(t *testing.T) {
	s, clock := newTestSegments(1000, time.Hour)
	put(s, "s", 0, 15, clock.Now(), "old", 5, 1)
	put(s, "s", 40, 60, clock.Now(), "old2", 5, 1)
	put(s, "s", 60, 70, clock.Now(), "keep", 5, 1)
	cl, _ := s.Claim(context.Background(), "s", 1, 10, 50)
	finish(cl, 10, 50, clock.Now(), "new", 5, 1)
	if got := held(s, "s"); got != "new[10,50) keep[60,70)" {
		t.Errorf("held = %q, want new[10,50) keep[60,70)", got)
	}
	checkSegments(t, s)
}

func TestSegmentsFinishAfterTTL(t *testing.T) {
	s, clock := newTestSegments(1000, time.Minute)
	since := clock.Now()
	cl, _ := s.Claim(context.Background(), "s", 1, 0, 10)
	clock.Advance(time.Minute) // the read took the whole TTL
	finish(cl, 0, 10, since, "A", 1, 1)
	if got := held(s, "s"); got != "" {
		t.Errorf("held = %q, want nothing (expired on arrival)", got)
	}
}

func TestSegmentsStats(t *testing.T) {
	s, clock := newTestSegments(100, time.Minute)
	t0 := clock.Now()
	ctx := context.Background()

	st, bytes, streams := s.Stats()
	if st != (SegmentStats{}) || bytes != 0 || len(streams) != 0 {
		t.Fatalf("empty store Stats = %+v, %d, %+v", st, bytes, streams)
	}

	cl, _ := s.Claim(ctx, "b", 1, 0, 10)
	finish(cl, 0, 10, t0, "B1", 20, 4)
	clock.Advance(10 * time.Second)
	cl, _ = s.Claim(ctx, "b", 1, 10, 20)
	finish(cl, 10, 20, clock.Now(), "B2", 30, 5)
	cl, _ = s.Claim(ctx, "a", 1, 0, 10)
	finish(cl, 0, 10, clock.Now(), "A1", 10, 1)
	s.Cover("b", 0, 20) // 2 hits
	s.Cover("a", 0, 30) // 1 hit

	st, bytes, streams = s.Stats()
	if want := (SegmentStats{Hits: 3, Gaps: 3}); st != want {
		t.Errorf("stats = %+v, want %+v", st, want)
	}
	if bytes != 60 {
		t.Errorf("bytes = %d, want 60", bytes)
	}
	want := []StreamStats{
		{Stream: "a", Segments: 1, Blocks: 1, Items: 1, Bytes: 10, Oldest: t0.Add(10 * time.Second)},
		{Stream: "b", Segments: 2, Blocks: 2, Items: 9, Bytes: 50, Oldest: t0},
	}
	if fmt.Sprint(streams) != fmt.Sprint(want) {
		t.Errorf("streams = %+v, want %+v", streams, want)
	}

	// A put beyond MaxBytes evicts the least recently covered (b's).
	put(s, "c", 0, 10, clock.Now(), "C", 80, 2)
	st, bytes, streams = s.Stats()
	if st.Evictions != 2 || bytes != 90 {
		t.Errorf("Evictions, bytes = %d, %d; want 2, 90", st.Evictions, bytes)
	}
	if len(streams) != 2 || streams[0].Stream != "a" || streams[1].Stream != "c" || streams[1].Items != 2 {
		t.Errorf("streams = %+v, want a and c", streams)
	}

	// Expiry of a: its segment was read at t0+10s.
	clock.Advance(time.Minute)
	s.Cover("a", 0, 10)
	st, bytes, streams = s.Stats()
	if st.Expired != 1 || bytes != 80 || len(streams) != 1 {
		t.Errorf("Expired, bytes, streams = %d, %d, %+v; want 1, 80, [c]", st.Expired, bytes, streams)
	}
	if st.Hits != 3 || st.Gaps != 3 {
		t.Errorf("Hits, Gaps = %d, %d; want 3, 3 (an expired segment is no hit)", st.Hits, st.Gaps)
	}
	checkSegments(t, s)
}

// TestSegmentsConcurrent runs readers that cover, claim, read and finish,
// with updates and removals, and checks the bookkeeping (run with -race).
func TestSegmentsConcurrent(t *testing.T) {
	s, clock := newTestSegments(2000, time.Minute)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			ctx := context.Background()
			for i := 0; i < 300; i++ {
				stream := fmt.Sprintf("s%d", (w+i)%3)
				lo := int64((w*7 + i*13) % 100)
				hi := lo + 1 + int64(i%20)
				switch i % 10 {
				case 7:
					ch := Change{Stream: stream, At: lo}
					if i%2 == 0 {
						ch.Patch = func(v any, _, _ int64) (any, int) { return tv{v.(tv).name, v.(tv).size + 1}, 1 }
					}
					s.Apply([]Change{ch}, nil)
					continue
				case 8:
					if w == 0 {
						s.RemoveStreams(func(k string) bool { return k == stream })
					}
					continue
				case 9:
					if w == 1 {
						clock.Advance(time.Second)
					}
					s.Count(stream, 0, 1<<62)
					continue
				}
				for _, p := range s.Cover(stream, lo, hi) {
					if p.Segment != nil {
						continue
					}
					cl, err := s.Claim(ctx, stream, uint64(w+1), p.Lo, p.Hi)
					if err != nil {
						t.Error(err)
						return
					}
					if cl == nil {
						continue
					}
					finish(cl, p.Lo, p.Hi, clock.Now(), w, int64(10+i%50), 1)
				}
			}
		}(w)
	}
	wg.Wait()
	checkSegments(t, s)
	if st := segStats(s); st.Waiting != 0 {
		t.Errorf("Waiting = %d after all readers ended", st.Waiting)
	}
	if len(s.reading) != 0 {
		t.Errorf("claims left after all readers ended: %v", s.reading)
	}
}

// A claim filled from elsewhere (another replica's read) stores what it
// is given within its interval while it goes on, unless superseded; Put
// and Finish say whether they stored.
func TestClaimPut(t *testing.T) {
	cases := []struct {
		name      string
		puts      [][2]int64 // intervals Put while claiming [100, 200)
		supersede bool       // an Update at 150 before the puts
		finish    [2]int64   // Finish's interval (none when lo == hi)
		want      []bool     // what each Put returned, then Finish
		held      string
	}{
		{name: "within the claim", puts: [][2]int64{{100, 150}, {150, 200}}, want: []bool{true, true, false},
			held: "v0[100,150) v1[150,200)"},
		{name: "clipped to the claim", puts: [][2]int64{{0, 120}, {180, 300}}, want: []bool{true, true, false},
			held: "v0[100,120) v1[180,200)"},
		{name: "outside the claim", puts: [][2]int64{{0, 100}}, want: []bool{false, false}},
		{name: "superseded", puts: [][2]int64{{100, 150}}, supersede: true, finish: [2]int64{100, 200}, want: []bool{false, false}},
		{name: "finish stores", finish: [2]int64{120, 200}, want: []bool{true}, held: "done[120,200)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := newTestSegments(1<<20, time.Hour)
			cl, err := s.Claim(context.Background(), "s", 1, 100, 200)
			if err != nil || cl == nil {
				t.Fatal(cl, err)
			}
			if c.supersede {
				s.Apply([]Change{{Stream: "s", At: 150}}, nil)
			}
			var got []bool
			for i, p := range c.puts {
				got = append(got, claimPut(cl, p[0], p[1], s.Now(), fmt.Sprintf("v%d", i), 1, 1))
			}
			var v any
			if c.finish[0] < c.finish[1] {
				v = "done"
			}
			got = append(got, finish(cl, c.finish[0], c.finish[1], s.Now(), v, 1, 1))
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("stored: %v, want %v", got, c.want)
			}
			if h := held(s, "s"); h != c.held {
				t.Errorf("held %q, want %q", h, c.held)
			}
			checkSegments(t, s)
		})
	}
}
