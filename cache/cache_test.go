package cache

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestGetSetHitMiss(t *testing.T) {
	c, _ := newTestCache(1<<20, time.Minute)
	if _, ok := c.Get("k"); ok {
		t.Fatal("Get on empty cache reported a hit")
	}
	c.Set("k", []byte("v1"))
	if got, ok := c.Get("k"); !ok || string(got) != "v1" {
		t.Fatalf("Get = %q, %v; want v1, true", got, ok)
	}
	c.Set("k", []byte("value-2")) // replacing re-charges the new size
	if got, ok := c.Get("k"); !ok || string(got) != "value-2" {
		t.Fatalf("Get after replace = %q, %v; want value-2, true", got, ok)
	}
	want := Stats{Hits: 2, Misses: 1, Entries: 1, Bytes: entrySize("k", []byte("value-2"))}
	if got := c.Stats(); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
	checkInvariants(t, c)
}

func TestTTLExpiry(t *testing.T) {
	const ttl = time.Minute
	tests := []struct {
		name    string
		advance time.Duration
		wantHit bool
	}{
		{"just stored", 0, true},
		{"one tick before expiry", ttl - time.Nanosecond, true},
		{"exactly at expiry", ttl, false},
		{"long after", 10 * ttl, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, clock := newTestCache(1<<20, ttl)
			c.Set("k", []byte("v"))
			clock.Advance(tt.advance)
			_, hit := c.Get("k")
			if hit != tt.wantHit {
				t.Fatalf("hit = %v, want %v", hit, tt.wantHit)
			}
			s := c.Stats()
			wantExpired, wantEntries := int64(0), int64(1)
			if !tt.wantHit {
				wantExpired, wantEntries = 1, 0 // an expired entry is dropped when noticed
			}
			if s.Expired != wantExpired || s.Entries != wantEntries || (s.Misses == 1) == tt.wantHit {
				t.Errorf("Stats = %+v; want Expired %d, Entries %d, a miss iff expired", s, wantExpired, wantEntries)
			}
			checkInvariants(t, c)
		})
	}
}

func TestExpiryCountsFromStoreTime(t *testing.T) {
	c, clock := newTestCache(1<<20, time.Minute)
	c.Set("k", []byte("old"))
	clock.Advance(50 * time.Second)
	c.Set("k", []byte("new")) // restarts the TTL
	clock.Advance(50 * time.Second)
	if got, ok := c.Get("k"); !ok || string(got) != "new" {
		t.Fatalf("Get = %q, %v; want new, true", got, ok)
	}
}

func TestCachingDisabled(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"TTL zero", Options{MaxBytes: 1 << 20}},
		{"TTL negative", Options{MaxBytes: 1 << 20, TTL: -time.Second}},
		{"MaxBytes zero", Options{TTL: time.Minute}},
		{"MaxBytes negative", Options{MaxBytes: -1, TTL: time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(tt.opts)
			c.Set("k", []byte("v"))
			if _, ok := c.Get("k"); ok {
				t.Error("Get hit although caching is disabled")
			}
			fetches := 0
			for range 3 {
				val, hit, err := c.Do(t.Context(), "k", func(ctx context.Context) ([]byte, error) {
					fetches++
					return []byte("fetched"), nil
				})
				if err != nil || hit || string(val) != "fetched" {
					t.Fatalf("Do = %q, %v, %v; want fetched, false, nil", val, hit, err)
				}
			}
			if fetches != 3 {
				t.Errorf("fetch called %d times, want 3 (every Do fetches)", fetches)
			}
			if s := c.Stats(); s.Entries != 0 || s.Bytes != 0 || s.Misses != 4 {
				t.Errorf("Stats = %+v; want empty cache and 4 misses", s)
			}
		})
	}
}

func TestByteBoundUnderManyInserts(t *testing.T) {
	const maxBytes = 2000
	c, _ := newTestCache(maxBytes, time.Hour)
	const inserts = 1000
	for i := range inserts {
		key := fmt.Sprintf("key-%d", i)
		c.Set(key, make([]byte, i%300)) // sizes vary; all fit on their own
		if b := c.Stats().Bytes; b > maxBytes {
			t.Fatalf("after insert %d: Bytes = %d > MaxBytes %d", i, b, maxBytes)
		}
	}
	checkInvariants(t, c)
	s := c.Stats()
	if s.Evictions == 0 || s.Evictions+s.Entries != inserts {
		t.Errorf("Stats = %+v; want Evictions+Entries = %d with some evictions", s, inserts)
	}
	// The newest entries are the ones kept.
	if _, ok := c.Get(fmt.Sprintf("key-%d", inserts-1)); !ok {
		t.Error("most recently inserted entry was evicted")
	}
	if _, ok := c.Get("key-0"); ok {
		t.Error("oldest entry survived although the cache overflowed many times")
	}
}

func TestLRURecentlyUsedSurvives(t *testing.T) {
	val := []byte("0123456789")
	size := entrySize("a", val)
	tests := []struct {
		name  string
		touch func(t *testing.T, c *Cache, key string)
	}{
		{"Get", func(_ *testing.T, c *Cache, key string) { c.Get(key) }},
		{"Do hit", func(t *testing.T, c *Cache, key string) {
			c.Do(t.Context(), key, func(context.Context) ([]byte, error) {
				t.Error("Do fetched a cached key")
				return nil, nil
			})
		}},
		{"Set again", func(_ *testing.T, c *Cache, key string) { c.Set(key, val) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCache(3*size, time.Hour)
			for _, k := range []string{"a", "b", "c"} {
				c.Set(k, val)
			}
			tt.touch(t, c, "a") // now b is least recently used
			c.Set("d", val)
			for k, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
				if _, ok := c.lru.Peek(k); ok != want {
					t.Errorf("%q present = %v, want %v", k, ok, want)
				}
			}
			if s := c.Stats(); s.Evictions != 1 || s.Entries != 3 {
				t.Errorf("Stats = %+v; want 1 eviction, 3 entries", s)
			}
			checkInvariants(t, c)
		})
	}
}

func TestOversizedValueNotStored(t *testing.T) {
	const maxBytes = 1000
	fits := make([]byte, maxBytes-entrySize("k", nil)) // entry exactly MaxBytes
	tests := []struct {
		name      string
		before    []byte // stored first, if not nil
		val       []byte
		wantStore bool
	}{
		{"exactly MaxBytes", nil, fits, true},
		{"one byte over", nil, append(fits, 'x'), false},
		{"far over", nil, make([]byte, 10*maxBytes), false},
		{"over, replacing a small value", []byte("small"), make([]byte, maxBytes), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCache(maxBytes, time.Hour)
			c.Set("other", []byte("x"))
			if tt.before != nil {
				c.Set("k", tt.before)
			}
			c.Set("k", tt.val)
			got, ok := c.Get("k")
			if ok != tt.wantStore || (ok && len(got) != len(tt.val)) {
				t.Errorf("Get = %d bytes, %v; want stored = %v", len(got), ok, tt.wantStore)
			}
			_, otherKept := c.Get("other")
			if otherKept == tt.wantStore {
				// Storing a MaxBytes entry must evict everything else;
				// refusing an oversized one must evict nothing.
				t.Errorf("other entry kept = %v, want %v", otherKept, !tt.wantStore)
			}
			checkInvariants(t, c)
		})
	}
}

func TestRemove(t *testing.T) {
	c, _ := newTestCache(1<<20, time.Hour)
	c.Set("a", []byte("1"))
	c.Set("ab", []byte("2"))
	c.Remove("a")
	c.Remove("missing") // no-op
	if _, ok := c.Get("a"); ok {
		t.Error("removed key still present")
	}
	if _, ok := c.Get("ab"); !ok {
		t.Error("Remove(a) also removed ab; it must match exactly")
	}
	checkInvariants(t, c)
}

func TestRemovePrefix(t *testing.T) {
	keys := []string{"customers/p1", "customers/p2", "charges/p1", "customers_x/p1"}
	tests := []struct {
		prefix string
		want   []string // keys removed
	}{
		{"customers/", []string{"customers/p1", "customers/p2"}},
		{"customers", []string{"customers/p1", "customers/p2", "customers_x/p1"}},
		{"charges/p1", []string{"charges/p1"}},
		{"invoices/", nil},
		{"", keys},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("prefix %q", tt.prefix), func(t *testing.T) {
			c, _ := newTestCache(1<<20, time.Hour)
			for _, k := range keys {
				c.Set(k, []byte(k))
			}
			if n := c.RemovePrefix(tt.prefix); n != len(tt.want) {
				t.Errorf("RemovePrefix returned %d, want %d", n, len(tt.want))
			}
			for _, k := range keys {
				removed := strings.HasPrefix(k, tt.prefix)
				if _, ok := c.lru.Peek(k); ok == removed {
					t.Errorf("%q present = %v, want %v", k, ok, !removed)
				}
			}
			checkInvariants(t, c)
		})
	}
}

func TestPurge(t *testing.T) {
	c, _ := newTestCache(1<<20, time.Hour)
	for i := range 10 {
		c.Set(fmt.Sprint(i), []byte("v"))
	}
	c.Get("3")
	c.Get("missing")
	c.Purge()
	want := Stats{Hits: 1, Misses: 1} // counters survive, contents do not
	if got := c.Stats(); got != want {
		t.Errorf("Stats after Purge = %+v, want %+v", got, want)
	}
	c.Set("again", []byte("v")) // still usable
	if _, ok := c.Get("again"); !ok {
		t.Error("cache unusable after Purge")
	}
	checkInvariants(t, c)
}

func TestStats(t *testing.T) {
	val := []byte("0123456789")
	size := entrySize("k0", val)
	c, clock := newTestCache(2*size, time.Minute)
	c.Set("k0", val)
	c.Set("k1", val)
	c.Get("k0")      // hit
	c.Set("k2", val) // evicts k1
	c.Get("k1")      // miss
	clock.Advance(time.Minute)
	c.Get("k2")                                                                        // expired: miss
	c.Do(t.Context(), "k3", func(context.Context) ([]byte, error) { return val, nil }) // miss, stored
	want := Stats{Hits: 1, Misses: 3, Evictions: 1, Expired: 1, Entries: 2, Bytes: 2 * size}
	if got := c.Stats(); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}
