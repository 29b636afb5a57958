package sqltable

import (
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stripe/stripe-go/v76"

	"github.com/stripesql/stripesql/tables"
)

// eventCursor is how far an account's events were applied: the newest
// (the next poll reads the events before it in the list: ending_before),
// its created second and the ids of the events of that second (should
// Stripe no longer have the newest, the poll asks for created >= Last:
// Stripe's times are whole seconds), when the last poll succeeded
// (every change until then is in the held rows) and when the cursor
// began (rows read before that may have missed events).
type eventCursor struct {
	Newest     string    `json:"newest"`
	Last       int64     `json:"last"`
	Seen       []string  `json:"seen"`
	Polled     time.Time `json:"polled"`
	Began      time.Time `json:"began"`
	APIVersion string    `json:"api_version"`
}

func (c *eventCursor) clone() *eventCursor {
	n := *c
	n.Seen = slices.Clone(c.Seen)
	return &n
}

func (c *eventCursor) seen(id string) bool { return slices.Contains(c.Seen, id) }

// advance records events (oldest first) as applied.
func (c *eventCursor) advance(evs []event) {
	for _, e := range evs {
		if e.Created > c.Last {
			c.Last = e.Created
			c.Seen = nil
		}
		if e.Created == c.Last && !c.seen(e.ID) {
			c.Seen = append(c.Seen, e.ID)
		}
		if e.Created >= c.Last {
			c.Newest = e.ID
		}
	}
}

// eventState is what a client knows of its events: each account's cursor
// (kept with the row cache, so that a restart catches up from it),
// whether the key can read events at all, the poll interval, and the
// events applied out of turn (webhooks), so that a poll does not apply
// them again, nor an older copy of their object after them.
type eventState struct {
	mu       sync.Mutex
	cursors  map[string]*eventCursor
	interval time.Duration
	// noEvents says why events cannot be read ("" while they can).
	noEvents  string
	lastCatch catchUp
	// applied are the events applied out of turn, by id, with their
	// object's id; newest is the created time of the newest event
	// applied per object (an older one is not applied after it).
	applied map[string]time.Time
	newest  map[string]int64
	clock   func() time.Time
}

// catchUp is what the last CatchUp did.
type catchUp struct {
	At       time.Time
	Events   int
	Duration time.Duration
	Err      string
}

func newEventState(clock func() time.Time) *eventState {
	return &eventState{cursors: map[string]*eventCursor{}, applied: map[string]time.Time{}, newest: map[string]int64{}, clock: clock}
}

// load takes the cursors the row cache's store kept; a cursor of another
// API version is not trusted (the rows it kept right are rendered
// differently).
func (s *eventState) load(meta func(string) ([]byte, bool), accounts []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range accounts {
		b, ok := meta(cursorMeta(a))
		if !ok {
			continue
		}
		var c eventCursor
		if json.Unmarshal(b, &c) == nil && c.APIVersion == stripe.APIVersion {
			s.cursors[a] = &c
		}
	}
}

func (s *eventState) cursor(account string) *eventCursor {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.cursors[account]; c != nil {
		return c.clone()
	}
	return nil
}

func (s *eventState) setCursor(account string, c *eventCursor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c == nil {
		delete(s.cursors, account)
		return
	}
	s.cursors[account] = c.clone()
}

// setCursorIfNone sets an account's cursor unless it has one.
func (s *eventState) setCursorIfNone(account string, c *eventCursor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cursors[account] == nil {
		s.cursors[account] = c.clone()
	}
}

// watching reports whether events are polled and can be read.
func (s *eventState) watching() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.interval > 0 && s.noEvents == ""
}

func (s *eventState) accounts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.cursors))
	for a := range s.cursors {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

func (s *eventState) setInterval(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.interval = d
}

func (s *eventState) caughtUp(n int, d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastCatch = catchUp{At: s.clock(), Events: n, Duration: d}
	if err != nil {
		s.lastCatch.Err = redact(err.Error())
	}
}

// caught reports whether a CatchUp ran.
func (s *eventState) caught() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.lastCatch.At.IsZero()
}

func (s *eventState) isUnreadable() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.noEvents != ""
}

// noteErr remembers, and logs once, that the key cannot read events: the
// held rows then expire after the TTL instead.
func (s *eventState) noteErr(err error, log *slog.Logger) error {
	if !unreadable(err) {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.noEvents == "" {
		s.noEvents = "the API key cannot read events (a restricted key needs rak_event_read)"
		log.Warn("cache refresh: " + s.noEvents + "; cached rows are read again after --cache-ttl instead of being kept right by events")
	}
	return nil
}

// fresh is until when events kept a stream's rows right, for rows read
// from since on (cache.SegmentsOptions.Fresh): the last poll of the
// stream's account, when the stream's table is announced (every change
// of its objects comes as an event), events are polled and can be read,
// and the account's cursor began before the read. Zero otherwise: the
// rows then expire TTL after their read.
func (s *eventState) fresh(stream string, since time.Time) time.Time {
	path, account, ok := splitStream(stream)
	if !ok {
		return time.Time{}
	}
	spec := listingSpec(path)
	if spec == nil || !spec.Announced() {
		return time.Time{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.cursors[account]
	if s.interval <= 0 || s.noEvents != "" || c == nil || c.Began.After(since) {
		return time.Time{}
	}
	return c.Polled
}

// splitStream reads a row stream's list path and connected account.
func splitStream(stream string) (path, account string, ok bool) {
	_, rest, ok := strings.Cut(stream, " ROWS ")
	if !ok {
		return "", "", false
	}
	path, query, _ := strings.Cut(rest, "?")
	for _, kv := range strings.Split(query, "&") {
		if v, ok := strings.CutPrefix(kv, tables.AccountParam+"="); ok {
			account = v
		}
	}
	return path, account, true
}

// outOfTurnTTL is how long the events applied out of turn are
// remembered: well past the time a poll takes to see them.
const outOfTurnTTL = time.Hour

// firstApply reports whether an event is to be applied: not applied out
// of turn already, and not older than an event of its object applied out
// of turn (webhooks come in any order).
func (s *eventState) firstApply(e event) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, done := s.applied[e.ID]; done {
		return false
	}
	if len(s.newest) == 0 {
		return true
	}
	var obj eventObject
	_ = json.Unmarshal(e.Data.Object, &obj)
	if n, ok := s.newest[obj.ID]; ok && e.Created < n {
		return false
	}
	return true
}

// outOfTurn records an event applied out of turn (a webhook).
func (s *eventState) outOfTurn(e event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	for id, at := range s.applied {
		if now.Sub(at) > outOfTurnTTL {
			delete(s.applied, id)
		}
	}
	if len(s.applied) == 0 {
		clear(s.newest)
	}
	s.applied[e.ID] = now
	var obj eventObject
	_ = json.Unmarshal(e.Data.Object, &obj)
	if obj.ID != "" && e.Created > s.newest[obj.ID] {
		s.newest[obj.ID] = e.Created
	}
}

// EventsStatus is what cache_stats says of the events: whether they keep
// the rows right, the cursor's age, the last catch-up.
type EventsStatus struct {
	// Covered is "yes" while events are polled and readable, else why not.
	Covered string
	// CursorAge is how long ago the platform's events were last polled
	// (-1: never).
	CursorAge time.Duration
	CatchUp   catchUp
}

// EventsStatus describes the client's events.
func (c *Client) EventsStatus() EventsStatus {
	s := c.events
	s.mu.Lock()
	defer s.mu.Unlock()
	st := EventsStatus{Covered: "yes", CursorAge: -1, CatchUp: s.lastCatch}
	switch {
	case s.noEvents != "":
		st.Covered = "no: " + s.noEvents + "; rows expire after --cache-ttl"
	case s.interval <= 0:
		st.Covered = "no: events are not polled (--cache-refresh-events 0); rows expire after --cache-ttl"
	}
	if cur := s.cursors[""]; cur != nil {
		st.CursorAge = s.clock().Sub(cur.Polled)
	}
	return st
}
