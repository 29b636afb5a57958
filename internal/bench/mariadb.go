package main

// The MariaDB comparison: the fake account's charges and customers loaded
// into a real MariaDB (internal/mariadbtest), stripesql with a cache large
// enough for all of it, and the BI queries of queries.go run on both.
// Every answer of stripesql, cold and warm, must equal MariaDB's; the
// report gives each query's best warm time on both, their ratio, the cold
// full scan's rate and request overhead, the cache's size and the peak RSS.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/mariadbtest"
	"github.com/stripesql/stripesql/internal/refdb"
)

// compareCacheBytes bounds stripesql's cache in the comparison: the
// default --cache-size, which holds 200,000 charges and their customers
// (about 180 MiB), so warm queries never go to Stripe, and peak RSS is
// measured against the bound a user runs with.
var compareCacheBytes int64 = 256 << 20

// compareRuns is how many times each query runs warm on each server.
var compareRuns = 3

// compareOnly and compareSkip, when set, select the queries run by name
// (regular expressions).
var compareOnly, compareSkip string

// compareQueryTimeout bounds one query of the comparison.
const compareQueryTimeout = 15 * time.Minute

// loadLarge makes the loader read the account a page at a time, printing
// its progress: the durable store section's million charges, as decoded
// maps all at once (fakestripe.Server.Objects), would take many GiB.
var loadLarge bool

// loadAccount is the loader child process: it generates the fake account
// (the same seed and scale as the fake the bench reads, so the same
// objects, as served) and inserts its charges and customers into the
// MariaDB at dsn, creating the tables of compareSchema.
func loadAccount(w io.Writer, dsn string, scale int) error {
	start := time.Now()
	fake := fakestripe.New(fakestripe.Options{Seed: fakeSeed, Scale: scale})
	objects := func(resource string) refdb.Source { return refdb.SliceSource(fake.Objects(resource)) }
	if loadLarge {
		fmt.Fprintf(w, "  MariaDB: generated the account in %v\n", time.Since(start).Round(time.Millisecond))
		objects = func(resource string) refdb.Source { return pagedSource(fake, resource) }
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, stmt := range compareSchema {
		if _, err := db.Exec(stmt); err != nil {
			return fmt.Errorf("%s: %v", strings.Fields(stmt)[2], err)
		}
	}
	nCharges, err := refdb.Insert(w, loadLarge, db, "charges", objects("charges"),
		[]string{"id", "amount", "amount_refunded", "amount_major", "currency", "status", "created", "customer", "paid", "refunded", "captured"},
		func(o refdb.Obj) []any {
			return []any{o.Str("id"), o.Int("amount"), o.Int("amount_refunded"), o.Major("amount"),
				o.Str("currency"), o.Str("status"), o.Time("created"), o.Ref("customer"), o.Bool("paid"), o.Bool("refunded"), o.Bool("captured")}
		})
	if err != nil {
		return err
	}
	nCustomers, err := refdb.Insert(w, loadLarge, db, "customers", objects("customers"),
		[]string{"id", "email", "name", "created", "currency", "address", "tax_exempt", "delinquent", "balance"},
		func(o refdb.Obj) []any {
			return []any{o.Str("id"), o.Nullable("email"), o.Nullable("name"), o.Time("created"), o.Nullable("currency"),
				o.JSON("address"), o.Nullable("tax_exempt"), o.NullableBool("delinquent"), o.NullableInt("balance")}
		})
	if err != nil {
		return err
	}
	if _, err := db.Exec("ANALYZE TABLE charges, customers"); err != nil {
		return err
	}
	fmt.Fprintf(w, "loaded %d charges and %d customers in %v\n", nCharges, nCustomers, time.Since(start).Round(time.Millisecond))
	return nil
}

// pagedSource lists resource from the fake (its HTTP handler, in this
// process), 100 objects a page, as stripesql reads it.
func pagedSource(fake http.Handler, resource string) refdb.Source {
	after, done := "", false
	return func() ([]map[string]any, error) {
		var batch []map[string]any
		for !done && len(batch)+100 <= refdb.Batch {
			target := "/v1/" + resource + "?limit=100"
			if after != "" {
				target += "&starting_after=" + after
			}
			req := httptest.NewRequest(http.MethodGet, target, nil)
			req.Header.Set("Authorization", "Bearer "+benchKey)
			rec := httptest.NewRecorder()
			fake.ServeHTTP(rec, req)
			var page struct {
				Data    []map[string]any `json:"data"`
				HasMore bool             `json:"has_more"`
			}
			if rec.Code != http.StatusOK {
				return nil, fmt.Errorf("listing %s: %d %s", resource, rec.Code, rec.Body.String())
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
				return nil, fmt.Errorf("listing %s: %v", resource, err)
			}
			batch = append(batch, page.Data...)
			if !page.HasMore || len(page.Data) == 0 {
				done = true
			} else {
				after = refdb.Obj(page.Data[len(page.Data)-1]).Str("id")
			}
		}
		return batch, nil
	}
}

// startLoader loads the MariaDB copy in a child process, so the objects
// held while loading do not count in this process's peak RSS; large
// loads page through the account (see loadLarge).
func startLoader(w io.Writer, dsn string, scale int, large bool) error {
	cmd := exec.Command(os.Args[0], "-load-mariadb", dsn, "-scale", strconv.Itoa(scale), "-load-large="+strconv.FormatBool(large))
	cmd.Stdout, cmd.Stderr = w, os.Stderr
	cmd.SysProcAttr = childAttr()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("loading MariaDB: %v", err)
	}
	return nil
}

// compared is one query's measurements.
type compared struct {
	q                    compareQuery
	cold, warm, mariadb  time.Duration
	coldReqs, warmReqs   int64
	rows                 int
	mismatches, attempts int
}

func compareWithMariaDB(w io.Writer, url string, scale int, latency time.Duration, rate float64, parallel int) error {
	selected, err := selectQueries(compareQueries, compareOnly, compareSkip)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nMariaDB comparison: starting MariaDB (internal/mariadbtest)…\n")
	maria, mdb, version, stopMaria, err := startLoadedMariaDB(w, scale, false)
	if err != nil {
		return err
	}
	defer stopMaria()

	// The customers with the most charges, for the queries' placeholders.
	ids, err := column(mdb, "SELECT customer FROM charges WHERE customer IS NOT NULL GROUP BY customer ORDER BY COUNT(*) DESC, customer LIMIT 3")
	if err != nil {
		return err
	}
	if len(ids) < 3 {
		return fmt.Errorf("the account has %d customers with charges, want 3", len(ids))
	}
	queries := expandQueries(selected, ids)

	// stripesql with everything cached: the bench process's peak RSS from here.
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()
	b, stop, err := start(url, rate, parallel, compareCacheBytes)
	if err != nil {
		return err
	}
	defer stop()
	sdb, err := sql.Open("mysql", "root@tcp("+b.addr+")/stripe") // no parseTime: both servers' text, compared as is
	if err != nil {
		return err
	}
	defer sdb.Close()

	// The cold full scan fills the cache with every charge.
	b.cnt.reset()
	fmt.Fprintf(w, "cold full scan of charges (cache on, %d MiB bound)…\n", compareCacheBytes>>20)
	coldStart := time.Now()
	coldAnswer, err := answer(sdb, "SELECT COUNT(*) FROM charges")
	if err != nil {
		return err
	}
	coldWall := time.Since(coldStart)
	coldReqs, coldObjects, cold429 := b.cnt.requests.Load(), b.cnt.objects.Load(), b.cnt.tooMany.Load()
	coldPeak := peakRSS()
	resetPeakRSS()
	failed := 0
	countQuery := compareQuery{name: "cold full scan: count charges", query: "SELECT COUNT(*) FROM charges"}
	if want, err := answer(mdb, countQuery.query); err != nil {
		return err
	} else if diff := diffAnswers(countQuery, coldAnswer, want); diff != "" {
		failed++
		fmt.Fprintf(w, "\n*** MISMATCH (cold) %s\n    %s\n%s\n", countQuery.name, countQuery.query, diff)
	}

	var results []compared
	countIdx := -1 // the warm COUNT(*) of charges, if selected
	for _, q := range queries {
		r := compared{q: q}
		want, err := answer(mdb, q.query) // MariaDB once to warm its buffer pool; the reference answer
		if err != nil {
			return fmt.Errorf("MariaDB: %s: %v", q.name, err)
		}
		check := func(label string, got []string) {
			r.attempts++
			if diff := diffAnswers(q, got, want); diff != "" {
				r.mismatches++
				fmt.Fprintf(w, "\n*** MISMATCH (%s) %s\n    %s\n%s\n", label, q.name, q.query, diff)
			}
		}
		// Warm-up: the first run may still fetch what no earlier query did.
		b.cnt.reset()
		t0 := time.Now()
		got, err := answer(sdb, q.query)
		if err != nil {
			return fmt.Errorf("stripesql: %s: %v", q.name, err)
		}
		r.cold, r.coldReqs = time.Since(t0), b.cnt.requests.Load()
		check("first run", got)
		b.cnt.reset()
		for run := 0; run < compareRuns; run++ {
			t0 := time.Now()
			got, err := answer(sdb, q.query)
			d := time.Since(t0)
			if err != nil {
				return fmt.Errorf("stripesql: %s: %v", q.name, err)
			}
			if run == 0 || d < r.warm {
				r.warm = d
			}
			check(fmt.Sprintf("warm run %d", run+1), got)
		}
		r.warmReqs = b.cnt.requests.Load()
		for run := 0; run < compareRuns; run++ {
			t0 := time.Now()
			got, err := answer(mdb, q.query)
			d := time.Since(t0)
			if err != nil {
				return fmt.Errorf("MariaDB: %s: %v", q.name, err)
			}
			if run == 0 || d < r.mariadb {
				r.mariadb = d
			}
			if diff := diffAnswers(q, got, want); diff != "" {
				return fmt.Errorf("MariaDB answered %s differently from run to run:\n%s", q.name, diff)
			}
		}
		r.rows = len(want)
		failed += r.mismatches
		if q.query == countQuery.query {
			countIdx = len(results)
		}
		results = append(results, r)
		fmt.Fprintf(w, "  %s: stripesql %v (first run %v), MariaDB %v\n", q.name, roundDuration(r.warm), roundDuration(r.cold), roundDuration(r.mariadb))
	}
	warmPeak := peakRSS()
	stats, err := cacheStats(sdb)
	if err != nil {
		return err
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)

	// The report.
	fmt.Fprintf(w, "\nstripesql (cache %d MiB, TTL 1h, throttle %.1f/s, %d slices; fake Stripe %v latency, %.0f requests/s) vs MariaDB %s (InnoDB, indexes on created and customer), same %d charges; best of %d warm runs each; %s, %d cores\n\n",
		compareCacheBytes>>20, rate*throttleShare, parallel, latency, rate, version, scale, compareRuns, runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "query\trows\tfirst run\trequests\tstripesql warm\tMariaDB\tratio\twarm requests\tanswers\t")
	var ratios []float64
	worst := -1
	for i, r := range results {
		ratio := r.warm.Seconds() / max(r.mariadb.Seconds(), 1e-6)
		ratios = append(ratios, ratio)
		if worst < 0 || ratio > ratios[worst] {
			worst = i
		}
		ok := "same"
		if r.mismatches > 0 {
			ok = fmt.Sprintf("%d/%d WRONG", r.mismatches, r.attempts)
		}
		fmt.Fprintf(tw, "%s\t%d\t%v\t%d\t%v\t%v\t%s\t%d\t%s\t\n", r.q.name, r.rows, roundDuration(r.cold), r.coldReqs,
			roundDuration(r.warm), roundDuration(r.mariadb), fmtRatio(ratio), r.warmReqs, ok)
	}
	tw.Flush()
	sorted := slices.Clone(ratios)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	if len(sorted)%2 == 0 {
		median = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
	}
	throttleBound := rate * throttleShare * 100
	coldRate := float64(coldObjects) / coldWall.Seconds()
	pages := float64(coldObjects) / 100
	fmt.Fprintf(w, "\nwarm stripesql / MariaDB: median %s, worst %s (%s)\n", fmtRatio(median), fmtRatio(ratios[worst]), results[worst].q.name)
	warmCount := "not run"
	if countIdx >= 0 {
		warmCount = roundDuration(results[countIdx].warm).String()
	}
	fmt.Fprintf(w, "warm COUNT(*) of %d charges: %s\n", scale, warmCount)
	fmt.Fprintf(w, "cold full scan: %v, %d objects, %.0f objects/s = %.2f of the throttle (%.1f req/s × 100 objects), %.2f of the rate limit; %d requests (%d 429s) for %.0f pages = %.3f requests per 100-object page\n",
		coldWall.Round(time.Millisecond), coldObjects, coldRate, coldRate/throttleBound, rate*throttleShare, coldRate/(rate*100),
		coldReqs, cold429, pages, float64(coldReqs)/max(pages, 1))
	fmt.Fprintf(w, "stripe_meta.cache_stats after the queries: %s\n", stats)
	fmt.Fprintf(w, "peak RSS of the bench process (stripesql server and client): %d MiB during the cold scan, %d MiB during the queries; live heap after them %d MiB (Go memory limit %d MiB); MariaDB's (mariadbd) peak RSS: %d MiB\n",
		coldPeak>>20, warmPeak>>20, ms.HeapAlloc>>20, debug.SetMemoryLimit(-1)>>20, procPeakRSS(maria.Pid())>>20)
	fmt.Fprintf(w, "issue 12 targets: median ≤ 2× (%s), worst ≤ 5× (%s), warm COUNT(*) < 100ms (%s), cold scan ≥ 0.95 of the throttle (%.2f), ≤ 1.03 requests per page (%.3f)\n",
		fmtRatio(median), fmtRatio(ratios[worst]), warmCount, coldRate/throttleBound, float64(coldReqs)/max(pages, 1))
	if failed > 0 {
		return fmt.Errorf("MISMATCH: %d stripesql answers differ from MariaDB's (see *** MISMATCH above)", failed)
	}
	fmt.Fprintf(w, "every stripesql answer (cold scan, first runs and warm runs) equals MariaDB's\n")
	return nil
}

// selectQueries keeps the queries whose name matches only ("" for all)
// and not skip ("" for none).
func selectQueries(qs []compareQuery, only, skip string) ([]compareQuery, error) {
	match := func(flagName, expr string) (func(string) bool, error) {
		if expr == "" {
			return nil, nil
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", flagName, err)
		}
		return re.MatchString, nil
	}
	keep, err := match("-mariadb-queries", only)
	if err != nil {
		return nil, err
	}
	drop, err := match("-mariadb-skip", skip)
	if err != nil {
		return nil, err
	}
	var out []compareQuery
	for _, q := range qs {
		if (keep == nil || keep(q.name)) && (drop == nil || !drop(q.name)) {
			out = append(out, q)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-mariadb-queries %q, -mariadb-skip %q: no query left", only, skip)
	}
	return out, nil
}

// expandQueries fills in the placeholders with quoted customer ids.
func expandQueries(qs []compareQuery, customers []string) []compareQuery {
	quoted := make([]string, len(customers))
	for i, c := range customers {
		quoted[i] = "'" + strings.ReplaceAll(c, "'", "''") + "'"
	}
	r := strings.NewReplacer("{customer}", quoted[0], "{customers3}", strings.Join(quoted[:3], ", "))
	out := make([]compareQuery, len(qs))
	for i, q := range qs {
		q.query = r.Replace(q.query)
		out[i] = q
	}
	return out
}

// answer runs a query and returns its rows (refdb.Answer).
func answer(db *sql.DB, query string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), compareQueryTimeout)
	defer cancel()
	return refdb.Answer(ctx, db, query)
}

// diffAnswers is "" when got (stripesql's) and want (MariaDB's) are the
// same answer: in order for an ordered query, as sets of rows otherwise.
func diffAnswers(q compareQuery, got, want []string) string {
	return refdb.Diff(q.ordered, "stripesql", got, "MariaDB", want)
}

// column is the first column of a query's rows.
func column(db *sql.DB, query string) ([]string, error) {
	rows, err := db.Query(query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// cacheStats is stripe_meta.cache_stats as name=value pairs (every column,
// so columns added later show up), bytes also in MiB.
func cacheStats(db *sql.DB) (string, error) {
	rows, err := db.Query("SELECT * FROM stripe_meta.cache_stats")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		var kv []string
		for i, c := range cols {
			v := refdb.Normalize(vals[i])
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && strings.Contains(c, "bytes") {
				v = fmt.Sprintf("%d (%.1f MiB)", n, float64(n)/(1<<20))
			}
			kv = append(kv, c+"="+v)
		}
		out = append(out, strings.Join(kv, ", "))
	}
	return strings.Join(out, "; "), rows.Err()
}

// procPeakRSS is another process's peak resident set, bytes (0 if unknown).
func procPeakRSS(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	return vmHWM(string(b))
}

// fmtRatio writes a time ratio with two or three significant digits.
func fmtRatio(r float64) string {
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0f×", r)
	case r >= 10:
		return fmt.Sprintf("%.1f×", r)
	}
	return fmt.Sprintf("%.2f×", r)
}

// roundDuration keeps three significant digits or so, for both milliseconds
// and microseconds.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// startLoadedMariaDB starts a MariaDB (internal/mariadbtest) and loads the
// fake account of scale charges into it (large: page by page, with
// progress); it returns the process, a pool on it, its version and what
// stops it.
func startLoadedMariaDB(w io.Writer, scale int, large bool) (maria *mariadbtest.Server, mdb *sql.DB, version string, stop func(), err error) {
	if maria, err = mariadbtest.StartProcess(""); err != nil {
		return nil, nil, "", nil, err
	}
	stopMaria := onInterrupt(maria.Stop)
	if mdb, err = maria.Open("stripe"); err != nil {
		stopMaria()
		return nil, nil, "", nil, err
	}
	stop = func() { mdb.Close(); stopMaria() }
	if err = mdb.QueryRow("SELECT VERSION()").Scan(&version); err == nil {
		err = startLoader(w, maria.DSN("stripe")+"?interpolateParams=true&maxAllowedPacket=0", scale, large)
	}
	if err != nil {
		stop()
		return nil, nil, "", nil, err
	}
	return maria, mdb, version, stop, nil
}
