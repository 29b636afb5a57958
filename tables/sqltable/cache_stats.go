package sqltable

import (
	"net/url"
	"strings"
	"time"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/tables"
)

// CacheStats adds up the page cache (retrieves, child lists, other
// endpoints) and the row cache (lists): a held segment served counts as a
// hit, a gap read as a miss, a segment as an entry. ok is false without a
// cache.
func (c *Client) CacheStats() (s cache.Stats, ok bool) {
	if c.opts.Cache == nil {
		return s, false
	}
	s = c.opts.Cache.Stats()
	if c.rows != nil {
		rs, bytes, streams := c.rows.Stats()
		s.Hits += rs.Hits
		s.Misses += rs.Gaps
		s.Evictions += rs.Evictions
		s.Expired += rs.Expired
		s.Waiting += rs.Waiting
		s.Bytes += bytes
		for _, st := range streams {
			s.Entries += int64(st.Segments)
		}
	}
	return s, true
}

// TableCache is what the row cache holds of one list stream.
type TableCache struct {
	Table string
	// Filter is the stream's list parameters ("" for the whole list).
	Filter string
	Rows   int
	// Bytes are in memory, DiskBytes on disk (all of its blocks, with a
	// disk store).
	Bytes     int64
	DiskBytes int64
	Blocks    int
	Intervals int
	// Age is how long ago the oldest interval was read.
	Age time.Duration
}

// TableCaches lists what the row cache holds, per table and stream.
func (c *Client) TableCaches() []TableCache {
	if c.rows == nil {
		return nil
	}
	_, _, streams := c.rows.Stats()
	var out []TableCache
	now := c.rows.Now()
	for _, st := range streams {
		rest, ok := strings.CutPrefix(st.Stream, c.account+" ROWS ")
		if !ok {
			continue
		}
		path, query, _ := strings.Cut(rest, "?")
		name := path
		for _, s := range tables.Specs() {
			if s.Path == path {
				name = s.Name
				break
			}
		}
		filter, err := url.QueryUnescape(query)
		if err != nil {
			filter = query
		}
		out = append(out, TableCache{Table: name, Filter: filter, Rows: st.Items, Bytes: st.Bytes, DiskBytes: st.Disk,
			Blocks: st.Blocks, Intervals: st.Segments, Age: now.Sub(st.Oldest)})
	}
	return out
}

// CacheTotals is CacheStats, zero without a cache.
func (c *Client) CacheTotals() cache.Stats {
	s, _ := c.CacheStats()
	return s
}

// RowCache is the client's row cache (nil without a cache).
func (c *Client) RowCache() *cache.Segments { return c.rows }

// RowCacheTotals is what the row cache holds in all: bytes in memory and
// on disk, blocks (in memory), and whether it is on disk at all.
type RowCacheTotals struct {
	Memory, Disk, MaxDisk int64
	Blocks, InMemory      int
	Durable               bool
	Loads, Corrupt        int64
}

// RowCacheTotals adds up the row cache (zero without one).
func (c *Client) RowCacheTotals() RowCacheTotals {
	if c.rows == nil {
		return RowCacheTotals{}
	}
	st, bytes, streams := c.rows.Stats()
	t := RowCacheTotals{Memory: bytes, Disk: c.rows.DiskBytes(), MaxDisk: c.rows.MaxDiskBytes(), Durable: c.rows.Durable(),
		Loads: st.Loads, Corrupt: st.Corrupt, InMemory: c.rows.InMemory()}
	for _, s := range streams {
		t.Blocks += s.Blocks
	}
	return t
}
