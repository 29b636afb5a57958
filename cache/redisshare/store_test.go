package redisshare_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/cache/redisshare"
	"github.com/stripesql/stripesql/internal/redistest"
)

// open starts a Redis for the test and opens n stores on it (n replicas).
func open(t *testing.T, n int, opts redisshare.Options) (*redistest.Server, []*redisshare.Store) {
	t.Helper()
	srv := redistest.Start(t)
	var out []*redisshare.Store
	for i := 0; i < n; i++ {
		s, err := redisshare.Open(srv.URL(), opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if !s.Available() {
			t.Fatal("a store on a running Redis is unavailable")
		}
		out = append(out, s)
	}
	return srv, out
}

func TestOpenRefusesMalformedURLs(t *testing.T) {
	for _, url := range []string{"http://127.0.0.1:6379", "redis://:s3cretpw@127.0.0.1:6379/notanumber", "127.0.0.1:6379",
		"redis://user:s3cretpw@127.0.0.1:port/0", "redis://:s3cretpw@[::1/0"} {
		_, err := redisshare.Open(url, redisshare.Options{})
		if err == nil {
			t.Errorf("Open(%q) succeeded", url)
		} else if strings.Contains(err.Error(), "s3cretpw") {
			t.Errorf("Open(%q): the error shows the password: %v", url, err)
		}
	}
}

// A bucket shared by two stores grants a second's worth at once, then
// paces both together; a deadline shorter than the wait takes nothing;
// a cut halves the rate once per generation.
func TestRateBudget(t *testing.T) {
	_, st := open(t, 2, redisshare.Options{})
	b := cache.Bucket{Name: "acct general", Rate: 10, MinRate: 1, Recovery: time.Hour}
	ctx := t.Context()
	var waits []time.Duration
	for i := 0; i < 14; i++ {
		g, err := st[i%2].Reserve(ctx, b, -1)
		if err != nil {
			t.Fatal(err)
		}
		waits = append(waits, g.Wait)
	}
	for i, w := range waits {
		switch {
		case i < 10 && w != 0:
			t.Errorf("token %d waits %v within the burst", i, w)
		case i >= 10 && (w < time.Duration(i-10)*100*time.Millisecond || w > time.Duration(i-9)*100*time.Millisecond+20*time.Millisecond):
			t.Errorf("token %d waits %v, want about %v (10/s across both stores)", i, w, time.Duration(i-9)*100*time.Millisecond)
		}
	}
	if _, err := st[0].Reserve(ctx, b, 10*time.Millisecond); !errors.Is(err, cache.ErrTooLong) {
		t.Errorf("Reserve with a short deadline: %v, want ErrTooLong", err)
	}
	g, err := st[0].Reserve(ctx, b, -1)
	if err != nil {
		t.Fatal(err)
	}
	if g.Level != 10 || g.Gen != 0 {
		t.Errorf("before a cut: level %v gen %d", g.Level, g.Gen)
	}
	for _, s := range st { // both saw a 429 from the same generation: one cut
		if err := s.Cut(ctx, b, g.Gen); err != nil {
			t.Fatal(err)
		}
	}
	g2, err := st[1].Reserve(ctx, b, -1)
	if err != nil {
		t.Fatal(err)
	}
	if g2.Gen != 1 || g2.Level < 4.99 || g2.Level > 5.01 {
		t.Errorf("after cuts of one generation: level %v gen %d, want 5 and 1", g2.Level, g2.Gen)
	}
	if g2.Wait < g.Wait {
		t.Errorf("after a cut the next token waits %v, less than before it (%v): the bucket was not emptied", g2.Wait, g.Wait)
	}
}

// segment is what a test publishes: [lo, hi) with chunks.
func publish(t *testing.T, s *redisshare.Store, stream string, lo, hi int64, chunks ...string) bool {
	t.Helper()
	l, err := s.Lease(t.Context(), stream, "q1", lo, hi)
	if err != nil || l == nil {
		t.Fatalf("Lease(%s, %d, %d): %v, %v", stream, lo, hi, l, err)
	}
	var cs [][]byte
	for _, c := range chunks {
		cs = append(cs, []byte(c))
	}
	ok, err := l.Publish(t.Context(), lo, hi, time.Now(), cs)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func cover(t *testing.T, s *redisshare.Store, stream string, lo, hi int64) string {
	t.Helper()
	segs, err := s.Cover(t.Context(), stream, lo, hi)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, g := range segs {
		chunks, err := s.Load(t.Context(), g)
		if err != nil {
			t.Fatal(err)
		}
		var cs []string
		for _, c := range chunks {
			cs = append(cs, string(c))
		}
		parts = append(parts, fmt.Sprintf("[%d,%d)%s", g.Lo, g.Hi, strings.Join(cs, "+")))
	}
	return strings.Join(parts, " ")
}

func TestSegments(t *testing.T) {
	_, st := open(t, 2, redisshare.Options{TTL: time.Hour})
	a, b := st[0], st[1]
	ctx := t.Context()
	cases := []struct {
		name string
		do   func(t *testing.T)
		// want is what b's Cover of [0, 1000) of stream "s" shows after.
		want string
	}{
		{"published by one, seen by the other", func(t *testing.T) { publish(t, a, "s", 100, 200, "x", "y") }, "[100,200)x+y"},
		{"a second interval", func(t *testing.T) { publish(t, a, "s", 300, 400, "z") }, "[300,400)z [100,200)x+y"},
		{"an overlapping one replaces what it overlaps", func(t *testing.T) { publish(t, b, "s", 150, 350, "w") }, "[150,350)w"},
		{"invalidating a key inside drops it", func(t *testing.T) {
			publish(t, a, "s", 500, 600, "v")
			if err := a.Invalidate(ctx, "s", 200); err != nil {
				t.Fatal(err)
			}
		}, "[500,600)v"},
		{"and just below its start too (a block's tail)", func(t *testing.T) {
			if err := a.Invalidate(ctx, "s", 499); err != nil {
				t.Fatal(err)
			}
		}, ""},
		{"a stream leased for the first time is listed, so that its lease is superseded", func(t *testing.T) {
			l, err := a.Lease(ctx, "new", "q2", 0, 1)
			if err != nil || l == nil {
				t.Fatal(l, err)
			}
			streams, err := b.Streams(ctx)
			if err != nil || !slices.Contains(streams, "new") {
				t.Fatalf("streams while leased: %q %v", streams, err)
			}
			if err := b.Remove(ctx, "new"); err != nil {
				t.Fatal(err)
			}
			if ok, _ := l.Publish(ctx, 0, 1, time.Now(), [][]byte{[]byte("stale")}); ok {
				t.Error("a lease of a removed stream published")
			}
		}, ""},
		{"a lease invalidated while reading publishes nothing", func(t *testing.T) {
			l, err := a.Lease(ctx, "s", "q2", 0, 1000)
			if err != nil || l == nil {
				t.Fatal(l, err)
			}
			if err := b.Invalidate(ctx, "s", 42); err != nil {
				t.Fatal(err)
			}
			if ok, err := l.Publish(ctx, 0, 1000, time.Now(), [][]byte{[]byte("stale")}); ok || err != nil {
				t.Fatalf("Publish after Invalidate: %v %v", ok, err)
			}
		}, ""},
		{"a lease outside the invalidated key publishes", func(t *testing.T) {
			l, err := a.Lease(ctx, "s", "q3", 0, 10)
			if err != nil || l == nil {
				t.Fatal(l, err)
			}
			if err := b.Invalidate(ctx, "s", 10); err != nil {
				t.Fatal(err)
			}
			if ok, err := l.Publish(ctx, 0, 10, time.Now(), [][]byte{[]byte("ok")}); !ok || err != nil {
				t.Fatalf("Publish: %v %v", ok, err)
			}
		}, "[0,10)ok"},
		{"removing the stream drops it, and supersedes its leases", func(t *testing.T) {
			l, err := a.Lease(ctx, "s", "q4", 20, 30)
			if err != nil || l == nil {
				t.Fatal(l, err)
			}
			if err := b.Remove(ctx, "s"); err != nil {
				t.Fatal(err)
			}
			if ok, _ := l.Publish(ctx, 20, 30, time.Now(), nil); ok {
				t.Error("a lease of a removed stream published")
			}
		}, ""},
		{"a segment already expired is not published", func(t *testing.T) {
			l, err := a.Lease(ctx, "s", "q5", 0, 10)
			if err != nil || l == nil {
				t.Fatal(l, err)
			}
			if ok, _ := l.Publish(ctx, 0, 10, time.Now().Add(-2*time.Hour), nil); ok {
				t.Error("published a segment older than the TTL")
			}
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.do(t)
			if got := cover(t, b, "s", 0, 1000); got != c.want {
				t.Errorf("cover: %q, want %q", got, c.want)
			}
		})
	}
	if err := a.Remove(ctx, "s", "new"); err != nil {
		t.Fatal(err)
	}
	streams, err := a.Streams(ctx)
	if err != nil || strings.Join(streams, ",") != "" {
		t.Errorf("streams after Remove: %q %v", streams, err)
	}
	publish(t, a, "other stream", 0, 1, "page")
	if streams, _ := b.Streams(ctx); strings.Join(streams, ",") != "other stream" {
		t.Errorf("streams: %q", streams)
	}
}

// An overlapping lease of another owner waits for the first to end and
// returns nil; the same owner does not wait; a lease whose holder is gone
// ends with its TTL.
func TestLeases(t *testing.T) {
	_, st := open(t, 2, redisshare.Options{TTL: time.Hour, LeaseTTL: 600 * time.Millisecond})
	a, b := st[0], st[1]
	ctx := t.Context()
	l, err := a.Lease(ctx, "s", "q1", 0, 100)
	if err != nil || l == nil {
		t.Fatal(l, err)
	}
	if l2, err := a.Lease(ctx, "s", "q1", 50, 60); err != nil || l2 == nil {
		t.Fatalf("the same owner waited for itself: %v %v", l2, err)
	} else {
		l2.Release()
	}
	if l3, err := b.Lease(ctx, "s", "q1", 100, 200); err != nil || l3 == nil {
		t.Fatalf("a lease next to another waited: %v %v", l3, err)
	} else {
		l3.Release()
	}
	var wg sync.WaitGroup
	var waited time.Duration
	var got cache.Lease
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		got, err = b.Lease(ctx, "s", "q2", 50, 150)
		waited = time.Since(start)
	}()
	time.Sleep(1500 * time.Millisecond) // longer than LeaseTTL: the holder renews it
	if ok, err := l.Publish(ctx, 0, 100, time.Now(), [][]byte{[]byte("x")}); !ok || err != nil {
		t.Fatalf("publish: %v %v", ok, err)
	}
	wg.Wait()
	if got != nil || err != nil || waited < time.Second {
		t.Errorf("waiter: %v %v after %v; want nil, nil after the holder published", got, err, waited)
	}

	// A holder that stops renewing (its process died): its lease ends by itself.
	o, err := redisshare.Open("redis://"+a.Addr()+"/0", redisshare.Options{LeaseTTL: 600 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := o.Lease(ctx, "t", "q1", 0, 10)
	if err != nil || gone == nil {
		t.Fatal(gone, err)
	}
	o.Close()
	start := time.Now()
	if got, err := b.Lease(ctx, "t", "q2", 0, 10); got != nil || err != nil {
		t.Fatalf("waiter: %v %v", got, err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("waited %v for a lease whose holder was closed", d)
	}
}

func TestLog(t *testing.T) {
	_, st := open(t, 2, redisshare.Options{})
	a, b := st[0], st[1]
	ctx := t.Context()
	if lead, err := a.Lead(ctx, "events", time.Second); !lead || err != nil {
		t.Fatalf("first Lead: %v %v", lead, err)
	}
	if lead, _ := b.Lead(ctx, "events", time.Second); lead {
		t.Error("two leaders")
	}
	if lead, _ := a.Lead(ctx, "events", time.Second); !lead {
		t.Error("the leader lost the lead by renewing it")
	}
	if st, err := a.State(ctx, "events"); st != nil || err != nil {
		t.Errorf("state before any: %q %v", st, err)
	}
	if err := a.SetState(ctx, "events", []byte("cursor 1")); err != nil {
		t.Fatal(err)
	}
	if st, _ := b.State(ctx, "events"); string(st) != "cursor 1" {
		t.Errorf("state: %q", st)
	}
	_, pos, err := b.Read(ctx, "events", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Append(ctx, "events", []byte("e1"), []byte("e2")); err != nil {
		t.Fatal(err)
	}
	got, pos, err := b.Read(ctx, "events", pos, 100*time.Millisecond)
	if err != nil || fmt.Sprintf("%s", got) != "[e1 e2]" {
		t.Fatalf("read: %s %v", got, err)
	}
	start := time.Now()
	if got, _, err := b.Read(ctx, "events", pos, 200*time.Millisecond); len(got) != 0 || err != nil {
		t.Errorf("read past the end: %s %v", got, err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("an empty read returned after %v, want it to wait for entries", d)
	}
	// The lead passes on when the leader stops renewing it.
	time.Sleep(1100 * time.Millisecond)
	if lead, _ := b.Lead(ctx, "events", time.Second); !lead {
		t.Error("the lead did not pass on")
	}
}

// Redis lost: every call fails at once with ErrUnavailable; back (empty,
// its scripts forgotten): calls work again without reopening.
func TestUnavailableAndBack(t *testing.T) {
	srv, st := open(t, 1, redisshare.Options{TTL: time.Hour, ProbeInterval: 50 * time.Millisecond})
	s := st[0]
	ctx := t.Context()
	b := cache.Bucket{Name: "x", Rate: 100, MinRate: 1, Recovery: time.Second}
	publish(t, s, "s", 0, 10, "x")
	srv.Kill()
	calls := []struct {
		name string
		call func() error
	}{
		{"Reserve", func() error { _, err := s.Reserve(ctx, b, -1); return err }},
		{"Cover", func() error { _, err := s.Cover(ctx, "s", 0, 10); return err }},
		{"Lease", func() error { _, err := s.Lease(ctx, "s", "q", 0, 10); return err }},
		{"Invalidate", func() error { return s.Invalidate(ctx, "s", 1) }},
		{"Streams", func() error { _, err := s.Streams(ctx); return err }},
		{"Lead", func() error { _, err := s.Lead(ctx, "l", time.Second); return err }},
		{"Append", func() error { return s.Append(ctx, "l", []byte("e")) }},
	}
	for i, c := range calls {
		start := time.Now()
		err := c.call()
		if !errors.Is(err, cache.ErrUnavailable) {
			t.Errorf("%s with Redis gone: %v, want ErrUnavailable", c.name, err)
		}
		if d := time.Since(start); i > 0 && d > 50*time.Millisecond {
			t.Errorf("%s took %v with Redis known to be gone", c.name, d)
		}
	}
	if s.Available() {
		t.Error("available with Redis gone")
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !s.Available() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !s.Available() {
		t.Fatal("not available again after Redis came back")
	}
	if got := cover(t, s, "s", 0, 10); got != "" {
		t.Errorf("a restarted (empty) Redis covers %q", got)
	}
	if !publish(t, s, "s", 0, 10, "y") {
		t.Error("publish after the restart failed")
	}
	if got := cover(t, s, "s", 0, 10); got != "[0,10)y" {
		t.Errorf("after the restart: %q", got)
	}
	if _, err := s.Reserve(ctx, b, -1); err != nil {
		t.Errorf("Reserve after the restart: %v", err)
	}
}
