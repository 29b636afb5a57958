package sqltable

import (
	"context"
	"math"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Stripe's documented read limits are about 100 requests/s per account in
// live mode and 25/s in test mode; the defaults stay a little below so
// that other users of the account (dashboards, webhooks) keep some room.
const (
	LiveRateLimit = 90
	TestRateLimit = 22
	// SearchRateLimit is the Search API's own limit (/v1/*/search).
	SearchRateLimit = 20
)

// DefaultRateLimit is the request rate used for a key: its mode's limit.
func DefaultRateLimit(key string) float64 {
	if strings.HasPrefix(key, "sk_live_") || strings.HasPrefix(key, "rk_live_") {
		return LiveRateLimit
	}
	return TestRateLimit
}

// After a 429 the rate is halved (never below minRate, or the configured
// rate if that is lower), then grows back
// linearly, reaching the configured rate again recoveryTime after a cut
// from zero: a multiplicative decrease, additive increase, so that the
// throttle settles just under what Stripe accepts when something else
// uses the same account.
const (
	minRate      = 1.0
	recoveryTime = 20 * time.Second
)

// Throttle paces the requests of one account: a token bucket for the
// API and a separate one for the Search API, shared by every query and
// session using the account. A nil *Throttle lets everything through.
type Throttle struct {
	general, search *bucket
}

// NewThrottle paces at rps requests per second (and the Search API at
// min(rps, SearchRateLimit)); rps <= 0 returns nil, no throttling.
func NewThrottle(rps float64, now func() time.Time) *Throttle {
	if rps <= 0 {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	return &Throttle{general: newBucket(rps, now), search: newBucket(min(rps, SearchRateLimit), now)}
}

func (t *Throttle) bucketFor(path string) *bucket {
	if isSearch(path) {
		return t.search
	}
	return t.general
}

// isSearch reports a Search API path: /v1/{resource}/search.
func isSearch(path string) bool {
	return strings.HasPrefix(path, "/v1/") && strings.HasSuffix(path, "/search")
}

// Rates are the current rates (requests/s) of the general and search
// buckets, lower than configured for a while after a 429.
func (t *Throttle) Rates() (general, search float64) {
	if t == nil {
		return math.Inf(1), math.Inf(1)
	}
	return t.general.current(), t.search.current()
}

// ticket is a request's permission to go; it reports how Stripe answered.
type ticket struct {
	b   *bucket
	gen uint64 // the bucket's cut generation when the request went
}

// wait blocks until a request to path may go, or ctx ends (returning
// ctx's error at once).
func (t *Throttle) wait(ctx context.Context, path string) (ticket, error) {
	if t == nil {
		return ticket{}, ctx.Err()
	}
	b := t.bucketFor(path)
	gen := b.adjust()
	if err := b.lim.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return ticket{}, ctx.Err()
		}
		// The wait would outlast ctx's deadline: fail now rather than sleep
		// until the deadline.
		return ticket{}, context.DeadlineExceeded
	}
	return ticket{b: b, gen: gen}, nil
}

// rateLimited slows the bucket down after a 429. Only the first 429 among
// requests sent at the same rate counts: the others were in flight
// before the cut and say nothing about the new rate.
func (tk ticket) rateLimited() {
	if tk.b != nil {
		tk.b.cut(tk.gen)
	}
}

type bucket struct {
	lim *rate.Limiter
	now func() time.Time

	mu    sync.Mutex
	base  float64   // configured rate
	from  float64   // rate right after the last cut
	cutAt time.Time // zero: never cut
	gen   uint64    // number of cuts
}

func newBucket(rps float64, now func() time.Time) *bucket {
	return &bucket{lim: rate.NewLimiter(rate.Limit(rps), burstFor(rps)), now: now, base: rps}
}

// burstFor allows a second's worth of requests at once, as Stripe's own
// bucket does; a slowed bucket bursts less.
func burstFor(rps float64) int { return max(1, int(rps)) }

// levelLocked is the rate at now: the configured one, or one recovering
// from a cut.
func (b *bucket) levelLocked(now time.Time) float64 {
	if b.cutAt.IsZero() {
		return b.base
	}
	return min(b.base, b.from+b.base*float64(now.Sub(b.cutAt))/float64(recoveryTime))
}

func (b *bucket) current() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.levelLocked(b.now())
}

// adjust brings the limiter to the current level and returns the cut
// generation requests now go under.
func (b *bucket) adjust() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.setLocked(b.levelLocked(now))
	return b.gen
}

func (b *bucket) cut(gen uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if gen != b.gen {
		return
	}
	now := b.now()
	b.from = max(min(minRate, b.base), b.levelLocked(now)/2)
	b.cutAt = now
	b.gen++
	b.setLocked(b.from)
	// A 429 means Stripe's bucket is empty: the tokens saved up here mean
	// nothing, and spending them would only earn more 429s. The next
	// request waits for a token at the new rate.
	if n := int(b.lim.Tokens()); n > 0 {
		b.lim.ReserveN(time.Now(), n)
	}
}

// setLocked applies a level to the limiter, which keeps real time (now
// only drives the level, so that tests can step through a recovery).
func (b *bucket) setLocked(level float64) {
	if rate.Limit(level) != b.lim.Limit() {
		b.lim.SetLimit(rate.Limit(level))
	}
	if burstFor(level) != b.lim.Burst() {
		b.lim.SetBurst(burstFor(level))
	}
}
