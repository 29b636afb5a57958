package cache

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type doResult struct {
	val []byte
	hit bool
	err error
}

// doAsync runs c.Do on a new goroutine and delivers its result.
func doAsync(ctx context.Context, c *Cache, key string, fetch func(context.Context) ([]byte, error)) <-chan doResult {
	ch := make(chan doResult, 1)
	go func() {
		val, hit, err := c.Do(ctx, key, fetch)
		ch <- doResult{val, hit, err}
	}()
	return ch
}

func constFetch(val string, calls *atomic.Int32) func(context.Context) ([]byte, error) {
	return func(context.Context) ([]byte, error) {
		calls.Add(1)
		return []byte(val), nil
	}
}

func TestDoHitAndMiss(t *testing.T) {
	c, _ := newTestCache(1<<20, time.Minute)
	var calls atomic.Int32
	steps := []struct {
		key     string
		want    string
		wantHit bool
	}{
		{"a", "value-a", false},
		{"a", "value-a", true},
		{"b", "value-b", false},
		{"a", "value-a", true},
	}
	for i, s := range steps {
		val, hit, err := c.Do(t.Context(), s.key, constFetch("value-"+s.key, &calls))
		if err != nil || hit != s.wantHit || string(val) != s.want {
			t.Fatalf("step %d: Do(%q) = %q, %v, %v; want %q, %v, nil", i, s.key, val, hit, err, s.want, s.wantHit)
		}
	}
	if calls.Load() != 2 {
		t.Errorf("fetch called %d times, want 2", calls.Load())
	}
	want := Stats{Hits: 2, Misses: 2, Entries: 2, Bytes: 2 * entrySize("a", []byte("value-a"))}
	if got := c.Stats(); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}

func TestDoRefetchesAfterExpiry(t *testing.T) {
	c, clock := newTestCache(1<<20, time.Minute)
	var calls atomic.Int32
	c.Do(t.Context(), "k", constFetch("v", &calls))
	clock.Advance(time.Minute)
	_, hit, _ := c.Do(t.Context(), "k", constFetch("v", &calls))
	if hit || calls.Load() != 2 {
		t.Errorf("after expiry: hit = %v, fetches = %d; want a miss and a second fetch", hit, calls.Load())
	}
	if s := c.Stats(); s.Expired != 1 || s.Entries != 1 {
		t.Errorf("Stats = %+v; want 1 expired and the refetched entry", s)
	}
}

func TestDoSingleflight(t *testing.T) {
	const callers = 20
	c, _ := newTestCache(1<<20, time.Minute)
	var calls atomic.Int32
	release := make(chan struct{})
	fetch := func(context.Context) ([]byte, error) {
		calls.Add(1)
		<-release
		return []byte("shared"), nil
	}
	results := make([]<-chan doResult, callers)
	for i := range results {
		results[i] = doAsync(t.Context(), c, "k", fetch)
	}
	waitForWaiters(t, c, "k", callers)
	if w := c.Stats().Waiting; w != callers {
		t.Errorf("Stats.Waiting = %d while %d callers wait", w, callers)
	}
	close(release)
	for i, ch := range results {
		r := receiveWithin(t, ch, "Do result")
		if r.err != nil || r.hit || string(r.val) != "shared" {
			t.Errorf("caller %d: Do = %q, %v, %v; want shared, false, nil", i, r.val, r.hit, r.err)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("fetch called %d times, want 1", calls.Load())
	}
	want := Stats{Misses: 1, Shared: callers - 1, Entries: 1, Bytes: entrySize("k", []byte("shared"))}
	if got := c.Stats(); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
	if len(c.flights) != 0 {
		t.Errorf("%d flights left behind", len(c.flights))
	}
}

func TestDoFailedFetchNotCached(t *testing.T) {
	errStripe := errors.New("stripe: rate limited")
	tests := []struct {
		name    string
		fetch   func(context.Context) ([]byte, error)
		wantErr func(error) bool
	}{
		{
			name:    "error",
			fetch:   func(context.Context) ([]byte, error) { return []byte("partial"), errStripe },
			wantErr: func(err error) bool { return errors.Is(err, errStripe) },
		},
		{
			name:  "panic",
			fetch: func(context.Context) ([]byte, error) { panic("boom") },
			wantErr: func(err error) bool {
				return err != nil && strings.Contains(err.Error(), `fetch for key "k" panicked: boom`)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCache(1<<20, time.Minute)
			val, hit, err := c.Do(t.Context(), "k", tt.fetch)
			if !tt.wantErr(err) || val != nil || hit {
				t.Fatalf("Do = %q, %v, %v; want nil, false and the fetch's error", val, hit, err)
			}
			if s := c.Stats(); s.Entries != 0 || s.Bytes != 0 {
				t.Errorf("failed fetch left something cached: %+v", s)
			}
			var calls atomic.Int32
			if val, _, err := c.Do(t.Context(), "k", constFetch("ok", &calls)); err != nil || string(val) != "ok" || calls.Load() != 1 {
				t.Errorf("next Do = %q, %v with %d fetches; want a fresh fetch", val, err, calls.Load())
			}
		})
	}
}

func TestDoFailedSharedFetchReachesAllWaiters(t *testing.T) {
	c, _ := newTestCache(1<<20, time.Minute)
	errStripe := errors.New("stripe: 500")
	release := make(chan struct{})
	fetch := func(context.Context) ([]byte, error) { <-release; return nil, errStripe }
	a := doAsync(t.Context(), c, "k", fetch)
	b := doAsync(t.Context(), c, "k", fetch)
	waitForWaiters(t, c, "k", 2)
	close(release)
	for _, ch := range []<-chan doResult{a, b} {
		if r := receiveWithin(t, ch, "Do result"); !errors.Is(r.err, errStripe) {
			t.Errorf("waiter got err %v, want %v", r.err, errStripe)
		}
	}
	if s := c.Stats(); s.Entries != 0 || s.Misses != 1 || s.Shared != 1 {
		t.Errorf("Stats = %+v; want nothing cached, 1 miss, 1 shared", s)
	}
}

// The caller that started the fetch gives up; the fetch must go on, under
// an uncancelled context, for the caller still waiting.
func TestDoCancelledWaiterReturnsPromptly(t *testing.T) {
	c, _ := newTestCache(1<<20, time.Minute)
	started, release := make(chan struct{}), make(chan struct{})
	var fetchCtxErr error // read only after the shared result is received
	fetch := func(ctx context.Context) ([]byte, error) {
		close(started)
		<-release
		fetchCtxErr = ctx.Err()
		return []byte("v"), nil
	}
	ctxA, cancelA := context.WithCancel(t.Context())
	a := doAsync(ctxA, c, "k", fetch)
	receiveWithin(t, started, "fetch to start")
	b := doAsync(t.Context(), c, "k", func(context.Context) ([]byte, error) {
		t.Error("second caller started its own fetch")
		return nil, nil
	})
	waitForWaiters(t, c, "k", 2)

	cancelA()
	// The fetch is still blocked, so A can only return if it does not wait for it.
	if r := receiveWithin(t, a, "cancelled caller to return"); !errors.Is(r.err, context.Canceled) || r.val != nil {
		t.Errorf("cancelled caller got %q, %v; want context.Canceled", r.val, r.err)
	}
	close(release)
	if r := receiveWithin(t, b, "remaining caller's result"); r.err != nil || string(r.val) != "v" {
		t.Errorf("remaining caller got %q, %v; want v, nil", r.val, r.err)
	}
	if fetchCtxErr != nil {
		t.Errorf("fetch context was cancelled (%v) although a caller still waited", fetchCtxErr)
	}
	if _, ok := c.Get("k"); !ok {
		t.Error("result of the completed fetch was not stored")
	}
	if s := c.Stats(); s.Misses != 1 || s.Shared != 1 || s.Hits != 1 {
		t.Errorf("Stats = %+v; want 1 miss (A), 1 shared (B), 1 hit (Get)", s)
	}
}

// When every caller gives up, the fetch is cancelled and whatever it
// returns is not stored.
func TestDoAllWaitersGoneCancelsFetch(t *testing.T) {
	c, _ := newTestCache(1<<20, time.Minute)
	started, fetchCancelled := make(chan struct{}), make(chan struct{})
	fetch := func(ctx context.Context) ([]byte, error) {
		close(started)
		<-ctx.Done()
		close(fetchCancelled)
		return []byte("stale"), nil // a sloppy fetch ignoring cancellation
	}
	ctx, cancel := context.WithCancel(t.Context())
	a := doAsync(ctx, c, "k", fetch)
	receiveWithin(t, started, "fetch to start")
	cancel()
	if r := receiveWithin(t, a, "cancelled caller to return"); !errors.Is(r.err, context.Canceled) {
		t.Errorf("Do err = %v, want context.Canceled", r.err)
	}
	receiveWithin(t, fetchCancelled, "fetch context to be cancelled")
	c.fetches.Wait()
	if s := c.Stats(); s.Entries != 0 {
		t.Errorf("cancelled fetch stored its result: %+v", s)
	}
	var calls atomic.Int32
	if val, hit, err := c.Do(t.Context(), "k", constFetch("fresh", &calls)); string(val) != "fresh" || hit || err != nil {
		t.Errorf("next Do = %q, %v, %v; want a fresh fetch", val, hit, err)
	}
}

// A caller arriving after everyone gave up on a fetch that is still
// running must not join that doomed fetch, and the doomed fetch must not
// overwrite the newer result.
func TestDoNewCallerDoesNotJoinAbandonedFetch(t *testing.T) {
	c, _ := newTestCache(1<<20, time.Minute)
	started, release := make(chan struct{}), make(chan struct{})
	ctx, cancel := context.WithCancel(t.Context())
	a := doAsync(ctx, c, "k", func(context.Context) ([]byte, error) {
		close(started)
		<-release // ignores cancellation for as long as the test wants
		return []byte("stale"), nil
	})
	receiveWithin(t, started, "first fetch to start")
	cancel()
	receiveWithin(t, a, "cancelled caller to return")

	var calls atomic.Int32
	b := doAsync(t.Context(), c, "k", constFetch("fresh", &calls))
	if r := receiveWithin(t, b, "new caller's result"); r.err != nil || string(r.val) != "fresh" {
		t.Errorf("new caller got %q, %v; want its own fresh fetch", r.val, r.err)
	}
	close(release)
	c.fetches.Wait()
	if got, _ := c.Get("k"); string(got) != "fresh" {
		t.Errorf("cached %q, want fresh", got)
	}
}

func TestDoWithDoneContext(t *testing.T) {
	c, _ := newTestCache(1<<20, time.Minute)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var calls atomic.Int32
	if _, _, err := c.Do(ctx, "k", constFetch("v", &calls)); !errors.Is(err, context.Canceled) || calls.Load() != 0 {
		t.Errorf("Do with done ctx: err = %v, fetches = %d; want context.Canceled and no fetch", err, calls.Load())
	}
	c.Set("k", []byte("v"))
	if val, hit, err := c.Do(ctx, "k", constFetch("v", &calls)); err != nil || !hit || string(val) != "v" {
		t.Errorf("cached Do with done ctx = %q, %v, %v; want the cached value", val, hit, err)
	}
}

// Set, Remove, RemovePrefix and Purge while a fetch runs mean its result
// may predate them: waiters still get it, but it is not stored.
func TestDoInvalidationDuringFetch(t *testing.T) {
	tests := []struct {
		name       string
		invalidate func(c *Cache)
		wantCached string // "" for nothing
	}{
		{"Remove", func(c *Cache) { c.Remove("customers/1") }, ""},
		{"RemovePrefix", func(c *Cache) { c.RemovePrefix("customers/") }, ""},
		{"Purge", func(c *Cache) { c.Purge() }, ""},
		{"Set", func(c *Cache) { c.Set("customers/1", []byte("written")) }, "written"},
		{"unrelated Remove", func(c *Cache) { c.Remove("charges/1") }, "fetched"},
		{"unrelated RemovePrefix", func(c *Cache) { c.RemovePrefix("charges/") }, "fetched"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCache(1<<20, time.Minute)
			started, release := make(chan struct{}), make(chan struct{})
			a := doAsync(t.Context(), c, "customers/1", func(context.Context) ([]byte, error) {
				close(started)
				<-release
				return []byte("fetched"), nil
			})
			receiveWithin(t, started, "fetch to start")
			tt.invalidate(c)
			close(release)
			if r := receiveWithin(t, a, "Do result"); r.err != nil || string(r.val) != "fetched" {
				t.Errorf("Do = %q, %v; want fetched, nil", r.val, r.err)
			}
			got, ok := c.Get("customers/1")
			if string(got) != tt.wantCached || ok != (tt.wantCached != "") {
				t.Errorf("cached = %q, %v; want %q", got, ok, tt.wantCached)
			}
		})
	}
}

func TestDoBadArguments(t *testing.T) {
	c, _ := newTestCache(1<<20, time.Minute)
	var calls atomic.Int32
	tests := []struct {
		name  string
		ctx   context.Context
		fetch func(context.Context) ([]byte, error)
		want  error
	}{
		{"nil context", nil, constFetch("v", &calls), errNilContext},
		{"nil fetch", t.Context(), nil, errNilFetch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := c.Do(tt.ctx, "k", tt.fetch); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if calls.Load() != 0 {
		t.Error("fetch called despite bad arguments")
	}
}

// TestConcurrentUse mixes every operation across goroutines; run with
// -race. It checks the accounting stays exact and no flight leaks.
func TestConcurrentUse(t *testing.T) {
	size := entrySize("key-00", make([]byte, 50))
	c, clock := newTestCache(10*size, time.Second)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for range 500 {
				key := fmt.Sprintf("key-%02d", rng.IntN(30))
				switch op := rng.IntN(100); {
				case op < 60:
					ctx, cancel := context.WithCancel(t.Context())
					if rng.IntN(10) == 0 {
						cancel()
					}
					c.Do(ctx, key, func(ctx context.Context) ([]byte, error) {
						if rand.IntN(10) == 0 { // global source: this runs on other goroutines
							return nil, errors.New("flaky")
						}
						return make([]byte, 50), nil
					})
					cancel()
				case op < 80:
					c.Get(key)
				case op < 90:
					c.Set(key, make([]byte, 50))
				case op < 95:
					c.Remove(key)
				case op < 98:
					c.RemovePrefix(key[:5])
				default:
					clock.Advance(300 * time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	c.fetches.Wait()
	checkInvariants(t, c)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.flights) != 0 {
		t.Errorf("%d flights left behind after all callers returned", len(c.flights))
	}
}
