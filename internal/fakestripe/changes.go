package fakestripe

import (
	"fmt"
	"reflect"
	"time"
)

// Changes: every change the fake makes to an object (API writes and the
// test hooks) happens at an instant of the fake's own clock, emits the
// event Stripe would emit, carrying the object as of the change, and
// keeps the object's previous state for the search index, which trails
// writes by Options.SearchLag (search_index.go).

// now is the fake's current time: the end of the generated data, moved
// forward by every change and, with a clock (Options.Clock), by it.
func (d *dataset) now() int64 {
	last := max(d.end, d.edits.clock)
	if d.clock != nil {
		last = max(last, d.clock().Unix())
	}
	if n := len(d.eventRows); n > 0 {
		last = max(last, d.eventRows[n-1].created)
	}
	return last
}

// advance is the instant of a new change: a second after every earlier
// change and event, so that changes and their events sort newest.
func (d *dataset) advance() int64 {
	d.edits.clock = d.now() + 1
	return d.edits.clock
}

// Now returns the fake account's current time: its end (Options.End), or
// a second after the newest change, or Options.Clock's time when later, so tests can set a client's clock to
// it, for example to reason about Options.SearchLag.
func (s *Server) Now() time.Time {
	s.writes.mu.RLock()
	defer s.writes.mu.RUnlock()
	return time.Unix(s.data.now(), 0).UTC()
}

// Kinds of change, the suffix of their event types.
const (
	changeCreated = "created"
	changeUpdated = "updated"
	changeDeleted = "deleted"
)

// eventTypeOf is the type of the event Stripe emits when an object of t
// changes so, or "" when it emits none (a payment intent has no
// payment_intent.updated, a refund no refund.deleted).
func eventTypeOf(t *table, change string) string {
	prefix := t.def.object
	switch {
	case prefix == "subscription":
		prefix = "customer.subscription"
	case prefix == "charge" && change == changeCreated:
		return "charge.succeeded" // a charge is created paid (or authorized)
	}
	name := prefix + "." + change
	for _, e := range eventKinds {
		if e.name == name {
			return name
		}
	}
	return ""
}

// changed records a change of row i of t at instant at. before is the
// object as rendered before an update or a delete (nil for a create):
// the search index keeps it while it still shows the old state. The
// event (if Stripe emits one) carries the object as of the change, and
// for an update the previous values of what changed; an update changing
// nothing emits none, as at Stripe.
func (d *dataset) changed(t *table, i int32, at int64, change string, before map[string]any) {
	obj := before // a deleted object is sent as it was
	var previous map[string]any
	if change != changeDeleted {
		obj = d.render(t, i)
	}
	if change == changeUpdated {
		if previous = previousAttributes(before, obj); len(previous) == 0 {
			return
		}
	}
	d.keepIndexed(t, i, at, before)
	if name := eventTypeOf(t, change); name != "" {
		d.emit(name, i, at, obj, previous)
	}
}

// emit appends an event of the given type about row source, carrying obj
// (the object as of the change).
func (d *dataset) emit(name string, source int32, at int64, obj, previous map[string]any) {
	d.eventRows = append(d.eventRows, eventRow{created: at, kind: eventKindOf(name), source: source,
		object: obj, previous: previous})
	d.events.appendRow(d.seed, at)
}

// previousAttributes is an update event's data.previous_attributes: the
// top-level fields that changed, with their values before; for metadata,
// only the keys that changed (null for a key the update added), as
// Stripe sends them.
func previousAttributes(before, after map[string]any) map[string]any {
	out := map[string]any{}
	for k, old := range before {
		if reflect.DeepEqual(old, after[k]) {
			continue
		}
		if k == "metadata" {
			oldM, _ := old.(map[string]any)
			newM, _ := after[k].(map[string]any)
			keys := map[string]any{}
			for mk, mv := range oldM {
				if !reflect.DeepEqual(mv, newM[mk]) {
					keys[mk] = mv
				}
			}
			for mk := range newM {
				if _, had := oldM[mk]; !had {
					keys[mk] = nil
				}
			}
			old = keys
		}
		out[k] = old
	}
	return out
}

// SetMetadata sets (or, with value "", removes) one metadata key of an
// object, as POST /v1/{resource}/{id} with metadata[key]=value does, for
// tests that change an old object without a write through stripesql.
// table is the resource's table name ("charges", "customers"). It emits
// the object's .updated event where Stripe has one (payment intents have
// none: Stripe emits no event for a payment intent's metadata update).
func (s *Server) SetMetadata(table, id, key, value string) error {
	s.writes.mu.Lock()
	defer s.writes.mu.Unlock()
	d := s.data
	t := d.tables[table]
	if t == nil {
		return fmt.Errorf("fakestripe: no table %q", table)
	}
	row, ok := t.lookup(id)
	if !ok || d.edits.deleted[t][row] {
		return fmt.Errorf("fakestripe: no %s %s", t.def.object, id)
	}
	before := d.render(t, row)
	d.edits.set(t, row, map[string]any{"metadata": mergeMetadata(before["metadata"], map[string]any{key: value})})
	d.changed(t, row, d.advance(), changeUpdated, before)
	return nil
}
