package fakestripe

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestListenAndServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- ListenAndServe(ctx, "127.0.0.1:0", Options{Seed: 1, Scale: 50, Logger: logger}, func(url string) { urls <- url })
	}()
	var base string
	select {
	case base = <-urls:
	case err := <-done:
		t.Fatalf("ListenAndServe: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("never ready")
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/customers?limit=3", nil)
	req.SetBasicAuth(testKey, "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Request-Id") == "" || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("status %d, headers %v", resp.StatusCode, resp.Header)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not shut down")
	}
	if line := logs.String(); !strings.Contains(line, "url=\"/v1/customers?limit=3\"") || !strings.Contains(line, "status=200") || !strings.Contains(line, "duration=") {
		t.Errorf("debug log %q", line)
	}
	if err := ListenAndServe(context.Background(), "256.0.0.1:bad", Options{}, nil); err == nil {
		t.Error("a bad address should fail")
	}
}

func TestConcurrentRequests(t *testing.T) {
	s := New(Options{Seed: 9, Scale: 200})
	want := get(t, s, "/v1/charges?limit=20&expand[]=data.customer").body
	errs := make(chan string, 16)
	for g := 0; g < 16; g++ {
		go func() {
			req := httptest.NewRequest(http.MethodGet, "/v1/charges?limit=20&expand[]=data.customer", nil)
			req.Header.Set("Authorization", "Bearer "+testKey)
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			if !bytes.Equal(w.Body.Bytes(), want) {
				errs <- "different body"
				return
			}
			errs <- ""
		}()
	}
	for g := 0; g < 16; g++ {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
	if n := len(s.Requests()); n != 17 {
		t.Errorf("%d requests recorded, want 17", n)
	}
}
