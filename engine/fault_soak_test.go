package engine_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// Soak settings: `make soak` sets STRIPESQL_SOAK=60s; `make test` runs
// the 5 s version.
const (
	soakConnections = 50
	soakDefault     = 5 * time.Second
	// soakHeapGrowth bounds the live heap's growth over the run (after a
	// GC at both ends): the cache is bounded at soakCacheBytes.
	soakHeapGrowth = 64 << 20
	soakCacheBytes = 16 << 20
	// soakGoroutineSlack is how many more goroutines may be alive after
	// the run than before it (the runtime's and the HTTP client's idle
	// connections come and go).
	soakGoroutineSlack = 10
)

// soakQuery is one query of the workload and the answer it must give.
type soakQuery struct {
	sql  string
	args []any
	want string
}

// Fifty connections run a mixed workload (scans, point and filtered
// lookups, joins, aggregates, EXPLAIN, the catalog, prepared statements)
// against a cache that keeps expiring. Every answer must equal the one
// the same query gave alone; no error; the goroutines end; the heap stays
// bounded.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test: skipped with -short")
	}
	duration := soakDefault
	if v := os.Getenv("STRIPESQL_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("STRIPESQL_SOAK=%q: %v", v, err)
		}
		duration = d
	}
	// Search on, on the fake's clock: searched queries read a search, the
	// events and a recent list while the cache keeps expiring.
	env, _ := startSearch(t, stripesqltest.Options{
		Fake:     fakestripe.Options{Scale: 1000, Latency: 2 * time.Millisecond},
		CacheTTL: time.Second, CacheBytes: soakCacheBytes, MaxRetries: 2,
	})
	workload := soakWorkload(t, env)

	db := env.Open(t, "root", "", false)
	db.SetMaxOpenConns(soakConnections)
	db.SetMaxIdleConns(soakConnections)
	runtime.GC()
	goroutinesBefore := runtime.NumGoroutine()
	heapBefore := heapAlloc()

	var queries, failures atomic.Int64
	var mu sync.Mutex
	var latencies []time.Duration
	var firstErrors []string
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	peak := samplePeakHeap(ctx)
	var wg sync.WaitGroup
	for w := 0; w < soakConnections; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var local []time.Duration
			for i := w; ctx.Err() == nil; i++ {
				q := workload[i%len(workload)]
				start := time.Now()
				got, err := soakRun(db, q)
				local = append(local, time.Since(start))
				queries.Add(1)
				if err == nil && got != q.want {
					err = fmt.Errorf("answer differs from the query's answer alone:\n%s\nwant\n%s", got, q.want)
				}
				if err != nil {
					failures.Add(1)
					mu.Lock()
					if len(firstErrors) < 5 {
						firstErrors = append(firstErrors, q.sql+": "+err.Error())
					}
					mu.Unlock()
				}
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	peakHeap := <-peak

	if n := failures.Load(); n > 0 {
		t.Errorf("%d of %d queries failed; first:\n%s", n, queries.Load(), strings.Join(firstErrors, "\n"))
	}
	db.Close()
	goroutinesAfter := waitForGoroutines(goroutinesBefore+soakGoroutineSlack, 10*time.Second)
	if goroutinesAfter > goroutinesBefore+soakGoroutineSlack {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutines: %d before, %d after the run: a leak\n%s", goroutinesBefore, goroutinesAfter, buf[:runtime.Stack(buf, true)])
	}
	runtime.GC()
	heapAfter := heapAlloc()
	if heapAfter > heapBefore+soakHeapGrowth {
		t.Errorf("live heap: %d MiB before, %d MiB after the run", heapBefore>>20, heapAfter>>20)
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	t.Logf("soak: %d connections, %v: %d queries (%.0f/s), %d errors; latency p50 %v p99 %v max %v; "+
		"goroutines %d before, %d after; live heap %d MiB before, %d MiB after, peak %d MiB; cache bound %d MiB",
		soakConnections, duration, queries.Load(), float64(queries.Load())/duration.Seconds(), failures.Load(),
		percentile(latencies, 50), percentile(latencies, 99), percentile(latencies, 100),
		goroutinesBefore, goroutinesAfter, heapBefore>>20, heapAfter>>20, peakHeap>>20, soakCacheBytes>>20)
}

// soakWorkload is the mixed workload, each query with the answer it gives
// when run alone.
func soakWorkload(t *testing.T, env *stripesqltest.Env) []soakQuery {
	charges := env.Fake.Objects("charges")
	ch := charges[len(charges)/3]
	customer := ""
	for _, c := range charges {
		if s, ok := c["customer"].(string); ok {
			customer = s
			break
		}
	}
	order := ""
	for _, c := range charges {
		if m, ok := c["metadata"].(map[string]any); ok && m["order_id"] != nil {
			order, _ = m["order_id"].(string)
			break
		}
	}
	workload := []soakQuery{
		{sql: "SELECT count(*), sum(amount) FROM charges"},
		{sql: "SELECT id, amount, currency FROM charges ORDER BY created DESC LIMIT 10"},
		{sql: "SELECT id, amount, status FROM charges WHERE id = ?", args: []any{ch["id"]}},
		{sql: "SELECT id, amount FROM charges WHERE customer = ? ORDER BY id", args: []any{customer}},
		{sql: "SELECT c.id, cu.email FROM charges c JOIN customers cu ON cu.id = c.customer ORDER BY c.created DESC, c.id LIMIT 20"},
		{sql: "SELECT status, count(*) FROM subscriptions GROUP BY status ORDER BY status"},
		{sql: "SELECT currency, count(*), max(amount) FROM refunds GROUP BY currency ORDER BY currency"},
		{sql: "SELECT id FROM invoices WHERE created >= '2020-01-01' ORDER BY created DESC LIMIT 150"},
		{sql: "EXPLAIN SELECT * FROM charges WHERE customer = 'cus_x' AND created > '2023-01-01'"},
		{sql: "SELECT table_name FROM information_schema.tables WHERE table_schema = 'stripe' ORDER BY table_name"},
		{sql: "SELECT * FROM balance_transactions ORDER BY created DESC LIMIT 3"},
		// Search (metadata: one page; an amount range: three). Every search
		// takes a token of the Search API's 20/s, shared by the 50 connections.
		{sql: "SELECT id, amount FROM charges WHERE metadata->>'$.order_id' = ? ORDER BY id", args: []any{order}},
		{sql: "SELECT count(*), sum(amount) FROM charges WHERE amount BETWEEN 1000 AND 5000"},
		// tables of issue 14: a walk by required parameter, a child list, a namespaced list
		{sql: "SELECT t.id, f.id FROM treasury_transactions t JOIN treasury_financial_accounts f ON f.id = t.financial_account ORDER BY t.id"},
		{sql: "SELECT id, customer FROM customer_tax_ids WHERE customer = ? ORDER BY id", args: []any{customer}},
		{sql: "SELECT id, status FROM issuing_cards ORDER BY created DESC, id LIMIT 5"},
	}
	for i := range workload {
		got, err := soakRun(env.DB, workload[i])
		if err != nil {
			t.Fatalf("%s: %v", workload[i].sql, err)
		}
		workload[i].want = got
	}
	return workload
}

// soakRun runs a query (as a prepared statement when it has arguments)
// and renders its rows.
func soakRun(db stripesqltest.Querier, q soakQuery) (string, error) {
	rows, err := db.QueryContext(context.Background(), q.sql, q.args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%s\n", vals)
	}
	return b.String(), rows.Err()
}

func heapAlloc() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// samplePeakHeap samples the heap until ctx ends and then sends the peak.
func samplePeakHeap(ctx context.Context) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, heapAlloc())
			select {
			case <-ctx.Done():
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out
}

// waitForGoroutines waits until at most n goroutines run, or timeout, and
// returns how many run.
func waitForGoroutines(n int, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for runtime.NumGoroutine() > n && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	return runtime.NumGoroutine()
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted) - 1) * p / 100
	return sorted[i].Round(time.Microsecond)
}
