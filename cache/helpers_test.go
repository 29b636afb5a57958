package cache

import (
	"github.com/stripesql/stripesql/internal/testutil"
	"runtime"
	"testing"
	"time"
)

func newTestCache(maxBytes int64, ttl time.Duration) (*Cache, *testutil.Clock) {
	clock := testutil.NewClock()
	return New(Options{MaxBytes: maxBytes, TTL: ttl, Now: clock.Now}), clock
}

// checkInvariants verifies the byte accounting against the entries
// actually held.
func checkInvariants(t *testing.T, c *Cache) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var sum int64
	for _, k := range c.lru.Keys() {
		e, _ := c.lru.Peek(k)
		if e.size != entrySize(k, e.val) {
			t.Errorf("entry %q charged %d bytes, want %d", k, e.size, entrySize(k, e.val))
		}
		sum += e.size
	}
	if sum != c.bytes {
		t.Errorf("byte total %d, but entries add up to %d", c.bytes, sum)
	}
	if c.bytes > max(c.maxBytes, 0) {
		t.Errorf("byte total %d exceeds MaxBytes %d", c.bytes, c.maxBytes)
	}
}

// waitForWaiters spins (without sleeping) until n callers of Do are
// waiting on key's shared fetch.
func waitForWaiters(t *testing.T, c *Cache, key string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		got := 0
		if f := c.flights[key]; f != nil {
			got = f.waiters
		}
		c.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited for %d waiters on %q, have %d", n, key, got)
		}
		runtime.Gosched()
	}
}

// receiveWithin fails the test if nothing arrives on ch in a generous
// time; it guards against hangs, it does not time anything.
func receiveWithin[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}
