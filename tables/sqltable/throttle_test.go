package sqltable

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestDefaultRateLimit(t *testing.T) {
	for _, tt := range []struct {
		key  string
		want float64
	}{
		{"sk_live_abc", LiveRateLimit},
		{"rk_live_abc", LiveRateLimit},
		{"sk_test_abc", TestRateLimit},
		{"rk_test_abc", TestRateLimit},
	} {
		if got := DefaultRateLimit(tt.key); got != tt.want {
			t.Errorf("DefaultRateLimit(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

// stepClock is a clock tests move by hand.
type stepClock struct{ t time.Time }

func (c *stepClock) now() time.Time          { return c.t }
func (c *stepClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// A 429 halves the rate once per generation of requests; the rate then
// recovers linearly, and the Search API's bucket is separate.
func TestThrottleSlowsDownAndRecovers(t *testing.T) {
	clock := &stepClock{t: time.Unix(1_700_000_000, 0)}
	th := NewThrottle(40, clock.now)
	ctx := context.Background()
	wait := func(path string) ticket {
		t.Helper()
		tk, err := th.wait(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	check := func(step string, wantGeneral, wantSearch float64) {
		t.Helper()
		g, s := th.Rates()
		if g != wantGeneral || s != wantSearch {
			t.Errorf("%s: rates %v/%v, want %v/%v", step, g, s, wantGeneral, wantSearch)
		}
	}
	check("start", 40, SearchRateLimit)

	a, b := wait("/v1/charges"), wait("/v1/charges")
	a.rateLimited()
	check("after a 429", 20, SearchRateLimit)
	if tokens := th.general.lim.Tokens(); tokens >= 1 {
		t.Errorf("%v tokens left after a 429, want the bucket emptied", tokens)
	}
	b.rateLimited() // sent at the old rate: no second cut
	check("after a 429 of the same generation", 20, SearchRateLimit)
	wait("/v1/charges").rateLimited()
	check("after a 429 at the new rate", 10, SearchRateLimit)

	clock.advance(recoveryTime / 4) // +40/4
	check("a quarter of the recovery later", 20, SearchRateLimit)
	clock.advance(recoveryTime)
	check("recovered", 40, SearchRateLimit)

	wait("/v1/customers/search").rateLimited()
	check("after a search 429", 40, SearchRateLimit/2)
}

func TestThrottleFloor(t *testing.T) {
	for _, tt := range []struct {
		rate, want float64
	}{
		{4, minRate},   // 4 → 2 → 1 → 1: never below minRate...
		{1.5, minRate}, // 1.5 → 1 → 1 → 1
		{0.5, 0.5},     // ...nor above the configured rate
	} {
		clock := &stepClock{t: time.Unix(1_700_000_000, 0)}
		th := NewThrottle(tt.rate, clock.now)
		for range 3 {
			b := th.general
			b.cut(b.adjust())
		}
		if g, _ := th.Rates(); g != tt.want {
			t.Errorf("rate %v after three 429s: %v, want %v", tt.rate, g, tt.want)
		}
	}
}

// A cancelled query stops waiting for a token at once.
func TestThrottleWaitStopsWhenCancelled(t *testing.T) {
	th := NewThrottle(0.001, nil) // one token, the next in 1000s
	if _, err := th.wait(context.Background(), "/v1/charges"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := th.wait(ctx, "/v1/charges")
		done <- err
	}()
	cancel()
	expectCanceled(t, "wait", done)

	// A deadline the wait would outlast fails now, not at the deadline.
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Minute) // the token is 1000s away
	defer dcancel()
	if _, err := th.wait(dctx, "/v1/charges"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("wait beyond the deadline: %v, want context.DeadlineExceeded", err)
	}
}

// expectCanceled fails unless done reports context.Canceled, and soon:
// what was cancelled must not keep sleeping.
func expectCanceled(t *testing.T, what string, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s after cancel: %v, want context.Canceled", what, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("%s kept sleeping after its context was cancelled", what)
	}
}

func TestNilThrottleLetsEverythingThrough(t *testing.T) {
	var th *Throttle
	if NewThrottle(0, nil) != nil {
		t.Error("NewThrottle(0) is not nil")
	}
	tk, err := th.wait(context.Background(), "/v1/charges")
	if err != nil {
		t.Fatal(err)
	}
	tk.rateLimited() // no bucket: nothing to slow down
}
