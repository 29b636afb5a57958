package engine_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/internal/testutil"
)

// A repeated query makes no request until its pages' TTL has passed;
// then it makes exactly the requests of a cold run again.
func TestCacheServesRepeatsUntilTTL(t *testing.T) {
	opts := stripesqltest.Options{Fake: fakestripe.Options{Scale: 250}}
	probe := stripesqltest.Start(t, opts)
	charge := probe.Fake.Objects("charges")[7]
	customer := probe.Fake.Objects("customers")[3]["id"]
	const ttl = 5 * time.Minute
	for _, tt := range []struct {
		name  string
		query string
		args  []any
	}{
		{"full scan", "SELECT id, amount, customer FROM charges", nil},
		{"filter", "SELECT id, amount FROM charges WHERE customer = ?", []any{customer}},
		{"retrieve", "SELECT id, email FROM customers WHERE id = ?", []any{customer}},
		{"created range", "SELECT id FROM charges WHERE created >= ? ORDER BY created DESC LIMIT 5", []any{time.Unix(int64(charge["created"].(float64)), 0).UTC()}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantRows, wantReqs := coldRun(t, opts, tt.query, tt.args...)
			clock := testutil.NewClock()
			o := opts
			o.Cache = cache.New(cache.Options{MaxBytes: 64 << 20, TTL: ttl, Now: clock.Now})
			env := stripesqltest.Start(t, o)
			for _, step := range []struct {
				name    string
				advance time.Duration
				want    []string
			}{
				{"cold", 0, wantReqs},
				{"repeat", 0, nil},
				{"just before the TTL", ttl - time.Second, nil},
				{"after the TTL", 2 * time.Second, wantReqs},
				{"repeat after refetching", 0, nil},
			} {
				clock.Advance(step.advance)
				rows := env.Rows(t, tt.query, tt.args...)
				if checksum(rows) != checksum(wantRows) || len(rows) != len(wantRows) {
					t.Errorf("%s: %d rows differ from a cold run's %d", step.name, len(rows), len(wantRows))
				}
				if got := sortedStrings(env.Requests()...); !sameStrings(got, step.want) {
					t.Errorf("%s: requests\n%s\nwant\n%s", step.name, stripesqltest.Join(got), stripesqltest.Join(step.want))
				}
			}
		})
	}
}

// 20 clients running the same cold query at once cause one request
// stream: the first request is held at the fake until the 19 others wait
// in the row cache for the interval it reads, so they can only share it.
func TestCacheSingleflightOverTheWire(t *testing.T) {
	const clients = 20
	const query = "SELECT id, amount FROM charges"
	opts := stripesqltest.Options{Fake: fakestripe.Options{Scale: 250}, CacheTTL: time.Hour}
	wantRows, wantReqs := coldRun(t, opts, query)
	env := stripesqltest.Start(t, opts)
	env.DB.SetMaxOpenConns(clients)
	c := env.Client

	release := make(chan struct{})
	var held atomic.Bool
	env.Fake.SetFault(func(r *http.Request) (bool, int, string) {
		if held.CompareAndSwap(false, true) {
			<-release
		}
		return false, 0, ""
	})
	var wg sync.WaitGroup
	results := make([][][]string, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = env.Rows(t, query)
		}()
	}
	deadline := time.Now().Add(30 * time.Second)
	for c.CacheTotals().Waiting < clients-1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if w := c.CacheTotals().Waiting; w != clients-1 {
		t.Errorf("%d clients waiting in the cache, want %d", w, clients-1)
	}
	close(release)
	wg.Wait()

	for i, rows := range results {
		if checksum(rows) != checksum(wantRows) || len(rows) != len(wantRows) {
			t.Errorf("client %d: %d rows differ from a cold run's %d", i, len(rows), len(wantRows))
		}
	}
	if got := sortedStrings(env.Requests()...); !sameStrings(got, wantReqs) {
		t.Errorf("requests of %d clients:\n%s\nwant one stream:\n%s", clients, stripesqltest.Join(got), stripesqltest.Join(wantReqs))
	}
	// One interval read (a miss), served to each of the others (a hit).
	if s := c.CacheTotals(); s.Misses != 1 || s.Hits != clients-1 {
		t.Errorf("cache stats %+v: want 1 miss and %d hits", s, clients-1)
	}
}

// A fetch that fails, or whose query is killed, leaves nothing a later
// query would take for an answer: the next run asks Stripe for that page
// again and returns every row.
func TestFailedOrCancelledFetchLeavesNothing(t *testing.T) {
	const query = "SELECT id, amount FROM charges"
	opts := stripesqltest.Options{Fake: fakestripe.Options{Scale: 250}, CacheTTL: time.Hour}
	wantRows, wantReqs := coldRun(t, opts, query)
	if len(wantReqs) < 2 {
		t.Fatalf("the scan makes %d requests; the test needs two or more", len(wantReqs))
	}
	for _, tt := range []struct {
		name    string
		fail    func(r *http.Request) (int, string) // how the second request ends
		kill    bool                                // KILL QUERY while it is held
		wantErr string
	}{
		{"failed", func(*http.Request) (int, string) {
			return http.StatusInternalServerError, `{"error":{"type":"api_error","message":"boom"}}`
		}, false, "Error 1430"},
		{"killed", func(r *http.Request) (int, string) {
			<-r.Context().Done() // until stripesql gives up the request
			return http.StatusInternalServerError, `{"error":{"type":"api_error","message":"too late"}}`
		}, true, "Error 1317"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := stripesqltest.Start(t, opts)
			s := session(t, env)
			connID := connectionID(t, s)
			var n atomic.Int32
			failed := make(chan string, 1)
			env.Fake.SetFault(func(r *http.Request) (bool, int, string) {
				if n.Add(1) != 2 {
					return false, 0, ""
				}
				failed <- stripesqltest.FormatRequest(r.Method, r.URL.Path, r.URL.Query())
				status, body := tt.fail(r)
				return true, status, body
			})
			errc := make(chan string, 1)
			go func() { errc <- s.Error(t, query) }()
			failedReq := <-failed
			if tt.kill {
				env.Rows(t, "KILL QUERY "+connID)
			}
			if msg := <-errc; !strings.Contains(msg, tt.wantErr) {
				t.Errorf("query error %q, want %s", msg, tt.wantErr)
			}
			env.Fake.SetFault(nil)
			env.Requests()

			rows := env.Rows(t, query)
			if checksum(rows) != checksum(wantRows) || len(rows) != len(wantRows) {
				t.Errorf("after the failure: %d rows differ from a cold run's %d", len(rows), len(wantRows))
			}
			again := env.Requests()
			if !contains(again, failedReq) {
				t.Errorf("the page that failed (%s) was not asked for again; requests:\n%s", failedReq, stripesqltest.Join(again))
			}
			for _, r := range again {
				if !contains(wantReqs, r) {
					t.Errorf("request %s is not one of a cold run's", r)
				}
			}
		})
	}
}

// The cache stays within its byte bound by dropping the least recently
// used intervals whole: with room for one of two halves of the account,
// the half read last is served from memory and the other is read again,
// every answer whole.
func TestCacheByteBound(t *testing.T) {
	opts := stripesqltest.Options{Fake: fakestripe.Options{Scale: 300}, CacheTTL: time.Hour}
	big := stripesqltest.Start(t, opts)
	var created []float64
	for _, o := range big.Fake.Objects("charges") {
		created = append(created, o["created"].(float64))
	}
	sort.Float64s(created)
	mid := int64(created[len(created)/2])
	newer := fmt.Sprintf("SELECT id, amount FROM charges WHERE created >= FROM_UNIXTIME(%d)", mid)
	older := fmt.Sprintf("SELECT id, amount FROM charges WHERE created < FROM_UNIXTIME(%d)", mid)
	want := map[string][][]string{newer: big.Rows(t, newer), older: big.Rows(t, older)}
	full := big.Client.CacheTotals()
	if full.Entries != 2 {
		t.Fatalf("two ranges read: %d intervals held, want 2", full.Entries)
	}
	// Room for about one and a half halves.
	bound := full.Bytes * 3 / 4

	o := opts
	o.CacheBytes = bound
	env := stripesqltest.Start(t, o)
	run := func(query string, wantRequests bool) {
		t.Helper()
		rows := env.Rows(t, query)
		if checksum(rows) != checksum(want[query]) || len(rows) != len(want[query]) {
			t.Errorf("%s: %d rows differ from %d", query, len(rows), len(want[query]))
		}
		if reqs := env.Requests(); (len(reqs) > 0) != wantRequests {
			t.Errorf("%s: requests %v, want some: %v", query, reqs, wantRequests)
		}
		if s := env.Client.CacheTotals(); s.Bytes > bound || s.Entries != 1 {
			t.Errorf("%s: cache %+v, want bytes ≤ %d and one interval", query, s, bound)
		}
	}
	run(newer, true)
	run(older, true) // evicts newer
	run(older, false)
	run(newer, true)
	if s := env.Client.CacheTotals(); s.Evictions != 2 {
		t.Errorf("cache %+v: want 2 evictions", s)
	}
}
