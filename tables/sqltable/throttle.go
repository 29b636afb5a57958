package sqltable

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/stripesql/stripesql/cache"
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

	// shared, when set, paces every replica together through one budget
	// per account and family (--redis-url); the local buckets, at the
	// rate divided by the expected replicas, pace only while it cannot be
	// reached.
	shared  cache.Shared
	account string
	rps     float64
	// levels are the shared buckets' rates last seen (float64 bits),
	// general then search, for Rates.
	levels [2]atomic.Uint64
	// taken counts the tokens granted: every request sent to Stripe
	// takes one (retries and hedges included).
	taken atomic.Int64
}

// Taken is the number of requests the throttle let go (each took a
// token), 0 for none.
func (t *Throttle) Taken() int64 {
	if t == nil {
		return 0
	}
	return t.taken.Load()
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

// share makes t pace through a budget the replicas share (sh), the whole
// rate for all of them; the local buckets, which pace while sh cannot be
// reached, get the share of one of the expected replicas.
func (t *Throttle) share(sh cache.Shared, account string, replicas int, now func() time.Time) {
	if t == nil || sh == nil {
		return
	}
	t.shared, t.account = sh, account
	t.rps = t.general.base
	local := t.rps / float64(max(1, replicas))
	if now == nil {
		now = time.Now
	}
	t.general, t.search = newBucket(local, now), newBucket(min(local, SearchRateLimit), now)
	for i, search := range []bool{false, true} {
		t.levels[i].Store(math.Float64bits(t.sharedBucket(search).Rate))
	}
}

// sharedBucket is the shared bucket of a family.
func (t *Throttle) sharedBucket(search bool) cache.Bucket {
	if search {
		return cache.Bucket{Name: t.account + " search", Rate: min(t.rps, SearchRateLimit), MinRate: minRate, Recovery: recoveryTime}
	}
	return cache.Bucket{Name: t.account + " general", Rate: t.rps, MinRate: minRate, Recovery: recoveryTime}
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
	if t.shared != nil && t.shared.Available() {
		return math.Float64frombits(t.levels[0].Load()), math.Float64frombits(t.levels[1].Load())
	}
	return t.general.current(), t.search.current()
}

// spare reports whether requests to path leave some of the rate unused:
// the bucket holds a token no request waits for. More parallel requests
// (a split slice, a hedge) then cost no other request its turn. Without
// a throttle, or while the budget is shared with other replicas (whose
// use is not seen here), it says yes.
func (t *Throttle) spare(path string) bool {
	if t == nil || t.shared != nil && t.shared.Available() {
		return true
	}
	return t.bucketFor(path).lim.Tokens() >= 1
}

// ticket is a request's permission to go; it reports how Stripe answered.
type ticket struct {
	b   *bucket
	gen uint64 // the bucket's cut generation when the request went
	// shared is set for a token of the shared budget, of bucket sb and
	// generation sgen.
	shared *Throttle
	sb     cache.Bucket
	sgen   int64
}

// wait blocks until a request to path may go, or ctx ends (returning
// ctx's error at once).
func (t *Throttle) wait(ctx context.Context, path string) (ticket, error) {
	if t == nil {
		return ticket{}, ctx.Err()
	}
	if t.shared != nil && t.shared.Available() {
		if tk, ok, err := t.waitShared(ctx, path); ok {
			if err == nil {
				t.taken.Add(1)
			}
			return tk, err
		}
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
	t.taken.Add(1)
	return ticket{b: b, gen: gen}, nil
}

// waitShared takes a token of the shared budget and waits for it; ok is
// false when the budget cannot be reached (the local bucket paces).
func (t *Throttle) waitShared(ctx context.Context, path string) (tk ticket, ok bool, err error) {
	search := isSearch(path)
	sb := t.sharedBucket(search)
	maxWait := time.Duration(-1)
	if dl, has := ctx.Deadline(); has {
		maxWait = time.Until(dl)
	}
	g, err := t.shared.Reserve(ctx, sb, maxWait)
	switch {
	case errors.Is(err, cache.ErrTooLong):
		return ticket{}, true, context.DeadlineExceeded
	case ctx.Err() != nil:
		return ticket{}, true, ctx.Err()
	case err != nil:
		return ticket{}, false, nil
	}
	i := 0
	if search {
		i = 1
	}
	t.levels[i].Store(math.Float64bits(g.Level))
	if err := sleep(ctx, g.Wait); err != nil {
		return ticket{}, true, err
	}
	return ticket{shared: t, sb: sb, sgen: g.Gen}, true, nil
}

// rateLimited slows the bucket down after a 429. Only the first 429 among
// requests sent at the same rate counts: the others were in flight
// before the cut and say nothing about the new rate. A 429 of a request
// paced by the shared budget slows every replica.
func (tk ticket) rateLimited() {
	if tk.shared != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = tk.shared.shared.Cut(ctx, tk.sb, tk.sgen)
		return
	}
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
