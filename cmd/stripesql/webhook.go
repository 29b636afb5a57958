package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/tables/sqltable"
)

// webhookFlags are the events receiver's flags (serve only): Stripe's
// event deliveries, applied to the cached rows at once (polling stays
// the safety net).
type webhookFlags struct {
	listen     string
	secretFile string
}

func (f *webhookFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.listen, "webhook-listen", "", "receive Stripe's event deliveries on http://`host:port`/webhooks/DATABASE and apply them to the cached rows at once (empty: off; needs --webhook-secret-file)")
	fs.StringVar(&f.secretFile, "webhook-secret-file", "", "the endpoints' signing secrets (whsec_…), one a line, in `file`")
}

// serve starts the receiver: one endpoint per database, and / for the
// only one when there is one.
func (f *webhookFlags) serve(ctx context.Context, accounts []engine.Account, watchers []*sqltable.EventWatcher, log *slog.Logger) error {
	if f.listen == "" {
		if f.secretFile != "" {
			return usageError{"--webhook-secret-file without --webhook-listen: say where Stripe's deliveries come in"}
		}
		return nil
	}
	if f.secretFile == "" {
		return usageError{"--webhook-listen needs --webhook-secret-file: the endpoint's signing secret (whsec_…) verifies each delivery"}
	}
	secrets, err := readSecrets(f.secretFile)
	if err != nil {
		return err
	}
	if len(watchers) != len(accounts) {
		return usageError{"--webhook-listen needs the cache and its events (--cache-ttl and --cache-refresh-events above 0)"}
	}
	mux := http.NewServeMux()
	for i, a := range accounts {
		h := watchers[i].WebhookHandler(secrets)
		mux.Handle("/webhooks/"+a.Database, h)
		if len(accounts) == 1 {
			mux.Handle("/", h)
		}
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("--webhook-listen %s: %v", f.listen, err)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("webhook: the receiver stopped", "error", err.Error())
		}
	}()
	context.AfterFunc(ctx, func() { hs.Close() })
	log.Info("webhook: receiving Stripe's event deliveries", "url", "http://"+ln.Addr().String()+"/webhooks/"+accounts[0].Database)
	return nil
}

// readSecrets reads the signing secrets, one a line (blank lines and
// # comments skipped).
func readSecrets(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--webhook-secret-file: %v", err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.HasPrefix(line, "whsec_") {
			return nil, usageError{"--webhook-secret-file " + path + ": a line does not hold a webhook signing secret (whsec_…)"}
		}
		out = append(out, line)
	}
	if len(out) == 0 {
		return nil, usageError{"--webhook-secret-file " + path + " holds no secret"}
	}
	return out, nil
}
