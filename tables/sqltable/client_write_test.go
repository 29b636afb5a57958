package sqltable

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stripesql/stripesql/internal/testutil"
	"github.com/stripesql/stripesql/tables/decode"
)

// sentWrite is a request the scripted server received.
type sentWrite struct {
	method, path, body, key, contentType string
}

// writeServer answers writes from a script of (status, body) pairs, then
// 200 with an object; it records every request.
type writeServer struct {
	mu     sync.Mutex
	script []struct {
		status int
		body   string
	}
	got []sentWrite
}

func (s *writeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.got = append(s.got, sentWrite{r.Method, r.URL.Path, string(b), r.Header.Get("Idempotency-Key"), r.Header.Get("Content-Type")})
	status, body := http.StatusOK, `{"id": "cus_new", "object": "customer"}`
	if len(s.script) > 0 {
		status, body = s.script[0].status, s.script[0].body
		s.script = s.script[1:]
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func newWriteClient(t *testing.T, s *writeServer) *Client {
	t.Helper()
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return NewClient(ClientOptions{APIKey: "sk_test_writes123", URL: hs.URL, MaxRetries: 2, RetryBase: 1})
}

// A write sends its form in the body with its idempotency key; a retry
// after a 5xx sends the same body and key, so Stripe cannot create twice.
func TestPostRetriesWithTheSameKey(t *testing.T) {
	s := &writeServer{script: []struct {
		status int
		body   string
	}{{503, `{"error": {"type": "api_error", "message": "overloaded"}}`}}}
	c := newWriteClient(t, s)
	var records []RequestRecord
	c.OnRequest(func(r RequestRecord) { records = append(records, r) })
	form := url.Values{"email": {"a@example.com"}, "metadata[plan]": {"pro"}}
	body, err := c.Post(context.Background(), "/v1/customers", form, "stripesql-k1")
	if err != nil || decode.ObjectID(body) != "cus_new" {
		t.Fatalf("Post = %s, %v", body, err)
	}
	want := sentWrite{"POST", "/v1/customers", "email=a%40example.com&metadata[plan]=pro", "stripesql-k1", "application/x-www-form-urlencoded"}
	if len(s.got) != 2 || s.got[0] != want || s.got[1] != want {
		t.Errorf("requests %+v, want twice %+v", s.got, want)
	}
	if len(records) != 2 || records[0].Method != "POST" || records[0].Status != 503 || records[1].Status != 200 || records[1].Cache != CacheOff {
		t.Errorf("request records %+v", records)
	}
}

// A 4xx is not retried; its error names the method, and never the key.
func TestPostRefused(t *testing.T) {
	s := &writeServer{script: []struct {
		status int
		body   string
	}{{400, `{"error": {"type": "invalid_request_error", "param": "email", "message": "Invalid email for key sk_test_writes123"}}`}}}
	c := newWriteClient(t, s)
	_, err := c.Post(context.Background(), "/v1/customers", url.Values{"email": {"x"}}, "stripesql-k2")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Method != "POST" || ae.Param != "email" {
		t.Fatalf("error %#v, want an APIError of the POST", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "POST /v1/customers: 400 invalid_request_error: Invalid email") || strings.Contains(msg, "sk_test_writes123") {
		t.Errorf("error %q", msg)
	}
	if len(s.got) != 1 {
		t.Errorf("%d requests, want 1 (a 400 is final)", len(s.got))
	}
}

func TestDeleteAndKeyRequired(t *testing.T) {
	s := &writeServer{}
	c := newWriteClient(t, s)
	if _, err := c.Delete(context.Background(), "/v1/customers/cus_1", nil, "stripesql-k3"); err != nil {
		t.Fatal(err)
	}
	if want := (sentWrite{"DELETE", "/v1/customers/cus_1", "", "stripesql-k3", "application/x-www-form-urlencoded"}); len(s.got) != 1 || s.got[0] != want {
		t.Errorf("requests %+v, want %+v", s.got, want)
	}
	if _, err := c.Post(context.Background(), "/v1/customers", nil, ""); !errors.Is(err, errNoIdempotencyKey) {
		t.Errorf("a write without a key: %v", err)
	}
}

// stripe-mock (Stripe's own API mock, validating against the spec)
// accepts what the client sends.
func TestWritesAgainstStripeMock(t *testing.T) {
	c := NewClient(ClientOptions{APIKey: testutil.StripeMockKey, URL: testutil.StripeMock(t)})
	ctx := context.Background()
	for _, w := range []struct {
		method, path string
		form         url.Values
	}{
		{"POST", "/v1/customers", url.Values{"email": {"a@example.com"}, "metadata[plan]": {"pro"}, "preferred_locales[0]": {"fr"}}},
		{"POST", "/v1/customers/cus_123", url.Values{"metadata[plan]": {""}, "description": {""}}},
		{"DELETE", "/v1/customers/cus_123", nil},
	} {
		var err error
		if w.method == "DELETE" {
			_, err = c.Delete(ctx, w.path, nil, "k-"+w.path)
		} else {
			_, err = c.Post(ctx, w.path, w.form, "k-"+w.path)
		}
		if err != nil {
			t.Errorf("%s %s: %v", w.method, w.path, err)
		}
	}
}
