package sqltable

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// A hung response (a proxy that keeps the connection open and never
// answers) would hold a query for the HTTP client's whole timeout (80 s)
// before the retry. A read is idempotent, so each attempt of one gets a
// deadline fit for an interactive query, derived from the latencies seen:
// a high percentile times a factor, within a few seconds. An attempt that
// passes it is retried at once, with twice the deadline (a read slow by
// nature still completes). Before it expires, a request that is already
// much slower than the others is hedged when the throttle has rate to
// spare: a second request for the same page goes, the first answer wins
// and the other is cancelled. Writes keep a longer, fixed deadline (and
// their idempotency keys, so a retried write is never applied twice).
const (
	// latencyWindow is how many recent read latencies are kept, and
	// latencySamples how many are needed before they are trusted (until
	// then a read waits readDeadlineMax, and hedges at half of it): few,
	// so that a scan's first pages already have short deadlines; with
	// few samples the percentile is about the slowest seen.
	latencyWindow  = 256
	latencySamples = 5
	// latencyQuantile is the percentile the deadline and the hedge are
	// derived from.
	latencyQuantile = 0.99
	// lowQuantile is the percentile a page's unhindered latency is read
	// from (slices.go: how long the head of a scan goes on, how small
	// its last pieces are).
	lowQuantile = 0.1
	// The deadline of a read is deadlineFactor times the percentile,
	// within [readDeadlineMin, readDeadlineMax]; a retry after one that
	// expired doubles it, up to writeDeadline.
	deadlineFactor  = 4
	readDeadlineMin = 2 * time.Second
	readDeadlineMax = 8 * time.Second
	// A read not answered after hedgeFactor times the percentile (at
	// least hedgeMin, at most half its deadline) is hedged.
	hedgeFactor = 2
	hedgeMin    = time.Second
	// writeDeadline bounds each attempt of a write (a create or an update
	// may take Stripe seconds of work).
	writeDeadline = 30 * time.Second
)

// latencies are the durations of recent answered reads of an account.
type latencies struct {
	mu   sync.Mutex
	ring [latencyWindow]time.Duration
	n    int // samples ever recorded
	// high and low are the window's latencyQuantile and lowQuantile
	// percentiles, once n reaches latencySamples.
	high, low time.Duration
	sorted    []time.Duration
}

// observe records the duration of an answered read.
func (l *latencies) observe(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ring[l.n%latencyWindow] = d
	l.n++
	if l.n < latencySamples {
		return
	}
	// Sorting 256 durations costs about a microsecond: nothing next to
	// the request it follows.
	l.sorted = append(l.sorted[:0], l.ring[:min(l.n, latencyWindow)]...)
	slices.Sort(l.sorted)
	l.high = l.sorted[int(float64(len(l.sorted)-1)*latencyQuantile)]
	l.low = l.sorted[int(float64(len(l.sorted)-1)*lowQuantile)]
}

// percentile is the window's high percentile; ok is false while too few
// reads were answered to tell.
func (l *latencies) percentile() (d time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.high, l.n >= latencySamples
}

// unhindered is the window's low percentile: how long a page takes when
// nothing but the network and Stripe slow it (a busy machine makes the
// others slower); ok is false while too few reads were answered to tell.
func (l *latencies) unhindered() (d time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.low, l.n >= latencySamples
}

// deadline is how long an attempt of a read waits for its answer, after
// expired earlier attempts of the same read expired.
func (l *latencies) deadline(expired int) time.Duration {
	d := readDeadlineMax
	if p, ok := l.percentile(); ok {
		d = min(max(deadlineFactor*p, readDeadlineMin), readDeadlineMax)
	}
	return min(d<<min(expired, 8), writeDeadline)
}

// hedgeAfter is how long a read with deadline d runs before it is hedged.
func (l *latencies) hedgeAfter(d time.Duration) time.Duration {
	h := d / 2
	if p, ok := l.percentile(); ok {
		h = min(max(hedgeFactor*p, hedgeMin), d/2)
	}
	return h
}

// attemptEnd is why an attempt's context ended while the query's goes on:
// its deadline passed, or the hedged request answered first. call reports
// it as a transport failure with this text.
type attemptEnd struct {
	msg     string
	timeout bool
}

func (e *attemptEnd) Error() string { return e.msg }

// errHedgeLost cancels the request a hedge made useless.
var errHedgeLost = &attemptEnd{msg: "cancelled: another request for the same page answered first"}

// endedAttempt is the error of a request whose attempt context ended for
// a reason of its own (nil when the query's context ended, or none did).
func endedAttempt(ctx context.Context, method, path string) *APIError {
	var e *attemptEnd
	if ctx.Err() == nil || !errors.As(context.Cause(ctx), &e) {
		return nil
	}
	return &APIError{Method: method, Path: path, Message: e.msg, Timeout: e.timeout}
}

// attempt sends one request under ticket tk with deadline d; a 429 slows
// the throttle down. A read's answered latency is recorded.
func (c *Client) attempt(ctx context.Context, tk ticket, d time.Duration, read bool, request func(context.Context) ([]byte, error)) ([]byte, error) {
	actx, cancel := context.WithTimeoutCause(ctx, d, &attemptEnd{msg: fmt.Sprintf("no answer within %v", d), timeout: true})
	defer cancel()
	start := time.Now()
	body, err := request(actx)
	if isRateLimited(err) {
		tk.rateLimited()
	}
	if read && statusOf(err) != 0 || read && err == nil {
		// An answer, even an error's, says how fast Stripe answers.
		c.latency.observe(time.Since(start))
	}
	return body, err
}

// leg is the outcome of one of a hedged read's requests.
type leg struct {
	body []byte
	err  error
	sent bool // false when the hedge never got its turn from the throttle
}

// hedged sends a read under ticket tk with deadline d and, if it is not
// answered after the hedge delay while the throttle has rate to spare,
// a second one for the same page (through the throttle too). The first
// answer wins and the other request is cancelled; a transport failure
// of one waits for the other. Both have ended when it returns.
func (c *Client) hedged(ctx context.Context, path string, tk ticket, d time.Duration, request func(context.Context) ([]byte, error)) ([]byte, error) {
	results := make(chan leg, 2)
	var cancels []context.CancelCauseFunc
	start := func(first bool) {
		lctx, cancel := context.WithCancelCause(ctx)
		cancels = append(cancels, cancel)
		go func() {
			t := tk
			if !first {
				var err error
				if t, err = c.throttle.wait(lctx, path); err != nil {
					results <- leg{err: err}
					return
				}
			}
			body, err := c.attempt(lctx, t, d, true, request)
			results <- leg{body: body, err: err, sent: true}
		}()
	}
	defer func() {
		for _, cancel := range cancels {
			cancel(errHedgeLost)
		}
	}()
	start(true)
	timer := time.NewTimer(c.latency.hedgeAfter(d))
	defer timer.Stop()
	pending := 1
	var failed leg // a request that failed while the other ran on
	for {
		select {
		case <-timer.C:
			if len(cancels) == 1 && c.throttle.spare(path) {
				start(false)
				pending++
			}
		case r := <-results:
			pending--
			answered := r.sent && (r.err == nil || statusOf(r.err) != 0)
			if !answered && pending > 0 {
				// A transport failure (or a hedge the throttle did not
				// let go) while the other request may still answer.
				if r.sent {
					failed = r
				}
				continue
			}
			// An answer, or the last request's failure. The other request
			// is cancelled and waited for, so that it is recorded (and
			// counted) before the query goes on.
			for _, cancel := range cancels {
				cancel(errHedgeLost)
			}
			for ; pending > 0; pending-- {
				<-results
			}
			if !r.sent {
				r = failed
			}
			return r.body, r.err
		}
	}
}
