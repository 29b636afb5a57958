// Package stripesqltest runs a whole stripesql over a fake Stripe account
// for tests: the fake HTTP API, the MySQL server and a client connection.
package stripesqltest

import (
	"cmp"
	"context"
	"crypto/tls"
	"database/sql"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/engine/binlog"
	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/tables/sqltable"
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
	// Cache, when set, is used instead of one made from CacheTTL and
	// CacheBytes (to give it a fake clock).
	Cache      *cache.Cache
	MaxRetries int
	// RateLimit and RateLimitRetries are the client's (sqltable.ClientOptions).
	RateLimit        float64
	RateLimitRetries int
	// Logger receives the server's log (nil: none).
	Logger *slog.Logger
	// StripeURL serves Stripe from elsewhere (stripe-mock) instead of a
	// fake account; Env.Fake is then nil.
	StripeURL string

	// APIKey is the key the server uses (default Key).
	APIKey string
	// HTTPClient makes the Stripe requests (default: the client's own,
	// with its long timeout).
	HTTPClient *http.Client
	// Users are the server's MySQL accounts; Env.DB logs in as the first.
	Users []engine.User
	// TLS serves the MySQL protocol over TLS too, with a self-signed
	// certificate (Env.CAFile); Env.DB then uses TLS.
	TLS bool
	// RequireTLS refuses connections without TLS (implies TLS).
	RequireTLS bool
	// AllowWrites lets INSERT, UPDATE and DELETE reach Stripe (for the
	// Users with Write, or everyone without Users).
	AllowWrites bool
	// Accounts serve further Stripe accounts, each its own database.
	Accounts []AccountOptions
	// Shared and ExpectedReplicas are the client's (sqltable.ClientOptions):
	// what this server shares with other replicas (a Redis store).
	Shared           cache.Shared
	ExpectedReplicas int
	// SearchLag and Now are the client's: Search pushdown's safe lag (0:
	// off) and the clock of its cutoff (set it to the fake account's).
	SearchLag time.Duration
	Now       func() time.Time
	// CacheDir keeps the row cache on disk there (with the cache on), as
	// --cache-dir does; DiskBytes bounds it (0: 1 GiB). Env.Restart then
	// starts a server that finds what the last one kept.
	CacheDir  string
	DiskBytes int64
	// WrapStore, when set, stands between the client and its disk store
	// (to make it fail).
	WrapStore func(cache.KV) cache.KV
	// Events polls the account's events at this interval (as
	// --cache-refresh-events), after a catch-up before the server serves.
	Events time.Duration
	// Binlog serves the events applied as a binary log (with Events), as
	// stripesql does; BinlogRetain bounds it (0: binlog.DefaultRetain).
	Binlog       bool
	BinlogRetain int64
}

// Env is a running stripesql over a fake Stripe account.
type Env struct {
	Fake *fakestripe.Server
	// Addr is the MySQL server's host:port.
	Addr string
	// DB is a go-sql-driver/mysql pool on database "stripe".
	DB *sql.DB
	// Client is the Stripe client and Server the MySQL server.
	Client *sqltable.Client
	Server *engine.Server
	// CAFile is the PEM certificate a client verifies the server with
	// (with Options.TLS).
	CAFile    string
	tlsConfig *tls.Config
	// Accounts are Options.Accounts, by database.
	Accounts map[string]*Account

	faults *faults
	leaks  *leakCheck
	// opts, url and stop are what Restart needs: the options the server
	// was started with, the fake's address, and what stops the server.
	opts Options
	url  string
	stop func()
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
	var fake *fakestripe.Server
	f := &faults{}
	if opts.StripeURL == "" {
		fake = fakestripe.New(opts.Fake)
		f.next = fake
	} else {
		// Requests to stripe-mock are recorded too, to assert on them.
		u, err := url.Parse(opts.StripeURL)
		if err != nil {
			t.Fatal(err)
		}
		f.next = httputil.NewSingleHostReverseProxy(u)
	}
	hs := httptest.NewServer(f)
	t.Cleanup(hs.Close)
	stripeURL := hs.URL
	if opts.APIKey == "" {
		opts.APIKey = Key
	}
	keys := []string{opts.APIKey}
	for _, a := range opts.Accounts {
		keys = append(keys, accountKey(a.Database))
	}
	leaks := newLeakCheck(t, keys...)
	opts.Logger = leaks.logger(opts.Logger)

	env := &Env{Fake: fake, faults: f, leaks: leaks, opts: opts, url: stripeURL, Accounts: newAccounts(t, opts)}
	env.start(t)
	env.resetRequests()
	return env
}

// start starts the server part of an Env: the client (with its disk
// store), the events watcher, the MySQL server and the pool.
func (e *Env) start(t testing.TB) {
	t.Helper()
	opts := e.opts
	c := opts.Cache
	if c == nil && opts.CacheTTL > 0 {
		if opts.CacheBytes == 0 {
			opts.CacheBytes = 64 << 20
		}
		c = cache.New(cache.Options{MaxBytes: opts.CacheBytes, TTL: opts.CacheTTL})
	}
	client := newClient(opts, opts.APIKey, e.url, c)
	var stops []func()
	if opts.CacheDir != "" && c != nil {
		store := openStore(t, opts.CacheDir, opts.APIKey, opts.Logger)
		var kv cache.KV = store
		if opts.WrapStore != nil {
			kv = opts.WrapStore(kv)
		}
		client.UseStore(kv, cmp.Or(opts.DiskBytes, 1<<30))
		stops = append(stops, func() { store.Close() })
	}
	stops = append(stops, startClients(t, opts, e.Accounts, c)...)
	accounts := engineAccounts(client, e.Accounts, opts.Accounts)
	var src *binlog.Source
	if opts.Binlog {
		var err error
		if src, err = engine.OpenBinlog(accounts, 1, opts.BinlogRetain); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	stops = append(stops, cancel)
	if opts.Events > 0 {
		// Each account's events, as stripesql watches them: caught up
		// with before the server serves.
		for _, a := range accounts {
			w := a.Client.NewEventWatcher(opts.Logger)
			if _, err := w.CatchUp(ctx, opts.Events); err != nil {
				t.Fatalf("catching up with the events of %s: %v", a.Database, err)
			}
			done := make(chan struct{})
			go func() { defer close(done); w.Run(ctx, opts.Events) }()
			stops = append(stops, func() { cancel(); <-done })
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := engine.Config{Listener: ln, Accounts: accounts, Binlog: src,
		Logger: opts.Logger, Users: opts.Users, RequireTLS: opts.RequireTLS, AllowWrites: opts.AllowWrites}
	e.Addr, e.Client = ln.Addr().String(), client
	if opts.TLS || opts.RequireTLS {
		if e.CAFile == "" {
			cfg.TLSConfig, e.CAFile = selfSignedTLS(t)
		} else {
			cfg.TLSConfig = e.tlsConfig
		}
		e.tlsConfig = cfg.TLSConfig
	}
	srv, err := engine.New(cfg)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	go srv.Serve()
	e.Server = srv

	user, password := "root", ""
	if len(opts.Users) > 0 {
		user, password = opts.Users[0].Name, opts.Users[0].Password
	}
	db := e.Open(t, user, password, e.CAFile != "")
	e.DB = db
	// The server stops before the store closes: the last statement's
	// writes go first. Stopping twice (Restart, then the test's end) is
	// stopping once.
	e.stop = sync.OnceFunc(func() {
		db.Close()
		srv.Close()
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	})
	t.Cleanup(e.stop)
}

// Restart stops the server part of the Env (cleanly: its disk store is
// closed), runs down (what happens while it is down: changes at the
// fake), then starts it again over the same fake and cache directory, as
// a restarted stripesql would be; opts, when set, change its options.
func (e *Env) Restart(t testing.TB, down func(), opts ...func(*Options)) {
	t.Helper()
	e.stop()
	if down != nil {
		down()
	}
	for _, o := range opts {
		o(&e.opts)
	}
	e.start(t)
}

// CacheOff starts another server over the same fake account, without a
// cache (the reference answers), whose requests are not among this
// Env's.
func (e *Env) CacheOff(t testing.TB) *Env {
	t.Helper()
	hs := httptest.NewServer(e.Fake)
	t.Cleanup(hs.Close)
	return Start(t, Options{StripeURL: hs.URL, APIKey: e.opts.APIKey, Now: e.opts.Now})
}

// Open opens another go-sql-driver/mysql pool on database "stripe", over
// TLS verified with CAFile when tls is set; it is closed when the test ends.
func (e *Env) Open(t testing.TB, user, password string, tls bool) *sql.DB {
	t.Helper()
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = user, password
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", e.Addr, "stripe"
	cfg.ParseTime, cfg.Loc = true, time.UTC
	if tls {
		cfg.TLS = clientTLS(t, e.CAFile)
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	t.Cleanup(func() { db.Close() })
	return db
}

// Requests returns the requests the fake received since the last call, as
// "GET /v1/charges?created[gte]=1&limit=100" with sorted, unescaped
// parameters, and forgets them.
func (e *Env) Requests() []string { return takeRequests(e.faults, e.Fake) }

// resetRequests forgets the requests seen so far, the fakes' included.
func (e *Env) resetRequests() {
	resetRequests(e.faults, e.Fake)
	for _, a := range e.Accounts {
		resetRequests(a.faults, a.Fake)
	}
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
	out, err := Query(context.Background(), e.DB, query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	for _, row := range out {
		for _, v := range row {
			e.leaks.check(t, query, v)
		}
	}
	return out
}

// Querier is a *sql.DB, *sql.Conn or *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Query runs a query and returns its rows as strings ("NULL" for NULL)
// and the first error, of the query or of reading its rows, with the
// rows read before it.
func Query(ctx context.Context, db Querier, query string, args ...any) ([][]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return out, err
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
	return out, rows.Err()
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
	e.leaks.check(t, query, err.Error())
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
