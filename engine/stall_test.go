package engine_test

import (
	"context"
	"hash/fnv"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// stallBound is how long a query over stalled responses may take before
// the test calls it hung: well above what a stall costs with deadlines
// (seconds), well below stripe-go's 80 s client timeout it took before.
const stallBound = 40 * time.Second

// stalls leaves chosen requests unanswered, the connection open, as a
// proxy that lost them does: the handler returns only when the client
// gives up on the request. A request is chosen by pick, for its first
// times occurrences (a repeat of a stalled request is answered after).
type stalls struct {
	pick  func(r *http.Request) bool
	times int

	mu      sync.Mutex
	seen    map[string]int // requests seen so far, by method and URL
	stalled map[string]int // how many of them were left unanswered
}

func newStalls(times int, pick func(r *http.Request) bool) *stalls {
	return &stalls{pick: pick, times: times, seen: map[string]int{}, stalled: map[string]int{}}
}

func (s *stalls) fault(w http.ResponseWriter, r *http.Request) bool {
	key := stripesqltest.FormatRequest(r.Method, r.URL.Path, r.URL.Query())
	s.mu.Lock()
	s.seen[key]++
	stall := s.seen[key] <= s.times && s.pick(r)
	if stall {
		s.stalled[key]++
	}
	s.mu.Unlock()
	if !stall {
		return false
	}
	<-r.Context().Done()
	// Nothing is written: the client cancelled the request.
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
	return true
}

func (s *stalls) count() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.stalled {
		out[k] = v
	}
	return out
}

// everyNth picks the requests whose URL hashes to 0 modulo n: about 1 in
// n pages, the same ones from run to run.
func everyNth(n uint32) func(r *http.Request) bool {
	return func(r *http.Request) bool {
		h := fnv.New32a()
		h.Write([]byte(r.URL.RequestURI()))
		return h.Sum32()%n == 0
	}
}

// nthPage picks the list requests of the pages given (1 for the first
// page of a list): their starting_after cursors, learnt as they come.
func nthPage(pages ...int) func(r *http.Request) bool {
	var mu sync.Mutex
	cursors := map[string]int{"": 1} // cursor → page number
	return func(r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		n, ok := cursors[r.URL.Query().Get("starting_after")]
		if !ok {
			n = len(cursors) + 1
			cursors[r.URL.Query().Get("starting_after")] = n
		}
		for _, p := range pages {
			if p == n {
				return true
			}
		}
		return false
	}
}

type stallCase struct {
	name  string
	scale int
	query string
	// times is how many times in a row a chosen request stalls.
	times int
	pick  func(*stripesqltest.Env) func(*http.Request) bool
	// rateLimit is the client's throttle (0: none).
	rateLimit float64
}

// A response that never comes (the connection left open) costs a read a
// deadline of a few seconds, derived from the latencies seen, or a hedge
// (a second request for the same page; the first answer wins, the other
// is cancelled), not the HTTP client's 80 s: the query returns the same
// rows as without the stalls, every stalled request was repeated (once
// for each time it stalled) and no other, and each request sent took a
// token of the throttle.
func TestStalledResponsesAreRetried(t *testing.T) {
	chargeID := func(env *stripesqltest.Env) string { return env.Fake.Objects("charges")[7]["id"].(string) }
	cases := []stallCase{
		{name: "one cursor, two pages stalled", scale: 900, query: "SELECT id, amount FROM charges", times: 1,
			pick: func(*stripesqltest.Env) func(*http.Request) bool { return nthPage(3, 9) }},
		{name: "one cursor, a page stalled twice in a row", scale: 900, query: "SELECT id, amount FROM charges", times: 2,
			pick: func(*stripesqltest.Env) func(*http.Request) bool { return nthPage(4) }},
		{name: "retrieve by id stalled", scale: 900, times: 1,
			query: "SELECT id, amount FROM charges WHERE id = '%s'",
			pick: func(env *stripesqltest.Env) func(*http.Request) bool {
				id := chargeID(env)
				return func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/"+id) }
			}},
		{name: "parallel slices, 1 page in 25 stalled, throttled", scale: 6000, query: "SELECT id, amount FROM charges", times: 1,
			rateLimit: 200, pick: func(*stripesqltest.Env) func(*http.Request) bool { return everyNth(25) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runStallCase(t, tc) })
	}
}

func runStallCase(t *testing.T, tc stallCase) {
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: tc.scale}, MaxRetries: 3, RateLimit: tc.rateLimit})
	q := tc.query
	if strings.Contains(q, "%s") {
		q = strings.ReplaceAll(q, "%s", env.Fake.Objects("charges")[7]["id"].(string))
	}
	// Clean runs: the reference answer, and enough latencies to derive
	// the deadlines from (a client that has seen few waits longer).
	want := env.Rows(t, q)
	for env.RequestCount() < 25 {
		env.Rows(t, q)
	}
	if len(want) == 0 {
		t.Fatalf("%s: no rows", q)
	}
	env.Requests()
	tokens := env.Client.Throttle().Taken()

	st := newStalls(tc.times, tc.pick(env))
	env.SetFault(st.fault)
	ctx, cancel := context.WithTimeout(context.Background(), stallBound)
	defer cancel()
	got, err := stripesqltest.Query(ctx, env.DB, q)
	log := env.Log()
	env.SetFault(nil)
	if err != nil {
		t.Fatalf("%s over stalled responses: %v (after %d requests:\n%s)", q, err, len(log), requestLines(log))
	}
	if checksum(got) != checksum(want) || len(got) != len(want) {
		t.Fatalf("%s: %d rows (checksum %s), want the clean run's %d (checksum %s)", q, len(got), checksum(got), len(want), checksum(want))
	}

	stalled := st.count()
	if len(stalled) == 0 {
		t.Fatalf("no request was stalled: the case tests nothing\n%s", requestLines(log))
	}
	// Each request once, but a stalled one once more for each stall; the
	// stalled ones unanswered, every other answered 200.
	sent := map[string]int{}
	unanswered := map[string]int{}
	for _, r := range log {
		sent[r.String()]++
		switch r.Status {
		case 0:
			unanswered[r.String()]++
		case http.StatusOK:
		default:
			t.Errorf("%s answered %d", r.String(), r.Status)
		}
	}
	for req, n := range sent {
		if want := 1 + stalled[req]; n != want {
			t.Errorf("%s sent %d times, want %d (stalled %d times)", req, n, want, stalled[req])
		}
		if unanswered[req] != stalled[req] {
			t.Errorf("%s: %d unanswered, want the %d stalled", req, unanswered[req], stalled[req])
		}
	}
	if t.Failed() {
		t.Logf("requests:\n%s", requestLines(log))
	}
	if tc.rateLimit > 0 {
		if taken := env.Client.Throttle().Taken() - tokens; taken != int64(len(log)) {
			t.Errorf("the throttle granted %d tokens for the %d requests sent: hedges and retries must each take one", taken, len(log))
		}
	}
}

// delayFirst delays the first request pick chooses by d, then lets the
// fake answer it (a request the client cancels meanwhile at once).
func delayFirst(d time.Duration, pick func(r *http.Request) bool) stripesqltest.Fault {
	var once sync.Once
	return func(w http.ResponseWriter, r *http.Request) bool {
		delay := false
		if pick(r) {
			once.Do(func() { delay = true })
		}
		if delay {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
			}
		}
		return false
	}
}

// A write has a longer deadline than a read: a POST Stripe answers
// later than any read's first deadline (8 s at most) is waited for (one
// request, one object created), where a GET that gets no answer is cut
// short and sent again.
func TestSlowWriteIsWaitedFor(t *testing.T) {
	env := writeEnv(t, stripesqltest.Options{MaxRetries: 3})
	for env.RequestCount() < 10 { // latencies to derive a read's deadline from
		env.Rows(t, "SELECT id FROM customers LIMIT 1")
	}
	env.Requests()
	slow := 8500 * time.Millisecond

	env.SetFault(delayFirst(slow, func(r *http.Request) bool { return r.Method == http.MethodPost }))
	env.Rows(t, "INSERT INTO customers (email) VALUES ('slow@example.com')")
	if log := env.Log(); len(log) != 1 || log[0].Status != http.StatusOK {
		t.Errorf("a slow write: requests\n%swant the one POST, answered", requestLines(log))
	}
	env.Requests()
	if got := env.Rows(t, "SELECT COUNT(*) FROM customers WHERE email = 'slow@example.com'"); got[0][0] != "1" {
		t.Errorf("customers with the slow write's email: %s, want 1", got[0][0])
	}

	env.Requests()
	env.SetFault(newStalls(1, func(r *http.Request) bool { return r.Method == http.MethodGet }).fault)
	env.Rows(t, "SELECT id FROM customers LIMIT 1")
	log := env.Log()
	env.SetFault(nil)
	if len(log) != 2 || log[0].String() != log[1].String() || log[0].Status != 0 || log[1].Status != http.StatusOK {
		t.Errorf("a read without answer: requests\n%swant it sent twice, the first cancelled", requestLines(log))
	}
}
