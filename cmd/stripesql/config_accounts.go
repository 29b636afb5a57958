package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/stripesql/stripesql/cache/disk"
	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/tables/sqltable"
)

// Several Stripe accounts: the config file lists them as
//
//	[[account]]
//	name = "stripe_eu"             # its database
//	api_key_env = "STRIPE_EU_KEY"  # or api_key_file = "path"
//	stripe_url = "…"               # optional: --stripe-url
//	rate_limit = 50                # optional: --rate-limit
//
// Each is served as its own database with a client of its own: its own
// throttle (at its key's rate) and cache.

// accountSection is the config file's key for the accounts.
const accountSection = "account"

// servedAccount is one Stripe account to serve.
type servedAccount struct {
	database        string
	keyFile, keyEnv string // one of them; neither: STRIPE_API_KEY
	stripeURL       string
	rateLimit       float64 // 0: --rate-limit, else the key's default
	// named is set for [[account]] entries: messages then name the
	// account.
	named bool
}

// label prefixes a message about the account.
func (a servedAccount) label() string {
	if !a.named {
		return ""
	}
	return "account " + a.database + ": "
}

// accountFields are the keys of an [[account]] entry.
var accountFields = []string{"name", "api_key_env", "api_key_file", "stripe_url", "rate_limit"}

// fileAccounts reads the config file's [[account]] entries (none: nil).
func fileAccounts(cf configFile) ([]servedAccount, error) {
	v, ok := cf.sections[accountSection]
	if !ok {
		return nil, nil
	}
	entries, ok := v.([]map[string]any)
	if !ok {
		return nil, usageError{fmt.Sprintf("config file %s: write each account as an [[account]] table (with name and api_key_env or api_key_file)", cf.path)}
	}
	var out []servedAccount
	for i, e := range entries {
		a, err := fileAccount(e, filepath.Dir(cf.path))
		for j, b := range out {
			if err == nil && strings.EqualFold(a.database, b.database) {
				err = fmt.Errorf("database %q is also account number %d's: give each its own name", a.database, j+1)
			}
		}
		if err != nil {
			return nil, usageError{fmt.Sprintf("config file %s: [[account]] number %d: %v", cf.path, i+1, err)}
		}
		out = append(out, a)
	}
	return out, nil
}

func fileAccount(e map[string]any, dir string) (servedAccount, error) {
	a := servedAccount{named: true}
	for _, k := range slices.Sorted(maps.Keys(e)) {
		if !slices.Contains(accountFields, k) {
			return a, fmt.Errorf("unknown key %q (an account has %s)", k, strings.Join(accountFields, ", "))
		}
	}
	strs := []struct {
		key string
		dst *string
	}{{"name", &a.database}, {"api_key_env", &a.keyEnv}, {"api_key_file", &a.keyFile}, {"stripe_url", &a.stripeURL}}
	for _, f := range strs {
		if v, ok := e[f.key]; ok {
			s, isString := v.(string)
			if !isString {
				return a, fmt.Errorf("%s: want a string", f.key)
			}
			*f.dst = s
		}
	}
	switch r := e["rate_limit"].(type) {
	case nil:
	case int64:
		a.rateLimit = float64(r)
	case float64:
		a.rateLimit = r
	default:
		return a, fmt.Errorf("rate_limit: want a number of requests per second")
	}
	switch {
	case a.database == "":
		return a, fmt.Errorf("no name: name is the account's database (e.g. name = \"stripe_eu\")")
	case (a.keyEnv == "") == (a.keyFile == ""):
		return a, fmt.Errorf("%s: give its key as exactly one of api_key_env = \"VARIABLE\" or api_key_file = \"path\"", a.database)
	case a.rateLimit < 0:
		return a, fmt.Errorf("%s: rate_limit %v: want a positive number (0: the key's default)", a.database, a.rateLimit)
	}
	if err := engine.CheckDatabaseName(a.database); err != nil {
		return a, err
	}
	if a.keyFile != "" && !filepath.IsAbs(a.keyFile) {
		a.keyFile = filepath.Join(dir, a.keyFile)
	}
	return a, nil
}

// singleOnly are the flags naming the one account served without
// [[account]] entries.
var singleOnly = []string{"database", "api-key-file", "api-key-env"}

// servedAccounts are the config file's accounts, or else the one the
// flags describe.
func servedAccounts(fs *flag.FlagSet, cf configFile, single servedAccount) ([]servedAccount, error) {
	accounts, err := fileAccounts(cf)
	if err != nil || accounts == nil {
		return []servedAccount{single}, err
	}
	var clash error
	fs.Visit(func(f *flag.Flag) {
		if slices.Contains(singleOnly, f.Name) && clash == nil {
			clash = usageError{fmt.Sprintf("--%s (or %s) is for a single account; with [[account]] entries in %s each account has its own name and key: remove it",
				f.Name, envName(f.Name), cf.path)}
		}
	})
	return accounts, clash
}

// connectAccounts reads each account's key, makes its client and checks
// the key with one request, naming the account that fails.
func connectAccounts(ctx context.Context, sf *serverFlags, accounts []servedAccount, stripeURL string,
	getenv func(string) string, log *slog.Logger) ([]engine.Account, func(), error) {
	keys := make([]string, len(accounts))
	owner := map[string]string{} // key → database: two accounts may not share a key (nor its cache namespace)
	for i, a := range accounts {
		key, err := readKey(a.keyFile, a.keyEnv, getenv)
		if err != nil {
			return nil, nil, prefixError(a.label(), err)
		}
		if other, dup := owner[key]; dup {
			return nil, nil, usageError{fmt.Sprintf("accounts %s and %s have the same API key: give each its own account's key", other, a.database)}
		}
		owner[key], keys[i] = a.database, key
	}
	var out []engine.Account
	var stores []*disk.Store
	closeStores := func() {
		for _, s := range stores {
			s.Close()
		}
	}
	dir := sf.store.resolve(getenv)
	for i, a := range accounts {
		key := keys[i]
		url := a.stripeURL
		if url == "" {
			url = stripeURL
		}
		opts := sf.clientOptions(key, url, log)
		if a.rateLimit > 0 {
			opts.RateLimit = a.rateLimit
		}
		client := sqltable.NewClient(opts)
		id, err := checkKey(ctx, client)
		if err != nil {
			closeStores()
			return nil, nil, prefixError(a.label(), err)
		}
		store, err := openStore(sf, dir, a, key, id, client, log)
		if err != nil {
			closeStores()
			return nil, nil, err
		}
		if store != nil {
			stores = append(stores, store)
		}
		out = append(out, engine.Account{Database: a.database, Client: client})
	}
	return out, closeStores, nil
}

// prefixError puts prefix before err's message, keeping usage errors so.
func prefixError(prefix string, err error) error {
	if prefix == "" {
		return err
	}
	if ue, ok := err.(usageError); ok {
		return usageError{prefix + ue.msg}
	}
	return fmt.Errorf("%s%w", prefix, err)
}

// databaseList names the served databases in the start-up message.
func databaseList(accounts []engine.Account) string {
	if len(accounts) == 1 {
		return fmt.Sprintf("database %q", accounts[0].Database)
	}
	names := make([]string, len(accounts))
	for i, a := range accounts {
		names[i] = fmt.Sprintf("%q", a.Database)
	}
	return "databases " + strings.Join(names, ", ")
}
