package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/cache/redisshare"
	"github.com/stripesql/stripesql/internal/redistest"
)

// The replicas comparison: the same dashboard on one replica, then at
// once on replicaCount replicas each alone (its own throttle at the
// whole rate, its own cache: what several replicas did before
// --redis-url), then on as many sharing a Redis (one budget, one read of
// each gap, the data read). Each run starts with empty caches; the
// replicas run in this process, each with its own client, cache,
// throttle and Redis connection.

// replicaCount is the number of replicas compared with one (0: skip).
var replicaCount = 3

// replicasOnly runs only the replicas comparison.
var replicasOnly bool

// replicaRun is what one setup cost.
type replicaRun struct {
	name              string
	replicas          int
	requests, tooMany int64
	wall              time.Duration // until the last replica answered the whole dashboard
}

func compareReplicas(w io.Writer, url string, rate float64, parallel int) error {
	if replicaCount <= 0 {
		return nil
	}
	fmt.Fprintf(w, "\nreplicas: one vs %d on the same dashboard…\n", replicaCount)
	rdb, err := redistest.StartProcess()
	if err != nil {
		return fmt.Errorf("replicas: %v (make deps installs redis-server; -replicas 0 skips this)", err)
	}
	defer onInterrupt(rdb.Stop)()
	dash, err := replicaDashboard(url, rate, parallel)
	if err != nil {
		return err
	}
	setups := []struct {
		name     string
		replicas int
		redis    bool
	}{
		{"one replica", 1, false},
		{"replicas alone (no Redis)", replicaCount, false},
		{"replicas sharing Redis", replicaCount, true},
	}
	var runs []replicaRun
	for i, s := range setups {
		time.Sleep(1100 * time.Millisecond) // the fake's rate limiter refills
		var open func() (cache.Shared, func(), error)
		if s.redis {
			prefix := fmt.Sprintf("bench%d:", i) // empty, as after a deployment
			open = func() (cache.Shared, func(), error) {
				st, err := redisshare.Open(rdb.URL(), redisshare.Options{TTL: time.Hour, Prefix: prefix})
				if err != nil {
					return nil, nil, err
				}
				return st, func() { st.Close() }, nil
			}
		}
		r, err := runReplicas(url, rate, parallel, s.replicas, open, dash)
		if err != nil {
			return fmt.Errorf("replicas: %s: %v", s.name, err)
		}
		r.name = s.name
		runs = append(runs, r)
		fmt.Fprintf(w, "  %s (%d): %v\n", r.name, r.replicas, r.wall.Round(time.Millisecond))
	}
	fmt.Fprintf(w, "\nthe dashboard (%d queries) on each replica at once; fake Stripe at %.0f requests/s then 429, each budget %.1f/s\n\n",
		len(dash), rate, rate*throttleShare)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "setup\treplicas\trequests to Stripe\tvs one replica\t429s\ttime to answer\t")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f×\t%d\t%v\t\n", r.name, r.replicas, r.requests,
			float64(r.requests)/float64(runs[0].requests), r.tooMany, r.wall.Round(time.Millisecond))
	}
	return tw.Flush()
}

// replicaDashboard is the dashboard: bounded queries a BI tool refreshes,
// with a customer and a charge of the account.
func replicaDashboard(url string, rate float64, parallel int) ([]string, error) {
	b, stop, err := start(url, rate, parallel, 0)
	if err != nil {
		return nil, err
	}
	defer stop()
	customer, err := b.value("SELECT customer FROM charges WHERE customer IS NOT NULL LIMIT 1")
	if err != nil {
		return nil, err
	}
	charge, err := b.value("SELECT id FROM charges WHERE created < '2024-01-01' LIMIT 1")
	if err != nil {
		return nil, err
	}
	month := "created >= '2024-06-01' AND created < '2024-07-01'"
	return []string{
		"SELECT COUNT(*), SUM(amount) FROM charges WHERE " + month,
		"SELECT currency, COUNT(*), SUM(amount_major) FROM charges WHERE " + month + " GROUP BY currency",
		"SELECT id, amount FROM charges ORDER BY created DESC LIMIT 10",
		"SELECT id, amount FROM charges WHERE customer = '" + customer + "'",
		"SELECT * FROM charges WHERE id = '" + charge + "'",
		"SELECT c.email, ch.amount FROM customers c JOIN charges ch ON ch.customer = c.id WHERE c.id = '" + customer + "'",
		"SELECT status, COUNT(*) FROM invoices WHERE " + month + " GROUP BY status",
	}, nil
}

// runReplicas starts n replicas (sharing what open opens, each its own;
// nil: alone), runs the dashboard on each at once, and adds up what
// Stripe was asked.
func runReplicas(url string, rate float64, parallel, n int, open func() (cache.Shared, func(), error), dash []string) (replicaRun, error) {
	var benches []*bench
	defer func() {
		for _, b := range benches {
			b.stop()
		}
	}()
	for i := 0; i < n; i++ {
		var shared cache.Shared
		closeShared := func() {}
		if open != nil {
			var err error
			if shared, closeShared, err = open(); err != nil {
				return replicaRun{}, err
			}
		}
		b, stop, err := startReplica(url, rate, parallel, 256<<20, shared, n)
		if err != nil {
			closeShared()
			return replicaRun{}, err
		}
		b.stop = func() { stop(); closeShared() }
		benches = append(benches, b)
	}
	start := time.Now()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, b := range benches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, q := range dash {
				rows, err := b.db.QueryContext(context.Background(), q)
				if err != nil {
					errs[i] = fmt.Errorf("%s: %v", q, err)
					return
				}
				for rows.Next() {
				}
				err = rows.Err()
				rows.Close()
				if err != nil {
					errs[i] = fmt.Errorf("%s: %v", q, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	r := replicaRun{replicas: n, wall: time.Since(start)}
	for i, b := range benches {
		if errs[i] != nil {
			return r, errs[i]
		}
		r.requests += b.cnt.requests.Load()
		r.tooMany += b.cnt.tooMany.Load()
	}
	return r, nil
}
