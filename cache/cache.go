// Package cache is a byte-bounded LRU cache with a time-to-live and
// singleflight de-duplication of concurrent fetches.
//
// Keys are strings and values are byte slices; the package knows nothing
// of what they encode. Values are shared, not copied: a slice passed to
// Set or returned by a fetch must not be modified afterwards, and slices
// returned by Get or Do must be treated as read-only.
package cache

import (
	"math"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/sync/singleflight"
)

// EntryOverhead is the number of bytes charged per entry on top of
// len(key)+len(value), approximating the list element, map slot and
// bookkeeping each entry costs, so that many tiny entries cannot exceed
// the memory budget.
const EntryOverhead = 64

// Options configures a Cache.
type Options struct {
	// MaxBytes bounds the sum over entries of len(key)+len(value)+EntryOverhead.
	// Zero or negative means nothing is ever stored.
	MaxBytes int64
	// TTL is how long an entry stays fresh after it was stored.
	// Zero or negative disables caching entirely: every Do fetches.
	TTL time.Duration
	// Now returns the current time; nil means time.Now. Tests set it to a fake clock.
	Now func() time.Time
}

// Stats is a snapshot of a cache's counters and size.
type Stats struct {
	Hits      int64 // lookups answered from the cache
	Misses    int64 // lookups that found no fresh entry and did not share another caller's fetch
	Shared    int64 // Do calls answered by a fetch another caller started
	Bytes     int64 // current accounted size, never above Options.MaxBytes
	Entries   int64 // current number of entries (fresh or not yet noticed as expired)
	Evictions int64 // entries dropped to stay within MaxBytes
	Expired   int64 // entries found expired on lookup and dropped
	Waiting   int64 // callers of Do now waiting for a fetch (their own or a shared one)
}

// Cache is safe for concurrent use. Create it with New.
type Cache struct {
	maxBytes int64
	ttl      time.Duration
	now      func() time.Time

	group singleflight.Group
	// fetches tracks running fetch functions so tests can wait for
	// abandoned ones to finish.
	fetches sync.WaitGroup

	mu      sync.Mutex // guards everything below
	lru     *simplelru.LRU[string, entry]
	bytes   int64
	flights map[string]*flight
	stats   Stats // Bytes, Entries and Waiting are filled in by Stats()
}

type entry struct {
	val       []byte
	size      int64
	expiresAt time.Time
}

// New returns an empty cache configured by opts.
func New(opts Options) *Cache {
	c := &Cache{
		maxBytes: opts.MaxBytes,
		ttl:      opts.TTL,
		now:      opts.Now,
		flights:  make(map[string]*flight),
	}
	if c.now == nil {
		c.now = time.Now
	}
	// The LRU's own entry-count limit is disabled; store enforces the byte
	// bound. The callback keeps the byte total right whichever way an
	// entry leaves (Remove, RemoveOldest, Purge).
	lru, err := simplelru.NewLRU(math.MaxInt, func(_ string, e entry) { c.bytes -= e.size })
	if err != nil {
		panic("cache: simplelru rejected a positive size: " + err.Error()) // unreachable
	}
	c.lru = lru
	return c
}

func (c *Cache) enabled() bool { return c.ttl > 0 && c.maxBytes > 0 }

// Enabled reports whether the cache stores anything (positive TTL and
// MaxBytes); a disabled cache's Do simply fetches.
func (c *Cache) Enabled() bool { return c.enabled() }

func entrySize(key string, val []byte) int64 {
	return int64(len(key)) + int64(len(val)) + EntryOverhead
}

// Get returns the fresh cached value for key, marking it recently used.
func (c *Cache) Get(key string) ([]byte, bool) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	val, ok := c.lookupLocked(key, now)
	if ok {
		c.stats.Hits++
	} else {
		c.stats.Misses++
	}
	return val, ok
}

// Peek is Get for bookkeeping entries: it counts no hit or miss (the
// entry still becomes the most recently used).
func (c *Cache) Peek(key string) ([]byte, bool) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lookupLocked(key, now)
}

// lookupLocked returns the fresh value for key, dropping it if it has
// expired. It does not count hits or misses; callers decide what the
// lookup means.
func (c *Cache) lookupLocked(key string, now time.Time) ([]byte, bool) {
	e, ok := c.lru.Get(key)
	if !ok {
		return nil, false
	}
	if !now.Before(e.expiresAt) {
		c.lru.Remove(key)
		c.stats.Expired++
		return nil, false
	}
	return e.val, true
}

// Set stores val under key, replacing any previous value, and evicts
// least-recently-used entries until the cache is within MaxBytes. A value
// whose entry alone would exceed MaxBytes is not stored (and the previous
// value, now outdated, is dropped). Set also stops a fetch of key already
// in flight from storing its result over val.
func (c *Cache) Set(key string, val []byte) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.supersedeFlightsLocked(func(k string) bool { return k == key })
	c.storeLocked(key, val, now)
}

func (c *Cache) storeLocked(key string, val []byte, now time.Time) {
	c.lru.Remove(key) // Add would not report the old size to the callback
	if !c.enabled() {
		return
	}
	size := entrySize(key, val)
	if size > c.maxBytes {
		return
	}
	c.lru.Add(key, entry{val: val, size: size, expiresAt: now.Add(c.ttl)})
	c.bytes += size
	for c.bytes > c.maxBytes {
		c.lru.RemoveOldest()
		c.stats.Evictions++
	}
}

// Remove drops key and stops a fetch of key already in flight from
// storing its (possibly outdated) result.
func (c *Cache) Remove(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.supersedeFlightsLocked(func(k string) bool { return k == key })
	c.lru.Remove(key)
}

// RemovePrefix drops every entry whose key starts with prefix (for
// example all cached pages of one table) and returns how many it
// dropped. Fetches of matching keys already in flight will not store
// their results.
func (c *Cache) RemovePrefix(prefix string) int {
	return c.RemoveMatching(func(k string) bool { return strings.HasPrefix(k, prefix) })
}

// Purge drops every entry and stops every fetch in flight from storing
// its result. Counters other than Bytes and Entries are kept.
func (c *Cache) Purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.supersedeFlightsLocked(func(string) bool { return true })
	c.lru.Purge()
}

// RemoveMatching drops every entry whose key match accepts and returns
// how many it dropped; fetches of matching keys already in flight will not
// store their results. match is called with the cache locked: it must be
// quick and must not use the cache.
func (c *Cache) RemoveMatching(match func(key string) bool) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.supersedeFlightsLocked(match)
	removed := 0
	for _, k := range c.lru.Keys() {
		if match(k) && c.lru.Remove(k) {
			removed++
		}
	}
	return removed
}

// Clock is the cache's clock (Options.Now, or time.Now).
func (c *Cache) Clock() func() time.Time { return c.now }

// MaxBytes is the bound on the cache's size (Options.MaxBytes).
func (c *Cache) MaxBytes() int64 { return c.maxBytes }

// TTL is how long entries stay fresh (Options.TTL); not positive means
// the cache stores nothing.
func (c *Cache) TTL() time.Duration { return c.ttl }

// Stats returns a snapshot of the counters and current size.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Bytes = c.bytes
	s.Entries = int64(c.lru.Len())
	for _, f := range c.flights {
		s.Waiting += int64(f.waiters)
	}
	return s
}
