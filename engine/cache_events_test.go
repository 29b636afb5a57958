package engine_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// A charge.refunded event makes the next SELECT of the charge, its list
// and its refunds show the refund, while unrelated cached data stays: the
// list's held rows take the event's copy of the charge (and serve the
// retrieve); the refunds (which change without an event of their own) are
// read again.
func TestEventsRefreshTheCache(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 250}, CacheTTL: time.Hour})
	var id string
	var amount int64
	for _, c := range env.Fake.Objects("charges") {
		if c["status"] == "succeeded" && c["captured"] == true && c["amount_refunded"] == 0.0 {
			id, amount = c["id"].(string), int64(c["amount"].(float64))
			break
		}
	}
	if id == "" {
		t.Fatal("no unrefunded captured charge")
	}
	refundCount := func() string { return env.Rows(t, "SELECT count(*) FROM refunds")[0][0] }
	queries := []struct {
		name, query string
		args        []any
		refreshed   bool // whether the event drops its pages
	}{
		// Once the list below is held whole, a retrieve is served from its
		// rows too, which the event updates.
		{"retrieve", "SELECT amount_refunded, refunded FROM charges WHERE id = ?", []any{id}, false},
		// No pushdown: the whole list, held by the row cache, which takes
		// the event's copy of the charge without asking Stripe.
		{"list", "SELECT amount_refunded FROM charges WHERE concat(id, '') = ?", []any{id}, false},
		{"refunds of the charge", "SELECT count(*) FROM refunds WHERE charge = ?", []any{id}, true},
		{"unrelated", "SELECT count(*) FROM customers", nil, false},
	}
	before := map[string][][]string{}
	for _, q := range queries {
		before[q.name] = env.Rows(t, q.query, q.args...)
	}
	refundsBefore := refundCount()

	w := env.Client.NewEventWatcher(nil)
	if n, err := w.Poll(t.Context()); err != nil || n != 0 {
		t.Fatalf("first poll: %d events, %v; want 0 (it only notes where events stand)", n, err)
	}
	env.Requests()
	refundID, err := env.Fake.RefundCharge(id, amount)
	if err != nil {
		t.Fatal(err)
	}
	// Until the poll, the cache still serves what it had.
	if got := env.Rows(t, queries[0].query, queries[0].args...); fmt.Sprint(got) != fmt.Sprint(before["retrieve"]) {
		t.Errorf("before the poll the cached charge changed: %v", got)
	}
	if got := env.Requests(); len(got) != 0 {
		t.Errorf("before the poll: requests\n%s", stripesqltest.Join(got))
	}

	n, err := w.Poll(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("poll after the refund: %d events, %v; want 1", n, err)
	}
	polls := env.Requests()
	if len(polls) != 1 || !matchStar(polls[0], "GET /v1/events?ending_before=evt_*&limit=100") {
		t.Errorf("poll requests\n%s\nwant one page of the events after the last one seen", stripesqltest.Join(polls))
	}

	want := map[string]string{
		"retrieve":              fmt.Sprint([][]string{{fmt.Sprint(amount), "1"}}),
		"list":                  fmt.Sprint([][]string{{fmt.Sprint(amount)}}),
		"refunds of the charge": "[[1]]",
		"unrelated":             fmt.Sprint(before["unrelated"]),
	}
	for _, q := range queries {
		got := env.Rows(t, q.query, q.args...)
		if fmt.Sprint(got) != want[q.name] {
			t.Errorf("%s after the event: %v, want %s", q.name, got, want[q.name])
		}
		if reqs := env.Requests(); (len(reqs) > 0) != q.refreshed {
			t.Errorf("%s after the event: requests\n%s\nwant some: %v", q.name, stripesqltest.Join(reqs), q.refreshed)
		}
	}
	if got := refundCount(); got != fmt.Sprint(atoi(t, refundsBefore)+1) {
		t.Errorf("refunds after the event: %s, want %s + 1 (%s)", got, refundsBefore, refundID)
	}

	// Nothing new: nothing dropped.
	if n, err := w.Poll(t.Context()); err != nil || n != 0 {
		t.Errorf("poll without new events: %d, %v", n, err)
	}
	env.Requests()
	env.Rows(t, queries[0].query, queries[0].args...)
	if reqs := env.Requests(); len(reqs) != 0 {
		t.Errorf("after an empty poll: requests\n%s", stripesqltest.Join(reqs))
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}
