package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// syncBuffer is a bytes.Buffer safe for the server's and the test's
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var servingOn = regexp.MustCompile(`serving database "stripe" on (\S+)`)

// startRun runs the command line in the background until the returned
// cancel, and returns the MySQL address it serves and a channel closed
// when run has returned (its result in *runErr).
func startRun(t *testing.T, args ...string) (addr string, cancel context.CancelFunc, done <-chan struct{}, runErr *error) {
	t.Helper()
	return startRunTo(t, new(syncBuffer), args...)
}

// startRunTo is startRun writing the command's output to stdout.
func startRunTo(t *testing.T, stdout *syncBuffer, args ...string) (addr string, cancel context.CancelFunc, done <-chan struct{}, runErr *error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	finished := make(chan struct{})
	var err error
	go func() {
		defer close(finished)
		err = run(ctx, args, stdout, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		<-finished
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := servingOn.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], cancel, finished, &err
		}
		select {
		case <-finished:
			t.Fatalf("run %v ended: %v\n%s", args, err, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %v: not serving after 30 s:\n%s%s", args, stdout.String(), stderr.String())
		}
	}
}

func openDB(t *testing.T, addr string) *sql.DB {
	t.Helper()
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.DBName = "root", "tcp", addr, "stripe"
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	t.Cleanup(func() { db.Close() })
	return db
}

// countRows runs q and counts its rows, returning the first error of the
// query or of reading its rows.
func countRows(db *sql.DB, q string) (int, error) {
	rows, err := db.Query(q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

// On SIGTERM (run's context cancelled) the server stops accepting, lets
// running queries finish within --shutdown-timeout and stops those still
// running past it with "Server shutdown in progress"; a client never gets
// a cut result, and run returns cleanly.
func TestGracefulShutdown(t *testing.T) {
	// A query paging 10 pages at 150 ms each: about 1.5 s.
	const q = "SELECT id FROM charges ORDER BY created DESC LIMIT 100000"
	const scale = 1000
	for _, tc := range []struct {
		name    string
		timeout string
		wantErr uint16 // 0: the query completes
	}{
		{"query finishes within the timeout", "30s", 0},
		{"query stopped at the timeout", "200ms", 1053},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr, stop, done, runErr := startRun(t, "demo", "--listen", "127.0.0.1:0", "--scale", "1000", "--latency", "150ms",
				"--cache-ttl", "0", "--log-level", "error", "--shutdown-timeout", tc.timeout)
			db := openDB(t, addr)
			idle := openDB(t, addr)
			if err := idle.Ping(); err != nil {
				t.Fatal(err)
			}
			type answer struct {
				n   int
				err error
			}
			answers := make(chan answer, 1)
			go func() {
				n, err := countRows(db, q)
				answers <- answer{n, err}
			}()
			time.Sleep(400 * time.Millisecond) // the query is paging
			stop()

			// No new statement is accepted meanwhile.
			time.Sleep(50 * time.Millisecond)
			if _, err := countRows(idle, "SELECT 1"); err == nil {
				t.Error("a statement was accepted during the shutdown")
			}
			a := <-answers
			switch {
			case tc.wantErr == 0 && (a.err != nil || a.n != scale):
				t.Errorf("running query: %d rows, %v; want all %d", a.n, a.err, scale)
			case tc.wantErr != 0:
				var me *mysql.MySQLError
				if !errors.As(a.err, &me) || me.Number != tc.wantErr || a.n != 0 {
					t.Errorf("running query: %d rows, %v; want error %d and no row", a.n, a.err, tc.wantErr)
				}
			}
			select {
			case <-done:
				if *runErr != nil {
					t.Errorf("run: %v", *runErr)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("run did not return")
			}
			if _, err := countRows(openDB(t, addr), "SELECT 1"); err == nil {
				t.Error("the server still accepts connections")
			}
		})
	}
}
