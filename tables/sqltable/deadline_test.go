package sqltable

import (
	"testing"
	"time"
)

// A read's deadline and hedge delay follow the latencies seen, within
// their bounds; a retry after an expired attempt waits twice as long..
func TestReadDeadlines(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name     string
		samples  []time.Duration
		expired  int
		deadline time.Duration
		hedge    time.Duration
	}{
		{name: "nothing seen yet", deadline: readDeadlineMax, hedge: readDeadlineMax / 2},
		{name: "too few to tell", samples: repeat(4, 10*ms), deadline: readDeadlineMax, hedge: readDeadlineMax / 2},
		{name: "fast answers: the lower bounds", samples: repeat(40, 10*ms), deadline: readDeadlineMin, hedge: hedgeMin},
		{name: "250 ms answers", samples: repeat(40, 250*ms), deadline: readDeadlineMin, hedge: hedgeMin},
		{name: "a slow tail: 4× and 2× its 99th percentile", samples: append(repeat(200, 100*ms), repeat(10, 900*ms)...),
			deadline: 3600 * ms, hedge: 1800 * ms},
		{name: "slow answers: the upper bounds", samples: repeat(40, 5*time.Second), deadline: readDeadlineMax, hedge: readDeadlineMax / 2},
		{name: "one expired attempt", samples: repeat(40, 10*ms), expired: 1, deadline: 2 * readDeadlineMin, hedge: hedgeMin},
		{name: "many expired attempts: a write's deadline at most", samples: repeat(40, 10*ms), expired: 20, deadline: writeDeadline, hedge: hedgeMin},
		{name: "the window forgets", samples: append(repeat(40, 5*time.Second), repeat(latencyWindow, 10*ms)...),
			deadline: readDeadlineMin, hedge: hedgeMin},
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
