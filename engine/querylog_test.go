package engine_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// Every statement logs one line with the Stripe requests it made and the
// cache hits it had.
func TestQueryLogLine(t *testing.T) {
	const query = "SELECT id, amount FROM charges"
	logs := &stripesqltest.Logs{}
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 250}, CacheTTL: time.Hour, Logger: logs.Logger()})
	env.Rows(t, query)
	pages := len(env.Requests())
	env.Rows(t, query)
	env.Error(t, "SELECT nope FROM charges")

	lines := logs.Lines("level=INFO msg=query ", `query="`+query+`"`)
	if len(lines) != 2 {
		t.Fatalf("%d log lines for %q, want 2:\n%s", len(lines), query, stripesqltest.Join(lines))
	}
	for i, want := range []string{
		fmt.Sprintf("rows=250 stripe_requests=%d cache_hits=0 cache_shared=0", pages),
		"rows=250 stripe_requests=0 cache_hits=1 cache_shared=0", // one interval held
	} {
		if !strings.Contains(lines[i], want) || !strings.Contains(lines[i], " query_id=") ||
			!strings.Contains(lines[i], " conn=") || !strings.Contains(lines[i], " duration_ms=") {
			t.Errorf("run %d: log line\n%s\nwant query_id, conn, duration_ms and %s", i, lines[i], want)
		}
	}
	if failed := logs.Lines("msg=query ", `query="SELECT nope FROM charges"`, "error="); len(failed) != 1 || !strings.Contains(failed[0], "nope") {
		t.Errorf("failed statement's log lines: %v, want one with the error", failed)
	}
}

// scrape reads the server's /metrics as "name{labels}" → value.
func scrape(t *testing.T, env *stripesqltest.Env) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	env.Server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", rec.Code, rec.Body)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("/metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// /metrics counts Stripe requests by endpoint and status, the cache's
// hits, misses and bytes, statements and open connections.
func TestMetrics(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 250}, CacheTTL: time.Hour})
	customer := env.Fake.Objects("customers")[0]["id"]
	env.Rows(t, "SELECT id FROM charges")
	env.Rows(t, "SELECT id FROM charges")
	env.Rows(t, "SELECT id FROM customers WHERE id = ?", customer)
	env.Error(t, "SELECT id FROM customers WHERE id = 'cus_nope' AND nope = 1")
	reqs := env.Requests()
	lists := 0
	for _, r := range reqs {
		if strings.HasPrefix(r, "GET /v1/charges?") {
			lists++
		}
	}
	s := env.Client.CacheTotals()
	m := scrape(t, env)
	for key, want := range map[string]float64{
		`stripesql_stripe_requests_total{database="stripe",endpoint="/v1/charges",status="200"}`:        float64(lists),
		`stripesql_stripe_requests_total{database="stripe",endpoint="/v1/customers/{id}",status="200"}`: 1,
		`stripesql_cache_hits_total{database="stripe"}`:                                                 float64(s.Hits),
		`stripesql_cache_misses_total{database="stripe"}`:                                               float64(s.Misses),
		`stripesql_cache_bytes{database="stripe"}`:                                                      float64(s.Bytes),
		`stripesql_cache_max_bytes{database="stripe"}`:                                                  64 << 20,
		`stripesql_cache_entries{database="stripe"}`:                                                    float64(s.Entries),
		`stripesql_query_duration_seconds_count{result="error"}`:                                        1,
	} {
		if got, ok := m[key]; !ok || got != want {
			t.Errorf("%s = %v (present: %v), want %v", key, got, ok, want)
		}
	}
	if s.Hits != 1 {
		t.Errorf("cache hits %d, want 1 (the repeated scan, from one interval held)", s.Hits)
	}
	if m[`stripesql_query_duration_seconds_count{result="ok"}`] < 3 {
		t.Errorf("%v ok statements counted, want at least 3", m[`stripesql_query_duration_seconds_count{result="ok"}`])
	}
	if m["stripesql_active_connections"] < 1 {
		t.Errorf("stripesql_active_connections = %v with a connection open", m["stripesql_active_connections"])
	}
	if _, ok := m["process_resident_memory_bytes"]; !ok {
		t.Error("no process_resident_memory_bytes")
	}
}
