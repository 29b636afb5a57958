package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/stripesql/stripesql/engine"
)

// writeFlags turn on writes to Stripe: --allow-writes, and --writer for
// each MySQL account that may write (without accounts, every client may).
type writeFlags struct {
	allow   bool
	writers writerNames
}

func (f *writeFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.allow, "allow-writes", false,
		"run INSERT, UPDATE and DELETE on customers, products, prices, coupons, tax_rates, invoice_items, refunds and charges as Stripe requests (off: the server is read-only)")
	fs.Var(&f.writers, "writer", "MySQL account `name` (of --user or --users-file) that may write with --allow-writes (repeatable, or a comma-separated list)")
}

// apply sets cfg's writes once its accounts are known.
func (f *writeFlags) apply(cfg *engine.Config) error {
	if len(f.writers) > 0 && !f.allow {
		return usageError{"--writer needs --allow-writes"}
	}
	cfg.AllowWrites = f.allow
	if !f.allow || len(cfg.Users) == 0 {
		return nil
	}
	if len(f.writers) == 0 {
		return usageError{"--allow-writes with MySQL accounts: name the accounts that may write with --writer NAME (the others stay read-only)"}
	}
	for _, name := range f.writers {
		found := false
		for i := range cfg.Users {
			if cfg.Users[i].Name == name {
				cfg.Users[i].Write, found = true, true
			}
		}
		if !found {
			return usageError{fmt.Sprintf("--writer %s: no such account (add it with --user or --users-file)", name)}
		}
	}
	return nil
}

// writerNames collects --writer values.
type writerNames []string

func (w *writerNames) String() string { return strings.Join(*w, ",") }

func (w *writerNames) Set(s string) error {
	for _, name := range strings.Split(s, ",") {
		if name = strings.TrimSpace(name); name != "" {
			*w = append(*w, name)
		}
	}
	return nil
}
