package tables

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"
)

// Range containment: once a list has been read whole over a created range
// [lo, hi) and its pages are cached, any later read of a sub-range, with
// or without further filters, is served from those pages with no request.
// Further filters are safe to leave to us: a lookup's rows are checked
// against its range (inRange) and residual filters stay in the engine.
//
// A completed stream records which cached pages cover which range under
// the list's range key (account, path, default parameters). A read looks
// for records that together cover its range, and serves their pages,
// keeping the objects of its range, only if every page is still cached.

// rangeRecord is one completed stream: its pages cover [Lo, Hi) entirely.
type rangeRecord struct {
	Lo, Hi int64
	Pages  []string // the pages' canonical queries
}

// rangeKey is where the records of a list are kept in the cache.
func (t *Table) rangeKey(path, account string) string {
	base := defaults(t.spec)
	if account != "" {
		base.Set(AccountParam, account)
	}
	return t.client.account + " RANGES " + path + "?" + canonicalQuery(base)
}

// rangeCache is the cache range records go in, nil when ranges are not
// cached (no cache, or the statement bypasses it).
func (t *Table) rangeCache(ctx context.Context) bool {
	c := t.client.opts.Cache
	return c != nil && c.Enabled() && !cacheBypassed(ctx)
}

// baseOnly reports whether params narrow a list by nothing but created
// bounds (beyond the spec's defaults and paging): such a stream's pages
// hold every object of its range.
func (t *Table) baseOnly(params url.Values) bool {
	def := defaults(t.spec)
	for k, v := range params {
		switch {
		case k == "limit" || k == "starting_after" || k == "created" || isCreatedBound(k) || k == AccountParam:
		case def.Get(k) != "" && len(v) == 1 && v[0] == def.Get(k):
		default:
			return false
		}
	}
	return true
}

// recordRange notes that the pages read (their queries) cover [lo, hi).
func (t *Table) recordRange(path, account string, lo, hi int64, pages []url.Values) {
	c := t.client.opts.Cache
	rec := rangeRecord{Lo: lo, Hi: hi}
	for _, p := range pages {
		rec.Pages = append(rec.Pages, canonicalQuery(p))
	}
	key := t.rangeKey(path, account)
	var recs []rangeRecord
	if b, ok := c.Peek(key); ok {
		_ = json.Unmarshal(b, &recs)
	}
	// Keep the newest record of a range; older ones may name evicted pages.
	kept := recs[:0]
	for _, r := range recs {
		if r.Lo < lo || r.Hi > hi {
			kept = append(kept, r)
		}
	}
	b, err := json.Marshal(append(kept, rec))
	if err == nil {
		c.Set(key, b)
	}
}

// cachedRange returns a pager serving [lo, hi) of path from cached pages,
// or nil when the cache cannot answer it whole.
func (t *Table) cachedRange(ctx context.Context, path, account string, lo, hi int64) pager {
	if !t.rangeCache(ctx) {
		return nil
	}
	c := t.client.opts.Cache
	b, ok := c.Peek(t.rangeKey(path, account))
	if !ok {
		return nil
	}
	var recs []rangeRecord
	if json.Unmarshal(b, &recs) != nil {
		return nil
	}
	// Cover [lo, hi) from the top down with disjoint parts of records.
	sort.Slice(recs, func(i, j int) bool { return recs[i].Hi > recs[j].Hi })
	var parts []rangePart
	for cur := hi; cur > lo; {
		found := false
		for _, r := range recs {
			if r.Lo < cur && cur <= r.Hi {
				part := rangePart{lo: max(r.Lo, lo), hi: cur, queries: r.Pages}
				for _, q := range r.Pages {
					body, ok := c.Peek(t.client.cacheKeyQuery(path, q))
					if !ok {
						return nil // a page was evicted: ask Stripe
					}
					part.pages = append(part.pages, body)
				}
				parts = append(parts, part)
				cur, found = part.lo, true
				break
			}
		}
		if !found {
			return nil
		}
	}
	return &rangePager{client: t.client, path: path, parts: parts}
}

// rangePart is the [lo, hi) share of one record's pages.
type rangePart struct {
	lo, hi  int64
	pages   [][]byte
	queries []string
}

// rangePager yields cached pages, keeping the objects of each part's
// range; each page served counts as a cache hit of its own request.
type rangePager struct {
	client *Client
	path   string
	parts  []rangePart
}

func (p *rangePager) next(ctx context.Context) (batch, error) {
	for len(p.parts) > 0 {
		part := &p.parts[0]
		if len(part.pages) == 0 {
			p.parts = p.parts[1:]
			continue
		}
		pg, err := decodePage(part.pages[0])
		p.client.servedFromCache(ctx, p.path, part.queries[0])
		part.pages, part.queries = part.pages[1:], part.queries[1:]
		if err != nil {
			return batch{}, err
		}
		var keep batch
		for _, o := range pg.Data {
			if c := createdOf(o); c >= part.lo && c < part.hi {
				keep.objs = append(keep.objs, o)
			}
		}
		return keep, nil
	}
	return batch{}, io.EOF
}

// cacheKeyQuery is cacheKey for an already canonical query.
func (c *Client) cacheKeyQuery(path, query string) string {
	return c.account + " GET " + path + "?" + query
}

// createdRange is a list's created range as [lo, hi) (unbounded ends at
// Stripe's epoch and far future).
func createdRange(params url.Values) (lo, hi int64) {
	if v := params.Get("created"); v != "" {
		n, _ := strconv.ParseInt(v, 10, 64)
		return n, n + 1
	}
	lo, hi, _ = createdBounds(params)
	return lo, hi
}

// servedFromCache accounts for a page served from a cached range like any
// cache hit: in the cache's statistics (and recency), the statement's
// counts, stripe_meta.requests and the metrics.
func (c *Client) servedFromCache(ctx context.Context, path, query string) {
	c.opts.Cache.Get(c.cacheKeyQuery(path, query))
	c.record(ctx, RequestRecord{Time: time.Now(), Method: http.MethodGet, Path: path, Query: query,
		Status: http.StatusOK, Cache: CacheHit})
}
