package engine_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/internal/testutil"
)

// faultCase is a failure of the Stripe API and what a query over it must
// give: complete, correct rows (wantErr 0), or a clear MySQL error.
type faultCase struct {
	name string
	// fault makes the fault (fresh state per case); env is the one it
	// runs in, for faults that call the fake.
	fault      func(env *stripesqltest.Env) stripesqltest.Fault
	maxRetries int
	timeout    time.Duration // HTTP client timeout (0: the default)
	scale      int
	query      string
	wantErr    uint16
	wantMsg    []string
	// wantRequests is the number of requests the faulted run makes (0:
	// not checked).
	wantRequests int
}

const scanCharges = "SELECT id, amount FROM charges"

// Every fault ends either in the complete result or in a MySQL error that
// names the table and says what happened; nothing of a failed scan stays
// in the cache (a re-run asks Stripe again for every page it had
// received), while a scan completed after retries is cached whole.
func TestFaultsGiveCompleteRowsOrClearErrors(t *testing.T) {
	cases := []faultCase{
		{name: "429 storm", fault: always(stripeErrorFault(429, "invalid_request_error", "rate_limit", "Too many requests hit the API too quickly.")),
			maxRetries: 2, wantErr: 1430, wantMsg: []string{"table charges", "429", "rate limit"}, wantRequests: 3},
		{name: "429 once", fault: firstN(1, stripeErrorFault(429, "invalid_request_error", "rate_limit", "Too many requests.")),
			maxRetries: 2, wantRequests: 4},
		{name: "500 once", fault: firstN(1, stripeErrorFault(500, "api_error", "", "An unknown error occurred")),
			maxRetries: 2, wantRequests: 4},
		{name: "503 always, JSON", fault: always(stripeErrorFault(503, "api_error", "", "Service unavailable")),
			maxRetries: 2, wantErr: 1430, wantMsg: []string{"table charges", "503", "Service unavailable"}, wantRequests: 3},
		{name: "503 always, not JSON", fault: always(plainFault(503, "upstream connect error or disconnect/reset before headers")),
			maxRetries: 1, wantErr: 1430, wantMsg: []string{"table charges", "503", "not valid JSON"}, wantRequests: 2},
		{name: "500, Stripe-Should-Retry: false", fault: always(withHeader("Stripe-Should-Retry", "false", stripeErrorFault(500, "api_error", "", "Do not retry"))),
			maxRetries: 2, wantErr: 1430, wantMsg: []string{"table charges", "500"}, wantRequests: 1},
		{name: "409, Stripe-Should-Retry: true", fault: firstN(1, withHeader("Stripe-Should-Retry", "true", stripeErrorFault(409, "invalid_request_error", "lock_timeout", "Lock timeout"))),
			maxRetries: 2, wantRequests: 4},
		{name: "connection reset always", fault: always(resetFault),
			maxRetries: 2, wantErr: 1429, wantMsg: []string{"table charges", "connection closed"}, wantRequests: 3},
		{name: "connection reset once", fault: firstN(1, resetFault), maxRetries: 1, wantRequests: 4},
		{name: "truncated JSON once", fault: func(env *stripesqltest.Env) stripesqltest.Fault { return firstN(1, truncatedFault(env.Fake))(env) },
			maxRetries: 1, wantRequests: 4},
		{name: "truncated JSON always", fault: func(env *stripesqltest.Env) stripesqltest.Fault { return always(truncatedFault(env.Fake))(env) },
			maxRetries: 1, wantErr: 1429, wantMsg: []string{"table charges", "not valid JSON"}, wantRequests: 2},
		{name: "slower than the client timeout", fault: always(slowFault), timeout: 200 * time.Millisecond,
			maxRetries: 1, wantErr: 1429, wantMsg: []string{"table charges", "did not answer in time"}, wantRequests: 2},
		{name: "cursor object deleted between pages", fault: always(cursorGoneFault),
			maxRetries: 2, wantErr: 1430, wantMsg: []string{"table charges", "No such charge", "deleted meanwhile"}, wantRequests: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runFaultCase(t, tc) })
	}
}

func runFaultCase(t *testing.T, tc faultCase) {
	opts := stripesqltest.Options{CacheTTL: time.Minute, MaxRetries: tc.maxRetries, Fake: fakestripe.Options{Scale: tc.scale}}
	if tc.timeout > 0 {
		opts.HTTPClient = &http.Client{Timeout: tc.timeout}
	}
	env := stripesqltest.Start(t, opts)
	if tc.query == "" {
		tc.query = scanCharges
	}
	want := objectIDs(env.Fake, "charges")

	env.SetFault(tc.fault(env))
	rows, err := query(env.DB, tc.query)
	faulted := env.Log()
	env.Requests()
	env.SetFault(nil)

	if tc.wantRequests > 0 && len(faulted) != tc.wantRequests {
		t.Errorf("the faulted run made %d requests, want %d:\n%s", len(faulted), tc.wantRequests, requestLines(faulted))
	}
	if tc.wantErr == 0 {
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		if got := column(rows, 0); !equalSorted(got, want) {
			t.Fatalf("%s: %d rows, want the %d charges", tc.query, len(got), len(want))
		}
		// The completed scan is cached: a re-run asks nothing.
		if _, err := query(env.DB, tc.query); err != nil {
			t.Fatal(err)
		}
		if reqs := env.Requests(); len(reqs) != 0 {
			t.Errorf("re-run after a completed scan made requests: %v", reqs)
		}
		return
	}

	if err == nil {
		t.Fatalf("%s: %d rows and no error, want error %d", tc.query, len(rows), tc.wantErr)
	}
	if got := mysqlErrNumber(err); got != tc.wantErr {
		t.Errorf("%s: err = %v (after %d rows), want error %d", tc.query, err, len(rows), tc.wantErr)
	}
	for _, w := range tc.wantMsg {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: %v\nwant it to say %q", tc.query, err, w)
		}
	}
	if len(rows) != 0 {
		t.Errorf("%s: %d rows came before the error", tc.query, len(rows))
	}

	// Nothing of the failed scan was cached.
	rerun, err := query(env.DB, tc.query)
	if err != nil {
		t.Fatalf("re-run without the fault: %v", err)
	}
	if got := column(rerun, 0); !equalSorted(got, want) {
		t.Errorf("re-run: %d rows, want the %d charges", len(got), len(want))
	}
	again := map[string]bool{}
	for _, r := range env.Requests() {
		again[r] = true
	}
	for _, r := range faulted {
		if r.Status == http.StatusOK && !again[r.String()] {
			t.Errorf("re-run took %s from the cache: a page of the failed scan was cached", r.String())
		}
	}
}

// Retry-After is honoured: the retry waits at least what Stripe asked.
func TestRetryAfterIsHonoured(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{MaxRetries: 2})
	var mu sync.Mutex
	var times []time.Time
	env.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		times = append(times, time.Now())
		first := len(times) == 1
		mu.Unlock()
		if !first {
			return false
		}
		w.Header().Set("Retry-After", "1")
		return stripeError(w, http.StatusTooManyRequests, "invalid_request_error", "rate_limit", "Too many requests.")
	})
	if n := len(env.Rows(t, "SELECT id FROM customers")); n != len(env.Fake.Objects("customers")) {
		t.Fatalf("%d customers", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(times) != 2 {
		t.Fatalf("%d requests, want the 429 and its retry", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < time.Second {
		t.Errorf("retried after %v, before the 1 s Retry-After", gap)
	}
}

// A scan failing after its first rows reached the client ends in an
// error the client sees (go-sql-driver: from rows.Err), never in a short
// result taken for the whole.
func TestFaultAfterRowsWereSent(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 3000}, CacheTTL: time.Minute})
	total := len(env.Fake.Objects("charges"))
	var mu sync.Mutex
	pages := 0
	env.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path != "/v1/charges" {
			return false
		}
		if pages++; pages <= 25 {
			return false
		}
		return stripeError(w, http.StatusBadRequest, "invalid_request_error", "resource_missing", "No such charge: 'ch_gone'")
	})
	// Paged one page after the other (a LIMIT turns parallel slices off),
	// so that the failure comes well after the first rows went out.
	q := "SELECT * FROM charges ORDER BY created DESC LIMIT 100000"
	rows, err := query(env.DB, q)
	if err == nil {
		t.Fatalf("%s: %d of %d rows and no error", q, len(rows), total)
	}
	if len(rows) == 0 {
		t.Fatalf("no row before the error (%v): the case does not test rows already sent", err)
	}
	t.Logf("go-sql-driver: %d rows, then: %v", len(rows), err)

	// The mariadb client reports the statement as failed too.
	mu.Lock()
	pages = 0
	mu.Unlock()
	out, err := testutil.RunMySQL(t, env.Addr, "", "", "stripe", q)
	if err == nil {
		t.Fatalf("mariadb: %d bytes of rows and no error", len(out))
	}
	if !strings.Contains(err.Error(), "ERROR 2013") {
		t.Errorf("mariadb: %v, want ERROR 2013 (lost connection)", err)
	}
}

// always answers every request of /v1/charges with f.
func always(f stripesqltest.Fault) func(*stripesqltest.Env) stripesqltest.Fault {
	return func(*stripesqltest.Env) stripesqltest.Fault {
		return func(w http.ResponseWriter, r *http.Request) bool {
			return strings.HasPrefix(r.URL.Path, "/v1/charges") && f(w, r)
		}
	}
}

// firstN answers the first n requests of /v1/charges with f.
func firstN(n int, f stripesqltest.Fault) func(*stripesqltest.Env) stripesqltest.Fault {
	return func(*stripesqltest.Env) stripesqltest.Fault {
		var mu sync.Mutex
		seen := 0
		return func(w http.ResponseWriter, r *http.Request) bool {
			if !strings.HasPrefix(r.URL.Path, "/v1/charges") {
				return false
			}
			mu.Lock()
			seen++
			fire := seen <= n
			mu.Unlock()
			return fire && f(w, r)
		}
	}
}

func stripeErrorFault(status int, typ, code, msg string) stripesqltest.Fault {
	return func(w http.ResponseWriter, _ *http.Request) bool { return stripeError(w, status, typ, code, msg) }
}

func plainFault(status int, body string) stripesqltest.Fault {
	return func(w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
		return true
	}
}

func withHeader(name, value string, f stripesqltest.Fault) stripesqltest.Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set(name, value)
		return f(w, r)
	}
}

// resetFault closes the connection without an answer.
func resetFault(w http.ResponseWriter, _ *http.Request) bool {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
	return true
}

// truncatedFault answers with the first half of the fake's answer.
func truncatedFault(fake http.Handler) stripesqltest.Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		rec := httptest.NewRecorder()
		fake.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		w.Write(body[:len(body)/2])
		return true
	}
}

// slowFault answers only when the client has given up.
func slowFault(w http.ResponseWriter, r *http.Request) bool {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
	return stripeError(w, http.StatusServiceUnavailable, "api_error", "", "too late")
}

// cursorGoneFault answers a next page as Stripe does when the object the
// cursor names was deleted.
func cursorGoneFault(w http.ResponseWriter, r *http.Request) bool {
	after := r.URL.Query().Get("starting_after")
	if after == "" {
		return false
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, `{"error": {"type": "invalid_request_error", "code": "resource_missing", "param": "starting_after", "message": "No such charge: '%s'", "doc_url": "https://stripe.com/docs/error-codes/resource-missing"}}`, after)
	return true
}

func objectIDs(fake *fakestripe.Server, resource string) []string {
	var ids []string
	for _, o := range fake.Objects(resource) {
		ids = append(ids, o["id"].(string))
	}
	return ids
}

func column(rows [][]string, i int) []string {
	out := make([]string, len(rows))
	for n, r := range rows {
		out[n] = r[i]
	}
	return out
}

func equalSorted(a, b []string) bool {
	a, b = append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(a)
	sort.Strings(b)
	return strings.Join(a, ",") == strings.Join(b, ",")
}

func requestLines(reqs []stripesqltest.Request) string {
	var b strings.Builder
	for _, r := range reqs {
		fmt.Fprintf(&b, "%d %s\n", r.Status, r.String())
	}
	return b.String()
}
