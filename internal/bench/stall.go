package main

import (
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// The hung-responses comparison: a cold COUNT(*) of stallScale charges,
// first over a clean connection, then through a "proxy" that leaves
// stallShare of Stripe's responses unanswered, the connection open
// (the request reaches the fake, which answers; the answer never comes
// back). Reads have deadlines derived from the latencies seen and slow
// pages are hedged (tables/sqltable/deadline.go); before them each such
// page waited for the HTTP client's 80 s timeout.

var (
	stallScale = 20_000
	stallShare = 0.02
	stallOnly  bool
)

// staller leaves a share of the responses unanswered until the client
// gives up on the request. Which ones is decided by a hash of the URL and
// how many times it was sent: the same from run to run, and a retried
// request is stalled again only by its own draw.
type staller struct {
	next  http.RoundTripper
	share float64

	mu      sync.Mutex
	sent    map[string]int
	stalled atomic.Int64
}

func (s *staller) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.sent[r.URL.String()]++
	n := s.sent[r.URL.String()]
	s.mu.Unlock()
	h := fnv.New64a()
	io.WriteString(h, r.URL.String()+"#"+strconv.Itoa(n))
	if float64(h.Sum64()%1_000_000) >= s.share*1_000_000 {
		return s.next.RoundTrip(r)
	}
	s.stalled.Add(1)
	res, err := s.next.RoundTrip(r)
	if err == nil {
		res.Body.Close() // the fake answered (and counted the request): the answer is lost
	}
	<-r.Context().Done()
	return nil, r.Context().Err()
}

// stallRun is one cold COUNT(*).
type stallRun struct {
	wall              time.Duration
	requests, stalled int64 // answered requests; requests left unanswered
	answer            string
}

func compareStalls(w io.Writer, latency time.Duration, rate float64, parallel int) error {
	fmt.Fprintf(w, "\nhung responses: a cold COUNT(*) of %d charges, clean then with %.0f%% of the responses unanswered…\n", stallScale, stallShare*100)
	url, stopFake, err := startFake(stallScale, latency, rate)
	if err != nil {
		return err
	}
	defer stopFake()
	var runs [2]stallRun
	for i, share := range []float64{0, stallShare} {
		time.Sleep(1100 * time.Millisecond) // the fake's rate limiter refills
		b, stop, err := start(url, rate, parallel, 0)
		if err != nil {
			return err
		}
		st := &staller{next: b.cnt.next, share: share, sent: map[string]int{}}
		b.cnt.next = st // before the first request
		t0 := time.Now()
		v, err := b.value("SELECT COUNT(*) FROM charges")
		runs[i] = stallRun{wall: time.Since(t0), requests: b.cnt.requests.Load(), stalled: st.stalled.Load(), answer: v}
		stop()
		if err != nil {
			return fmt.Errorf("hung responses (%.0f%%): %v", share*100, err)
		}
	}
	clean, stalled := runs[0], runs[1]
	fmt.Fprintf(w, "fake Stripe (separate process): %d charges, %v latency, %.0f requests/s; throttle %.1f/s; %d slices at once\n",
		stallScale, latency, rate, rate*throttleShare, parallel)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\twall\tanswered requests\tunanswered\tCOUNT(*)\t")
	fmt.Fprintf(tw, "clean\t%v\t%d\t%d\t%s\t\n", clean.wall.Round(time.Millisecond), clean.requests, clean.stalled, clean.answer)
	fmt.Fprintf(tw, "%.0f%% unanswered\t%v\t%d\t%d\t%s\t\n", stallShare*100, stalled.wall.Round(time.Millisecond), stalled.requests, stalled.stalled, stalled.answer)
	tw.Flush()
	ratio := stalled.wall.Seconds() / clean.wall.Seconds()
	fmt.Fprintf(w, "%.0f%% unanswered / clean: %.2f× (+%v); issue 21 target: ≤ 2× or ≤ +10s\n",
		stallShare*100, ratio, (stalled.wall - clean.wall).Round(time.Millisecond))
	if stalled.answer != clean.answer {
		return fmt.Errorf("MISMATCH: COUNT(*) with hung responses %s, clean %s", stalled.answer, clean.answer)
	}
	return nil
}
