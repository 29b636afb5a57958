package sqltable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/stripe/stripe-go/v76"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/tables"
	"github.com/stripesql/stripesql/tables/rowcache"
)

// EventWatcher keeps the cache right from the account's events
// (GET /v1/events): each new event's object is put into the block of the
// held rows that holds it (or taken out, for *.deleted), and the cached
// pages that may hold an older copy are dropped (see changesOf). A
// poll's events are applied as one batch (cache.Segments.Apply), with
// the events cursor that says how far they go: on disk, rows and cursor
// agree after a crash, and a restart reads the events since the cursor
// (CatchUp) instead of the rows. The platform and each connected account
// whose rows are held have their own cursor. Its requests bypass the
// cache and count against the throttle.
type EventWatcher struct {
	c   *Client
	log *slog.Logger
}

// NewEventWatcher makes a watcher for c; log may be nil. Watchers of one
// client share its cursors.
func (c *Client) NewEventWatcher(log *slog.Logger) *EventWatcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &EventWatcher{c: c, log: log}
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

// retention is how long Stripe keeps events: a cursor that was last
// polled longer ago than that less retentionMargin may have missed some,
// so the account's held rows are dropped instead.
const (
	retention       = 30 * 24 * time.Hour
	retentionMargin = 24 * time.Hour
)

// Run polls every interval until ctx ends. A failed poll is logged and
// retried at the next tick. With other replicas (ClientOptions.Shared),
// one of them polls Stripe for the platform account and every one applies
// the events it publishes (see cache_events_shared.go).
func (w *EventWatcher) Run(ctx context.Context, interval time.Duration) {
	w.c.events.setInterval(interval)
	if w.c.share != nil {
		go w.follow(ctx, interval)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	if w.c.events.caught() { // CatchUp polled just now
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
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
// leads the shared events log, through it. Connected accounts are polled
// by each replica.
func (w *EventWatcher) tick(ctx context.Context, interval time.Duration) error {
	sh := w.c.share
	if sh == nil || !sh.Available() {
		_, err := w.Poll(ctx)
		return err
	}
	_, err := w.pollAccounts(ctx, w.connected())
	lead, lerr := sh.Lead(ctx, w.logName(), 3*interval)
	switch {
	case lerr != nil:
		_, perr := w.pollAccount(ctx, "")
		return errors.Join(err, perr)
	case lead:
		_, perr := w.pollShared(ctx)
		err = errors.Join(err, perr)
	}
	return err
}

// Poll reads the events created since the last poll, of the platform and
// of every connected account whose rows are held, and applies them; it
// returns how many new events it applied. An account's first poll only
// notes where its events stand.
func (w *EventWatcher) Poll(ctx context.Context) (int, error) {
	return w.pollAccounts(ctx, w.c.heldAccounts(w.c.events.accounts()...))
}

// CatchUp is the poll before a server serves, of a watcher that will
// poll every interval: it applies what happened while the server was
// down (the rows held on disk are then right), and notes what it did for
// cache_stats.
func (w *EventWatcher) CatchUp(ctx context.Context, interval time.Duration) (int, error) {
	w.c.events.setInterval(interval)
	start := time.Now()
	n, err := w.Poll(ctx)
	w.c.events.caughtUp(n, time.Since(start), err)
	if n > 0 {
		w.log.Info("cache: caught up with Stripe's events", "events", n, "duration", time.Since(start).Round(time.Millisecond))
	}
	return n, err
}

func (w *EventWatcher) pollAccounts(ctx context.Context, accounts []string) (int, error) {
	total := 0
	var errs []error
	for _, a := range accounts {
		n, err := w.pollAccount(ctx, a)
		total += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return total, errors.Join(errs...)
}

// connected are the connected accounts whose rows are held or whose
// cursor is kept: the held accounts but the platform (sorted first).
func (w *EventWatcher) connected() []string {
	return w.c.heldAccounts(w.c.events.accounts()...)[1:]
}

// pollAccount reads one account's new events and applies them.
func (w *EventWatcher) pollAccount(ctx context.Context, account string) (int, error) {
	evs, next, stale, err := w.fetch(ctx, account, w.c.events.cursor(account))
	if stale {
		n := w.c.dropAccount(account)
		w.log.Warn("cache refresh: the events cursor is older than Stripe keeps events; dropped the account's cached rows",
			"account", account, "intervals_dropped", n)
	}
	if err != nil || next == nil {
		return 0, err
	}
	w.c.applyEvents(account, evs, next, w.log)
	return len(evs), nil
}

// fetch reads an account's events since cur, oldest first, and returns
// them with the cursor after them. Without a cursor (the first poll) it
// only notes where events stand: no events, the cursor. stale says cur
// was too old to go on from (polled longer ago than Stripe keeps
// events): what it kept right cannot be trusted. next is nil when
// events cannot be read.
func (w *EventWatcher) fetch(ctx context.Context, account string, cur *eventCursor) (evs []event, next *eventCursor, stale bool, err error) {
	c := w.c
	st := c.events
	if st.isUnreadable() {
		return nil, nil, false, nil
	}
	now := c.clock()
	if cur != nil && now.Sub(cur.Polled) > retention-retentionMargin {
		cur, stale = nil, true
	}
	if cur == nil {
		next, err := w.stand(ctx, account, now)
		if err != nil {
			return nil, nil, stale, st.noteErr(err, w.log)
		}
		return nil, next, stale, nil
	}
	all, err := w.after(ctx, account, cur)
	if err != nil {
		return nil, nil, false, st.noteErr(err, w.log)
	}
	next = cur.clone()
	next.Polled = now
	for _, e := range all {
		if cur.seen(e.ID) {
			continue
		}
		if account != "" {
			e.Account = account
		}
		evs = append(evs, e)
	}
	next.advance(evs)
	return evs, next, false, nil
}

// after reads the events of account after the cursor, oldest first: the
// pages before its newest event (ending_before), each page the events
// just newer than the last; or, when it has none or Stripe no longer
// has it (older than the events it keeps), every event of its second on
// (created[gte]), the ones it saw among them skipped by the caller.
func (w *EventWatcher) after(ctx context.Context, account string, cur *eventCursor) ([]event, error) {
	if cur.Newest != "" {
		var out []event
		for before := cur.Newest; ; {
			page, more, err := w.page(ctx, account, url.Values{"ending_before": {before}, "limit": {"100"}})
			var ae *APIError
			if errors.As(err, &ae) && ae.Code == "resource_missing" && ae.Param == "ending_before" {
				break // the cursor's event is gone: by its second, below
			}
			if err != nil {
				return nil, err
			}
			for i := len(page) - 1; i >= 0; i-- { // a page is newest first
				out = append(out, page[i])
			}
			if !more || len(page) == 0 {
				return out, nil
			}
			before = page[0].ID
		}
	}
	newestFirst, err := w.since(ctx, account, cur.Last)
	if err != nil {
		return nil, err
	}
	slices.Reverse(newestFirst)
	return newestFirst, nil
}

// stand is a cursor at where an account's events stand (its newest
// event), which the next poll reads on from.
func (w *EventWatcher) stand(ctx context.Context, account string, now time.Time) (*eventCursor, error) {
	page, _, err := w.page(ctx, account, url.Values{"limit": {"100"}})
	if err != nil {
		return nil, err
	}
	next := &eventCursor{Polled: now, Began: now, APIVersion: stripe.APIVersion}
	for i := len(page) - 1; i >= 0; i-- {
		next.advance(page[i : i+1])
	}
	return next, nil
}

// watchFromRead starts a connected account's events cursor before the
// first read of its rows, so that the next poll applies (and streams)
// every change made from then on. Without it that poll only noted where
// events stood: a change between the read and the poll was lost to the
// held rows (until the TTL) and to the change stream. It costs one
// request, once per connected account; on error the poll starts the
// cursor as before.
func (c *Client) watchFromRead(ctx context.Context, account string) {
	if account == "" || !c.events.watching() || c.events.cursor(account) != nil {
		return // the platform's cursor starts before the server serves
	}
	w := &EventWatcher{c: c}
	if cur, err := w.stand(ctx, account, c.clock()); err == nil {
		c.events.setCursorIfNone(account, cur)
	}
}

// page reads one page of an account's events, newest first, and whether
// there are more past it.
func (w *EventWatcher) page(ctx context.Context, account string, params url.Values) ([]event, bool, error) {
	if account != "" {
		params.Set(tables.AccountParam, account)
	}
	return w.c.eventsPage(ctx, params)
}

// since reads every event of account created at or after t, newest first.
func (w *EventWatcher) since(ctx context.Context, account string, t int64) ([]event, error) {
	return w.list(ctx, account, url.Values{"created[gte]": {strconv.FormatInt(t, 10)}, "limit": {"100"}}, true)
}

// list reads an account's events newest first, every page when all is set.
func (w *EventWatcher) list(ctx context.Context, account string, params url.Values, all bool) ([]event, error) {
	if account != "" {
		params.Set(tables.AccountParam, account)
	}
	return w.c.listEvents(ctx, params, all)
}

// listEvents reads events newest first, past the cache, every page when
// all is set.
func (c *Client) listEvents(ctx context.Context, params url.Values, all bool) ([]event, error) {
	var out []event
	for {
		page, more, err := c.eventsPage(ctx, params)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if !all || !more || len(page) == 0 {
			return out, nil
		}
		params.Set("starting_after", page[len(page)-1].ID)
	}
}

// eventsPage reads one page of events, past the cache, and whether there
// are more.
func (c *Client) eventsPage(ctx context.Context, params url.Values) ([]event, bool, error) {
	body, err := c.fetch(ctx, "/v1/events", params, CacheOff)
	if err != nil {
		return nil, false, err
	}
	var pg struct {
		Data    []event `json:"data"`
		HasMore bool    `json:"has_more"`
	}
	if err := json.Unmarshal(body, &pg); err != nil {
		return nil, false, fmt.Errorf("malformed events page: %v", err)
	}
	return pg.Data, pg.HasMore, nil
}

// applyEvents applies an account's events, oldest first, as one batch,
// with the cursor after them (nil: events from elsewhere, a webhook, that
// move no cursor).
func (c *Client) applyEvents(account string, evs []event, cur *eventCursor, log *slog.Logger) {
	var changes []cache.Change
	var txs []Transaction
	seen := newBatchImages()
	for _, e := range evs {
		if !c.events.firstApply(e) {
			continue // applied already (a webhook, then the poll), or older than what was
		}
		var obj eventObject
		_ = json.Unmarshal(e.Data.Object, &obj)
		if c.changeLog != nil {
			if tx := c.transactionOf(e, obj, seen); tx != nil {
				txs = append(txs, *tx)
			}
		}
		changes = append(changes, c.changesOf(e, obj, seen)...)
		n := c.invalidatePages(obj.Object, obj.ID)
		log.Debug("cache refresh: event", "event", e.ID, "type", e.Type, "object", obj.ID, "pages_dropped", n)
	}
	var meta map[string][]byte
	if cur != nil {
		b, _ := json.Marshal(cur)
		meta = map[string][]byte{cursorMeta(account): b}
	}
	var logOps []cache.Op
	logged := func(error) {}
	if c.changeLog != nil && len(txs) > 0 {
		logOps, logged = c.changeLog.Record(txs)
	}
	var err error
	if c.rows != nil && (len(changes) > 0 || meta != nil || logOps != nil) {
		err = c.rows.ApplyWith(changes, meta, logOps)
	}
	logged(err)
	if cur != nil {
		c.events.setCursor(account, cur)
	}
}

// discardLog is a logger that drops everything.
var discardLog = slog.New(slog.DiscardHandler)

// alsoSlack is how long before an event an object it implies (a refund's
// balance transaction) may have been created: the held rows of those
// objects' tables from then on are read again.
const alsoSlack = 10 * time.Minute

// changesOf returns the changes one event makes to the held rows. The
// object's own list, when the row cache holds it, takes the event's copy
// of the object (or loses it, for *.deleted) in the block of its created
// time; its filtered streams drop that block (whether the object still
// matches their filter is Stripe's to say). Objects that change without
// an event of their own (alsoChanges) were made about when the event
// was: their lists drop their blocks from a little before it on.
func (c *Client) changesOf(e event, obj eventObject, seen *batchImages) []cache.Change {
	if c.rows == nil {
		return nil
	}
	var out []cache.Change
	for _, s := range tables.Listing(obj.Object) {
		if s.Path != "" {
			out = append(out, c.changesTo(s, e, obj, seen)...)
		}
	}
	from := e.Created - int64(alsoSlack/time.Second)
	done := map[*tables.Spec]bool{}
	for _, k := range alsoChanges[obj.Object] {
		for _, s := range tables.Listing(k) {
			if s.Path == "" || s.Lists(obj.Object) || done[s] {
				continue
			}
			done[s] = true
			for _, st := range c.streamsOf(s.Path, e.Account) {
				out = append(out, cache.Change{Stream: st, At: from, Span: unbounded - from})
			}
		}
	}
	return out
}

// streamsOf are the held row streams of path in account.
func (c *Client) streamsOf(path, account string) []string {
	return c.rows.Streams(func(k string) bool {
		p, ok := c.streamPath(k)
		return ok && p == path && c.streamAccount(k) == account
	})
}

// changesTo are the changes an event of one of table s's objects makes
// to its held streams (seen: the batch's decoded objects).
func (c *Client) changesTo(s *tables.Spec, e event, obj eventObject, seen *batchImages) []cache.Change {
	streams := c.streamsOf(s.Path, e.Account)
	if len(streams) == 0 {
		return nil
	}
	created := createdOf(e.Data.Object)
	cut := func() []cache.Change {
		out := make([]cache.Change, len(streams))
		for i, st := range streams {
			out[i] = cache.Change{Stream: st, At: created}
		}
		return out
	}
	t := c.eventTable(s)
	if t == nil || !t.listsHeld() {
		return cut()
	}
	t.account = e.Account
	base := t.baseStream()
	var up []sql.Row
	var del []string
	if strings.HasSuffix(e.Type, ".deleted") {
		del = []string{obj.ID}
	} else {
		row, ok := seen.eventRow(t, e, obj)
		if !ok {
			return cut()
		}
		up = []sql.Row{row}
	}
	delta, err := rowcache.EncodeDelta(t.layout(), up, del)
	if err != nil {
		return cut()
	}
	out := make([]cache.Change, 0, len(streams))
	for _, st := range streams {
		if st != base {
			out = append(out, cache.Change{Stream: st, At: created})
			continue
		}
		// No check of the event's time against the read's: they are two
		// clocks. A copy older than the one held is followed, in this poll
		// or the next, by the event of the newer change (events are
		// applied oldest first).
		out = append(out, cache.Change{Stream: st, At: created, Delta: delta, Rehint: rehint([]string{obj.ID}),
			Patch: func(v any, lo, hi int64) (any, int) {
				nb := v.(*rowcache.Block).Patch(up, del)
				return nb, nb.Count(lo, hi)
			}})
	}
	return out
}

// eventTable is a table of spec s to apply events with: a copy of one
// made once per client (making a table builds its schema and indexes,
// more than applying an event costs), for the caller to set its account.
func (c *Client) eventTable(s *tables.Spec) *Table {
	v, ok := c.eventTables.Load(s)
	if !ok {
		t, err := New(s, "", c)
		if err != nil {
			return nil
		}
		v, _ = c.eventTables.LoadOrStore(s, t)
	}
	t := *v.(*Table)
	return &t
}

// dropAccount drops the held rows and the cursor of one account.
func (c *Client) dropAccount(account string) int {
	n := 0
	if c.rows != nil {
		n = c.rows.RemoveStreams(func(k string) bool {
			_, ok := c.streamPath(k)
			return ok && c.streamAccount(k) == account
		})
		c.rows.SetMeta(cursorMeta(account), nil)
	}
	c.events.setCursor(account, nil)
	return n
}

// cursorMeta names an account's cursor among the row cache's records.
func cursorMeta(account string) string { return "events " + account }

// unreadable reports a poll that failed because the key cannot read
// events at all (a restricted key without rak_event_read).
func unreadable(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.Status == http.StatusForbidden || ae.Status == http.StatusUnauthorized)
}
