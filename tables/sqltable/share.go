package sqltable

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/klauspost/compress/zstd"

	"github.com/stripesql/stripesql/cache"
)

// Sharing with the other replicas of the account (ClientOptions.Shared,
// --redis-url). The shared store knows streams and intervals, not Stripe;
// this file says what goes there:
//
//   - the rate budget: the throttle's buckets (throttle.go);
//   - rows: a gap of a list stream (rowsource.go) is first looked for
//     among the segments other replicas shared, which warm this process's
//     row cache; else it is leased, so that one replica reads it from
//     Stripe while the others wait, and what the reader stores in its row
//     cache it also shares: the objects' JSON, zstd-compressed in chunks,
//     with the interval it covers and when its read started;
//   - pages (retrieves, child lists, single objects), the same way, as
//     an interval [0, 1) of a stream named by the page's cache key;
//   - events (cache_events.go): one replica polls Stripe and publishes the
//     events in a shared log, after dropping the shared data they make
//     outdated; every replica applies them to its own cache.
//
// Stream names are those of the local caches (streamOf, cacheKey), which
// start with the account, so replicas of the same account meet on them.
// Whatever fails in the store leaves the query to go on alone.

// sharedChunkBytes is the raw JSON a shared chunk holds before
// compression: a segment is read back chunk by chunk.
const sharedChunkBytes = 1 << 20

var (
	shareEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	shareDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
)

// publishTimeout bounds sharing what a read stored; the query's own
// context may have ended (a LIMIT stops the scan).
const publishTimeout = 10 * time.Second

// packer collects a read's objects as compressed chunks, up to limit
// bytes (beyond that it gives up: the segment is not shared).
type packer struct {
	raw    []byte
	chunks [][]byte
	size   int64
	limit  int64
	full   bool
}

func (p *packer) add(o json.RawMessage) {
	if p == nil || p.full {
		return
	}
	p.raw = binary.AppendUvarint(p.raw, uint64(len(o)))
	p.raw = append(p.raw, o...)
	if len(p.raw) >= sharedChunkBytes {
		p.flush()
	}
}

func (p *packer) flush() {
	if len(p.raw) == 0 || p.full {
		return
	}
	c := shareEncoder.EncodeAll(p.raw, nil)
	p.raw = p.raw[:0]
	p.chunks = append(p.chunks, c)
	if p.size += int64(len(c)); p.size > p.limit {
		p.full, p.chunks, p.raw = true, nil, nil
	}
}

// done returns the chunks; ok is false when the objects outgrew the limit.
func (p *packer) done() (chunks [][]byte, ok bool) {
	p.flush()
	return p.chunks, !p.full
}

// unpack calls f on each object of chunks packed by a packer.
func unpack(chunks [][]byte, f func(o json.RawMessage) error) error {
	for _, c := range chunks {
		raw, err := shareDecoder.DecodeAll(c, nil)
		if err != nil {
			return err
		}
		for len(raw) > 0 {
			n, k := binary.Uvarint(raw)
			if k <= 0 || uint64(len(raw)-k) < n {
				return errors.New("sqltable: a shared chunk is cut short")
			}
			if err := f(raw[k : k+int(n)]); err != nil {
				return err
			}
			raw = raw[k+int(n):]
		}
	}
	return nil
}

// sharing reports whether the client shares with other replicas now.
func (c *Client) sharing() bool { return c.share != nil && c.share.Available() }

// anonymous numbers leases of work no statement asked for (the start-up
// check), so that they wait for one another like different statements.
var anonymous atomic.Uint64

// leaseOwner names the statement a shared lease is for: leases of one
// statement do not wait for one another (a self-join), as claims do.
func leaseOwner(ctx context.Context) string {
	if id := ownerOf(ctx); id != 0 {
		return "q" + strconv.FormatUint(id, 10)
	}
	return "a" + strconv.FormatUint(anonymous.Add(1), 10)
}

// fetchPage reads a page for the page cache: from what another replica
// shared, else from Stripe under a lease (so that the other replicas
// wait for this read), sharing what it read.
func (c *Client) fetchPage(ctx context.Context, key, path string, params map[string][]string) ([]byte, error) {
	for c.sharing() {
		start := time.Now()
		if body, ok := c.sharedPage(ctx, key); ok {
			c.record(ctx, RequestRecord{Time: start, Method: "GET", Path: path, Query: canonicalQuery(params),
				Status: 200, Duration: time.Since(start), Cache: CacheReplica})
			return body, nil
		}
		lease, err := c.share.Lease(ctx, key, leaseOwner(ctx), 0, 1)
		if err != nil {
			break
		}
		if lease == nil {
			continue // another replica read it: look again
		}
		since := c.clock()
		body, err := c.fetch(ctx, path, params, CacheMiss)
		if err != nil {
			lease.Release()
			return nil, err
		}
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
		if ok, _ := lease.Publish(pctx, 0, 1, since, [][]byte{shareEncoder.EncodeAll(body, nil)}); ok {
			storedShared(ctx, c.share, key)
		}
		cancel()
		return body, nil
	}
	return c.fetch(ctx, path, params, CacheMiss)
}

// sharedPage is the page another replica shared under key.
func (c *Client) sharedPage(ctx context.Context, key string) ([]byte, bool) {
	segs, err := c.share.Cover(ctx, key, 0, 1)
	if err != nil || len(segs) == 0 || !c.fresh(segs[0].Since) {
		return nil, false
	}
	chunks, err := c.share.Load(ctx, segs[0])
	if err != nil || len(chunks) != 1 {
		return nil, false
	}
	body, err := shareDecoder.DecodeAll(chunks[0], nil)
	return body, err == nil && json.Valid(body)
}

// fresh reports whether data read from since on is within the cache's TTL.
func (c *Client) fresh(since time.Time) bool {
	return c.opts.Cache != nil && c.clock().Before(since.Add(c.opts.Cache.TTL()))
}

// warm fills claim cl, on [lo, hi) of stream (read with params), with the
// segments other replicas shared, and reports whether it stored any.
func (r *rowSource) warm(ctx context.Context, cl *cache.Claim, stream string, params url.Values, lo, hi int64) bool {
	c := r.t.client
	segs, err := c.share.Cover(ctx, stream, lo, hi)
	if err != nil {
		return false
	}
	warmed := false
	for _, g := range segs {
		start := time.Now()
		chunks, err := c.share.Load(ctx, g)
		if err != nil {
			continue
		}
		clo, chi := max(lo, g.Lo), min(hi, g.Hi)
		// Rows below the interval are the tail of a read stopped early
		// (see withTails): kept when the segment is taken from its start.
		from := clo
		if clo == g.Lo {
			from = minInt64
		}
		rows, err := r.t.rowsOf(chunks, params)
		if err != nil {
			continue
		}
		blocks := blocksOfRows(r.t.layout(), rows, clo, chi, from)
		if cl.Put(clo, chi, g.Since, blocks) {
			warmed = true
			c.record(ctx, RequestRecord{Time: start, Method: "GET", Path: r.st.req.path,
				Query: canonicalQuery(withCreated(r.params, clo, chi)), Status: 200, Duration: time.Since(start), Cache: CacheReplica})
		}
	}
	return warmed
}

const minInt64 = -1 << 63

// rowsOf decodes shared objects, read with params, into rows: the
// objects are Stripe's, so the rows take the connected account and the
// filter-only columns' values from params, as the replica that read them
// did.
func (t *Table) rowsOf(chunks [][]byte, params url.Values) ([]sql.Row, error) {
	var rows []sql.Row
	account := accountOf(params)
	err := unpack(chunks, func(o json.RawMessage) error {
		row, err := t.dec.Decode(o, nil)
		if err != nil {
			return err
		}
		if account != "" {
			row[t.accountOrd] = account
		}
		t.fillPinned(row, params)
		rows = append(rows, row)
		return nil
	})
	return rows, err
}

// warmBase fills the base stream's gap [lo, hi) from what other replicas
// shared, when the base stream answers the step; true when it stored some
// (the caller plans the range again). Each range is looked up once.
func (r *rowSource) warmBase(ctx context.Context, lo, hi int64) bool {
	if !r.t.client.sharing() || r.base == "" || r.base == r.own {
		return false
	}
	for _, c := range r.baseChecked {
		if c[0] <= lo && hi <= c[1] {
			return false
		}
	}
	r.baseChecked = append(r.baseChecked, [2]int64{lo, hi})
	cl, err := r.store.Claim(ctx, r.base, ownerOf(ctx), lo, hi)
	if err != nil {
		return false
	}
	if cl == nil {
		return true // read here meanwhile
	}
	warmed := r.warm(ctx, cl, r.base, r.baseParams, lo, hi)
	cl.Finish(0, 0, time.Time{})
	return warmed
}

// shareGap runs before a claimed gap is read from Stripe: it warms the
// claim from what other replicas shared, or leases the gap, or waits for
// another replica's read of it. again is true when the caller is to plan
// the gap again (it holds more now, or another replica read it); lease is
// the gap's lease when this process is to read it (nil: read alone).
func (r *rowSource) shareGap(ctx context.Context, cl *cache.Claim, lo, hi int64) (lease cache.Lease, again bool) {
	c := r.t.client
	if !c.sharing() {
		return nil, false
	}
	if r.warm(ctx, cl, r.own, r.params, lo, hi) {
		return nil, true
	}
	lease, err := c.share.Lease(ctx, r.own, leaseOwner(ctx), lo, hi)
	if err != nil {
		return nil, false
	}
	return lease, lease == nil
}

// publishGap shares what a gap read stored, [lo, hi) from since on, and
// ends its lease.
func publishGap(ctx context.Context, lease cache.Lease, pack *packer, lo, hi int64, since time.Time) {
	chunks, ok := pack.done()
	if !ok {
		lease.Release()
		return
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	_, _ = lease.Publish(pctx, lo, hi, since, chunks)
}

// dropShared drops what the replicas share of this account's pages whose
// key and path pages accepts and of its list streams whose path rows
// accepts (either may be nil), and returns how many streams it dropped.
func (c *Client) dropShared(pages func(key, path string) bool, rows func(path string) bool) int {
	if !c.sharing() {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), publishTimeout)
	defer cancel()
	streams, err := c.share.Streams(ctx)
	if err != nil {
		return 0
	}
	var drop []string
	for _, st := range streams {
		if p, ok := c.cachePath(st); ok && pages != nil && pages(st, p) {
			drop = append(drop, st)
		} else if p, ok := c.streamPath(st); ok && rows != nil && rows(p) {
			drop = append(drop, st)
		}
	}
	if c.share.Remove(ctx, drop...) != nil {
		return 0
	}
	return len(drop)
}
