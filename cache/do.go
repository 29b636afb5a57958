package cache

import (
	"context"
	"errors"
	"fmt"
)

var (
	errNilContext = errors.New("cache: Do called with a nil context")
	errNilFetch   = errors.New("cache: Do called with a nil fetch function")
)

// flight tracks the callers of Do currently waiting on one key. The fetch
// they share runs under a context detached from every caller's, cancelled
// only when the last waiter gives up: one impatient caller must not fail
// the fetch for the others.
//
// Joining a flight and joining the singleflight call happen together
// under Cache.mu, as does leaving the last waiter with Forget. So every
// caller of a registered singleflight call is counted in the flight stored
// in Cache.flights for its key, and "waiters reached zero" means nobody
// will read that call's result. (One flight may outlive several
// consecutive calls when new callers arrive before old ones have left.)
type flight struct {
	waiters   int
	run       *fetchRun // the fetch running for these waiters, if one is
	abandoned bool      // every waiter left; a fetch not yet started must not start
}

type fetchRun struct {
	cancel     context.CancelFunc
	superseded bool // Set, Remove or Purge touched the key meanwhile: the result may be outdated
}

// Do returns the fresh cached value for key if there is one (hit is
// true). Otherwise it calls fetch once for all concurrent callers of the
// same key, stores the result if fetch succeeded, and returns it; hit is
// then false both for the caller that fetched and for those that shared
// its result (counted as Misses and Shared respectively).
//
// If ctx ends while waiting, Do returns ctx.Err() at once. The fetch keeps
// running for the other waiters and is cancelled only when none is left;
// the context it receives carries the values of the ctx of the caller that
// started it, but not its deadline. A fetch that fails, panics (reported as
// an error) or is cancelled leaves nothing in the cache, and so does one
// whose key is Set, Removed or Purged while it runs.
//
// When caching is disabled (TTL or MaxBytes not positive) every Do simply
// calls fetch with ctx.
func (c *Cache) Do(ctx context.Context, key string, fetch func(ctx context.Context) ([]byte, error)) (val []byte, hit bool, err error) {
	if ctx == nil {
		return nil, false, errNilContext
	}
	if fetch == nil {
		return nil, false, errNilFetch
	}
	if !c.enabled() {
		c.mu.Lock()
		c.stats.Misses++
		c.mu.Unlock()
		val, err := safeFetch(ctx, key, fetch)
		return val, false, err
	}

	now := c.now()
	c.mu.Lock()
	if val, ok := c.lookupLocked(key, now); ok {
		c.stats.Hits++
		c.mu.Unlock()
		return val, true, nil
	}
	if err := ctx.Err(); err != nil {
		c.stats.Misses++
		c.mu.Unlock()
		return nil, false, err
	}
	// Joined under c.mu (see flight). That is safe: singleflight runs fn
	// on its own goroutine and never calls back while holding its lock.
	f := c.joinLocked(key)
	// Only the closure of the caller that starts the singleflight call
	// runs, so started tells this caller whether it did. It is written
	// before the result is sent on ch and read after it is received.
	started := false
	ch := c.group.DoChan(key, func() (any, error) {
		started = true
		return c.runFetch(ctx, key, f, fetch)
	})
	c.mu.Unlock()

	select {
	case res := <-ch:
		counter := &c.stats.Shared
		if started {
			counter = &c.stats.Misses
		}
		c.leave(key, f, counter)
		if res.Err != nil {
			return nil, false, res.Err
		}
		val, _ := res.Val.([]byte)
		return val, false, nil
	case <-ctx.Done():
		c.leave(key, f, &c.stats.Misses)
		return nil, false, ctx.Err()
	}
}

func (c *Cache) joinLocked(key string) *flight {
	f := c.flights[key]
	if f == nil {
		f = &flight{}
		c.flights[key] = f
	}
	f.waiters++
	return f
}

// leave records the outcome of one waiter of f and, if it was the last,
// cancels the fetch and makes later callers start a fresh one instead of
// joining this one, whose result nobody will read.
func (c *Cache) leave(key string, f *flight, counter *int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	*counter++
	f.waiters--
	if f.waiters > 0 {
		return
	}
	f.abandoned = true
	if f.run != nil {
		f.run.cancel()
	}
	c.group.Forget(key)
	if c.flights[key] == f {
		delete(c.flights, key)
	}
}

// runFetch is the body of the shared singleflight call for key.
func (c *Cache) runFetch(ctx context.Context, key string, f *flight, fetch func(context.Context) ([]byte, error)) (any, error) {
	c.fetches.Add(1)
	defer c.fetches.Done()

	c.mu.Lock()
	if f.abandoned { // everyone left before this goroutine got going
		c.mu.Unlock()
		return nil, context.Canceled
	}
	fetchCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	run := &fetchRun{cancel: cancel}
	f.run = run
	c.mu.Unlock()

	val, err := safeFetch(fetchCtx, key, fetch)
	storedAt := c.now()

	c.mu.Lock()
	defer c.mu.Unlock()
	if f.run == run {
		f.run = nil
	}
	if err != nil {
		return nil, err
	}
	if fetchCtx.Err() == nil && !run.superseded {
		c.storeLocked(key, val, storedAt)
	}
	return val, nil
}

// supersedeFlightsLocked marks the running fetches of matching keys so
// they do not store results that may predate a Set, Remove or Purge.
func (c *Cache) supersedeFlightsLocked(match func(key string) bool) {
	for key, f := range c.flights {
		if f.run != nil && match(key) {
			f.run.superseded = true
		}
	}
}

// safeFetch turns a panic in fetch into an error: inside singleflight a
// panic would otherwise crash the whole process.
func safeFetch(ctx context.Context, key string, fetch func(context.Context) ([]byte, error)) (val []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			val, err = nil, fmt.Errorf("cache: fetch for key %q panicked: %v", key, r)
		}
	}()
	return fetch(ctx)
}
