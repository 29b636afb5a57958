package main

// The durable store section: a large account (1,000,000 charges by
// default) held by stripesql configured as the binary's defaults (row
// cache 256 MiB with a 5-minute TTL, the encrypted disk store in a
// temporary directory, Stripe's events polled every 30 s, Go's memory
// limit following what the caches hold): the cold scan; warm queries,
// after the TTL and after a restart, with the Stripe requests each makes;
// memory and disk; warm queries against MariaDB at the default bound and
// with everything in memory; events absorbed per second and their CPU;
// the delay from a write at Stripe to a query seeing it.
//
// The fake account has no latency and no rate limit here: what is
// measured is stripesql's own work (a cold scan of a million charges at
// Stripe's 25 requests/s would take minutes; the scan under the rate
// limit is the 200,000-charge section's).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/cache/disk"
	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/tables/sqltable"
)

var (
	// withDurable runs the section after the others; durableOnly alone.
	withDurable = true
	durableOnly bool
	// durableScale is the charges of the section's fake account.
	durableScale = 1_000_000
	// durableProfile, when set, is where CPU and heap profiles of the
	// section's phases are written.
	durableProfile string
	// durableTTL is --cache-ttl (the binary's default, 5m; a cold scan
	// longer than it is not kept: see benchDurable).
	durableTTL = 5 * time.Minute
)

// The binary's defaults (cmd/stripesql: --cache-size, --cache-ttl,
// --cache-refresh-events, --disk-cache-size).
const (
	durableCacheBytes = 256 << 20
	durableEvents     = 30 * time.Second
	durableDiskBytes  = 8 << 30
	// durableAllInMemory is the bound of the "everything in memory" run.
	durableAllInMemory = 4 << 30
)

// benchKey is the API key the bench's clients send to the fake.
const benchKey = "sk_test_bench"

// Targets of issue 22.
const (
	targetRestart       = 2 * time.Second
	targetPeakRSS       = 600 << 20
	targetDiskPerCharge = 1 << 10
	targetRatioDefault  = 3.0
	targetRatioMemory   = 2.0
	targetEventsPerSec  = 1000
	targetCPUPerEvent   = time.Millisecond
	eventWrites         = 10_000
	delayRuns           = 5
)

// durableColdQueries are the cold scan's, then warm, after the TTL and
// after a restart.
var durableColdQueries = []compareQuery{
	{name: "charges: COUNT(*), SUM(amount)", query: "SELECT COUNT(*), SUM(amount) FROM charges"},
	{name: "customers: COUNT(*)", query: "SELECT COUNT(*) FROM customers"},
}

// durableCompareQueries run warm on stripesql and MariaDB.
var durableCompareQueries = []compareQuery{
	{name: "revenue by currency", query: "SELECT currency, COUNT(*), SUM(amount) FROM charges GROUP BY currency"},
	{name: "top 10 customers by amount", query: "SELECT customer, SUM(amount) s FROM charges WHERE customer IS NOT NULL GROUP BY customer ORDER BY s DESC, customer LIMIT 10", ordered: true},
	{name: "distinct customers of charges", query: "SELECT COUNT(DISTINCT customer) FROM charges"},
}

// offsetClock is the cache's clock: real time moved forward by what the
// bench advances it (the TTL passing without waiting for it).
type offsetClock struct{ offset atomic.Int64 }

func (c *offsetClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *offsetClock) advance(d time.Duration) { c.offset.Add(int64(d)) }
func (c *offsetClock) String() string          { return "+" + time.Duration(c.offset.Load()).String() }

// splitCounter counts the requests made to the fake: events polls apart
// from the rest (lists, retrieves, the account).
type splitCounter struct {
	next          http.RoundTripper
	other, events atomic.Int64
}

func (c *splitCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := c.next.RoundTrip(r)
	if err != nil {
		return res, err
	}
	if strings.HasPrefix(r.URL.Path, "/v1/events") {
		c.events.Add(1)
	} else {
		c.other.Add(1)
	}
	return res, nil
}

// take returns the counts since the last take and resets them.
func (c *splitCounter) take() (other, events int64) {
	return c.other.Swap(0), c.events.Swap(0)
}

// durableServer is one stripesql process's worth: client, disk store,
// events watcher, memory follower, MySQL server and a pool.
type durableServer struct {
	client   *sqltable.Client
	store    *disk.Store
	srv      *engine.Server
	db       *sql.DB // no parseTime: answers compared as text
	w        *sqltable.EventWatcher
	stopRun  func()
	stopMem  func()
	opened   time.Time // before disk.Open
	started  time.Time // before the client was made
	caughtUp int
	catchDur time.Duration
}

// openDurable starts stripesql over the fake at url as `stripesql serve`
// does with a disk cache in dir: the client, the key check (GET
// /v1/account, whose id binds the store), the store, the memory
// follower, the server, the events catch-up, the watcher, then serving.
func openDurable(url, dir string, cacheBytes int64, clock *offsetClock, cnt *splitCounter) (*durableServer, error) {
	d := &durableServer{started: time.Now()}
	c := cache.New(cache.Options{MaxBytes: cacheBytes, TTL: durableTTL, Now: clock.Now})
	// No rate limit (the fake has none): stripesql's default for a test
	// key, 22/s, would pace the cold scan at Stripe's speed.
	d.client = sqltable.NewClient(sqltable.ClientOptions{APIKey: benchKey, URL: url, Cache: c, MaxRetries: 3, RateLimitRetries: 10,
		HTTPClient: &http.Client{Transport: cnt, Timeout: 80 * time.Second}, SearchLag: sqltable.DefaultSearchLag})
	ctx := context.Background()
	body, err := d.client.Get(ctx, "/v1/account", nil)
	if err != nil {
		return nil, fmt.Errorf("GET /v1/account: %v", err)
	}
	var acct struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(body, &acct)
	d.opened = time.Now()
	store, _, err := disk.Open(disk.Options{Dir: dir, Secret: []byte(benchKey), Bind: acct.ID, Format: sqltable.StoreFormat})
	if err != nil {
		return nil, fmt.Errorf("opening the disk store in %s: %v", dir, err)
	}
	d.store = store
	d.client.UseStore(store, durableDiskBytes)
	accounts := []engine.Account{{Database: "stripe", Client: d.client}}
	// The binary log, as `stripesql serve` keeps it with the events.
	src, err := engine.OpenBinlog(accounts, 1, 0)
	if err != nil {
		d.close()
		return nil, err
	}
	d.stopMem = goUntilStopped(func(ctx context.Context) { engine.FollowMemory(ctx, accounts) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		d.close()
		return nil, err
	}
	d.srv, err = engine.New(engine.Config{Listener: ln, Accounts: accounts, Binlog: src})
	if err != nil {
		ln.Close()
		d.close()
		return nil, err
	}
	d.w = d.client.NewEventWatcher(nil)
	t0 := time.Now()
	if d.caughtUp, err = d.w.CatchUp(ctx, durableEvents); err != nil {
		d.close()
		return nil, fmt.Errorf("catching up with the events: %v", err)
	}
	d.catchDur = time.Since(t0)
	d.watch(durableEvents)
	go d.srv.Serve()
	d.db, err = sql.Open("mysql", "root@tcp("+ln.Addr().String()+")/stripe")
	if err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

// goUntilStopped runs f in a goroutine; the function returned cancels its
// context and waits for it to return.
func goUntilStopped(f func(context.Context)) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f(ctx) }()
	return sync.OnceFunc(func() { cancel(); <-done })
}

// watch (re)starts the events watcher's Run at interval.
func (d *durableServer) watch(interval time.Duration) {
	if d.stopRun != nil {
		d.stopRun()
	}
	d.stopRun = goUntilStopped(func(ctx context.Context) { d.w.Run(ctx, interval) })
}

// close stops it cleanly: the pool and the server first (the last
// statement's writes go first), then the watcher, the memory follower
// and the store.
func (d *durableServer) close() {
	if d.db != nil {
		d.db.Close()
	}
	if d.srv != nil {
		d.srv.Close()
	}
	if d.stopRun != nil {
		d.stopRun()
	}
	if d.stopMem != nil {
		d.stopMem()
	}
	if d.store != nil {
		d.store.Close()
	}
}

// rowStats is what stripe_meta.cache_stats says of the row cache.
type rowStats struct {
	rows, memory, disk, blocks, inMemory, diskReads int64
}

func (d *durableServer) stats() (rowStats, error) {
	var s rowStats
	err := d.db.QueryRow("SELECT `rows`, row_bytes_memory, row_bytes_disk, blocks, blocks_in_memory, disk_reads FROM stripe_meta.cache_stats").
		Scan(&s.rows, &s.memory, &s.disk, &s.blocks, &s.inMemory, &s.diskReads)
	return s, err
}

func (s rowStats) String() string {
	return fmt.Sprintf("%d rows, %.1f MiB in memory, %.1f MiB on disk, %d/%d blocks in memory", s.rows,
		float64(s.memory)/(1<<20), float64(s.disk)/(1<<20), s.inMemory, s.blocks)
}

// step is one measured line of the section's first table.
type step struct {
	phase, query  string
	wall          time.Duration
	other, events int64
	same          string
}

// durableRun is the section's state.
type durableRun struct {
	w        io.Writer
	url      string
	dir      string
	clock    *offsetClock
	cnt      *splitCounter
	mdb      *sql.DB
	want     map[string][]string // MariaDB's answers, by query
	failed   int
	steps    []step
	profiles []string
	// peaks are the bench process's peak RSS per phase, in order.
	peaks []phasePeak
}

// phasePeak is one phase's peak RSS.
type phasePeak struct {
	phase string
	rss   int64
}

// endPhase notes the peak RSS since the last phase ended and resets it.
func (r *durableRun) endPhase(phase string) int64 {
	p := peakRSS()
	r.peaks = append(r.peaks, phasePeak{phase, p})
	resetPeakRSS()
	return p
}

// check compares a stripesql answer with MariaDB's, printing a mismatch.
func (r *durableRun) check(label string, q compareQuery, got []string) string {
	if diff := diffAnswers(q, got, r.want[q.query]); diff != "" {
		r.failed++
		fmt.Fprintf(r.w, "\n*** MISMATCH (%s) %s\n    %s\n%s\n", label, q.name, q.query, diff)
		return "WRONG"
	}
	return "same"
}

// run runs a query on d, timed, with the requests it made, and checks it.
func (r *durableRun) run(d *durableServer, phase string, q compareQuery) (step, error) {
	r.cnt.take()
	t0 := time.Now()
	got, err := answer(d.db, q.query)
	wall := time.Since(t0)
	if err != nil {
		return step{}, fmt.Errorf("stripesql: %s (%s): %v", q.name, phase, err)
	}
	other, events := r.cnt.take()
	s := step{phase: phase, query: q.name, wall: wall, other: other, events: events, same: r.check(phase, q, got)}
	r.steps = append(r.steps, s)
	fmt.Fprintf(r.w, "  %s, %s: %v, %d requests (+%d events)\n", phase, q.name, roundDuration(wall), other, events)
	return s, nil
}

// profile starts a CPU profile of a phase (with -durable-profile); the
// function returned stops it and writes the heap's.
func (r *durableRun) profile(phase string) func() {
	if durableProfile == "" {
		return func() {}
	}
	if err := os.MkdirAll(durableProfile, 0o755); err != nil {
		fmt.Fprintf(r.w, "  profile: %v\n", err)
		return func() {}
	}
	cpu := filepath.Join(durableProfile, "cpu-"+phase+".pprof")
	f, err := os.Create(cpu)
	if err != nil {
		fmt.Fprintf(r.w, "  profile: %v\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		fmt.Fprintf(r.w, "  profile: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		heap := filepath.Join(durableProfile, "heap-"+phase+".pprof")
		if h, err := os.Create(heap); err == nil {
			pprof.Lookup("heap").WriteTo(h, 0)
			h.Close()
		}
		r.profiles = append(r.profiles, cpu, heap)
	}
}

// durableCompared is one comparison query at one bound: disk reads of
// the first run and of the best-of runs, blocks after them.
type durableCompared struct {
	q                   compareQuery
	first, best, maria  time.Duration
	reqs                int64
	blocks, inMemory    int64
	same                string
	firstReads, ofReads int64
}

// compare runs the comparison queries warm on d: a first run, then the
// best of compareRuns, each answer checked; MariaDB's best of as many.
func (r *durableRun) compare(d *durableServer, label string) ([]durableCompared, error) {
	var out []durableCompared
	for _, q := range durableCompareQueries {
		c := durableCompared{q: q, same: "same"}
		note := func(got []string, phase string) {
			if r.check(label+" "+phase, q, got) != "same" {
				c.same = "WRONG"
			}
		}
		before, err := d.stats()
		if err != nil {
			return nil, err
		}
		r.cnt.take()
		t0 := time.Now()
		got, err := answer(d.db, q.query)
		if err != nil {
			return nil, fmt.Errorf("stripesql (%s): %s: %v", label, q.name, err)
		}
		c.first = time.Since(t0)
		note(got, "first run")
		mid, err := d.stats()
		if err != nil {
			return nil, err
		}
		c.firstReads = mid.diskReads - before.diskReads
		for run := 0; run < compareRuns; run++ {
			t0 := time.Now()
			got, err := answer(d.db, q.query)
			dt := time.Since(t0)
			if err != nil {
				return nil, fmt.Errorf("stripesql (%s): %s: %v", label, q.name, err)
			}
			if run == 0 || dt < c.best {
				c.best = dt
			}
			note(got, fmt.Sprintf("warm run %d", run+1))
		}
		c.reqs, _ = r.cnt.take()
		after, err := d.stats()
		if err != nil {
			return nil, err
		}
		c.ofReads = after.diskReads - mid.diskReads
		c.blocks, c.inMemory = after.blocks, after.inMemory
		for run := 0; run < compareRuns; run++ {
			t0 := time.Now()
			got, err := answer(r.mdb, q.query)
			dt := time.Since(t0)
			if err != nil {
				return nil, fmt.Errorf("MariaDB: %s: %v", q.name, err)
			}
			if run == 0 || dt < c.maria {
				c.maria = dt
			}
			if diff := diffAnswers(q, got, r.want[q.query]); diff != "" {
				return nil, fmt.Errorf("MariaDB answered %s differently from run to run:\n%s", q.name, diff)
			}
		}
		fmt.Fprintf(r.w, "  %s, %s: stripesql %v (first run %v), MariaDB %v; disk reads %d (first run %d), %d/%d blocks in memory\n",
			label, q.name, roundDuration(c.best), roundDuration(c.first), roundDuration(c.maria), c.ofReads, c.firstReads, c.inMemory, c.blocks)
		out = append(out, c)
	}
	return out, nil
}

// benchDurable runs the section on a fake account of scale charges.
func benchDurable(w io.Writer, scale int) (err error) {
	fmt.Fprintf(w, "\nDurable store: starting a fake account of %d charges, no latency, no rate limit…\n", scale)
	t0 := time.Now()
	fakeURL, stopFake, err := startFake(scale, 0, 0)
	if err != nil {
		return err
	}
	defer stopFake()
	fmt.Fprintf(w, "  fake account ready in %v\n", time.Since(t0).Round(time.Millisecond))

	fmt.Fprintf(w, "starting MariaDB (internal/mariadbtest) and loading the same charges and customers (minutes at 1,000,000)…\n")
	_, mdb, version, stopMaria, err := startLoadedMariaDB(w, scale, true)
	if err != nil {
		return err
	}
	defer stopMaria()
	r := &durableRun{w: w, url: fakeURL, clock: &offsetClock{}, mdb: mdb, want: map[string][]string{},
		cnt: &splitCounter{next: http.DefaultTransport.(*http.Transport).Clone()}}
	for _, q := range append(slices.Clone(durableColdQueries), durableCompareQueries...) {
		if r.want[q.query], err = answer(mdb, q.query); err != nil {
			return fmt.Errorf("MariaDB: %s: %v", q.name, err)
		}
	}
	var charges, customers int64
	if err := mdb.QueryRow("SELECT (SELECT COUNT(*) FROM charges), (SELECT COUNT(*) FROM customers)").Scan(&charges, &customers); err != nil {
		return err
	}
	// The charges the events phase changes, spread over the account, and
	// those of the delay measurement.
	ids, err := column(mdb, fmt.Sprintf("SELECT id FROM charges ORDER BY CRC32(id), id LIMIT %d", eventWrites+delayRuns))
	if err != nil {
		return err
	}
	if len(ids) < eventWrites+delayRuns {
		return fmt.Errorf("the account has %d charges, want at least %d", len(ids), eventWrites+delayRuns)
	}

	r.dir, err = os.MkdirTemp("", "stripesql-bench-durable-")
	if err != nil {
		return err
	}
	removeDir := onInterrupt(func() { os.RemoveAll(r.dir) })
	defer removeDir()
	storeDir := filepath.Join(r.dir, "stripe")

	// From here, the bench process is stripesql (and the Go driver).
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()

	// 1. The cold scan.
	fmt.Fprintf(w, "stripesql: cache %d MiB, TTL %v, disk store in %s, events every %v, engine.FollowMemory\n",
		durableCacheBytes>>20, durableTTL, r.dir, durableEvents)
	d, err := openDurable(fakeURL, storeDir, durableCacheBytes, r.clock, r.cnt)
	if err != nil {
		return err
	}
	defer func() { d.close() }()
	startOther, startEvents := r.cnt.take()
	fmt.Fprintf(w, "  opened (empty store): %d requests, +%d events (the first poll notes where events stand)\n", startOther, startEvents)
	stopProfile := r.profile("cold")
	var cold []step
	for _, q := range durableColdQueries {
		s, err := r.run(d, "cold", q)
		if err != nil {
			return err
		}
		cold = append(cold, s)
	}
	stopProfile()
	coldPeak := r.endPhase("cold scan")
	coldStats, err := d.stats()
	if err != nil {
		return err
	}
	coldDisk := d.store.DiskBytes()
	fmt.Fprintf(w, "  after the cold scan: %s; store %.1f MiB; peak RSS %d MiB\n", coldStats, float64(coldDisk)/(1<<20), coldPeak>>20)
	if coldStats.rows < charges+customers {
		// Every later query would read the account again: hours, measuring
		// nothing of the store.
		return fmt.Errorf("after the cold scan the row cache holds %d rows of %d charges and %d customers: the scan's rows were not kept "+
			"(a read that lasts longer than --cache-ttl, %v here, is dropped when it ends, events or not); "+
			"see -durable-ttl", coldStats.rows, charges, customers, durableTTL)
	}

	// 2. Warm, after the TTL, after a restart.
	for _, q := range durableColdQueries {
		if _, err := r.run(d, "warm", q); err != nil {
			return err
		}
	}
	// The TTL passes; one poll, as the ticker would make (the ticker
	// itself stopped, so that it is the only one).
	d.stopRun()
	r.clock.advance(durableTTL + time.Minute) // "6 minutes" at the default TTL
	r.cnt.take()
	t0 = time.Now()
	n, err := d.w.Poll(context.Background())
	if err != nil {
		return fmt.Errorf("poll after the TTL: %v", err)
	}
	pollOther, pollEvents := r.cnt.take()
	r.steps = append(r.steps, step{phase: "TTL passed (clock " + r.clock.String() + ")", query: fmt.Sprintf("one events poll (%d events)", n),
		wall: time.Since(t0), other: pollOther, events: pollEvents, same: "-"})
	for _, q := range durableColdQueries {
		if _, err := r.run(d, "TTL passed", q); err != nil {
			return err
		}
	}
	d.watch(durableEvents)
	r.endPhase("warm, TTL passed")
	fmt.Fprintf(w, "restarting: closing the server, watcher and store, opening a new client and store on %s…\n", storeDir)
	d.close()
	r.cnt.take()
	d, err = openDurable(fakeURL, storeDir, durableCacheBytes, r.clock, r.cnt)
	if err != nil {
		return err
	}
	openOther, openEvents := r.cnt.take()
	r.steps = append(r.steps, step{phase: "restart", query: fmt.Sprintf("open client, store, catch-up (%d events)", d.caughtUp),
		wall: time.Since(d.started), other: openOther, events: openEvents, same: "-"})
	var firstAnswer time.Time
	stopProfile = r.profile("restart")
	for i, q := range durableColdQueries {
		if _, err := r.run(d, "restart", q); err != nil {
			return err
		}
		if i == 0 {
			firstAnswer = time.Now()
		}
	}
	stopProfile()
	restartAnswer := firstAnswer.Sub(d.opened)
	restartTotal := firstAnswer.Sub(d.started)
	restartCatchUp, restartEvents := d.catchDur, d.caughtUp
	restartStats, err := d.stats()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  after the restart: first answer %v after opening the store (%v after making the client; catch-up %v); %s\n",
		roundDuration(restartAnswer), roundDuration(restartTotal), roundDuration(d.catchDur), restartStats)
	r.endPhase("restart")

	// 4. Against MariaDB, at the default bound.
	fmt.Fprintf(w, "MariaDB comparison at the default bound (%d MiB)…\n", durableCacheBytes>>20)
	stopProfile = r.profile("compare-default")
	atDefault, err := r.compare(d, "256 MiB")
	stopProfile()
	if err != nil {
		return err
	}
	r.endPhase("MariaDB comparison, 256 MiB")

	// 5. Events with every charge held.
	ev, err := r.events(d, ids[:eventWrites])
	if err != nil {
		return err
	}
	r.endPhase("events")

	// 6. From a write at the fake to a query seeing it, polling every second.
	delays, err := r.delay(d, ids[eventWrites:])
	if err != nil {
		return err
	}
	r.endPhase("delay")

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	memLimit := debug.SetMemoryLimit(-1)
	endStats, err := d.stats()
	if err != nil {
		return err
	}
	endDisk := d.store.DiskBytes()

	// A second restart at the default bound, now that the events cursor
	// stands on a second of one event (the fake's generated events end
	// with thousands in its last second, which each poll reads again
	// until a newer event comes: see the report).
	fmt.Fprintf(w, "restarting again (after the events phase)…\n")
	d.close()
	r.cnt.take()
	d, err = openDurable(fakeURL, storeDir, durableCacheBytes, r.clock, r.cnt)
	if err != nil {
		return err
	}
	re2Other, re2Events := r.cnt.take()
	re2Caught, re2CatchUp, re2Applied := time.Since(d.opened), d.catchDur, d.caughtUp
	stopProfile = r.profile("second-restart")
	re2, err := r.run(d, "second restart", durableColdQueries[0])
	stopProfile()
	if err != nil {
		return err
	}
	re2Answer := time.Since(d.opened)
	fmt.Fprintf(w, "  first answer %v after opening the store (caught up after %v: %d requests, +%d events, %d applied)\n",
		roundDuration(re2Answer), roundDuration(re2Caught), re2Other, re2Events, re2Applied)
	r.endPhase("second restart")
	defaultPeak := int64(0)
	for _, p := range r.peaks {
		defaultPeak = max(defaultPeak, p.rss)
	}

	// 4 again, everything in memory: a second client over the same
	// store, with a 4 GiB bound, warmed by the first runs.
	fmt.Fprintf(w, "MariaDB comparison with everything in memory (a new client over the same store, cache %d MiB)…\n", durableAllInMemory>>20)
	d.close()
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()
	r.cnt.take()
	d, err = openDurable(fakeURL, storeDir, durableAllInMemory, r.clock, r.cnt)
	if err != nil {
		return err
	}
	memOpenOther, memOpenEvents := r.cnt.take()
	memCaught, memCaughtUp := time.Since(d.opened), d.caughtUp
	stopProfile = r.profile("compare-memory")
	inMemory, err := r.compare(d, "4 GiB")
	stopProfile()
	if err != nil {
		return err
	}
	memoryPeak := peakRSS()
	d.close()

	// The report.
	ttlNote := ""
	if durableTTL != 5*time.Minute {
		ttlNote = " but the TTL (-durable-ttl)"
	}
	fmt.Fprintf(w, "\nDurable store: fake Stripe (separate process) with %d charges and %d customers, no latency and no rate limit "+
		"(a cold scan of them at Stripe's 25 requests/s would take %v for the charges alone, %d pages; the scan under the rate limit is the 200,000-charge section's); "+
		"stripesql as the binary's defaults%s: --cache-size %dMiB --cache-ttl %v --cache-refresh-events %v --disk-cache-size %dGiB (store in a temporary directory), "+
		"engine.FollowMemory, no client throttle; the cache's clock moved forward to pass the TTL; MariaDB %s (InnoDB, 256M buffer pool, indexes on created and customer); %s, %d cores\n\n",
		charges, customers, (time.Duration(charges/100) * time.Second / 25).Round(time.Second), charges/100, ttlNote,
		durableCacheBytes>>20, durableTTL, durableEvents, durableDiskBytes>>30, version, runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tquery\twall\trequests\tevents requests\tanswer\t")
	for _, s := range r.steps {
		fmt.Fprintf(tw, "%s\t%s\t%v\t%d\t%d\t%s\t\n", s.phase, s.query, roundDuration(s.wall), s.other, s.events, s.same)
	}
	tw.Flush()
	coldWall := cold[0].wall + cold[1].wall
	coldReqs := cold[0].other + cold[1].other
	fmt.Fprintf(w, "\ncold scan: %d charges and %d customers in %v (%.0f objects/s), %d requests for %d pages\n",
		charges, customers, coldWall.Round(time.Millisecond), float64(charges+customers)/coldWall.Seconds(), coldReqs, (charges+99)/100+(customers+99)/100)
	sum := func(phase string) (other, events int64) {
		for _, s := range r.steps {
			if strings.HasPrefix(s.phase, phase) {
				other, events = other+s.other, events+s.events
			}
		}
		return
	}
	warmO, warmE := sum("warm")
	ttlO, ttlE := sum("TTL passed")
	rsO, rsE := sum("restart")
	fmt.Fprintf(w, "Stripe requests: warm %d (+%d events), after the TTL %d (+%d events), after the restart %d (the account check) +%d events\n",
		warmO, warmE, ttlO, ttlE, rsO, rsE)
	fmt.Fprintf(w, "restart: first answer %v after opening the store (%v after making the client, GET /v1/account included); catch-up %v, %d events\n",
		roundDuration(restartAnswer), roundDuration(restartTotal), roundDuration(restartCatchUp), restartEvents)
	fmt.Fprintf(w, "second restart (after the events phase, the cursor on a second of one event): first answer %v after opening the store (caught up after %v, catch-up %v, %d events applied); %d requests (the account check) +%d events, the query %d\n",
		roundDuration(re2Answer), roundDuration(re2Caught), roundDuration(re2CatchUp), re2Applied, re2Other, re2Events, re2.other+re2.events)
	fmt.Fprintf(w, "third restart (the 4 GiB client): %d requests (+%d events), caught up %v after opening the store (%d events)\n",
		memOpenOther, memOpenEvents, roundDuration(memCaught), memCaughtUp)
	perCharge := float64(max(coldDisk, endDisk)) / float64(charges)
	fmt.Fprintf(w, "disk: store %.1f MiB after the cold scan, %.1f MiB at the end of the default-bound phase = %.0f bytes per charge (customers' rows included)\n",
		float64(coldDisk)/(1<<20), float64(endDisk)/(1<<20), perCharge)
	fmt.Fprintf(w, "row cache at the end of the default-bound phase: %s, %d disk reads\n", endStats, endStats.diskReads)
	var peaks []string
	for _, p := range r.peaks {
		peaks = append(peaks, fmt.Sprintf("%s %d", p.phase, p.rss>>20))
	}
	fmt.Fprintf(w, "peak RSS of the bench process (stripesql and the Go driver) at the default bound: %d MiB (by phase, MiB: %s); live heap after the delay phase %d MiB, Go memory limit %d MiB; with the 4 GiB bound: %d MiB\n",
		defaultPeak>>20, strings.Join(peaks, ", "), ms.HeapAlloc>>20, memLimit>>20, memoryPeak>>20)

	fmt.Fprintf(w, "\nwarm stripesql vs MariaDB, best of %d runs each (first run apart), every answer compared:\n\n", compareRuns)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "query\tMariaDB\t256 MiB: first\tbest\tratio\tdisk reads/run\tblocks in memory\t4 GiB: first\tbest\tratio\tdisk reads/run\tblocks in memory\trequests\tanswers\t")
	worstDefault, worstMemory := 0.0, 0.0
	for i, a := range atDefault {
		b := inMemory[i]
		maria := min(a.maria, b.maria)
		ra, rb := a.best.Seconds()/max(maria.Seconds(), 1e-6), b.best.Seconds()/max(maria.Seconds(), 1e-6)
		worstDefault, worstMemory = max(worstDefault, ra), max(worstMemory, rb)
		same := "same"
		if a.same != "same" || b.same != "same" {
			same = "WRONG"
		}
		fmt.Fprintf(tw, "%s\t%v\t%v\t%v\t%s\t%d\t%d/%d\t%v\t%v\t%s\t%d\t%d/%d\t%d\t%s\t\n", a.q.name, roundDuration(maria),
			roundDuration(a.first), roundDuration(a.best), fmtRatio(ra), a.ofReads/int64(compareRuns), a.inMemory, a.blocks,
			roundDuration(b.first), roundDuration(b.best), fmtRatio(rb), b.ofReads/int64(compareRuns), b.inMemory, b.blocks, a.reqs+b.reqs, same)
	}
	tw.Flush()

	fmt.Fprintf(w, "\nevents: %d metadata changes at the fake (%d concurrent POSTs, %v); one poll: %d events in %v = %.0f events/s, %d requests; CPU %v = %v per event; %d changed charges checked: %s\n",
		eventWrites, ev.writers, ev.writeWall.Round(time.Millisecond), ev.n, roundDuration(ev.wall), ev.perSecond(), ev.requests,
		roundDuration(ev.cpu), ev.cpuPerEvent().Round(time.Microsecond), ev.checked, ev.checkResult)
	sorted := slices.Clone(delays.runs)
	slices.Sort(sorted)
	var runs []string
	for _, x := range delays.runs {
		runs = append(runs, roundDuration(x).String())
	}
	fmt.Fprintf(w, "write at the fake → query seeing it, watcher every 1s, queried every 50ms, writes spread over the interval: median %v (runs %s); the query by id takes %v; %d requests besides the events while waiting, %d events requests in %v\n",
		roundDuration(sorted[len(sorted)/2]), strings.Join(runs, ", "), roundDuration(delays.query), delays.requests, delays.events, delays.elapsed.Round(100*time.Millisecond))

	met := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	fmt.Fprintf(w, "\nissue 22 targets:\n")
	fmt.Fprintf(w, "  warm: 0 requests (%d): %s\n", warmO, met(warmO == 0))
	fmt.Fprintf(w, "  after the TTL: ≤ 2 requests (%d, the events poll; queries %d): %s\n", ttlO+ttlE, ttlO, met(ttlO+ttlE <= 2))
	fmt.Fprintf(w, "  after a restart: ≤ 2 requests (%d: %d account check, %d events; queries %d): %s\n", rsO+rsE, openOther, rsE, rsO-openOther, met(rsO+rsE <= 2))
	fmt.Fprintf(w, "  first answer after a restart ≤ 2s (%v; the second restart %v): %s\n", roundDuration(restartAnswer), roundDuration(re2Answer), met(restartAnswer <= targetRestart))
	fmt.Fprintf(w, "  peak RSS ≤ 600 MiB at the default bound (%d MiB): %s\n", defaultPeak>>20, met(defaultPeak <= targetPeakRSS))
	fmt.Fprintf(w, "  disk ≤ 1 KiB per charge (%.0f bytes): %s\n", perCharge, met(perCharge <= targetDiskPerCharge))
	fmt.Fprintf(w, "  vs MariaDB ≤ 3× at the default bound (worst %s): %s\n", fmtRatio(worstDefault), met(worstDefault <= targetRatioDefault))
	fmt.Fprintf(w, "  vs MariaDB ≤ 2× with everything in memory (worst %s): %s\n", fmtRatio(worstMemory), met(worstMemory <= targetRatioMemory))
	fmt.Fprintf(w, "  events ≥ 1,000/s (%.0f): %s\n", ev.perSecond(), met(ev.perSecond() >= targetEventsPerSec))
	fmt.Fprintf(w, "  CPU ≤ 1 ms per event (%v): %s\n", ev.cpuPerEvent().Round(time.Microsecond), met(ev.cpuPerEvent() <= targetCPUPerEvent))
	if len(r.profiles) > 0 {
		fmt.Fprintf(w, "profiles: %s\n", strings.Join(r.profiles, " "))
	}
	if r.failed > 0 || ev.checkResult != "same as the fake" {
		return fmt.Errorf("MISMATCH: %d stripesql answers differ from MariaDB's, events check: %s (see above)", r.failed, ev.checkResult)
	}
	fmt.Fprintf(w, "every stripesql answer (cold, warm, after the TTL, after the restart, the comparisons) equals MariaDB's\n")
	return nil
}

// eventsResult is the events phase's measurements.
type eventsResult struct {
	writers   int
	writeWall time.Duration
	n         int
	wall, cpu time.Duration
	requests  int64
	checked   int
	// checkResult is "same as the fake", or what differs.
	checkResult string
}

func (e eventsResult) perSecond() float64 { return float64(e.n) / max(e.wall.Seconds(), 1e-9) }
func (e eventsResult) cpuPerEvent() time.Duration {
	if e.n == 0 {
		return 0
	}
	return e.cpu / time.Duration(e.n)
}

// setMetadata writes metadata[key]=value on a charge at the fake, over
// HTTP, as a Stripe client would.
func setMetadata(ctx context.Context, hc *http.Client, fakeURL, id, key, value string) error {
	form := url.Values{"metadata[" + key + "]": {value}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fakeURL+"/v1/charges/"+id, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+benchKey)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("POST /v1/charges/%s: %d %s", id, res.StatusCode, body)
	}
	return nil
}

// fakeMetadata is a charge's metadata as the fake serves it.
func fakeMetadata(hc *http.Client, fakeURL, id string) (map[string]any, error) {
	req, err := http.NewRequest(http.MethodGet, fakeURL+"/v1/charges/"+id, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+benchKey)
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var ch struct {
		Metadata map[string]any `json:"metadata"`
	}
	if err := json.NewDecoder(res.Body).Decode(&ch); err != nil {
		return nil, err
	}
	return ch.Metadata, nil
}

// events makes a metadata change on each of ids at the fake (with the
// watcher stopped), then one poll, and measures it.
func (r *durableRun) events(d *durableServer, ids []string) (eventsResult, error) {
	ctx := context.Background()
	res := eventsResult{writers: 16}
	fmt.Fprintf(r.w, "events: stopping the watcher's ticker, %d metadata changes at the fake…\n", len(ids))
	d.stopRun()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: res.writers}, Timeout: time.Minute}
	t0 := time.Now()
	var next atomic.Int64
	errc := make(chan error, res.writers)
	for k := 0; k < res.writers; k++ {
		go func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(ids) {
					errc <- nil
					return
				}
				if err := setMetadata(ctx, hc, r.url, ids[i], "bench_event", "v"+strconv.Itoa(i)); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	var errs []error
	for k := 0; k < res.writers; k++ {
		errs = append(errs, <-errc)
	}
	if err := errors.Join(errs...); err != nil {
		return res, err
	}
	res.writeWall = time.Since(t0)
	stopProfile := r.profile("events")
	r.cnt.take()
	cpu0 := processCPU()
	t0 = time.Now()
	n, err := d.w.Poll(ctx)
	res.wall = time.Since(t0)
	res.cpu = processCPU() - cpu0
	stopProfile()
	if err != nil {
		return res, fmt.Errorf("poll: %v", err)
	}
	res.n = n
	_, res.requests = r.cnt.take()
	fmt.Fprintf(r.w, "  one poll: %d events in %v, CPU %v\n", n, roundDuration(res.wall), roundDuration(res.cpu))
	d.watch(durableEvents)

	// A few of the changed charges, read back from the held rows (the
	// query scans them: concat keeps the engine from a retrieve by id).
	res.checkResult = "same as the fake"
	var pick []string
	for _, i := range []int{0, len(ids) / 4, len(ids) / 2, 3 * len(ids) / 4, len(ids) - 1} {
		pick = append(pick, "'"+ids[i]+"'")
	}
	r.cnt.take()
	rows, err := d.db.Query("SELECT id, metadata FROM charges WHERE concat(id, '') IN (" + strings.Join(pick, ", ") + ")")
	if err != nil {
		return res, err
	}
	got := map[string]map[string]any{}
	for rows.Next() {
		var id, meta string
		if err := rows.Scan(&id, &meta); err != nil {
			rows.Close()
			return res, err
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(meta), &m); err != nil {
			rows.Close()
			return res, fmt.Errorf("metadata of %s: %v", id, err)
		}
		got[id] = m
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, err
	}
	other, _ := r.cnt.take()
	var bad []string
	for _, p := range pick {
		id := strings.Trim(p, "'")
		want, err := fakeMetadata(hc, r.url, id)
		if err != nil {
			return res, err
		}
		if !reflect.DeepEqual(got[id], want) {
			bad = append(bad, fmt.Sprintf("%s: stripesql %v, the fake %v", id, got[id], want))
		}
		res.checked++
	}
	if len(bad) > 0 {
		res.checkResult = "DIFFERENT: " + strings.Join(bad, "; ")
		fmt.Fprintf(r.w, "\n*** MISMATCH events: %s\n", res.checkResult)
	}
	if other > 0 {
		res.checkResult += fmt.Sprintf(" (the check asked Stripe %d times)", other)
	}
	fmt.Fprintf(r.w, "  %d changed charges read back: %s\n", res.checked, res.checkResult)
	return res, nil
}

// delayResult is the delay phase's measurements.
type delayResult struct {
	runs     []time.Duration
	requests int64
	// events are the events requests over elapsed (about one poll a
	// second).
	events  int64
	elapsed time.Duration
	// query is how long the query by id takes (once, before the runs).
	query time.Duration
}

// delay measures, with the watcher polling every second, how long after
// a metadata write at the fake a query by id shows it.
func (r *durableRun) delay(d *durableServer, ids []string) (delayResult, error) {
	var res delayResult
	fmt.Fprintf(r.w, "delay: the watcher every 1s, a write then the charge queried every 50ms…\n")
	d.watch(time.Second)
	defer d.watch(durableEvents)
	hc := &http.Client{Timeout: time.Minute}
	ctx := context.Background()
	byID := "SELECT metadata->>'$.bench_delay' FROM charges WHERE id = ?"
	t0 := time.Now()
	var ignored sql.NullString
	if err := d.db.QueryRow(byID, ids[0]).Scan(&ignored); err != nil {
		return res, err
	}
	res.query = time.Since(t0)
	r.cnt.take()
	began := time.Now()
	for i, id := range ids[:delayRuns] {
		// Writes spread over the poll interval (run i at i/delayRuns of
		// it after the last poll seen, and 100 ms): a write right after
		// each sighting would always wait a whole interval.
		time.Sleep(100*time.Millisecond + time.Duration(i)*time.Second/delayRuns)
		value := fmt.Sprintf("delay-%d-%d", i, time.Now().UnixNano())
		if err := setMetadata(ctx, hc, r.url, id, "bench_delay", value); err != nil {
			return res, err
		}
		t0 := time.Now()
		for {
			var got sql.NullString
			if err := d.db.QueryRow(byID, id).Scan(&got); err != nil {
				return res, err
			}
			if got.String == value {
				break
			}
			if time.Since(t0) > time.Minute {
				return res, fmt.Errorf("charge %s did not show its new metadata within a minute", id)
			}
			time.Sleep(50 * time.Millisecond)
		}
		res.runs = append(res.runs, time.Since(t0))
		fmt.Fprintf(r.w, "  run %d: %v\n", i+1, roundDuration(res.runs[i]))
	}
	res.requests, res.events = r.cnt.take()
	res.elapsed = time.Since(began)
	return res, nil
}
