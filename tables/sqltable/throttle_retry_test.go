package sqltable

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
)

// scriptedStripe serves the fake Stripe account, but answers the first
// requests from a script of failures (status and headers), as Stripe
// does when it rate-limits or fails.
type scriptedStripe struct {
	fake *fakestripe.Server

	mu       sync.Mutex
	script   []scriptedAnswer
	statuses []int // status of every request, in order
}

type scriptedAnswer struct {
	status  int
	headers map[string]string
}

func (s *scriptedStripe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var next *scriptedAnswer
	if len(s.script) > 0 {
		next, s.script = &s.script[0], s.script[1:]
	}
	status := http.StatusOK
	if next != nil {
		status = next.status
	}
	s.statuses = append(s.statuses, status)
	s.mu.Unlock()
	if next == nil {
		s.fake.ServeHTTP(w, r)
		return
	}
	for k, v := range next.headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(next.status)
	_, _ = w.Write([]byte(`{"error":{"type":"api_error","message":"scripted failure"}}`))
}

func (s *scriptedStripe) seen() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.statuses...)
}

func startScripted(t *testing.T, script ...scriptedAnswer) (*scriptedStripe, *Client) {
	t.Helper()
	s := &scriptedStripe{fake: fakestripe.New(fakestripe.Options{Seed: 1, Scale: 20}), script: script}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	c := NewClient(ClientOptions{APIKey: "sk_test_retry", URL: hs.URL, MaxRetries: 2, RateLimitRetries: 3,
		RetryBase: time.Millisecond, RateLimit: 1000})
	return s, c
}

func answers(n, status int, headers map[string]string) []scriptedAnswer {
	out := make([]scriptedAnswer, n)
	for i := range out {
		out[i] = scriptedAnswer{status: status, headers: headers}
	}
	return out
}

// 429s are retried on their own budget and slow the throttle down;
// Stripe-Should-Retry overrides the status's usual meaning.
func TestClientRetries(t *testing.T) {
	noRetry := map[string]string{"Stripe-Should-Retry": "false"}
	retry := map[string]string{"Stripe-Should-Retry": "true"}
	for _, tt := range []struct {
		name       string
		script     []scriptedAnswer
		wantSeen   []int
		wantStatus int // of the error; 0 for success
		wantSlowed bool
	}{
		{"429s then success", answers(3, 429, nil), []int{429, 429, 429, 200}, 0, true},
		{"429s beyond their budget", answers(4, 429, nil), []int{429, 429, 429, 429}, 429, true},
		{"429 Stripe says not to retry", answers(1, 429, noRetry), []int{429}, 429, true},
		{"5xx then success", answers(2, 500, nil), []int{500, 500, 200}, 0, false},
		{"5xx beyond their budget", answers(3, 503, nil), []int{503, 503, 503}, 503, false},
		{"5xx Stripe says not to retry", answers(1, 500, noRetry), []int{500}, 500, false},
		{"409 Stripe says to retry", answers(1, 409, retry), []int{409, 200}, 0, false},
		{"404 is final", answers(1, 404, nil), []int{404}, 404, false},
		{"both budgets", append(answers(2, 500, nil), answers(3, 429, nil)...), []int{500, 500, 429, 429, 429, 200}, 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, c := startScripted(t, tt.script...)
			body, err := c.Get(t.Context(), "/v1/customers", nil)
			if got := s.seen(); !equalInts(got, tt.wantSeen) {
				t.Errorf("requests answered %v, want %v", got, tt.wantSeen)
			}
			switch {
			case tt.wantStatus == 0 && (err != nil || len(body) == 0):
				t.Errorf("Get: %v, want the list", err)
			case tt.wantStatus != 0 && statusOf(err) != tt.wantStatus:
				t.Errorf("Get: %v, want a %d error", err, tt.wantStatus)
			}
			if g, _ := c.Throttle().Rates(); (g < 1000) != tt.wantSlowed {
				t.Errorf("throttle rate %v after the requests; slowed down: %v, want %v", g, g < 1000, tt.wantSlowed)
			}
		})
	}
}

// A query cancelled while backing off (here for Retry-After: an hour)
// stops at once.
func TestClientBackoffStopsWhenCancelled(t *testing.T) {
	s, c := startScripted(t, answers(1, 429, map[string]string{"Retry-After": "3600"})...)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := c.Get(ctx, "/v1/customers", nil)
		done <- err
	}()
	for len(s.seen()) == 0 {
		time.Sleep(time.Millisecond) // until the 429 was served
	}
	cancel()
	expectCanceled(t, "Get", done)
	if got := s.seen(); !equalInts(got, []int{429}) {
		t.Errorf("requests answered %v, want [429]", got)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
