package stripesqltest

import (
	"cmp"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/tables/sqltable"
)

// AccountOptions add a Stripe account to an Env besides "stripe": its own
// database over its own fake Stripe server, with a client of its own
// (own key, hence own cache namespace in the Env's shared cache, and own
// throttle). With Options.Events its events are watched too, and with
// Options.Binlog they are served as its own binary log (its own server
// uuid), as stripesql does for each account.
type AccountOptions struct {
	Database string
	// Fake configures the account's fake; a zero Scale or Seed takes the
	// Env's.
	Fake fakestripe.Options
	// CacheDir keeps the account's rows (and binary log) on disk there,
	// with the Env's cache on, as stripesql keeps them in
	// <--cache-dir>/<database>: what a Restart keeps.
	CacheDir string
}

// Account is one of an Env's further accounts.
type Account struct {
	Database string
	Fake     *fakestripe.Server
	// Client is the account's Stripe client (a new one at each Restart).
	Client *sqltable.Client
	// Key is the API key its client presents.
	Key string

	opts   AccountOptions
	url    string
	faults *faults
}

// accountKey is the key of a further account: each its own, as real
// accounts have (the cache namespaces entries by key).
func accountKey(database string) string { return Key + strings.ReplaceAll(database, "_", "") }

// newAccounts starts the fakes of opts.Accounts, once for an Env: a
// Restart keeps them, as Stripe outlives a stripesql restart.
func newAccounts(t testing.TB, opts Options) map[string]*Account {
	out := map[string]*Account{}
	for _, ao := range opts.Accounts {
		fo := ao.Fake
		if fo.Scale == 0 {
			fo.Scale = opts.Fake.Scale
		}
		if fo.Seed == 0 {
			fo.Seed = opts.Fake.Seed
		}
		fake := fakestripe.New(fo)
		f := &faults{next: fake}
		hs := httptest.NewServer(f)
		t.Cleanup(hs.Close)
		out[ao.Database] = &Account{Database: ao.Database, Fake: fake, Key: accountKey(ao.Database), opts: ao, url: hs.URL, faults: f}
	}
	return out
}

// startClients gives each account a new client sharing cache c, over
// its disk store when it has one, as a starting stripesql does; it
// returns what closes the stores.
func startClients(t testing.TB, opts Options, accounts map[string]*Account, c *cache.Cache) (closers []func()) {
	for _, a := range accounts {
		a.Client = newClient(opts, a.Key, a.url, c)
		if a.opts.CacheDir != "" && c != nil {
			store := openStore(t, a.opts.CacheDir, a.Key, opts.Logger)
			a.Client.UseStore(store, cmp.Or(opts.DiskBytes, 1<<30))
			closers = append(closers, func() { store.Close() })
		}
	}
	return closers
}

// engineAccounts lists the accounts for engine.Config, "stripe" first.
func engineAccounts(main *sqltable.Client, more map[string]*Account, order []AccountOptions) []engine.Account {
	out := []engine.Account{{Database: "stripe", Client: main}}
	for _, ao := range order {
		out = append(out, engine.Account{Database: ao.Database, Client: more[ao.Database].Client})
	}
	return out
}

// newClient is the Stripe client of an Env's account.
func newClient(opts Options, key, url string, c *cache.Cache) *sqltable.Client {
	return sqltable.NewClient(sqltable.ClientOptions{APIKey: key, URL: url, Cache: c, MaxRetries: opts.MaxRetries,
		RateLimit: opts.RateLimit, RateLimitRetries: opts.RateLimitRetries, RetryBase: time.Millisecond,
		HTTPClient: opts.HTTPClient, Logger: opts.Logger, Shared: opts.Shared, ExpectedReplicas: opts.ExpectedReplicas,
		SearchLag: opts.SearchLag, Now: opts.Now})
}

// Requests returns the requests the account's fake received since the
// last call, as Env.Requests does, and forgets them.
func (a *Account) Requests() []string { return takeRequests(a.faults, a.Fake) }

// takeRequests renders the requests f saw and forgets them (and fake's).
func takeRequests(f *faults, fake *fakestripe.Server) []string {
	reqs := f.seen()
	resetRequests(f, fake)
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = r.String()
	}
	return out
}

func resetRequests(f *faults, fake *fakestripe.Server) {
	f.reset()
	if fake != nil {
		fake.ResetRequests()
	}
}
