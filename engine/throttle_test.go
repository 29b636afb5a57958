package engine_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/tables/sqltable"
)

// throttleQueries scan several lists at once, from several sessions.
var throttleQueries = []string{
	"SELECT id, amount FROM charges",
	"SELECT id, email FROM customers",
	"SELECT id, amount FROM balance_transactions",
	"SELECT id, amount_due FROM invoices",
}

// runConcurrently runs each query on its own connection and returns
// their rows.
func runConcurrently(t *testing.T, env *stripesqltest.Env, queries []string) [][][]string {
	t.Helper()
	env.DB.SetMaxOpenConns(len(queries))
	out := make([][][]string, len(queries))
	var wg sync.WaitGroup
	for i, q := range queries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = env.Rows(t, q)
		}()
	}
	wg.Wait()
	return out
}

// answered splits the fake's requests into those it served (formatted as
// stripesqltest.Env.Requests does, sorted) and a count of 429s.
func answered(env *stripesqltest.Env) (served []string, limited int) {
	for _, r := range env.Fake.Requests() {
		if r.Status == http.StatusTooManyRequests {
			limited++
			continue
		}
		served = append(served, stripesqltest.FormatRequest(r.Method, r.Path, r.Query))
	}
	env.Fake.ResetRequests()
	return sortedStrings(served...), limited
}

// coldRuns is coldRun for several queries: their rows and all their
// requests, sorted.
func coldRuns(t *testing.T, opts stripesqltest.Options, queries []string) ([][][]string, []string) {
	t.Helper()
	var rows [][][]string
	var reqs []string
	for _, q := range queries {
		r, q := coldRun(t, opts, q)
		rows = append(rows, r)
		reqs = append(reqs, q...)
	}
	return rows, sortedStrings(reqs...)
}

func TestThrottle(t *testing.T) {
	for _, tt := range []struct {
		name  string
		scale int
		// fake is the account's limit, client the throttle's rate.
		fake, client float64
		want429      bool
	}{
		// The default for a test key stays under Stripe's test-mode limit.
		{"default rate under Stripe's limit", 1000, 25, sqltable.TestRateLimit, false},
		// Too fast a throttle gets 429s, which are retried and slow it down.
		{"429s retried", 500, 10, 100, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := stripesqltest.Options{Fake: fakestripe.Options{Scale: tt.scale}}
			wantRows, wantReqs := coldRuns(t, opts, throttleQueries)
			if len(wantReqs) <= int(tt.fake) {
				t.Fatalf("%d requests do not exceed the fake's burst of %v", len(wantReqs), tt.fake)
			}
			opts.Fake.RateLimit = tt.fake
			opts.RateLimit = tt.client
			opts.RateLimitRetries = 50
			env := stripesqltest.Start(t, opts)

			got := runConcurrently(t, env, throttleQueries)
			for i := range got {
				if checksum(got[i]) != checksum(wantRows[i]) || len(got[i]) != len(wantRows[i]) {
					t.Errorf("%s: %d rows differ from a cold run's %d", throttleQueries[i], len(got[i]), len(wantRows[i]))
				}
			}
			served, limited := answered(env)
			if !sameStrings(served, wantReqs) {
				t.Errorf("served requests\n%s\nwant each of a cold run's once\n%s", stripesqltest.Join(served), stripesqltest.Join(wantReqs))
			}
			if (limited > 0) != tt.want429 {
				t.Errorf("%d requests got 429; want some: %v", limited, tt.want429)
			}
			m := scrape(t, env)
			if got := m[`stripesql_stripe_rate_limited_total{database="stripe"}`]; got != float64(limited) {
				t.Errorf("stripesql_stripe_rate_limited_total = %v, want %d", got, limited)
			}
			if rate, _ := env.Client.Throttle().Rates(); (rate < tt.client) != tt.want429 {
				t.Errorf("throttle rate %v after the run (configured %v); slowed: want %v", rate, tt.client, tt.want429)
			}
		})
	}
}

// KILL QUERY stops a query waiting for the throttle at once.
func TestKillQueryStopsThrottleWait(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{RateLimit: 0.05, RateLimitRetries: 5})
	customer := env.Fake.Objects("customers")[0]["id"].(string)
	env.Fake.SetFault(func(*http.Request) (bool, int, string) {
		return true, http.StatusTooManyRequests, `{"error":{"type":"invalid_request_error","code":"rate_limit","message":"slow down"}}`
	})
	s := session(t, env)
	connID := connectionID(t, s)
	errc := make(chan string, 1)
	go func() { errc <- s.Error(t, "SELECT id FROM customers WHERE id = ?", customer) }()
	// After the first 429 the next token is about 40 s away.
	for deadline := time.Now().Add(30 * time.Second); len(env.Fake.Requests()) == 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	env.Rows(t, "KILL QUERY "+connID)
	select {
	case msg := <-errc:
		if !strings.Contains(msg, "Error 1317") {
			t.Errorf("killed query: %q, want error 1317", msg)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the killed query kept waiting for the throttle")
	}
	if got := env.Requests(); len(got) != 1 {
		t.Errorf("requests\n%s\nwant the one that got 429", stripesqltest.Join(got))
	}
}
