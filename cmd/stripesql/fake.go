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
	"time"

	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/tables/sqltable"
)

// fakeFlags configure the embedded fake Stripe account.
type fakeFlags struct {
	scale     int
	seed      int64
	end       endFlag
	latency   time.Duration
	rateLimit float64
}

func (f *fakeFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.scale, "scale", 1000, "number of charges in the fake account (other objects scale with it)")
	fs.Int64Var(&f.seed, "seed", 1, "seed of the fake account's data (same seed, scale and end, same account)")
	fs.Var(&f.end, "end", "`instant` the fake account's data ends (its two years of objects lead up to it): an RFC 3339 time such as 2025-06-30T00:00:00Z, or now, the default: the time the command starts")
	fs.DurationVar(&f.latency, "latency", 0, "delay added to every fake Stripe response")
	fs.Float64Var(&f.rateLimit, "rate-limit", 0, "requests per second the fake accepts before answering 429 (0 = no limit)")
}

// options are the fake account's, ending at --end (a fixed clock) or at
// now (then its clock follows the wall clock).
func (f *fakeFlags) options(log *slog.Logger, now time.Time) fakestripe.Options {
	end, clock := f.end.t, (func() time.Time)(nil)
	if end.IsZero() {
		end, clock = now, time.Now // a live account: its writes happen now
	}
	return fakestripe.Options{Seed: f.seed, Scale: f.scale, End: end, Clock: clock, Latency: f.latency, RateLimit: f.rateLimit, Logger: log}
}

// endFlag is --end: an instant, or zero for now.
type endFlag struct{ t time.Time }

func (e *endFlag) String() string {
	if e == nil || e.t.IsZero() {
		return "now"
	}
	return e.t.UTC().Format(time.RFC3339)
}

// Set implements flag.Value.
func (e *endFlag) Set(s string) error {
	if s == "now" {
		e.t = time.Time{}
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return fmt.Errorf("want an RFC 3339 time such as 2025-06-30T00:00:00Z, or now")
	}
	e.t = t
	return nil
}

// demoKey is the key the demo's client presents to its own fake account.
const demoKey = "sk_test_demo"

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("stripesql demo", stderr)
	var sf serverFlags
	var ff fakeFlags
	sf.register(fs)
	ff.register(fs)
	registerConfig(fs)
	setUsage(fs, `Usage: stripesql demo [flags]

Serves an embedded fake Stripe account (deterministic data, no API key, no
network) as the MySQL database --database; --scale, --seed, --end, --latency
and --rate-limit shape the fake account. Its data ends now (--end), so that
"the last 30 days" and "this month" hold rows; the same --seed, --scale and
--end serve the same account.
`)
	if _, err := parseSettings(fs, args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log, err := sf.logger(stderr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fo := ff.options(log, time.Now())
	fake := fakestripe.New(fo)
	hs := &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "demo: a fake Stripe account (%d charges, seed %d, ending %s) is served at %s\n",
		ff.scale, ff.seed, fo.End.UTC().Format(time.RFC3339), url)
	opts := sf.clientOptions(demoKey, url, log)
	// The search cutoff on the fake account's clock: its data ends at
	// --end (the start of the command), and its changes happen after.
	opts.Now = fake.Now
	client := sqltable.NewClient(opts)
	return serve(ctx, sf, []engine.Account{{Database: sf.database, Client: client}}, stdout, log)
}

func runFakeStripe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("stripesql fake-stripe", stderr)
	var ff fakeFlags
	ff.register(fs)
	listen := fs.String("listen", "127.0.0.1:12111", "`host:port` the fake Stripe API listens on")
	apiKey := fs.String("accept-key-file", "", "accept only the key in `file` (default: any well-formed test key)")
	logLevel := fs.String("log-level", "info", "log `level`; debug logs every request")
	registerConfig(fs)
	setUsage(fs, `Usage: stripesql fake-stripe [flags]

Serves the fake Stripe API alone (deterministic data for a --seed, --scale
and --end, which is now unless set), for stripesql --stripe-url or any
Stripe client. Try: curl -u sk_test_123: http://127.0.0.1:12111/v1/charges
`)
	if _, err := parseSettings(fs, args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	sf := serverFlags{logLevel: *logLevel}
	log, err := sf.logger(stderr)
	if err != nil {
		return err
	}
	opts := ff.options(log, time.Now())
	if *apiKey != "" {
		k, err := readKey(*apiKey, "", func(string) string { return "" })
		if err != nil {
			return err
		}
		opts.APIKey = k
	}
	return fakestripe.ListenAndServe(ctx, *listen, opts, func(url string) {
		fmt.Fprintf(stdout, "fake Stripe API listening on %s (data ending %s; try: curl -u sk_test_123: %s/v1/charges)\n",
			url, opts.End.UTC().Format(time.RFC3339), url)
	})
}
