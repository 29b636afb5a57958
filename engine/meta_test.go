package engine_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// SET stripe_cache = OFF makes a session's queries ask Stripe every time
// and store nothing, while other sessions keep using the cache.
func TestSetStripeCacheOff(t *testing.T) {
	const query = "SELECT id, amount FROM charges"
	opts := stripesqltest.Options{Fake: fakestripe.Options{Scale: 250}, CacheTTL: time.Hour}
	wantRows, wantReqs := coldRun(t, opts, query)
	for _, tt := range []struct{ off, on string }{
		{"SET stripe_cache = OFF", "SET stripe_cache = ON"},
		{"SET @@session.stripe_cache = 0", "SET @@session.stripe_cache = 1"},
		{"SET SESSION stripe_cache = 'off'", "SET SESSION stripe_cache = 'on'"},
	} {
		t.Run(tt.off, func(t *testing.T) {
			env := stripesqltest.Start(t, opts)
			bypass, other := session(t, env), session(t, env)
			other.Rows(t, query) // warms the cache
			env.Requests()
			entries := env.Client.CacheTotals().Entries

			bypass.Rows(t, tt.off)
			if v := bypass.Rows(t, "SELECT @@stripe_cache")[0][0]; v != "0" {
				t.Errorf("after %s, @@stripe_cache = %s", tt.off, v)
			}
			for _, step := range []struct {
				name string
				s    *stripesqltest.Env
				want []string
			}{
				{"bypassing session", bypass, wantReqs},
				{"bypassing session again", bypass, wantReqs},
				{"other session", other, nil},
			} {
				rows := step.s.Rows(t, query)
				if checksum(rows) != checksum(wantRows) || len(rows) != len(wantRows) {
					t.Errorf("%s: %d rows differ from a cold run's %d", step.name, len(rows), len(wantRows))
				}
				if got := sortedStrings(env.Requests()...); !sameStrings(got, step.want) {
					t.Errorf("%s: requests\n%s\nwant\n%s", step.name, stripesqltest.Join(got), stripesqltest.Join(step.want))
				}
			}
			if e := env.Client.CacheTotals().Entries; e != entries {
				t.Errorf("the bypassing session changed the cache: %d entries, had %d", e, entries)
			}
			bypass.Rows(t, tt.on)
			bypass.Rows(t, query)
			if got := env.Requests(); len(got) != 0 {
				t.Errorf("after %s: requests\n%s", tt.on, stripesqltest.Join(got))
			}
		})
	}
}

// CALL stripe_flush() drops everything cached, stripe_flush('table') one
// table's pages; each returns the entries it dropped.
func TestStripeFlush(t *testing.T) {
	opts := stripesqltest.Options{Fake: fakestripe.Options{Scale: 250}, CacheTTL: time.Hour}
	queries := map[string]string{"charges": "SELECT id, amount FROM charges", "customers": "SELECT id, email FROM customers"}
	cold := map[string][]string{}
	for name, q := range queries {
		_, cold[name] = coldRun(t, opts, q)
	}
	for _, tt := range []struct {
		call      string
		refetched []string
	}{
		{"CALL stripe_flush()", []string{"charges", "customers"}},
		{"CALL stripe_flush('charges')", []string{"charges"}},
		{"CALL stripe.stripe_flush('CHARGES')", []string{"charges"}},
		{"CALL stripe_flush('stripe.customers')", []string{"customers"}},
		{"CALL stripe_flush('refunds')", nil},
	} {
		t.Run(tt.call, func(t *testing.T) {
			env := stripesqltest.Start(t, opts)
			for _, q := range queries {
				env.Rows(t, q)
			}
			env.Requests()
			before := env.Client.CacheTotals().Entries
			rows := env.Rows(t, tt.call)
			dropped := before - env.Client.CacheTotals().Entries
			if want := fmt.Sprint([][]string{{"stripe", fmt.Sprint(dropped)}}); fmt.Sprint(rows) != want {
				t.Errorf("%s returned %v, want %s", tt.call, rows, want)
			}
			for name, q := range queries {
				env.Rows(t, q)
				var want []string
				if contains(tt.refetched, name) {
					want = cold[name]
				}
				if got := sortedStrings(env.Requests()...); !sameStrings(got, want) {
					t.Errorf("%s after %s: requests\n%s\nwant\n%s", name, tt.call, stripesqltest.Join(got), stripesqltest.Join(want))
				}
			}
		})
	}

	env := stripesqltest.Start(t, opts)
	for _, tt := range []struct{ call, want string }{
		{"CALL stripe_flush('nope')", "Error 1146 (42S02): stripe_flush: no Stripe table 'nope'"},
		{"CALL stripe_flush('other.charges')", "Error 1049 (42000): stripe_flush: unknown Stripe database 'other'"},
		{"CALL stripe_flush('a', 'b')", "Error 1318 (42000): Incorrect number of arguments for PROCEDURE stripe_flush"},
	} {
		if got := env.Error(t, tt.call); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: %q, want %q…", tt.call, got, tt.want)
		}
	}
}

// stripe_meta.requests lists what each statement asked Stripe and what
// the cache answered; stripe_meta.cache_stats matches the cache.
func TestStripeMetaTables(t *testing.T) {
	const query = "SELECT id, amount FROM charges"
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 250}, CacheTTL: time.Hour})
	if tabs := stripesqltest.Column(env.Rows(t, "SHOW TABLES FROM stripe_meta")); fmt.Sprint(tabs) != "[cache_stats cache_tables requests]" {
		t.Errorf("SHOW TABLES FROM stripe_meta = %v", tabs)
	}
	meta := func(cacheState string) (reqs []string, queryIDs map[string]bool) {
		t.Helper()
		queryIDs = map[string]bool{}
		rows := env.Rows(t, "SELECT db, method, path, query, status, cache, query_id, connection_id, duration_ms >= 0, error FROM stripe_meta.requests WHERE cache = ?", cacheState)
		for _, r := range rows {
			if r[0] != "stripe" || r[1] != "GET" || r[4] != "200" || r[6] == "0" || r[7] == "0" || r[8] != "1" || r[9] != "NULL" {
				t.Errorf("request row %v", r)
			}
			q, err := url.ParseQuery(r[3])
			if err != nil {
				t.Fatal(err)
			}
			reqs = append(reqs, stripesqltest.FormatRequest(r[1], r[2], q))
			queryIDs[r[6]] = true
		}
		return sortedStrings(reqs...), queryIDs
	}

	env.Rows(t, query)
	cold := sortedStrings(env.Requests()...)
	env.Rows(t, query)
	misses, missIDs := meta("miss")
	hits, hitIDs := meta("hit")
	// The repeat is served from the rows held for the whole list: one hit.
	if wantHits := []string{"GET /v1/charges"}; !sameStrings(misses, cold) || !sameStrings(hits, wantHits) {
		t.Errorf("stripe_meta.requests misses\n%s\nwant\n%s\nhits\n%s\nwant %v", stripesqltest.Join(misses), stripesqltest.Join(cold), stripesqltest.Join(hits), wantHits)
	}
	if len(missIDs) != 1 || len(hitIDs) != 1 || fmt.Sprint(missIDs) == fmt.Sprint(hitIDs) {
		t.Errorf("query ids of the cold run %v and of the repeat %v: want one each, different", missIDs, hitIDs)
	}

	s := env.Client.CacheTotals()
	want := fmt.Sprint([]string{"stripe", fmt.Sprint(s.Hits), fmt.Sprint(s.Misses), fmt.Sprint(s.Shared), fmt.Sprint(s.Bytes),
		fmt.Sprint(64 << 20), fmt.Sprint(s.Entries), fmt.Sprint(s.Evictions), fmt.Sprint(s.Expired), "3600"})
	got := env.Rows(t, "SELECT db, hits, misses, shared_fetches, bytes, max_bytes, entries, evictions, expired, ttl_seconds FROM stripe_meta.cache_stats")
	if len(got) != 1 || fmt.Sprint(got[0]) != want {
		t.Errorf("stripe_meta.cache_stats = %v, want %s", got, want)
	}
	if s.Hits != 1 || s.Misses != 1 {
		t.Errorf("cache stats %+v: want 1 hit and 1 miss (the interval read, then served)", s)
	}
	if got := env.Rows(t, "SELECT `rows`, intervals, oldest_age_seconds < 60 FROM stripe_meta.cache_stats"); fmt.Sprint(got) != "[[250 1 1]]" {
		t.Errorf("stripe_meta.cache_stats rows, intervals, age = %v, want 250 rows in one interval read just now", got)
	}
	tables := env.Rows(t, "SELECT db, table_name, filter, `rows`, bytes > 0, intervals, age_seconds < 60 FROM stripe_meta.cache_tables")
	if fmt.Sprint(tables) != "[[stripe charges  250 1 1 1]]" {
		t.Errorf("stripe_meta.cache_tables = %v, want charges' 250 rows in one interval", tables)
	}
}

// A read-only MySQL account (env.DB logs in as the first user) may use
// the cache controls and stripe_meta.
func TestCacheControlsForReadOnlyUser(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{CacheTTL: time.Hour, Users: []engine.User{{Name: "reader", Password: "pw"}}})
	env.Rows(t, "SELECT id FROM customers")
	entries := env.Client.CacheTotals().Entries
	if got := fmt.Sprint(env.Rows(t, "CALL stripe_flush()")); got != fmt.Sprintf("[[stripe %d]]", entries) {
		t.Errorf("CALL stripe_flush() as a read-only user: %s, want [[stripe %d]]", got, entries)
	}
	s := *env // env.DB logs in as reader; one connection keeps the session
	s.DB = env.Open(t, "reader", "pw", false)
	s.DB.SetMaxOpenConns(1)
	s.Rows(t, "SET stripe_cache = OFF")
	if got := s.Rows(t, "SELECT @@stripe_cache"); fmt.Sprint(got) != "[[0]]" {
		t.Errorf("@@stripe_cache after SET as a read-only user: %v", got)
	}
	if got := env.Rows(t, "SELECT db, entries FROM stripe_meta.cache_stats"); fmt.Sprint(got) != "[[stripe 0]]" {
		t.Errorf("stripe_meta.cache_stats as a read-only user: %v", got)
	}
}
