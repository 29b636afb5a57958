package replicatest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripesql/stripesql/cache/redisshare"
	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/redistest"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// Three stripesql replicas over one fake account limited to 25
// requests/s and one Redis, running the same dashboard at once, ask
// Stripe about what one replica alone asks, never get a 429, and answer
// alike.
func TestReplicasShareOneBudgetAndOneRead(t *testing.T) {
	acct := newAccount(t, 3000)
	alone := acct.replica(t, nil)
	want := acct.dashboard(t, alone)
	aloneReqs, alone429 := acct.requests()
	if alone429 != 0 {
		t.Fatalf("one replica alone got %d 429s", alone429)
	}
	t.Logf("one replica alone: %d requests", aloneReqs)

	rdb := redistest.Start(t)
	replicas := acct.replicas(t, rdb, 3)
	acct.rest()
	start := time.Now()
	answers := runAll(t, acct, replicas)
	reqs, tooMany := acct.requests()
	t.Logf("three replicas: %d requests, %d 429s, %v", reqs, tooMany, time.Since(start).Round(time.Millisecond))
	if tooMany != 0 {
		t.Errorf("three replicas got %d 429s, want 0", tooMany)
	}
	if float64(reqs) > 1.1*float64(aloneReqs) {
		t.Errorf("three replicas made %d requests, more than 1.1× the %d of one alone", reqs, aloneReqs)
	}
	for i, got := range answers {
		compare(t, fmt.Sprintf("replica %d", i), got, want)
	}
}

// Redis killed mid-run and restarted: every query still answers, with
// the right rows, each replica pacing alone meanwhile; back, the replicas
// share again.
func TestRedisLostAndBack(t *testing.T) {
	acct := newAccount(t, 1000)
	want := acct.dashboard(t, acct.replica(t, nil))
	rdb := redistest.Start(t)
	replicas := acct.replicas(t, rdb, 3)
	acct.requests()

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		time.Sleep(300 * time.Millisecond)
		rdb.Kill()
		time.Sleep(1500 * time.Millisecond)
		if err := rdb.Restart(); err != nil {
			t.Error(err)
		}
	}()
	deadline := time.Now().Add(4 * time.Second)
	for round := 0; time.Now().Before(deadline) || round < 2; round++ {
		start := time.Now()
		for i, got := range runAll(t, acct, replicas) {
			compare(t, fmt.Sprintf("round %d, replica %d", round, i), got, want)
		}
		t.Logf("round %d: %v, Redis available: %v", round, time.Since(start).Round(time.Millisecond), replicas[0].store.Available())
		for _, r := range replicas {
			r.env.Rows(t, "CALL stripe_flush()") // read again, here and in Redis
		}
	}
	wg.Wait()
	for i, r := range replicas {
		waitFor(t, fmt.Sprintf("replica %d's store available again", i), r.store.Available)
		if lost := r.logs.Lines("level=ERROR", "redis: unreachable"); len(lost) != 1 {
			t.Errorf("replica %d logged the loss of Redis %d times at ERROR, want once:\n%s", i, len(lost), r.logs.String())
		}
		if back := r.logs.Lines("redis: reachable again"); len(back) != 1 {
			t.Errorf("replica %d logged Redis' return %d times, want once", i, len(back))
		}
	}
	acct.requests()
	for i, got := range runAll(t, acct, replicas) {
		compare(t, fmt.Sprintf("after the restart, replica %d", i), got, want)
	}
	aloneReqs := acct.dashboardRequests(t)
	if reqs, _ := acct.requests(); float64(reqs) > 1.1*float64(aloneReqs) {
		t.Errorf("after Redis came back the replicas made %d requests, more than 1.1× the %d of one alone: they do not share again", reqs, aloneReqs)
	}
}

// Replicas reading what they cannot share (SET stripe_cache = OFF) pace
// together: at --rate-limit all together through Redis, at rate-limit /
// --expected-replicas each while Redis is lost; either way Stripe's 25/s
// sends no 429. A 429 one replica gets slows them all.
func TestReplicasPaceTogether(t *testing.T) {
	cases := []struct {
		name     string
		redis    bool // false: Redis killed before the run
		fault429 bool // the first request is answered 429
	}{
		{name: "one budget in Redis", redis: true},
		{name: "a 429 slows every replica", redis: true, fault429: true},
		{name: "Redis lost: each paces at rate / expected replicas"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			acct := newAccount(t, 1000)
			rdb := redistest.Start(t)
			replicas := acct.replicas(t, rdb, 3)
			if !c.redis {
				rdb.Kill()
			}
			var once sync.Once
			if c.fault429 {
				acct.fake.SetFault(func(*http.Request) (bool, int, string) {
					hit := false
					once.Do(func() { hit = true })
					return hit, http.StatusTooManyRequests, `{"error": {"type": "invalid_request_error", "code": "rate_limit", "message": "Too many requests"}}`
				})
			}
			acct.rest()
			start := time.Now()
			var wg sync.WaitGroup
			for _, r := range replicas {
				wg.Add(1)
				go func() {
					defer wg.Done()
					conn, err := r.env.DB.Conn(context.Background())
					if err != nil {
						t.Error(err)
						return
					}
					defer conn.Close()
					for _, q := range []string{"SET stripe_cache = OFF", "SELECT COUNT(*) FROM charges", "SELECT COUNT(*) FROM customers"} {
						if _, err := stripesqltest.Query(context.Background(), conn, q); err != nil {
							t.Error(q, err)
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			reqs, tooMany := acct.requests()
			t.Logf("%d requests, %d 429s, %v", reqs, tooMany, elapsed.Round(time.Millisecond))
			if c.fault429 {
				tooMany-- // the fault's
				for i, r := range replicas {
					if g, _ := r.env.Client.Throttle().Rates(); g >= 22 {
						t.Errorf("replica %d paces at %v/s after another's 429, want less than 22", i, g)
					}
				}
			}
			if tooMany != 0 {
				t.Errorf("%d 429s, want none", tooMany)
			}
			// 22/s for all together, a second's worth at once.
			if least := time.Duration(float64(reqs-22) / 22 * float64(time.Second)); elapsed < least {
				t.Errorf("%d requests in %v: faster than 22/s together (%v)", reqs, elapsed, least)
			}
		})
	}
}

// With --cache-refresh-events, one replica polls Stripe's events and
// every replica applies them: a refund shows on each, and a replica that
// reads the list after it gets the refunded charge, not what another
// replica shared before the event.
func TestEventsOneReplicaPollsEveryReplicaApplies(t *testing.T) {
	acct := newAccount(t, 250)
	rdb := redistest.Start(t)
	replicas := acct.replicas(t, rdb, 3)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	const interval = 100 * time.Millisecond
	for _, r := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.env.Client.NewEventWatcher(nil).Run(ctx, interval)
		}()
	}
	var id string
	var amount int64
	for _, c := range acct.fake.Objects("charges") {
		if c["status"] == "succeeded" && c["captured"] == true && c["amount_refunded"] == 0.0 {
			id, amount = c["id"].(string), int64(c["amount"].(float64))
			break
		}
	}
	// The whole list, from the row cache: only events refresh it.
	const q = "SELECT amount_refunded FROM charges WHERE concat(id, '') = ?"
	for _, r := range replicas[:2] {
		if got := fmt.Sprint(r.env.Rows(t, q, id)); got != "[[0]]" {
			t.Fatalf("before the refund: %s", got)
		}
	}
	time.Sleep(5 * interval) // the leader notes where events stand
	acct.requests()
	time.Sleep(10 * interval)
	polls := 0
	for _, r := range acct.fake.Requests() {
		if r.Path == "/v1/events" {
			polls++
		}
	}
	t.Logf("%d polls of /v1/events in %v by 3 replicas", polls, 10*interval)
	if polls < 3 || polls > 14 {
		t.Errorf("%d polls of /v1/events in %v, want about %d (one replica polls)", polls, 10*interval, 10)
	}
	if _, err := acct.fake.RefundCharge(id, amount); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("[[%d]]", amount)
	for i, r := range replicas[:2] {
		waitFor(t, fmt.Sprintf("replica %d to apply the refund", i), func() bool { return fmt.Sprint(r.env.Rows(t, q, id)) == want })
	}
	if got := fmt.Sprint(replicas[2].env.Rows(t, q, id)); got != want {
		t.Errorf("the third replica, reading the list after the event: %s, want %s", got, want)
	}
}

// account is one fake Stripe account, limited to 25 requests/s, served
// over HTTP to every replica.
type account struct {
	fake *fakestripe.Server
	url  string
	// customer and charge are ids the dashboard looks up.
	customer, charge string
	queries          []string
}

func newAccount(t *testing.T, scale int) *account {
	t.Helper()
	fake := fakestripe.New(fakestripe.Options{Scale: scale, Seed: 1, RateLimit: 25})
	hs := httptest.NewServer(fake)
	t.Cleanup(hs.Close)
	a := &account{fake: fake, url: hs.URL}
	for _, c := range fake.Objects("charges") {
		if cus, ok := c["customer"].(string); ok && a.customer == "" {
			a.customer, a.charge = cus, c["id"].(string)
		}
	}
	a.queries = []string{
		"SELECT COUNT(*), SUM(amount) FROM charges",
		"SELECT currency, COUNT(*), SUM(amount_major) FROM charges GROUP BY currency ORDER BY currency",
		"SELECT status, COUNT(*) FROM charges WHERE created >= '2024-01-01' GROUP BY status ORDER BY status",
		"SELECT id, amount, created FROM charges ORDER BY created DESC, id LIMIT 10",
		"SELECT COUNT(*), SUM(amount) FROM charges WHERE customer = '" + a.customer + "'",
		"SELECT id, amount, currency, status FROM charges WHERE id = '" + a.charge + "'",
		"SELECT COUNT(*), COUNT(DISTINCT email) FROM customers",
		"SELECT id, email FROM customers WHERE id = '" + a.customer + "'",
		"SELECT status, COUNT(*) FROM invoices GROUP BY status ORDER BY status",
		"SELECT COUNT(*), SUM(amount) FROM refunds",
	}
	return a
}

// rest waits until the fake's rate limiter is full again: a new
// throttle starts with a second's worth of requests to spend.
func (a *account) rest() { time.Sleep(1100 * time.Millisecond) }

// requests returns the requests the fake received since the last call,
// and how many it answered 429, and forgets them.
func (a *account) requests() (n, tooMany int) {
	reqs := a.fake.Requests()
	a.fake.ResetRequests()
	for _, r := range reqs {
		if r.Status == 429 {
			tooMany++
		}
	}
	return len(reqs), tooMany
}

// dashboardRequests is what the dashboard costs one replica alone, with
// a cache of its own and nothing shared.
func (a *account) dashboardRequests(t *testing.T) int {
	t.Helper()
	a.fake.ResetRequests()
	a.dashboard(t, a.replica(t, nil))
	n, _ := a.requests()
	return n
}

// replica is one stripesql server with its own client, caches and
// throttle, and its own connection to Redis (nil: none).
type replica struct {
	env   *stripesqltest.Env
	store *redisshare.Store
	logs  stripesqltest.Logs // the store's
}

func (a *account) replica(t *testing.T, rdb *redistest.Server, more ...func(*stripesqltest.Options)) *replica {
	t.Helper()
	r := &replica{}
	opts := stripesqltest.Options{StripeURL: a.url, CacheTTL: time.Hour, RateLimit: 22, MaxRetries: 3, RateLimitRetries: 10,
		ExpectedReplicas: 3}
	for _, o := range more {
		o(&opts)
	}
	if rdb != nil {
		s, err := redisshare.Open(rdb.URL(), redisshare.Options{TTL: time.Hour, ProbeInterval: 50 * time.Millisecond, Logger: r.logs.Logger()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		r.store, opts.Shared = s, s
	}
	r.env = stripesqltest.Start(t, opts)
	return r
}

func (a *account) replicas(t *testing.T, rdb *redistest.Server, n int) []*replica {
	t.Helper()
	var out []*replica
	for i := 0; i < n; i++ {
		out = append(out, a.replica(t, rdb))
	}
	return out
}

// dashboard runs the queries one after another on r.
func (a *account) dashboard(t *testing.T, r *replica) []string {
	t.Helper()
	var out []string
	for _, q := range a.queries {
		rows, err := stripesqltest.Query(context.Background(), r.env.DB, q)
		if err != nil {
			t.Errorf("%s: %v", q, err)
		}
		out = append(out, fmt.Sprint(rows))
	}
	return out
}

// runAll runs the dashboard on every replica at once.
func runAll(t *testing.T, a *account, rs []*replica) [][]string {
	t.Helper()
	out := make([][]string, len(rs))
	var wg sync.WaitGroup
	for i, r := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = a.dashboard(t, r)
		}()
	}
	wg.Wait()
	return out
}

func compare(t *testing.T, who string, got, want []string) {
	t.Helper()
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			g := "(none)"
			if i < len(got) {
				g = got[i]
			}
			t.Errorf("%s, query %d: %s\nwant %s", who, i, clip(g), clip(want[i]))
		}
	}
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A replica warmed by another's read of a payout's transactions serves
// them with the payout, as the one that read them: what replicas share are
// Stripe's objects, which do not show it, so the rows take it from the
// stream they were read for. A join on it, too, asks Stripe nothing more.
func TestReplicasShareFilterOnlyRows(t *testing.T) {
	acct := newAccount(t, 1000)
	po := fmt.Sprint(acct.fake.Objects("payouts")[3]["id"])
	queries := []struct {
		sql    string
		payout int // the column holding b.payout
	}{
		{"SELECT id, payout, type FROM balance_transactions WHERE payout = '" + po + "' ORDER BY id", 1},
		{"SELECT p.id, b.id, b.payout FROM payouts p JOIN balance_transactions b ON b.payout = p.id WHERE p.arrival_date >= '2024-12-01' ORDER BY b.id", 2},
	}
	rdb := redistest.Start(t)
	rs := acct.replicas(t, rdb, 2)
	for _, c := range queries {
		q := c.sql
		want, err := stripesqltest.Query(context.Background(), rs[0].env.DB, q)
		if err != nil || len(want) == 0 {
			t.Fatalf("%s: %d rows, %v", q, len(want), err)
		}
		for _, row := range want {
			if row[c.payout] == "NULL" {
				t.Fatalf("%s: a row without its payout: %v", q, row)
			}
		}
		acct.requests()
		got, err := stripesqltest.Query(context.Background(), rs[1].env.DB, q)
		if err != nil {
			t.Fatal(err)
		}
		compare(t, "the other replica: "+q, []string{fmt.Sprint(got)}, []string{fmt.Sprint(want)})
		if n, _ := acct.requests(); n != 0 {
			t.Errorf("%s: the other replica asked Stripe %d times, want its rows from the first's read", q, n)
		}
	}
}

// Replicas sharing a Redis, each with its own disk cache: one that
// restarts catches up from its own events cursor (changes made while it
// was down), holds again what its disk held, and follows the shared
// events log afterwards; the other keeps applying the log.
func TestReplicaWithADiskRestarts(t *testing.T) {
	acct := newAccount(t, 250)
	rdb := redistest.Start(t)
	var replicas []*replica
	for i := 0; i < 2; i++ {
		r := acct.replica(t, rdb, func(o *stripesqltest.Options) {
			o.CacheDir, o.Events = t.TempDir(), 100*time.Millisecond
		})
		replicas = append(replicas, r)
	}
	var refundable []map[string]any
	for _, c := range acct.fake.Objects("charges") {
		if c["status"] == "succeeded" && c["captured"] == true && c["amount_refunded"] == 0.0 {
			refundable = append(refundable, c)
		}
	}
	const q = "SELECT amount_refunded FROM charges WHERE concat(id, '') = ?"
	refund := func(c map[string]any) string {
		if _, err := acct.fake.RefundCharge(c["id"].(string), int64(c["amount"].(float64))); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("[[%d]]", int64(c["amount"].(float64)))
	}
	for _, r := range replicas {
		r.env.Rows(t, q, refundable[0]["id"]) // the list is held
	}
	var want string
	replicas[1].env.Restart(t, func() { want = refund(refundable[0]) })
	// Its catch-up (and the leader's polls, should it lead): events only.
	if reqs := replicas[1].env.Requests(); len(reqs) == 0 || !strings.HasPrefix(reqs[0], "GET /v1/events?ending_before=") ||
		slices.ContainsFunc(reqs, func(r string) bool { return !strings.HasPrefix(r, "GET /v1/events?") }) {
		t.Errorf("the restart's requests:\n%s\nwant a page of events from its own cursor, and no list", stripesqltest.Join(reqs))
	}
	if got := fmt.Sprint(replicas[1].env.Rows(t, q, refundable[0]["id"])); got != want {
		t.Errorf("the restarted replica: %s, want %s (the refund made while it was down)", got, want)
	}
	if reqs := replicas[1].env.Requests(); slices.ContainsFunc(reqs, func(r string) bool { return !strings.HasPrefix(r, "GET /v1/events?") }) {
		t.Errorf("the restarted replica read again:\n%s", stripesqltest.Join(reqs))
	}
	waitFor(t, "the other replica to apply the refund", func() bool {
		return fmt.Sprint(replicas[0].env.Rows(t, q, refundable[0]["id"])) == want
	})
	want = refund(refundable[1])
	for i, r := range replicas {
		waitFor(t, fmt.Sprintf("replica %d to apply the second refund", i), func() bool {
			return fmt.Sprint(r.env.Rows(t, q, refundable[1]["id"])) == want
		})
	}
}
