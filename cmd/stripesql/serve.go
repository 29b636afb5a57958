package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/tables/sqltable"
)

// serverFlags are the flags of every command that serves SQL.
type serverFlags struct {
	listen    string
	database  string
	cacheSize byteSize
	cacheTTL  time.Duration
	logLevel  string
	// cacheRefresh is the interval of the events poller (0: none).
	cacheRefresh  time.Duration
	metricsListen string
	// rateLimit is a flag of `serve` only: in `demo` --rate-limit is the
	// fake account's.
	rateLimit float64
	// redisURL and expectedReplicas (`serve` only) make replicas share
	// through Redis (see redis.go).
	redisURL         string
	expectedReplicas int
	// shared is the store opened from redisURL (nil: none).
	shared cache.Shared
	// searchLag is the search index's safe lag (0: Search off).
	searchLag searchLag
	// timeZone is the sessions' initial time_zone ("": +00:00).
	timeZone timeZoneFlag
	security securityFlags
	// store is the disk cache's flags (`serve` only).
	store storeFlags
	// webhook is the events receiver's flags (`serve` only).
	webhook webhookFlags
}

func (f *serverFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.listen, "listen", "127.0.0.1:3306", "`host:port` the MySQL protocol listens on")
	fs.StringVar(&f.database, "database", "stripe", "MySQL database `name` of the Stripe account")
	f.cacheSize = 256 << 20
	fs.Var(&f.cacheSize, "cache-size", "bound of the row cache, and of the page cache: a `size` such as 512MiB, 4GiB, 300MB or a number of bytes")
	fs.DurationVar(&f.cacheTTL, "cache-ttl", 5*time.Minute, "how long a cached Stripe page is served (0 disables the cache)")
	fs.StringVar(&f.logLevel, "log-level", "info", "log `level`: debug, info, warn or error; info logs one line per query")
	fs.DurationVar(&f.cacheRefresh, "cache-refresh-events", 30*time.Second, "poll Stripe's events at this `interval` and apply them to the cached rows, "+
		"which then stay right without expiring (0: off; rows then expire after --cache-ttl)")
	fs.StringVar(&f.metricsListen, "metrics-listen", "", "serve Prometheus metrics on http://`host:port`/metrics (empty: off)")
	f.searchLag = searchLag(defaultSearchLag)
	fs.Var(&f.searchLag, "search-lag", "how far Stripe's search index may lag behind writes: conditions Search takes (metadata, email, amounts) are searched up to now minus this `duration`, and the rest is read with the list and events; off: never search")
	fs.Var(&f.timeZone, "default-time-zone", "the time_zone sessions start in, as mysqld's option: an offset such as +05:30, a tz database `zone` such as America/New_York, or SYSTEM (default +00:00, whatever the host's zone)")
	f.security.register(fs)
}

// clientOptions configures the client of the account of key.
func (f *serverFlags) clientOptions(key, url string, log *slog.Logger) sqltable.ClientOptions {
	rate := f.rateLimit
	if rate == 0 {
		rate = sqltable.DefaultRateLimit(key)
	}
	return sqltable.ClientOptions{APIKey: key, URL: url, Cache: f.cache(), MaxRetries: 3, RateLimitRetries: 10, RateLimit: rate, Logger: log,
		Shared: f.shared, ExpectedReplicas: f.expectedReplicas, SearchLag: time.Duration(f.searchLag)}
}

func (f *serverFlags) logger(w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(f.logLevel)); err != nil {
		return nil, usageError{fmt.Sprintf("--log-level %q: want debug, info, warn or error", f.logLevel)}
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl})), nil
}

func (f *serverFlags) cache() *cache.Cache {
	return cache.New(cache.Options{MaxBytes: int64(f.cacheSize), TTL: f.cacheTTL})
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args, turning flag errors into usage errors (exit 2).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q (see %s -h)", fs.Arg(0), fs.Name())}
	}
	return nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("stripesql", stderr)
	var sf serverFlags
	sf.register(fs)
	var single servedAccount
	fs.StringVar(&single.keyFile, "api-key-file", "", "read the Stripe API key from `file` (else STRIPE_API_KEY)")
	fs.StringVar(&single.keyEnv, "api-key-env", "", "read the Stripe API key from the environment variable `name` (default STRIPE_API_KEY)")
	stripeURL := fs.String("stripe-url", "", "Stripe API base `url` (default Stripe's; e.g. a fake-stripe or stripe-mock address)")
	fs.Float64Var(&sf.rateLimit, "rate-limit", 0, "Stripe `requests` per second, per account, shared by all queries (0: 90 for live keys, 22 for test keys); 429s slow it down for a while")
	sf.registerRedis(fs)
	sf.store.register(fs)
	sf.webhook.register(fs)
	registerConfig(fs)
	setUsage(fs, serveUsage)
	for _, a := range args {
		if name := strings.TrimLeft(strings.SplitN(a, "=", 2)[0], "-"); name == "api-key" || name == "key" {
			return usageError{"the API key is not accepted as a flag value (the process list would show it): set STRIPE_API_KEY or use --api-key-file"}
		}
	}
	cf, err := parseSettings(fs, args, getenv, accountSection)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log, err := sf.logger(stderr)
	if err != nil {
		return err
	}
	if sf.rateLimit < 0 {
		return usageError{fmt.Sprintf("--rate-limit %v: want a positive number of requests per second (0: the key's default)", sf.rateLimit)}
	}
	if single.keyFile != "" && single.keyEnv != "" {
		return usageError{"--api-key-file and --api-key-env both name the key: keep one"}
	}
	single.database = sf.database
	accounts, err := servedAccounts(fs, cf, single)
	if err != nil {
		return err
	}
	closeRedis, err := sf.openRedis(log)
	if err != nil {
		return err
	}
	defer closeRedis()
	served, closeStores, err := connectAccounts(ctx, &sf, accounts, *stripeURL, getenv, log)
	if err != nil {
		return err
	}
	defer closeStores()
	return serve(ctx, sf, served, stdout, log)
}

// serveUsage heads `stripesql -h`.
const serveUsage = `Usage: stripesql [serve] [flags]      serve Stripe accounts as MySQL databases
       stripesql demo [flags]         serve an embedded fake Stripe account (no key needed; see demo -h)
       stripesql fake-stripe [flags]  run the fake Stripe API alone (see fake-stripe -h)

The API key is read from STRIPE_API_KEY (or the variable --api-key-env
names) or from --api-key-file; never from a flag value (the process list
shows command lines) nor from the config file (config files get shared).

Several accounts, each served as its own database, are listed in the
config file, one [[account]] table each:

  [[account]]
  name = "stripe_eu"             # its database
  api_key_env = "STRIPE_EU_KEY"  # or api_key_file = "path"
  stripe_url = "…"               # optional (default --stripe-url)
  rate_limit = 50                # optional (default --rate-limit)
`

// readKey takes the key from a file or from the environment variable
// envName (default STRIPE_API_KEY) and checks its form.
func readKey(file, envName string, getenv func(string) string) (string, error) {
	src := "STRIPE_API_KEY"
	if envName != "" {
		src = envName
	}
	key := getenv(src)
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--api-key-file: %v", err)
		}
		key, src = strings.TrimSpace(string(b)), "--api-key-file "+file
	}
	switch {
	case key == "" && file == "" && envName != "":
		return "", usageError{"no Stripe API key: the environment variable " + envName + " is empty or unset"}
	case key == "" && file == "" && getenv("STRIPESQL_API_KEY") != "":
		return "", usageError{"no Stripe API key: STRIPESQL_API_KEY is not read (a key is not a setting): set STRIPE_API_KEY, or name the variable with --api-key-env"}
	case key == "" && file == "":
		return "", usageError{"no Stripe API key: set STRIPE_API_KEY or use --api-key-file (or try `stripesql demo`, which needs none)"}
	case key == "":
		return "", usageError{src + " is empty"}
	}
	for _, p := range []string{"sk_test_", "sk_live_", "rk_test_", "rk_live_"} {
		if strings.HasPrefix(key, p) && len(key) > len(p) {
			return key, nil
		}
	}
	if strings.HasPrefix(key, "pk_") {
		return "", usageError{src + " holds a publishable key (pk_…); stripesql needs a secret (sk_…) or restricted (rk_…) key"}
	}
	return "", usageError{src + " does not hold a Stripe secret (sk_…) or restricted (rk_…) key"}
}

// checkKey makes one request so that a wrong key or URL fails at start-up,
// not at the first query, and returns the id of the key's account (what
// the disk cache's key is derived from besides the API key). A restricted
// key that may not read the account is still a valid key (its id is "").
func checkKey(ctx context.Context, c *sqltable.Client) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	body, err := c.Get(ctx, "/v1/account", nil)
	var ae *sqltable.APIError
	switch {
	case err == nil:
		return accountOf(body), nil
	case errors.As(err, &ae) && ae.Status == http.StatusForbidden:
		return "", nil
	case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
		return "", fmt.Errorf("Stripe rejected the API key: %s", ae.Message)
	default:
		return "", fmt.Errorf("cannot reach Stripe: %v", sqltable.Redact(err.Error()))
	}
}

// serve runs the MySQL server until ctx is done.
func serve(ctx context.Context, sf serverFlags, accounts []engine.Account, stdout io.Writer, log *slog.Logger) error {
	// Memory follows what the caches hold, within --cache-size each.
	if sf.cacheTTL > 0 {
		go engine.FollowMemory(ctx, accounts)
	}
	cfg := engine.Config{Listen: sf.listen, Accounts: accounts, Logger: log, DefaultTimeZone: string(sf.timeZone)}
	if err := sf.security.apply(&cfg); err != nil {
		return err
	}
	if err := engine.CheckListen(sf.listen, cfg.Users); err != nil {
		return usageError{err.Error()}
	}
	ln, err := net.Listen("tcp", sf.listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %v", sf.listen, err)
	}
	cfg.Listener = ln
	if sf.cacheRefresh > 0 && sf.cacheTTL > 0 {
		// The change stream follows the events the watchers apply.
		if cfg.Binlog, err = sf.security.replicate.source(accounts); err != nil {
			ln.Close()
			return err
		}
	}
	srv, err := engine.New(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	// What happened while the server was down is applied before it
	// serves: the rows held on disk are then right.
	var watchers []*sqltable.EventWatcher
	for _, a := range accounts {
		if sf.cacheRefresh > 0 && sf.cacheTTL > 0 {
			w := a.Client.NewEventWatcher(log)
			if _, err := w.CatchUp(ctx, sf.cacheRefresh); err != nil {
				log.Warn("cache: catching up with Stripe's events failed; will retry", "database", a.Database, "error", sqltable.Redact(err.Error()))
			}
			watchers = append(watchers, w)
		}
	}
	for _, w := range watchers {
		go w.Run(ctx, sf.cacheRefresh)
	}
	if err := sf.webhook.serve(ctx, accounts, watchers, log); err != nil {
		srv.Close()
		return err
	}
	if sf.metricsListen != "" {
		mln, err := net.Listen("tcp", sf.metricsListen)
		if err != nil {
			srv.Close()
			return fmt.Errorf("--metrics-listen %s: %v", sf.metricsListen, err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", srv.MetricsHandler())
		hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go hs.Serve(mln)
		defer hs.Close()
		fmt.Fprintf(stdout, "metrics: http://%s/metrics\n", mln.Addr())
	}
	host, port, _ := net.SplitHostPort(srv.Addr().String())
	fmt.Fprintf(stdout, "stripesql is serving %s on %s\nconnect with: %s\n",
		databaseList(accounts), srv.Addr(), sf.security.connectHint(cfg, host, port, accounts[0].Database))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve() }()
	select {
	case <-ctx.Done():
		sf.security.shutdown(srv)
		<-errc
		return nil
	case err := <-errc:
		return err
	}
}
