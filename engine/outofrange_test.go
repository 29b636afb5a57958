package engine_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/internal/testutil"
)

// Issue 21, item 3: over stripe-mock, which returns its one charge (of
// 2009) whatever created range is asked for, the answers went 1, 2, 1:
// the gap read above the held interval returned the charge again and it
// was counted twice. An object is counted by its own created time only:
// every answer equals the cache-off server's, in any order, and the
// intervals read are held even though their reads returned objects
// outside them (the warm repeat asks Stripe nothing).
func TestOneAnswerOverStripeMock(t *testing.T) {
	mock := testutil.StripeMock(t)
	warm := stripesqltest.Start(t, stripesqltest.Options{StripeURL: mock, CacheTTL: time.Hour})
	cold := stripesqltest.Start(t, stripesqltest.Options{StripeURL: mock})
	queries := []struct {
		q, want string
	}{
		{"SELECT COUNT(*) FROM charges WHERE created < '2010-01-01'", "[[1]]"},
		{"SELECT COUNT(*) FROM charges", "[[1]]"},
		{"SELECT COUNT(*) FROM charges WHERE created > '2000-01-01'", "[[1]]"},
		{"SELECT COUNT(*) FROM charges WHERE created > '2010-01-01'", "[[0]]"},
		{"SELECT COUNT(*) FROM charges WHERE created < '2005-01-01'", "[[0]]"},
		{"SELECT COUNT(*) FROM charges WHERE created < '2005-01-01' OR created > '2008-01-01'", "[[1]]"},
		{"SELECT COUNT(*) FROM charges WHERE created BETWEEN '2005-01-01' AND '2006-01-01' OR created > '2011-01-01'", "[[0]]"},
		{"SELECT id, created FROM charges WHERE created >= '2009-02-13 23:31:30' ORDER BY id", "[[ch_1OPoueJN5vQBdWEx5AWizjSY 2009-02-13T23:31:30Z]]"},
		{"SELECT id FROM charges WHERE created > '2009-02-13 23:31:30'", "[]"},
		{"SELECT COUNT(*) FROM customers WHERE created > '2012-01-01'", "[[0]]"},
		{"SELECT COUNT(*) FROM customers", "[[1]]"},
	}
	for pass := range 2 {
		for _, tc := range queries {
			got, want := fmt.Sprint(warm.Rows(t, tc.q)), fmt.Sprint(cold.Rows(t, tc.q))
			if got != want || got != tc.want {
				t.Errorf("pass %d: %s = %s, cache off %s, want %s", pass, tc.q, got, want, tc.want)
			}
		}
		if reqs := warm.Requests(); pass == 1 && len(reqs) != 0 {
			t.Errorf("the warm repeat asked Stripe:\n%s", stripesqltest.Join(reqs))
		}
	}
	// Random ranges around the fixtures' time (2009-02-13), in random
	// order, on a server holding nothing yet: each query reads the gaps
	// the ones before it left.
	warm = stripesqltest.Start(t, stripesqltest.Options{StripeURL: mock, CacheTTL: time.Hour})
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 21))
	fixture := time.Date(2009, 2, 13, 23, 31, 30, 0, time.UTC).Unix()
	at := func() int64 { return fixture + int64(rng.IntN(7))*86400*30 - 3*86400*30 + int64(rng.IntN(3)) - 1 }
	for i := range 40 {
		table := []string{"charges", "customers", "invoices", "refunds"}[rng.IntN(4)]
		var where string
		switch lo, hi := at(), at(); rng.IntN(4) {
		case 0:
			where = fmt.Sprintf(" WHERE created >= FROM_UNIXTIME(%d) AND created < FROM_UNIXTIME(%d)", min(lo, hi), max(lo, hi))
		case 1:
			where = fmt.Sprintf(" WHERE created > FROM_UNIXTIME(%d)", lo)
		case 2:
			where = fmt.Sprintf(" WHERE created <= FROM_UNIXTIME(%d)", lo)
		}
		q := []string{"SELECT COUNT(*) FROM " + table + where, "SELECT id, created FROM " + table + where + " ORDER BY created DESC LIMIT 3"}[rng.IntN(2)]
		if got, want := fmt.Sprint(warm.Rows(t, q)), fmt.Sprint(cold.Rows(t, q)); got != want {
			t.Fatalf("query %d (seed %d): %s = %s, cache off %s", i, seed, q, got, want)
		}
	}
}

// The sequence over the fake, made to return objects up to a week
// outside the created range asked for: each read asks only for what is
// not held, and keeps of what it gets only the objects of its own range.
func TestObjectsOutsideTheRangeReadAreDropped(t *testing.T) {
	const skew = 7 * 24 * 3600
	env := stripesqltest.Start(t, stripesqltest.Options{CacheTTL: time.Hour,
		Fake: fakestripe.Options{Scale: 300, CreatedSkew: skew * time.Second}})
	mid := medianCreated(env)
	// within counts the fake's charges created in [lo, hi).
	within := func(lo, hi int64) int {
		n := 0
		for _, o := range env.Fake.Objects("charges") {
			if c := int64(o["created"].(float64)); c >= lo && c < hi {
				n++
			}
		}
		return n
	}
	above := within(mid, math.MaxInt64)
	if served := within(mid-skew, math.MaxInt64); served <= above {
		t.Fatalf("the fake serves no object outside created >= %d", mid)
	}
	lower := url.Values{"created[lt]": {fmt.Sprint(mid)}}
	upper := url.Values{"created[gte]": {fmt.Sprint(mid)}}
	for _, tc := range []struct {
		q    string
		want int
		reqs []string
	}{
		{fmt.Sprintf("SELECT COUNT(*) FROM charges WHERE created >= FROM_UNIXTIME(%d)", mid), above,
			pages("/v1/charges", upper, within(mid-skew, math.MaxInt64))},
		// The held interval is not read again; the gap below it brings a
		// day of charges above it again, not counted twice.
		{"SELECT COUNT(*) FROM charges", 300, pages("/v1/charges", lower, within(0, mid+skew))},
		{"SELECT COUNT(*) FROM charges", 300, nil},
		{fmt.Sprintf("SELECT COUNT(*) FROM charges WHERE created < FROM_UNIXTIME(%d)", mid), 300 - above, nil},
		{fmt.Sprintf("SELECT COUNT(*) FROM charges WHERE created >= FROM_UNIXTIME(%d)", mid), above, nil},
	} {
		if got, want := fmt.Sprint(env.Rows(t, tc.q)), fmt.Sprintf("[[%d]]", tc.want); got != want {
			t.Errorf("%s = %s, want %s", tc.q, got, want)
		}
		if got := env.Requests(); !sameRequests(got, tc.reqs) {
			t.Errorf("%s asked:\n%s\nwant:\n%s", tc.q, stripesqltest.Join(got), stripesqltest.Join(tc.reqs))
		}
	}
}

// An object older than the range read, first on a page (a backend that
// neither filters nor orders), says nothing about how far the read got: a
// LIMIT that stops after that page keeps only the part above the oldest
// object of the range read, and a later COUNT(*) reads the rest. (It used
// to store the whole range as read, holding one page of it.)
func TestAnOutOfRangeObjectCompletesNoRange(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{CacheTTL: time.Hour, Fake: fakestripe.Options{Scale: 300}})
	all := env.Fake.Objects("charges") // newest first
	from := int64(all[200]["created"].(float64))
	var inRange []any
	for _, o := range all {
		if int64(o["created"].(float64)) >= from {
			inRange = append(inRange, o)
		}
	}
	if len(inRange) <= 100 {
		t.Fatalf("%d charges from %d: want more than a page", len(inRange), from)
	}
	page, err := json.Marshal(map[string]any{"object": "list", "url": "/v1/charges", "has_more": true,
		"data": append([]any{all[len(all)-1]}, inRange[:100]...)}) // the oldest charge first
	if err != nil {
		t.Fatal(err)
	}
	env.Fake.SetFault(func(r *http.Request) (bool, int, string) {
		q := r.URL.Query()
		return r.URL.Path == "/v1/charges" && q.Get("created[gte]") == fmt.Sprint(from) && q.Get("starting_after") == "", http.StatusOK, string(page)
	})
	defer env.Fake.SetFault(nil)
	if got := env.Rows(t, fmt.Sprintf("SELECT id FROM charges WHERE created >= FROM_UNIXTIME(%d) LIMIT 1", from)); len(got) != 1 {
		t.Fatalf("LIMIT 1: %v", got)
	}
	for range 2 {
		if got, want := fmt.Sprint(env.Rows(t, fmt.Sprintf("SELECT COUNT(*) FROM charges WHERE created >= FROM_UNIXTIME(%d)", from))), fmt.Sprintf("[[%d]]", len(inRange)); got != want {
			t.Errorf("COUNT(*) after the LIMIT = %s, want %s", got, want)
		}
	}
}

// The events a search reads beside it are those since the cutoff, of the
// table's types. A backend that returns others too (stripe-mock returns
// its fixtures whatever the parameters) adds none of them to the answer:
// an older event may carry a state the index has since moved past, and
// an event of another type another kind of object.
func TestSearchIgnoresEventsNotAskedFor(t *testing.T) {
	env, cutf := startSearch(t, stripesqltest.Options{})
	cut, err := strconv.ParseInt(cutf(), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	charge, customer := env.Fake.Objects("charges")[5], env.Fake.Objects("customers")[0]
	charge["metadata"] = map[string]any{"order_id": "stale-order"}
	customer["metadata"] = map[string]any{"order_id": "stale-order"}
	page, err := json.Marshal(map[string]any{"object": "list", "url": "/v1/events", "has_more": false, "data": []any{
		map[string]any{"id": "evt_other", "object": "event", "type": "customer.updated", "created": cut + 1, "data": map[string]any{"object": customer}},
		map[string]any{"id": "evt_stale", "object": "event", "type": "charge.updated", "created": cut - 3600, "data": map[string]any{"object": charge}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	env.Fake.SetFault(func(r *http.Request) (bool, int, string) {
		return r.URL.Path == "/v1/events", http.StatusOK, string(page)
	})
	defer env.Fake.SetFault(nil)
	query := "SELECT id FROM charges WHERE metadata->>'$.order_id' = 'stale-order'"
	env.Requests()
	got := env.Rows(t, query)
	if reqs := env.Requests(); !strings.Contains(stripesqltest.Join(reqs), "/v1/charges/search?") {
		t.Errorf("not searched:\n%s", stripesqltest.Join(reqs))
	}
	if len(got) != 0 {
		t.Errorf("%s = %v, want no row (the list's answer: %v)", query, got, searchOff(t, env, query))
	}
}
