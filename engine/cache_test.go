package engine_test

import (
	"net/http"
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
// stream: the first request is held at the fake until all 20 wait in the
// cache, so the others can only share it.
func TestCacheSingleflightOverTheWire(t *testing.T) {
	const clients = 20
	const query = "SELECT id, amount FROM charges"
	opts := stripesqltest.Options{Fake: fakestripe.Options{Scale: 250}, CacheTTL: time.Hour}
	wantRows, wantReqs := coldRun(t, opts, query)
	env := stripesqltest.Start(t, opts)
	env.DB.SetMaxOpenConns(clients)
	c := env.Client.Cache()

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
	for c.Stats().Waiting < clients && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if w := c.Stats().Waiting; w != clients {
		t.Errorf("%d clients waiting in the cache, want %d", w, clients)
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
	s := c.Stats()
	pages := int64(len(wantReqs))
	if s.Misses != pages || s.Hits+s.Shared != (clients-1)*pages || s.Shared < clients-1 {
		t.Errorf("cache stats %+v: want %d misses, %d hits+shared, at least %d shared", s, pages, (clients-1)*pages, clients-1)
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

// A scan larger than the cache keeps the cache within its byte bound,
// evicting the least recently used pages, and still returns every row.
func TestCacheByteBound(t *testing.T) {
	const query = "SELECT id, amount FROM charges"
	opts := stripesqltest.Options{Fake: fakestripe.Options{Scale: 300}, CacheTTL: time.Hour}
	big := stripesqltest.Start(t, opts)
	wantRows := big.Rows(t, query)
	full := big.Client.Cache().Stats()
	pages := int64(len(big.Requests())) // the cache also holds the scan's range record
	if pages < 3 {
		t.Fatalf("the scan cached %d pages; the test needs three or more", pages)
	}
	// Room for about one and a half pages.
	bound := full.Bytes / pages * 3 / 2

	o := opts
	o.CacheBytes = bound
	env := stripesqltest.Start(t, o)
	for run := range 2 {
		rows := env.Rows(t, query)
		if checksum(rows) != checksum(wantRows) || len(rows) != len(wantRows) {
			t.Errorf("run %d: %d rows differ from %d", run, len(rows), len(wantRows))
		}
		s := env.Client.Cache().Stats()
		if s.Bytes > bound || s.Evictions == 0 || s.Entries == 0 {
			t.Errorf("run %d: cache %+v, want bytes ≤ %d, some evictions, some entries", run, s, bound)
		}
	}
	// Every page was evicted before being asked for again: the second run
	// cost as many requests as the first.
	reqs := env.Requests()
	if int64(len(reqs)) != 2*pages {
		t.Errorf("%d requests for two scans, want %d", len(reqs), 2*pages)
	}
}
