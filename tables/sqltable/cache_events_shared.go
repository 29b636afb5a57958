package sqltable

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/stripe/stripe-go/v76"

	"github.com/stripesql/stripesql/tables"
)

// Events with other replicas (ClientOptions.Shared): one replica, the
// leader of the account's events log (cache.SharedLog.Lead, renewed every
// poll), polls Stripe from the cursor kept in the log's state, drops from
// the shared data what the new events make outdated, and appends the
// events to the log; every replica, the leader too, follows the log and
// applies each event to its own cache (applyEvents), moving its own
// cursor (kept with its own disk store, if any: a replica that restarts
// catches up from Stripe, then skips what the log repeats). The shared
// data is dropped before the events are published, and a replica warms
// its cache from shared data only under a claim that applying an event
// supersedes or patches (cache.Claim), so no replica keeps a copy older
// than an event it applied. While the store cannot be reached, every
// replica polls for itself, as a single process does. Connected
// accounts' events are polled by each replica.

// flushEvent is a log entry telling every replica to drop its cache (the
// leader's cursor was too old to trust).
const flushEvent = "stripesql.cache_flush"

// logName names the account's events log.
func (w *EventWatcher) logName() string { return "events " + w.c.account }

// pollShared polls as the log's leader: from the shared cursor (or this
// replica's own, when the store lost it), publishing the events.
func (w *EventWatcher) pollShared(ctx context.Context) (int, error) {
	sh := w.c.share
	st, err := sh.State(ctx, w.logName())
	if err != nil {
		return 0, err
	}
	cur := w.c.events.cursor("")
	var shared eventCursor
	if st != nil && json.Unmarshal(st, &shared) == nil && shared.APIVersion == stripe.APIVersion {
		cur = &shared
	}
	evs, next, stale, err := w.fetch(ctx, "", cur)
	if stale {
		w.c.FlushAll()
		_ = w.publish(ctx, []event{{Type: flushEvent}})
		w.log.Warn("cache refresh: the events cursor is older than Stripe keeps events; dropped the cache of every replica")
	}
	if err != nil || next == nil {
		return 0, err
	}
	if err := w.publish(ctx, evs); err != nil {
		return 0, err
	}
	b, _ := json.Marshal(next)
	return len(evs), sh.SetState(ctx, w.logName(), b)
}

// publish drops the shared data the events make outdated, then appends
// them to the log.
func (w *EventWatcher) publish(ctx context.Context, evs []event) error {
	if len(evs) == 0 {
		return nil
	}
	if err := w.c.invalidateShared(ctx, evs); err != nil {
		return err
	}
	entries := make([][]byte, len(evs))
	for i, e := range evs {
		entries[i], _ = json.Marshal(e)
	}
	return w.c.share.Append(ctx, w.logName(), entries...)
}

// follow applies the events the leader publishes, until ctx ends.
func (w *EventWatcher) follow(ctx context.Context, interval time.Duration) {
	sh := w.c.share
	pos := ""
	for ctx.Err() == nil {
		if !sh.Available() {
			sleep(ctx, 250*time.Millisecond)
			continue
		}
		entries, next, err := sh.Read(ctx, w.logName(), pos, min(interval, time.Second))
		if err != nil {
			sleep(ctx, 250*time.Millisecond)
			continue
		}
		pos = next
		var evs []event
		for _, b := range entries {
			var e event
			if json.Unmarshal(b, &e) != nil {
				continue
			}
			if e.Type == flushEvent {
				w.applyFollowed(evs)
				evs = nil
				n := w.c.flushLocal()
				w.c.events.setCursor("", nil)
				w.log.Warn("cache refresh: the leading replica dropped the cache (its events cursor was too old)", "entries_dropped", n)
				continue
			}
			evs = append(evs, e)
		}
		w.applyFollowed(evs)
	}
}

// applyFollowed applies events of the log (oldest first) that this
// replica's cursor has not seen, and moves its cursor past them.
func (w *EventWatcher) applyFollowed(evs []event) {
	if len(evs) == 0 {
		return
	}
	now := w.c.clock()
	cur := w.c.events.cursor("")
	if cur == nil {
		cur = &eventCursor{Began: now, APIVersion: stripe.APIVersion}
	}
	var fresh []event
	for _, e := range evs {
		if e.Created < cur.Last || e.Created == cur.Last && cur.seen(e.ID) {
			continue
		}
		fresh = append(fresh, e)
	}
	next := cur.clone()
	next.Polled = now
	next.advance(fresh)
	w.c.applyEvents("", fresh, next, w.log)
}

// invalidateShared drops from the shared data what events make outdated,
// as applyEvents does here: the intervals holding each object in its
// table's streams, the lists of the tables alsoChanges names, and the
// pages naming the object.
func (c *Client) invalidateShared(ctx context.Context, evs []event) error {
	streams, err := c.share.Streams(ctx)
	if err != nil {
		return err
	}
	remove := map[string]bool{}
	for _, e := range evs {
		var obj eventObject
		_ = json.Unmarshal(e.Data.Object, &obj)
		created := createdOf(e.Data.Object)
		kinds := alsoChanges[obj.Object]
		pages := c.pagesNaming(obj.Object, obj.ID)
		for _, st := range streams {
			if p, ok := c.cachePath(st); ok && pages(st, p) {
				remove[st] = true
				continue
			}
			p, ok := c.streamPath(st)
			if !ok {
				continue
			}
			for _, s := range tables.Specs() {
				switch {
				case s.Path == "" || !pathMatches(s.Path, p):
				case s.Lists(obj.Object):
					if err := c.share.Invalidate(ctx, st, created); err != nil {
						return err
					}
				case slices.ContainsFunc(kinds, s.Lists):
					remove[st] = true
				}
			}
		}
	}
	drop := make([]string, 0, len(remove))
	for st := range remove {
		drop = append(drop, st)
	}
	return c.share.Remove(ctx, drop...)
}
