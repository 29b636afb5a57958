package main

// The change stream section: stripesql as `stripesql serve` runs it (disk
// store, events watcher, binary log) over a fake account without latency
// or rate limit, and one go-mysql BinlogSyncer in GTID mode, the library
// behind canal: the latency from a write at the fake to the consumer
// receiving the row (the watcher polling every second, as with webhooks
// about a second is what Stripe takes), and how many transactions one
// stream delivers per second, replaying a backlog from the log.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"
)

var (
	// withBinlog runs the section; binlogOnly alone.
	withBinlog  = true
	binlogOnly  bool
	binlogScale = 20_000
	// binlogBacklog is the number of changes the throughput phase streams.
	binlogBacklog = 5_000
)

const binlogLatencyRuns = 10

func benchBinlog(w io.Writer, scale int) error {
	fmt.Fprintf(w, "\nChange stream: a fake account of %d charges, no latency, no rate limit; stripesql with its disk store, events and binary log…\n", scale)
	fakeURL, stopFake, err := startFake(scale, 0, 0)
	if err != nil {
		return err
	}
	defer stopFake()
	dir, err := os.MkdirTemp("", "stripesql-bench-binlog-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cnt := &splitCounter{next: http.DefaultTransport.(*http.Transport).Clone()}
	d, err := openDurable(fakeURL, dir, durableCacheBytes, &offsetClock{}, cnt)
	if err != nil {
		return err
	}
	defer d.close()
	ids, err := column(d.db, fmt.Sprintf("SELECT id FROM charges ORDER BY id LIMIT %d", binlogBacklog+binlogLatencyRuns))
	if err != nil {
		return err
	}
	if len(ids) < binlogBacklog+binlogLatencyRuns {
		return fmt.Errorf("the account has %d charges, want %d", len(ids), binlogBacklog+binlogLatencyRuns)
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: time.Minute}
	ctx := context.Background()

	// Latency: the watcher every second, one write at a time, spread over
	// the interval.
	d.watch(time.Second)
	st, stop, err := binlogConsumer(d.srv.Addr().String(), "")
	if err != nil {
		return err
	}
	var lat []time.Duration
	for i, id := range ids[:binlogLatencyRuns] {
		time.Sleep(time.Duration(i) * time.Second / binlogLatencyRuns)
		value := fmt.Sprintf("lat-%d-%d", i, time.Now().UnixNano())
		t0 := time.Now()
		if err := setMetadata(ctx, hc, fakeURL, id, "bench_binlog", value); err != nil {
			stop()
			return err
		}
		if err := waitRow(st, id, value); err != nil {
			stop()
			return err
		}
		lat = append(lat, time.Since(t0))
	}
	stop()
	sorted := slices.Clone(lat)
	slices.Sort(sorted)
	fmt.Fprintf(w, "latency from a write at the fake to the consumer receiving the row, watcher every 1s: median %v, max %v (runs: %s)\n",
		roundDuration(sorted[len(sorted)/2]), roundDuration(sorted[len(sorted)-1]), durations(lat))

	// Throughput: a backlog of changes made while no consumer reads, then
	// one stream replaying it from the set before it. The same number of
	// changes first applied without the log says what logging costs.
	d.stopRun()
	hc.Timeout = 5 * time.Minute
	backlog := ids[binlogLatencyRuns:]
	log := d.srv.BinlogOf("stripe")
	d.client.SetChangeLog(nil)
	unlogged, unloggedDur, err := pollAfter(ctx, d, hc, fakeURL, backlog, "bench_plain")
	if err != nil {
		return err
	}
	d.client.SetChangeLog(log)
	var before string
	if err := d.db.QueryRow("SELECT @@GLOBAL.gtid_executed").Scan(&before); err != nil {
		return err
	}
	n, pollDur, err := pollAfter(ctx, d, hc, fakeURL, backlog, "bench_backlog")
	if err != nil {
		return err
	}
	st, stop, err = binlogConsumer(d.srv.Addr().String(), before)
	if err != nil {
		return err
	}
	defer stop()
	t0 := time.Now()
	got := 0
	for got < len(backlog) {
		ev, err := st.GetEvent(ctx)
		if err != nil {
			return err
		}
		if _, ok := ev.Event.(*replication.XIDEvent); ok {
			got++
		}
	}
	streamDur := time.Since(t0)
	fmt.Fprintf(w, "one poll applied %d events in %v without the log (%.0f events/s), %d with it in %v (%.0f events/s: %.2f× the time); one stream replayed %d transactions in %v: %.0f transactions/s\n",
		unlogged, unloggedDur.Round(time.Millisecond), float64(unlogged)/unloggedDur.Seconds(),
		n, pollDur.Round(time.Millisecond), float64(n)/pollDur.Seconds(), pollDur.Seconds()/unloggedDur.Seconds(),
		got, streamDur.Round(time.Millisecond), float64(got)/streamDur.Seconds())
	return nil
}

// pollAfter makes a metadata change on each of ids at the fake (16 at a
// time), then times one poll applying them.
func pollAfter(ctx context.Context, d *durableServer, hc *http.Client, fakeURL string, ids []string, key string) (int, time.Duration, error) {
	var next atomic.Int64
	errc := make(chan error, 16)
	for k := 0; k < 16; k++ {
		go func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(ids) {
					errc <- nil
					return
				}
				if err := setMetadata(ctx, hc, fakeURL, ids[i], key, strconv.Itoa(i)); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	for k := 0; k < 16; k++ {
		if err := <-errc; err != nil {
			return 0, 0, err
		}
	}
	t0 := time.Now()
	n, err := d.w.Poll(ctx)
	return n, time.Since(t0), err
}

// binlogConsumer connects a BinlogSyncer in GTID mode from set.
func binlogConsumer(addr, set string) (*replication.BinlogStreamer, func(), error) {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	s := replication.NewBinlogSyncer(replication.BinlogSyncerConfig{ServerID: 2001, Flavor: "mysql", Host: host, Port: uint16(p),
		User: "root", MaxReconnectAttempts: 1, DisableRetrySync: true, UseDecimal: true, Logger: slog.New(slog.DiscardHandler)})
	gs, err := gomysql.ParseMysqlGTIDSet(set)
	if err != nil {
		return nil, nil, err
	}
	st, err := s.StartSyncGTID(gs)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return st, s.Close, nil
}

// waitRow reads the stream until the charge's row carries value.
func waitRow(st *replication.BinlogStreamer, id, value string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		ev, err := st.GetEvent(ctx)
		if err != nil {
			return fmt.Errorf("waiting for %s: %v", id, err)
		}
		if e, ok := ev.Event.(*replication.RowsEvent); ok && string(e.Table.Table) == "charges" {
			for _, row := range e.Rows {
				if row[0] == id && strings.Contains(fmt.Sprint(row...), value) {
					return nil
				}
			}
		}
	}
}

func durations(ds []time.Duration) string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = roundDuration(d).String()
	}
	return strings.Join(out, ", ")
}
