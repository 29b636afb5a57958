// Package stripesqltest runs a whole stripesql over a fake Stripe account
// for tests: the fake HTTP API, the MySQL server and a client connection.
package stripesqltest

import (
	"database/sql"
	"fmt"
	"net"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/tables"
)

// Key is the API key tests use.
const Key = "sk_test_stripesqltest4242"

// Options tune an Env; the zero value is a small account without cache.
type Options struct {
	Fake fakestripe.Options
	// CacheTTL enables the page cache (0: every query asks Stripe, so
	// tests see every request a query makes).
	CacheTTL   time.Duration
	CacheBytes int64
	MaxRetries int
	// StripeURL serves Stripe from elsewhere (stripe-mock) instead of a
	// fake account; Env.Fake is then nil.
	StripeURL string
}

// Env is a running stripesql over a fake Stripe account.
type Env struct {
	Fake *fakestripe.Server
	// Addr is the MySQL server's host:port.
	Addr string
	// DB is a go-sql-driver/mysql pool on database "stripe".
	DB *sql.DB
}

// Start starts an Env and stops it when the test ends.
func Start(t testing.TB, opts Options) *Env {
	t.Helper()
	if opts.Fake.Scale == 0 {
		opts.Fake.Scale = 250
	}
	if opts.Fake.Seed == 0 {
		opts.Fake.Seed = 1
	}
	stripeURL := opts.StripeURL
	var fake *fakestripe.Server
	if stripeURL == "" {
		fake = fakestripe.New(opts.Fake)
		hs := httptest.NewServer(fake)
		t.Cleanup(hs.Close)
		stripeURL = hs.URL
	}

	var c *cache.Cache
	if opts.CacheTTL > 0 {
		if opts.CacheBytes == 0 {
			opts.CacheBytes = 64 << 20
		}
		c = cache.New(cache.Options{MaxBytes: opts.CacheBytes, TTL: opts.CacheTTL})
	}
	client := tables.NewClient(tables.ClientOptions{APIKey: Key, URL: stripeURL, Cache: c, MaxRetries: opts.MaxRetries, RetryBase: time.Millisecond})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := engine.New(engine.Config{Listener: ln, Accounts: []engine.Account{{Database: "stripe", Client: client}}})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	t.Cleanup(func() { srv.Close() })

	addr := ln.Addr().String()
	db, err := sql.Open("mysql", fmt.Sprintf("root@tcp(%s)/stripe?parseTime=true&loc=UTC", addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if fake != nil {
		fake.ResetRequests()
	}
	return &Env{Fake: fake, Addr: addr, DB: db}
}

// Requests returns the requests the fake received since the last call, as
// "GET /v1/charges?created[gte]=1&limit=100" with sorted, unescaped
// parameters, and forgets them.
func (e *Env) Requests() []string {
	reqs := e.Fake.Requests()
	e.Fake.ResetRequests()
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = FormatRequest(r.Method, r.Path, r.Query)
	}
	return out
}

// FormatRequest renders a request the way Requests does.
func FormatRequest(method, path string, q url.Values) string {
	s := method + " " + path
	if len(q) > 0 {
		enc, _ := url.QueryUnescape(q.Encode())
		s += "?" + enc
	}
	return s
}

// Rows runs a query and returns its rows as strings ("NULL" for NULL).
func (e *Env) Rows(t testing.TB, query string, args ...any) [][]string {
	t.Helper()
	rows, err := e.DB.Query(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = "NULL"
			if v.Valid {
				row[i] = v.String
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return out
}

// Error runs a query that must fail and returns the error text.
func (e *Env) Error(t testing.TB, query string, args ...any) string {
	t.Helper()
	rows, err := e.DB.Query(query, args...)
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	if err == nil {
		t.Fatalf("%s: succeeded, want an error", query)
	}
	return err.Error()
}

// Column returns the values of the first column.
func Column(rows [][]string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r[0]
	}
	return out
}

// Join is strings.Join for messages.
func Join(s []string) string { return strings.Join(s, "\n") }
