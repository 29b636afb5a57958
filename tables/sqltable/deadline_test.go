package sqltable

import (
	"math"
	"testing"
	"time"
)

// A read's deadline and hedge delay follow the latencies seen, within
// their bounds; a retry after an expired attempt waits twice as long. The
// least piece of a split slice is what a cursor reads in splitTime at the
// unhindered latency, and the head of a sliced read stops after what a cursor
// reads in headTime.
func TestReadDeadlines(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name     string
		samples  []time.Duration
		expired  int
		deadline time.Duration
		hedge    time.Duration
		split    float64 // splitMin
		head     int     // headLength
	}{
		{name: "nothing seen yet", deadline: readDeadlineMax, hedge: readDeadlineMax / 2, split: sliceObjects, head: 10},
		{name: "too few to tell", samples: repeat(4, 10*ms), deadline: readDeadlineMax, hedge: readDeadlineMax / 2, split: sliceObjects, head: 10},
		{name: "fast answers: the lower bounds", samples: repeat(40, 10*ms), deadline: readDeadlineMin, hedge: hedgeMin, split: 5000, head: 10},
		{name: "250 ms answers", samples: repeat(40, 250*ms), deadline: readDeadlineMin, hedge: hedgeMin, split: 300, head: 3},
		{name: "a slow tail: 4× and 2× its 99th percentile", samples: append(repeat(200, 100*ms), repeat(10, 900*ms)...),
			deadline: 3600 * ms, hedge: 1800 * ms, split: 500, head: 5},
		{name: "slow answers: the upper bounds", samples: repeat(40, 5*time.Second), deadline: readDeadlineMax, hedge: readDeadlineMax / 2, split: splitObjects, head: 3},
		{name: "one expired attempt", samples: repeat(40, 10*ms), expired: 1, deadline: 2 * readDeadlineMin, hedge: hedgeMin, split: 5000, head: 10},
		{name: "many expired attempts: a write's deadline at most", samples: repeat(40, 10*ms), expired: 20, deadline: writeDeadline, hedge: hedgeMin, split: 5000, head: 10},
		{name: "the window forgets", samples: append(repeat(40, 5*time.Second), repeat(latencyWindow, 10*ms)...),
			deadline: readDeadlineMin, hedge: hedgeMin, split: 5000, head: 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Client{}
			for _, d := range tc.samples {
				c.latency.observe(d)
			}
			d := c.latency.deadline(tc.expired)
			if d != tc.deadline {
				t.Errorf("deadline %v, want %v", d, tc.deadline)
			}
			if h := c.latency.hedgeAfter(d); h != tc.hedge {
				t.Errorf("hedge after %v, want %v", h, tc.hedge)
			}
			if got := c.splitMin(); math.Abs(got-tc.split) > 1e-6 {
				t.Errorf("splitMin %v, want %v", got, tc.split)
			}
			if got := c.headLength(); got != tc.head {
				t.Errorf("headLength %d, want %d", got, tc.head)
			}
		})
	}
}

func repeat(n int, d time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}
