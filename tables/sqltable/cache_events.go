package sqltable

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/tables"
	"github.com/stripesql/stripesql/tables/rowcache"
)

// EventWatcher keeps the cache fresh from the account's events
// (GET /v1/events), so that a long --cache-ttl stays right: each new
// event's object is put into the rows the row cache holds (or taken out,
// for *.deleted), and the cached pages and objects that may hold an older
// copy are dropped (see applyEvent). Its requests bypass the cache and
// count against the throttle.
type EventWatcher struct {
	c   *Client
	log *slog.Logger

	started bool
	// last is the created time of the newest event handled; seen holds
	// the ids of the handled events created at that second, since the next
	// poll asks for created >= last (Stripe's times are whole seconds).
	last int64
	seen map[string]bool
	// polled is when the last poll succeeded.
	polled time.Time
}

// NewEventWatcher makes a watcher for c; log may be nil.
func (c *Client) NewEventWatcher(log *slog.Logger) *EventWatcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &EventWatcher{c: c, log: log, seen: map[string]bool{}}
}

// event is the part of a Stripe event the watcher reads.
type event struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Created int64  `json:"created"`
	// Account is the connected account the event happened on.
	Account string `json:"account"`
	Data    struct {
		Object json.RawMessage `json:"object"`
	} `json:"data"`
}

// eventObject is what applying an event needs of its object.
type eventObject struct {
	ID     string `json:"id"`
	Object string `json:"object"`
}

// retention is how long Stripe keeps events: a cursor older than that may
// have missed some, so the cache is dropped instead.
const retention = 30 * 24 * time.Hour

// Run polls every interval until ctx ends. A failed poll is logged and
// retried at the next tick. With other replicas (ClientOptions.Shared),
// one of them polls Stripe and every one applies the events it publishes
// (see runShared).
func (w *EventWatcher) Run(ctx context.Context, interval time.Duration) {
	if w.c.share != nil {
		go w.follow(ctx, interval)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := w.tick(ctx, interval); err != nil && ctx.Err() == nil {
			w.log.Warn("cache refresh: reading Stripe events failed; will retry", "error", redact(err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// tick is one poll: alone (no replicas, or the store they share cannot be
// reached: each replica then polls for itself), or, for the replica that
// leads the shared events log, through it.
func (w *EventWatcher) tick(ctx context.Context, interval time.Duration) error {
	sh := w.c.share
	if sh == nil || !sh.Available() {
		_, err := w.Poll(ctx)
		return err
	}
	lead, err := sh.Lead(ctx, w.logName(), 3*interval)
	switch {
	case err != nil:
		_, err := w.Poll(ctx)
		return err
	case !lead:
		return nil
	}
	_, err = w.pollShared(ctx)
	return err
}

// Poll reads the events created since the last poll and drops the cached
// data they make outdated; it returns how many new events it handled. The
// first poll only notes where the account's events stand.
func (w *EventWatcher) Poll(ctx context.Context) (int, error) {
	return w.poll(ctx, w.applyHere, w.c.FlushAll)
}

// applyHere applies events, oldest first, to this process's cache.
func (w *EventWatcher) applyHere(evs []event) error {
	for _, e := range evs {
		var obj eventObject
		_ = json.Unmarshal(e.Data.Object, &obj)
		n := w.c.applyEvent(e, obj)
		w.log.Debug("cache refresh: event", "event", e.ID, "type", e.Type, "object", obj.ID, "entries_dropped", n)
	}
	return nil
}

// poll reads the new events and hands them, oldest first, to apply; flush
// drops the cache when the cursor is too old to trust.
func (w *EventWatcher) poll(ctx context.Context, apply func([]event) error, flush func() int) (int, error) {
	if !w.started {
		// Where events stand: the newest event's second, and every event
		// of that second.
		newest, err := w.list(ctx, url.Values{"limit": {"1"}}, false)
		if err != nil || len(newest) == 0 {
			w.started = err == nil
			w.polled = w.c.clock()
			return 0, err
		}
		last, err := w.since(ctx, newest[0].Created)
		if err != nil {
			return 0, err
		}
		w.started = true
		w.polled = w.c.clock()
		w.advance(last)
		return 0, nil
	}
	if now := w.c.clock(); now.Sub(w.polled) > retention-time.Hour {
		// Polls stopped for so long that events since may be gone: nothing
		// held can be trusted.
		n := flush()
		w.log.Warn("cache refresh: the events cursor is near Stripe's 30-day retention; dropped the cache", "entries_dropped", n)
		w.started = false
		clear(w.seen)
		return w.poll(ctx, apply, flush)
	}
	evs, err := w.since(ctx, w.last)
	if err != nil {
		return 0, err
	}
	var fresh []event
	for i := len(evs) - 1; i >= 0; i-- { // oldest first: a later event's object is the newer copy
		if e := evs[i]; !w.seen[e.ID] {
			fresh = append(fresh, e)
		}
	}
	if err := apply(fresh); err != nil {
		return 0, err
	}
	w.polled = w.c.clock()
	w.advance(fresh)
	return len(fresh), nil
}

// since reads every event created at or after t, newest first.
func (w *EventWatcher) since(ctx context.Context, t int64) ([]event, error) {
	return w.list(ctx, url.Values{"created[gte]": {strconv.FormatInt(t, 10)}, "limit": {"100"}}, true)
}

// list reads events newest first, every page when all is set.
func (w *EventWatcher) list(ctx context.Context, params url.Values, all bool) ([]event, error) {
	return w.c.listEvents(ctx, params, all)
}

// listEvents reads events newest first, past the cache, every page when
// all is set.
func (c *Client) listEvents(ctx context.Context, params url.Values, all bool) ([]event, error) {
	var out []event
	for {
		body, err := c.fetch(ctx, "/v1/events", params, CacheOff)
		if err != nil {
			return nil, err
		}
		var pg struct {
			Data    []event `json:"data"`
			HasMore bool    `json:"has_more"`
		}
		if err := json.Unmarshal(body, &pg); err != nil {
			return nil, fmt.Errorf("malformed events page: %v", err)
		}
		out = append(out, pg.Data...)
		if !all || !pg.HasMore || len(pg.Data) == 0 {
			return out, nil
		}
		params.Set("starting_after", pg.Data[len(pg.Data)-1].ID)
	}
}

// advance records handled events as seen.
func (w *EventWatcher) advance(evs []event) {
	for _, e := range evs {
		if e.Created > w.last {
			w.last = e.Created
			clear(w.seen)
		}
		if e.Created == w.last {
			w.seen[e.ID] = true
		}
	}
}

// applyEvent brings the cache up to date with one event. The object's own
// list, when the row cache holds it, takes the event's copy of the object
// (or loses it, for *.deleted) in the interval of its created time; its
// filtered streams drop that interval (whether the object still matches
// their filter is Stripe's to say). Objects that change without an event
// of their own (alsoChanges) have their lists dropped, and cached pages
// and objects naming the object are dropped. It returns the number of
// entries dropped.
func (c *Client) applyEvent(e event, obj eventObject) int {
	kinds := alsoChanges[obj.Object]
	n := 0
	for _, s := range tables.Specs() {
		switch {
		case s.Lists(obj.Object) && s.Path != "":
			n += c.applyToRows(s, e, obj)
		case slices.ContainsFunc(kinds, s.Lists) && s.Path != "":
			n += c.dropRows(func(path string) bool { return pathMatches(s.Path, path) })
		}
	}
	return n + c.invalidatePages(obj.Object, obj.ID)
}

// applyToRows puts the event's object into the held rows of table s.
func (c *Client) applyToRows(s *tables.Spec, e event, obj eventObject) int {
	if c.rows == nil {
		return 0
	}
	t, err := New(s, "", c)
	if err != nil || !t.listsHeld() {
		return c.dropRows(func(path string) bool { return pathMatches(s.Path, path) })
	}
	t.account = e.Account
	base := t.baseStream()
	created := createdOf(e.Data.Object)
	var row sql.Row
	if !strings.HasSuffix(e.Type, ".deleted") {
		if row, err = t.dec.Decode(e.Data.Object, nil); err != nil {
			return c.dropRows(func(path string) bool { return pathMatches(s.Path, path) })
		}
		if e.Account != "" {
			row[t.accountOrd] = e.Account
		}
	}
	n := 0
	for _, stream := range c.rows.Streams(func(k string) bool {
		p, ok := c.streamPath(k)
		return ok && p == s.Path
	}) {
		if stream != base {
			c.rows.Update(stream, created, func(*cache.Segment) (any, int64, int, bool) { n++; return nil, 0, 0, false })
			continue
		}
		// No check of the event's time against the read's: they are two
		// clocks. A copy older than the one held is followed, in this poll
		// or the next, by the event of the newer change (events are
		// applied oldest first).
		c.rows.Update(stream, created, func(g *cache.Segment) (any, int64, int, bool) {
			blk := g.Value.(*rowcache.Block).With(obj.ID, row)
			return blk, blk.Size(), blk.Count(g.Lo, g.Hi), true
		})
	}
	return n
}
