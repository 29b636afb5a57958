package main

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/stripesql/stripesql/internal/fakestripe"
)

// waitFor polls until cond holds or fails the test after a generous
// deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// The serve flags of issues 5, 6 and 9 are wired: --rate-limit sets the
// throttle, --metrics-listen serves /metrics, --cache-refresh-events polls
// the events, and every statement is logged with its Stripe requests.
func TestServeObservabilityFlags(t *testing.T) {
	fake := fakestripe.New(fakestripe.Options{Seed: 1, Scale: 100})
	hs := httptest.NewServer(fake)
	defer hs.Close()

	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, []string{"--listen", "127.0.0.1:0", "--stripe-url", hs.URL, "--rate-limit", "7",
			"--metrics-listen", "127.0.0.1:0", "--cache-refresh-events", "20ms", "--log-level", "info"},
			stdout, stderr, func(k string) string {
				if k == "STRIPE_API_KEY" {
					return "sk_test_flags"
				}
				return ""
			})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	metrics := regexp.MustCompile(`metrics: (http://\S+/metrics)`)
	waitFor(t, "the server's addresses", func() bool {
		out := stdout.String()
		return servingOn.MatchString(out) && metrics.MatchString(out)
	})
	out := stdout.String()
	mysqlAddr, metricsURL := servingOn.FindStringSubmatch(out)[1], metrics.FindStringSubmatch(out)[1]

	waitFor(t, "the events poller's requests", func() bool {
		n := 0
		for _, r := range fake.Requests() {
			if r.Path == "/v1/events" {
				n++
			}
		}
		return n >= 3 // the first poll's two, then polls at the interval
	})

	db, err := sql.Open("mysql", "root@tcp("+mysqlAddr+")/stripe")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM customers").Scan(&n); err != nil || n == 0 {
		t.Fatalf("SELECT count(*) FROM customers: %d, %v", n, err)
	}
	waitFor(t, "the statement's log line", func() bool {
		return strings.Contains(stderr.String(), `msg=query`) && strings.Contains(stderr.String(), `query="SELECT count(*) FROM customers"`)
	})
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, `query="SELECT count(*) FROM customers"`) && !strings.Contains(line, "stripe_requests=1 cache_hits=0") {
			t.Errorf("log line %q lacks stripe_requests=1 cache_hits=0", line)
		}
	}

	sentBefore := len(fake.Requests())
	res, err := http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	sentAfter := len(fake.Requests())
	// Every request Stripe received took a token of the throttle (the
	// events poller may send one while the metrics are read).
	tokens := regexp.MustCompile(`(?m)^stripesql_throttle_tokens_total\{database="stripe"\} (\d+)$`).FindStringSubmatch(string(body))
	if tokens == nil {
		t.Errorf("/metrics lacks stripesql_throttle_tokens_total")
	} else if n, _ := strconv.Atoi(tokens[1]); n < sentBefore || n > sentAfter {
		t.Errorf("stripesql_throttle_tokens_total %d, want the %d to %d requests Stripe received", n, sentBefore, sentAfter)
	}
	for _, want := range []string{
		`stripesql_throttle_rate{bucket="api",database="stripe"} 7`,
		`stripesql_throttle_rate{bucket="search",database="stripe"} 7`,
		`stripesql_stripe_requests_total{database="stripe",endpoint="/v1/customers",status="200"} 1`,
		`stripesql_stripe_requests_total{database="stripe",endpoint="/v1/events",status="200"}`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestServeRejectsNegativeRateLimit(t *testing.T) {
	err := runServe(context.Background(), []string{"--rate-limit", "-1"}, io.Discard, io.Discard,
		func(k string) string { return map[string]string{"STRIPE_API_KEY": "sk_test_x"}[k] })
	if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), "--rate-limit") {
		t.Errorf("runServe --rate-limit -1: %v, want a usage error about --rate-limit", err)
	}
}
