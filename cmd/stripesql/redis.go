package main

import (
	"flag"
	"fmt"
	"log/slog"

	"github.com/stripesql/stripesql/cache/redisshare"
)

// Several replicas of stripesql behind a load balancer share, through
// the Redis --redis-url names, each account's rate budget, the reads of
// missing data (one replica reads, the others wait and take what it
// read) and the events poller (README, Deployment). Without Redis they
// would each spend the whole --rate-limit; while Redis is lost each
// spends rate-limit / --expected-replicas.

func (f *serverFlags) registerRedis(fs *flag.FlagSet) {
	fs.StringVar(&f.redisURL, "redis-url", "", "share the rate budget, reads, cached data and events with the other replicas through the Redis at `url` "+
		"(redis://[:password@]host:port/db, rediss:// for TLS; empty: a replica alone). A URL with a password is better set in STRIPESQL_REDIS_URL")
	fs.IntVar(&f.expectedReplicas, "expected-replicas", 1, "`number` of replicas sharing --redis-url: while Redis cannot be reached, each paces at --rate-limit divided by it")
}

// openRedis opens the store --redis-url names, when set; the returned
// function closes it. A Redis that does not answer yet is no error: the
// replica starts alone (logged) and shares once Redis answers.
func (f *serverFlags) openRedis(log *slog.Logger) (func(), error) {
	if f.expectedReplicas < 1 {
		return nil, usageError{fmt.Sprintf("--expected-replicas %d: want 1 or more", f.expectedReplicas)}
	}
	if f.redisURL == "" {
		return func() {}, nil
	}
	lost := fmt.Sprintf("each replica reads alone and paces at --rate-limit / %d", f.expectedReplicas)
	if f.expectedReplicas == 1 {
		lost += "; set --expected-replicas to the number of replicas, or together they exceed --rate-limit"
	}
	store, err := redisshare.Open(f.redisURL, redisshare.Options{TTL: f.cacheTTL, Logger: log, Lost: lost})
	if err != nil {
		return nil, usageError{"--redis-url: " + err.Error()}
	}
	f.shared = store
	log.Info("sharing with the other replicas through Redis", "redis", store.Addr(), "available", store.Available(),
		"expected_replicas", f.expectedReplicas)
	return func() { store.Close() }, nil
}
