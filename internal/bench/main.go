// Command bench measures stripesql against a fake Stripe account with
// Stripe's latency and rate limit: per query, wall time, requests, 429s,
// objects per second and peak memory; for full scans, how close the scan
// comes to the rate-limit bound and how it compares with a one-cursor
// sequential scan and with a full download then filter (what a
// full-refresh connector does). Then one replica against three on the
// same dashboard, alone and sharing a Redis (replicas.go): requests to
// Stripe, 429s, time. Then a cold COUNT(*) through a connection that
// leaves some responses unanswered against a clean one (stall.go). Then,
// by default, warm stripesql against
// a real MariaDB loaded with the same objects (mariadb.go, queries.go):
// every answer compared, time per query, cache bytes and peak RSS.
// Then the durable store on a million charges (durable.go): cold, warm,
// after the TTL and a restart, memory and disk, MariaDB, events.
// Then the change stream (binlog.go): latency to a binlog consumer and a
// stream's transactions per second.
// `make bench` runs it; `-mariadb-only` runs just the comparison,
// `-replicas-only` just the replicas, `-stall-only` just the hung responses,
// `-durable-only` just the durable store, `-binlog-only` just the change stream.
//
// The fake account runs in a child process, so the peak RSS measured is
// stripesql's own (server, client, decoding), not the fake's data.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/tables/sqltable"
)

func main() {
	scale := flag.Int("scale", 200_000, "charges in the fake account")
	latency := flag.Duration("latency", 150*time.Millisecond, "latency of each fake Stripe response")
	rate := flag.Float64("rate-limit", 25, "requests per second the fake accepts before 429 (Stripe's test mode)")
	parallel := flag.Int("parallel", 8, "slices read at once")
	quick := flag.Bool("quick", false, "skip the slow baselines (sequential and full-download scans)")
	flag.Float64Var(&throttleShare, "throttle-share", throttleShare, "share of the rate limit the throttle allows")
	flag.IntVar(&onlyQueries, "queries", 0, "run only the first N workload queries, no cache pass or baselines (0: all)")
	flag.BoolVar(&cacheOnly, "cache-only", false, "run only the cache measurements")
	withMariaDB := flag.Bool("mariadb", true, "compare warm stripesql with MariaDB over the same objects (needs mariadb-server: make deps)")
	mariaDBOnly := flag.Bool("mariadb-only", false, "run only the MariaDB comparison")
	flag.Int64Var(&compareCacheBytes, "mariadb-cache-size", compareCacheBytes, "stripesql's cache bound in the MariaDB comparison, bytes")
	flag.IntVar(&compareRuns, "mariadb-runs", compareRuns, "warm runs of each query in the MariaDB comparison (the best is reported)")
	flag.StringVar(&compareOnly, "mariadb-queries", "", "run only the comparison queries whose name matches this regular expression (see internal/bench/queries.go)")
	flag.StringVar(&compareSkip, "mariadb-skip", "", "skip the comparison queries whose name matches this regular expression")
	flag.IntVar(&replicaCount, "replicas", replicaCount, "compare one replica with this many on the same dashboard, alone and sharing a Redis (needs redis-server: make deps; 0: skip)")
	flag.BoolVar(&replicasOnly, "replicas-only", false, "run only the replicas comparison")
	flag.IntVar(&stallScale, "stall-scale", stallScale, "charges in the hung-responses comparison's fake account (0: skip it)")
	flag.Float64Var(&stallShare, "stall-share", stallShare, "share of the responses the hung-responses comparison leaves unanswered")
	flag.BoolVar(&stallOnly, "stall-only", false, "run only the hung-responses comparison")
	flag.BoolVar(&withDurable, "durable", withDurable, "measure the durable store (disk cache and events) on a large account without latency or rate limit, against MariaDB (durable.go; needs mariadb-server: make deps)")
	flag.BoolVar(&durableOnly, "durable-only", false, "run only the durable store section")
	flag.IntVar(&durableScale, "durable-scale", durableScale, "charges in the durable store section's fake account")
	flag.DurationVar(&durableTTL, "durable-ttl", durableTTL, "--cache-ttl of the durable store section (the binary's default: 5m)")
	flag.StringVar(&durableProfile, "durable-profile", "", "write CPU and heap profiles of the durable store section's phases into this `dir`")
	flag.BoolVar(&withBinlog, "binlog", withBinlog, "measure the change stream: latency from a write at the fake to a binlog consumer, and transactions per second one stream replays (binlog.go)")
	flag.BoolVar(&binlogOnly, "binlog-only", false, "run only the change stream section")
	flag.IntVar(&binlogScale, "binlog-scale", binlogScale, "charges in the change stream section's fake account")
	flag.IntVar(&binlogBacklog, "binlog-backlog", binlogBacklog, "changes the change stream section's throughput phase streams")
	serveFake := flag.String("serve-fake", "", "internal: serve the fake account on this address (the bench's child process)")
	loadMariaDB := flag.String("load-mariadb", "", "internal: load the fake account into the MariaDB at this DSN (the bench's child process)")
	flag.BoolVar(&loadLarge, "load-large", false, "internal: load page by page, printing progress (the bench's child process)")
	flag.Parse()
	if *loadMariaDB != "" {
		if err := loadAccount(os.Stdout, *loadMariaDB, *scale); err != nil {
			fmt.Fprintln(os.Stderr, "bench: load:", err)
			os.Exit(1)
		}
		return
	}
	if *serveFake != "" {
		opts := fakestripe.Options{Seed: fakeSeed, Scale: *scale, Latency: *latency, RateLimit: *rate}
		err := fakestripe.ListenAndServe(context.Background(), *serveFake, opts, func(string) { fmt.Println("ready") })
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: fake:", err)
			os.Exit(1)
		}
		return
	}
	go stopOnSignal()
	if binlogOnly {
		if err := benchBinlog(os.Stdout, binlogScale); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if stallOnly {
		if err := compareStalls(os.Stdout, *latency, *rate, *parallel); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if durableOnly {
		if err := benchDurable(os.Stdout, durableScale); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := benchmark(os.Stdout, *scale, *latency, *rate, *parallel, *quick, *withMariaDB || *mariaDBOnly, *mariaDBOnly); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// cleanups stop the child processes (fake account, MariaDB) when the bench
// is interrupted; each is also called (once) on the normal path.
var (
	cleanupMu sync.Mutex
	cleanups  []func()
)

// onInterrupt registers f to run if the bench is interrupted and returns
// it wrapped to run at most once.
func onInterrupt(f func()) func() {
	f = sync.OnceFunc(f)
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	cleanups = append(cleanups, f)
	return f
}

// stopOnSignal runs the cleanups on SIGINT or SIGTERM, then exits.
func stopOnSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	sig := <-ch
	fmt.Fprintf(os.Stderr, "bench: %v: stopping the fake account and MariaDB\n", sig)
	cleanupMu.Lock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	os.Exit(1)
}

// benchmark starts the fake account, then runs the measurements asked for.
func benchmark(w io.Writer, scale int, latency time.Duration, rate float64, parallel int, quick, withMariaDB, mariaDBOnly bool) error {
	fmt.Fprintf(w, "starting a fake account of %d charges…\n", scale)
	url, stopFake, err := startFake(scale, latency, rate)
	if err != nil {
		return err
	}
	defer stopFake()
	if replicasOnly {
		return compareReplicas(w, url, rate, parallel)
	}
	if !mariaDBOnly {
		if err := run(w, url, scale, latency, rate, parallel, quick); err != nil {
			return err
		}
		if cacheOnly || onlyQueries > 0 {
			return nil
		}
		if err := compareReplicas(w, url, rate, parallel); err != nil {
			return err
		}
		if stallScale > 0 {
			if err := compareStalls(w, latency, rate, parallel); err != nil {
				return err
			}
		}
	}
	if withMariaDB {
		if err := compareWithMariaDB(w, url, scale, latency, rate, parallel); err != nil {
			return err
		}
	}
	if mariaDBOnly {
		return nil
	}
	stopFake() // the sections below have their own accounts
	if withBinlog {
		if err := benchBinlog(w, binlogScale); err != nil {
			return err
		}
	}
	if !withDurable {
		return nil
	}
	return benchDurable(w, durableScale)
}

// startFake runs the fake account in a child process and returns its URL.
func startFake(scale int, latency time.Duration, rate float64) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0], "-serve-fake", addr, "-scale", strconv.Itoa(scale),
		"-latency", latency.String(), "-rate-limit", strconv.FormatFloat(rate, 'f', -1, 64))
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = childAttr()
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := onInterrupt(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		stop()
		return "", nil, fmt.Errorf("fake account did not start: %q %v", line, err)
	}
	return "http://" + addr, stop, nil
}

// fakeSeed selects the fake account; the MariaDB copy is made from the same.
const fakeSeed = 1

// counter counts what the fake answered, from its responses' headers.
type counter struct {
	next                       http.RoundTripper
	requests, tooMany, objects atomic.Int64
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := c.next.RoundTrip(r)
	if err != nil {
		return res, err
	}
	c.requests.Add(1)
	if res.StatusCode == http.StatusTooManyRequests {
		c.tooMany.Add(1)
	}
	if n, err := strconv.Atoi(res.Header.Get("Fake-Objects")); err == nil && res.StatusCode == http.StatusOK {
		c.objects.Add(int64(n))
	}
	return res, nil
}

func (c *counter) reset() { c.requests.Store(0); c.tooMany.Store(0); c.objects.Store(0) }

// throttleShare is the share of the fake's rate limit the client's throttle
// uses (stripesql's default for a test key is 22/s of Stripe's 25/s).
var throttleShare = 0.9

// onlyQueries limits a run to the first workload queries (a quick check).
var onlyQueries int

// cacheOnly skips the uncached workload and the baselines.
var cacheOnly bool

// bench is one stripesql server over the fake account.
type bench struct {
	addr string // the MySQL listener
	db   *sql.DB
	cnt  *counter
	cach *cache.Cache
	// client is the account's client: its CacheTotals add the row cache
	// (lists) to the page cache.
	client *sqltable.Client
	stop   func() // for the replicas comparison
}

// start serves the fake account at url over MySQL; cacheBytes 0 is no cache.
func start(url string, rate float64, parallel int, cacheBytes int64) (*bench, func(), error) {
	return startReplica(url, rate, parallel, cacheBytes, nil, 1)
}

// startReplica is start for one of several replicas sharing through
// shared (nil: each alone), replicas of them in all.
func startReplica(url string, rate float64, parallel int, cacheBytes int64, shared cache.Shared, replicas int) (*bench, func(), error) {
	var c *cache.Cache
	if cacheBytes > 0 {
		c = cache.New(cache.Options{MaxBytes: cacheBytes, TTL: time.Hour})
		// As `stripesql` sets it at the bound (engine.FollowMemory now follows what the caches hold).
		debug.SetMemoryLimit(cacheBytes + 256<<20)
	} else {
		debug.SetMemoryLimit(math.MaxInt64)
	}
	cnt := &counter{next: http.DefaultTransport.(*http.Transport).Clone()}
	client := sqltable.NewClient(sqltable.ClientOptions{APIKey: "sk_test_bench", URL: url, Cache: c, MaxRetries: 8,
		RetryBase: 200 * time.Millisecond, RateLimit: rate * throttleShare, HTTPClient: &http.Client{Transport: cnt, Timeout: 80 * time.Second},
		Shared: shared, ExpectedReplicas: replicas, SearchLag: sqltable.DefaultSearchLag})
	client.SetParallelism(parallel)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	srv, err := engine.New(engine.Config{Listener: ln, Accounts: []engine.Account{{Database: "stripe", Client: client}}})
	if err != nil {
		return nil, nil, err
	}
	go srv.Serve()
	db, err := sql.Open("mysql", "root@tcp("+ln.Addr().String()+")/stripe?parseTime=true")
	if err != nil {
		return nil, nil, err
	}
	return &bench{addr: ln.Addr().String(), db: db, cnt: cnt, cach: c, client: client}, func() { db.Close(); srv.Close() }, nil
}

// result is one measured query.
type result struct {
	name     string
	wall     time.Duration
	requests int64
	tooMany  int64
	objects  int64 // objects Stripe returned (rows scanned)
	peakRSS  int64
}

func (b *bench) measure(name, query string) (result, error) {
	runtime.GC()
	b.cnt.reset()
	resetPeakRSS()
	start := time.Now()
	rows, err := b.db.QueryContext(context.Background(), query)
	if err != nil {
		return result{}, fmt.Errorf("%s: %v", name, err)
	}
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		return result{}, fmt.Errorf("%s: %v", name, err)
	}
	rows.Close()
	return result{name: name, wall: time.Since(start), peakRSS: peakRSS(),
		requests: b.cnt.requests.Load(), tooMany: b.cnt.tooMany.Load(), objects: b.cnt.objects.Load()}, nil
}

func (b *bench) value(query string) (string, error) {
	var v string
	err := b.db.QueryRow(query).Scan(&v)
	return v, err
}

func run(w io.Writer, url string, scale int, latency time.Duration, rate float64, parallel int, quick bool) error {
	b, stop, err := start(url, rate, parallel, 0)
	if err != nil {
		return err
	}
	customer, err := b.value("SELECT customer FROM charges WHERE customer IS NOT NULL LIMIT 1")
	if err != nil {
		return err
	}
	chargeID, err := b.value("SELECT id FROM charges WHERE created < '2024-01-01' LIMIT 1")
	if err != nil {
		return err
	}
	orderID, err := b.value("SELECT metadata->>'$.order_id' FROM charges WHERE metadata->>'$.order_id' IS NOT NULL LIMIT 1")
	if err != nil {
		return err
	}
	byOrder := "SELECT id, amount FROM charges WHERE metadata->>'$.order_id' = '" + orderID + "'"
	// The fake builds its search index on the first search (seconds at
	// this scale, a cost Stripe does not have): pay it before measuring.
	if _, err := b.value("SELECT COUNT(*) FROM charges WHERE metadata->>'$.order_id' = '" + orderID + "'"); err != nil {
		return err
	}
	workload := []struct{ name, query string }{
		{"full scan: count charges", "SELECT COUNT(*) FROM charges"},
		{"one month of charges", "SELECT SUM(amount) FROM charges WHERE created >= '2024-06-01' AND created < '2024-07-01'"},
		{"latest 10 charges", "SELECT id, amount FROM charges ORDER BY created DESC LIMIT 10"},
		{"one customer's charges", "SELECT id, amount FROM charges WHERE customer = '" + customer + "'"},
		{"charge by id", "SELECT * FROM charges WHERE id = '" + chargeID + "'"},
		{"customer join charges", "SELECT c.email, ch.amount FROM customers c JOIN charges ch ON ch.customer = c.id WHERE c.id = '" + customer + "'"},
		{"revenue by currency (2024)", "SELECT currency, COUNT(*), SUM(amount_major) FROM charges WHERE created >= '2024-01-01' GROUP BY currency"},
		{"full rows of 2024-Q4 (SELECT *)", "SELECT * FROM charges WHERE created >= '2024-10-01'"},
		{searchQueryName, byOrder},
	}
	if onlyQueries > 0 {
		workload = workload[:onlyQueries]
	}
	var results []result
	for _, q := range workload {
		if cacheOnly {
			break
		}
		r, err := b.measure(q.name, q.query)
		if err != nil {
			stop()
			return err
		}
		results = append(results, r)
		fmt.Fprintf(w, "  %s: %v\n", q.name, r.wall.Round(time.Millisecond))
	}
	stop()

	if onlyQueries > 0 {
		return report(w, scale, latency, rate, parallel, results, result{}, result{}, nil)
	}
	// The cache: the workload's bounded queries twice on a server with the
	// cache on (a scan of the whole account, or of its last year, is
	// larger than the 256 MiB cache).
	cb, stop, err := start(url, rate, parallel, 256<<20)
	if err != nil {
		return err
	}
	var cold, warm time.Duration
	for pass := 0; pass < 2; pass++ {
		for _, q := range workload[1:6] {
			r, err := cb.measure(q.name, q.query)
			if err != nil {
				stop()
				return err
			}
			if pass == 0 {
				cold += r.wall
			} else {
				warm += r.wall
			}
		}
	}
	// A full scan through the cache: it reads only what the queries
	// before it did not, and memory stays near the cache's bound.
	big, err := cb.measure("full scan, cache on (256 MiB bound)", workload[0].query)
	if err != nil {
		stop()
		return err
	}
	results = append(results, big)
	st := cb.client.CacheTotals()
	stop()

	var seq, naive result
	if cacheOnly {
		fmt.Fprint(w, cacheLineOf(cold, warm, st, cb, big))
		return nil
	}
	if !quick {
		sb, stop, err := start(url, rate, 1, 0)
		if err != nil {
			return err
		}
		if seq, err = sb.measure("sequential one-cursor full scan", workload[0].query); err != nil {
			stop()
			return err
		}
		if naive, err = sb.measure("full download then filter (one customer)",
			"SELECT id, amount FROM (SELECT * FROM charges LIMIT 100000000) c WHERE customer = '"+customer+"'"); err != nil {
			stop()
			return err
		}
		stop()
	}

	cacheLine := cacheLineOf(cold, warm, st, cb, big)
	return report(w, scale, latency, rate, parallel, results, seq, naive, &cacheLine)
}

// cacheLineOf sums up the cache measurements.
func cacheLineOf(cold, warm time.Duration, st cache.Stats, cb *bench, big result) string {
	return fmt.Sprintf("cache (queries 2-6 twice): cold %v, warm %v (%.0f× faster); hits %d, misses %d, hit ratio %.2f\n"+
		"cache after the full scan: %d MiB held (bound %d MiB), %d evictions; peak RSS of that scan %d MiB\n",
		cold.Round(time.Millisecond), warm.Round(time.Millisecond), cold.Seconds()/warm.Seconds(),
		st.Hits, st.Misses, float64(st.Hits)/float64(st.Hits+st.Misses), st.Bytes>>20, cb.cach.MaxBytes()>>20, st.Evictions, big.peakRSS>>20)
}

// report prints the table and the ratios; seq and naive are zero when the
// baselines were not run, cacheLine nil without a cache pass.
func report(w io.Writer, scale int, latency time.Duration, rate float64, parallel int, results []result, seq, naive result, cacheLine *string) error {
	full := results[0]
	fmt.Fprintf(w, "\nfake Stripe (separate process): %d charges, %v latency per request, %.0f requests/s then 429; throttle %.1f/s; %d slices at once; %s, %d cores\n\n",
		scale, latency, rate, rate*throttleShare, parallel, runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "query\twall\trequests\t429s\tobjects\tobjects/s\tpeak RSS MiB\t")
	for _, r := range append(results, seq, naive) {
		if r.name == "" {
			continue
		}
		fmt.Fprintf(tw, "%s\t%v\t%d\t%d\t%d\t%.0f\t%d\t\n", r.name, r.wall.Round(time.Millisecond), r.requests, r.tooMany,
			r.objects, float64(r.objects)/r.wall.Seconds(), r.peakRSS>>20)
	}
	tw.Flush()
	bound := rate * 100
	fmt.Fprintf(w, "\nfull scan: %.0f objects/s = %.2f of the rate-limit bound (%.0f req/s × 100 objects), %.2f of the throttle (%.1f req/s); %d requests for %d pages\n",
		float64(full.objects)/full.wall.Seconds(), float64(full.objects)/full.wall.Seconds()/bound, rate,
		float64(full.objects)/full.wall.Seconds()/(bound*throttleShare), rate*throttleShare, full.requests, (full.objects+99)/100)
	if seq.name != "" {
		fmt.Fprintf(w, "full scan speed-up over one cursor: %.1f×\n", seq.wall.Seconds()/full.wall.Seconds())
		fmt.Fprintf(w, "one customer's charges, speed-up over full download then filter: %.0f×\n", naive.wall.Seconds()/results[3].wall.Seconds())
	}
	for _, r := range results {
		if r.name == searchQueryName {
			fmt.Fprintf(w, "one order's charges by metadata through Search: %d requests for the full scan's %d, %.0f× faster\n",
				r.requests, full.requests, full.wall.Seconds()/r.wall.Seconds())
		}
	}
	if cacheLine != nil {
		fmt.Fprint(w, *cacheLine)
	}
	return nil
}

// searchQueryName is the workload's metadata lookup, which no list
// endpoint filters: Search answers it (search, events and recent list).
const searchQueryName = "one order's charges (metadata: Search)"

// resetPeakRSS restarts the kernel's high-water mark of this process.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is the process's peak resident set since the last reset, bytes.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	return vmHWM(string(b))
}

// vmHWM is the VmHWM (peak RSS) of a /proc/PID/status, bytes.
func vmHWM(status string) int64 {
	for _, l := range strings.Split(status, "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:")), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}
