package sqltable

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Query accounts for the Stripe work of one SQL statement. The engine puts
// one in the context of every statement it runs (WithQuery); the client
// adds to it from whichever goroutine fetches on the statement's behalf,
// so it also sees requests made by prefetching or parallel scans.
type Query struct {
	// ID numbers statements in the order the server received them.
	ID uint64
	// ConnID is the MySQL connection the statement came from.
	ConnID uint32

	noCache     atomic.Bool
	requests    atomic.Int64
	hits        atomic.Int64
	shared      atomic.Int64
	rateLimited atomic.Int64
}

// SetNoCache makes the statement bypass the cache (SET stripe_cache = OFF):
// every page comes from Stripe and nothing it fetches is stored.
func (q *Query) SetNoCache(off bool) { q.noCache.Store(off) }

// QueryCounts is what a statement cost.
type QueryCounts struct {
	// Requests is the number of HTTP requests sent to Stripe, retries included.
	Requests int64
	// Hits were answered from the cache, Shared by another statement's
	// request for the same page.
	Hits, Shared int64
	// RateLimited is the number of requests Stripe answered with 429.
	RateLimited int64
}

// Counts returns what the statement has cost so far.
func (q *Query) Counts() QueryCounts {
	return QueryCounts{Requests: q.requests.Load(), Hits: q.hits.Load(), Shared: q.shared.Load(), RateLimited: q.rateLimited.Load()}
}

type queryKey struct{}

// WithQuery returns ctx carrying q.
func WithQuery(ctx context.Context, q *Query) context.Context {
	return context.WithValue(ctx, queryKey{}, q)
}

// QueryFrom returns the statement ctx works for, or nil.
func QueryFrom(ctx context.Context) *Query {
	q, _ := ctx.Value(queryKey{}).(*Query)
	return q
}

// How a request was answered, in RequestRecord.Cache.
const (
	CacheHit    = "hit"    // from the cache
	CacheMiss   = "miss"   // from Stripe, stored in the cache
	CacheShared = "shared" // from another statement's request for the same page
	CacheOff    = "off"    // from Stripe, the cache disabled or bypassed
	// CacheReplica is what another replica read, from the store they
	// share (--redis-url).
	CacheReplica = "replica"
)

// RequestRecord describes one answer the client gave: a request sent to
// Stripe (each retry is one), or a page the cache served.
type RequestRecord struct {
	Time   time.Time // when the request started
	Method string
	Path   string
	Query  string // canonical query string (no key: the key is a header)
	// Status is the HTTP status, 0 for a network error or a cancelled
	// request, 200 for a page the cache served.
	Status   int
	Duration time.Duration
	Cache    string // CacheHit, CacheMiss, CacheShared, CacheOff or CacheReplica
	// QueryID and ConnID name the statement, when one asked (0 otherwise:
	// the start-up key check, the events poller).
	QueryID uint64
	ConnID  uint32
	Error   string // redacted
}

// observers are the functions told of every RequestRecord.
type observers struct {
	mu  sync.RWMutex
	fns []func(RequestRecord)
}

// OnRequest registers f to be told of every request the client answers,
// synchronously: f must be quick and safe for concurrent use.
func (c *Client) OnRequest(f func(RequestRecord)) {
	c.obs.mu.Lock()
	defer c.obs.mu.Unlock()
	c.obs.fns = append(c.obs.fns, f)
}

// record counts r against its statement and tells the observers.
func (c *Client) record(ctx context.Context, r RequestRecord) {
	if q := QueryFrom(ctx); q != nil {
		r.QueryID, r.ConnID = q.ID, q.ConnID
		switch r.Cache {
		case CacheHit, CacheReplica:
			q.hits.Add(1)
		case CacheShared:
			q.shared.Add(1)
		default:
			q.requests.Add(1)
			if r.Status == 429 {
				q.rateLimited.Add(1)
			}
		}
	}
	c.obs.mu.RLock()
	defer c.obs.mu.RUnlock()
	for _, f := range c.obs.fns {
		f(r)
	}
}

// cacheBypassed reports whether the statement asked not to use the cache.
// A write statement reads fresh rows (an UPDATE's SET price = price + 1
// must start from Stripe's value) and stores nothing.
func cacheBypassed(ctx context.Context) bool {
	q := QueryFrom(ctx)
	return q != nil && q.noCache.Load() || WriteFrom(ctx) != nil
}
