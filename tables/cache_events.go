package tables

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"
)

// EventWatcher keeps the cache fresh from the account's events
// (GET /v1/events): each new event drops the cached data of the object it
// changed (see InvalidateObject), so that a long --cache-ttl stays right.
// Its requests bypass the cache and count against the throttle.
type EventWatcher struct {
	c   *Client
	log *slog.Logger

	started bool
	// last is the created time of the newest event handled; seen holds
	// the ids of the handled events created at that second, since the next
	// poll asks for created >= last (Stripe's times are whole seconds).
	last int64
	seen map[string]bool
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
	Data    struct {
		Object struct {
			ID     string `json:"id"`
			Object string `json:"object"`
		} `json:"object"`
	} `json:"data"`
}

// Run polls every interval until ctx ends. A failed poll is logged and
// retried at the next tick.
func (w *EventWatcher) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := w.Poll(ctx); err != nil && ctx.Err() == nil {
			w.log.Warn("cache refresh: reading Stripe events failed; will retry", "error", redact(err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Poll reads the events created since the last poll and drops the cached
// data they make outdated; it returns how many new events it handled. The
// first poll only notes where the account's events stand.
func (w *EventWatcher) Poll(ctx context.Context) (int, error) {
	if !w.started {
		// Where events stand: the newest event's second, and every event
		// of that second.
		newest, err := w.list(ctx, url.Values{"limit": {"1"}}, false)
		if err != nil || len(newest) == 0 {
			w.started = err == nil
			return 0, err
		}
		last, err := w.since(ctx, newest[0].Created)
		if err != nil {
			return 0, err
		}
		w.started = true
		w.advance(last)
		return 0, nil
	}
	evs, err := w.since(ctx, w.last)
	if err != nil {
		return 0, err
	}
	var fresh []event
	for _, e := range evs {
		if !w.seen[e.ID] {
			fresh = append(fresh, e)
		}
	}
	for _, e := range fresh {
		obj := e.Data.Object
		n := w.c.InvalidateObject(obj.Object, obj.ID)
		w.log.Debug("cache refresh: event", "event", e.ID, "type", e.Type, "object", obj.ID, "entries_dropped", n)
	}
	w.advance(fresh)
	return len(fresh), nil
}

// since reads every event created at or after t, newest first.
func (w *EventWatcher) since(ctx context.Context, t int64) ([]event, error) {
	return w.list(ctx, url.Values{"created[gte]": {strconv.FormatInt(t, 10)}, "limit": {"100"}}, true)
}

// list reads events newest first, every page when all is set.
func (w *EventWatcher) list(ctx context.Context, params url.Values, all bool) ([]event, error) {
	var out []event
	for {
		body, err := w.c.fetch(ctx, "/v1/events", params, CacheOff)
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
