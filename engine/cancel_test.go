package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// cancelLatency is the fake's answer time: long enough that a statement
// is always waiting on a request when it is stopped.
const cancelLatency = 150 * time.Millisecond

// KILL QUERY, the client going away and max_execution_time each stop the
// Stripe paging at once: once the statement is stopped, at most the one
// request in flight completes and no other starts.
func TestStoppedStatementsStopPaging(t *testing.T) {
	queries := []string{
		// Streams rows; one page after the other (the LIMIT turns parallel
		// slices off).
		"SELECT id FROM charges ORDER BY created DESC LIMIT 100000",
		// One row at the end: go-mysql-server's own client check never
		// runs for it.
		"SELECT count(*) FROM (SELECT id FROM charges ORDER BY created DESC LIMIT 100000) t",
		"SELECT count(*) FROM charges",
	}
	for _, stop := range []struct {
		name    string
		how     func(t *testing.T, env *stripesqltest.Env, connID int64, cancel context.CancelFunc)
		before  string // run on the statement's connection first
		wantErr string
		tls     bool
		users   []engine.User
	}{
		{"KILL QUERY", func(t *testing.T, env *stripesqltest.Env, connID int64, _ context.CancelFunc) {
			if _, err := env.DB.Exec(fmt.Sprintf("KILL QUERY %d", connID)); err != nil {
				t.Fatal(err)
			}
		}, "", "1317", false, nil},
		{"KILL QUERY by the account", func(t *testing.T, env *stripesqltest.Env, connID int64, _ context.CancelFunc) {
			if _, err := env.DB.Exec(fmt.Sprintf("KILL QUERY %d", connID)); err != nil {
				t.Fatal(err)
			}
		}, "", "1317", false, []engine.User{reader}},
		{"client disconnect", func(_ *testing.T, _ *stripesqltest.Env, _ int64, cancel context.CancelFunc) { cancel() }, "", "context canceled", false, nil},
		{"client disconnect over TLS", func(_ *testing.T, _ *stripesqltest.Env, _ int64, cancel context.CancelFunc) { cancel() }, "", "context canceled", true, nil},
		{"max_execution_time", nil, "SET max_execution_time = 500", "3024", false, nil},
	} {
		for _, q := range queries {
			t.Run(stop.name+"/"+q, func(t *testing.T) {
				t.Parallel()
				env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 3000, Latency: cancelLatency}, TLS: stop.tls, Users: stop.users})
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				conn, err := env.DB.Conn(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				var connID int64
				if err := conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&connID); err != nil {
					t.Fatal(err)
				}
				if stop.before != "" {
					if _, err := conn.ExecContext(ctx, stop.before); err != nil {
						t.Fatal(err)
					}
				}
				env.Requests()
				done := make(chan error, 1)
				go func() {
					_, err := stripesqltest.Query(ctx, conn, q)
					done <- err
				}()
				if stop.how != nil {
					waitForRequests(t, env, 3)
					stop.how(t, env, connID, cancel)
				}
				var qerr error
				select {
				case qerr = <-done:
				case <-time.After(30 * time.Second):
					t.Fatal("the statement was not stopped")
				}
				if qerr == nil || !strings.Contains(qerr.Error(), stop.wantErr) {
					t.Errorf("statement error = %v, want %s", qerr, stop.wantErr)
				}
				stopped := env.RequestCount()
				// Long enough for a statement still paging to ask again.
				time.Sleep(4 * cancelLatency)
				after := env.RequestCount()
				if after > stopped+1 {
					t.Errorf("%d requests once stopped, %d after: paging went on", stopped, after)
				}
				if pages := len(env.Fake.Objects("charges")) / 100; after >= pages {
					t.Errorf("%d requests: the whole list (%d pages) was read", after, pages)
				}
			})
		}
	}
}

// waitForRequests waits until Stripe has received n requests.
func waitForRequests(t *testing.T, env *stripesqltest.Env, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for env.RequestCount() < n {
		if time.Now().After(deadline) {
			t.Fatalf("Stripe received %d requests, waited for %d", env.RequestCount(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
