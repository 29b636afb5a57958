package sqltable

import (
	"fmt"
	"strings"
	"sync"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/tables"
	"github.com/stripesql/stripesql/tables/rowcache"
)

// The row cache's blocks on disk (ClientOptions.Store): cache.Segments
// keeps them there as bytes; rowCodec says what the bytes are. A block's
// stream names its list path, whose table gives the layout of its rows;
// an event's change is a delta (rowcache.EncodeDelta) written after the
// block's bytes, and folded into them once enough have piled up.

// StoreFormat names what a disk store of the row cache holds (the disk
// store's Format): a store of another format (another stripesql's
// blocks, or rows of another API version) is dropped when opened.
const StoreFormat = "stripesql rows v1; Stripe API " + stripe.APIVersion

// mergeOverlay is how many rows a block's changes may hold before they
// are folded into it (a block with changes reads each row through them).
const mergeOverlay = 128

// rowCodec encodes the row cache's blocks for the disk.
type rowCodec struct{ c *Client }

func (k rowCodec) Encode(v any) ([]byte, error) {
	return v.(*rowcache.Block).Encode()
}

func (k rowCodec) Decode(stream string, data []byte, deltas [][]byte) (any, error) {
	l, ok := k.c.layoutOfStream(stream)
	if !ok {
		return nil, fmt.Errorf("no table lists %q", stream)
	}
	b, err := rowcache.Decode(l, data)
	if err != nil {
		return nil, err
	}
	for _, d := range deltas {
		up, del, err := rowcache.DecodeDelta(l, d)
		if err != nil {
			return nil, err
		}
		b = b.Patch(up, del)
	}
	return b, nil
}

func (k rowCodec) Compact(v any) (any, bool) {
	b := v.(*rowcache.Block)
	if b.Overlay() < min(mergeOverlay, max(8, b.Len()/16)) {
		return v, false
	}
	return b.Merged(), true
}

// layoutOfStream is the layout of the rows of one of this account's row
// streams: that of the table listing its path (its Table is the one
// events use, and its layout is made once per spec).
func (c *Client) layoutOfStream(stream string) (*rowcache.Layout, bool) {
	path, ok := c.streamPath(stream)
	if !ok {
		return nil, false
	}
	spec := listingSpec(path)
	if spec == nil {
		return nil, false
	}
	t := c.eventTable(spec)
	if t == nil || !t.listsHeld() {
		return nil, false
	}
	return t.layout(), true
}

// listingSpec is the table whose list the row cache reads from path (it
// is asked for each held interval whenever one is covered: a map, made
// once).
func listingSpec(path string) *tables.Spec { return listingSpecs()[path] }

var listingSpecs = sync.OnceValue(func() map[string]*tables.Spec {
	out := map[string]*tables.Spec{}
	for _, s := range tables.Specs() {
		if _, dup := out[s.Path]; !dup && s.Path != "" && s.Parent == nil && s.Derive == nil {
			out[s.Path] = s
		}
	}
	return out
})

// streamAccount is the connected account one of this account's row
// streams reads ("" for the platform).
func (c *Client) streamAccount(stream string) string {
	if !strings.HasPrefix(stream, c.account+" ROWS ") {
		return ""
	}
	_, account, _ := splitStream(stream)
	return account
}

// openRows makes the row cache: on the store when there is one (what it
// holds from an earlier run is held again), else in memory.
func openRows(c *Client, opts ClientOptions) *cache.Segments {
	mem := cache.SegmentsOptions{MaxBytes: opts.Cache.MaxBytes(), TTL: opts.Cache.TTL(), Now: opts.Cache.Clock(),
		Fresh: c.events.fresh, Logger: opts.Logger}
	if opts.Store == nil {
		s, _ := cache.OpenSegments(mem)
		return s
	}
	durable := mem
	durable.KV, durable.DiskBytes, durable.Codec = opts.Store, opts.DiskBytes, rowCodec{c}
	s, err := cache.OpenSegments(durable)
	if err != nil {
		if opts.Logger != nil {
			opts.Logger.Warn("cache: the disk cache cannot be read; holding rows in memory only", "error", redact(err.Error()))
		}
		s, _ = cache.OpenSegments(mem)
	}
	return s
}

// UseStore keeps the row cache on kv (a disk store) from now on, within
// diskBytes: what kv holds from an earlier run is held again, with the
// events cursors that say how far it is right. Call it before the client
// serves queries (the rows held in memory so far are dropped).
func (c *Client) UseStore(kv cache.KV, diskBytes int64) {
	if c.opts.Cache == nil {
		return
	}
	c.opts.Store, c.opts.DiskBytes = kv, diskBytes
	c.holdRows()
}

// holdRows makes the events state and, with a row cache, the rows (on
// the store of c.opts when there is one) with the events cursors kept
// beside them.
func (c *Client) holdRows() {
	c.events = newEventState(c.clock) // before the rows: their freshness asks it
	if c.opts.Cache == nil {
		return
	}
	c.rows = openRows(c, c.opts)
	c.events.load(c.rows.Meta, c.heldAccounts())
}
