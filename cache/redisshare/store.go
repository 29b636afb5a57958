// Package redisshare implements cache.Shared over Redis, so that several
// processes (stripesql replicas behind a load balancer) share one rate
// budget, one read of each missing interval, the data read, and one
// reader of a change feed. Like package cache it knows nothing of what
// the data is: streams, buckets and logs are names the caller chooses.
//
// Layout (every key starts with Options.Prefix, "stripesql:" by default;
// names are hashed into keys so that any string can be one):
//
//	rate:<bucket>       hash: tat (µs), cut (µs), from (rate), gen — a GCRA bucket, changed by Lua only
//	streams             sorted set: stream name → expiry (ms) of its newest segment
//	segs:<stream>       hash: segment id → "lo hi since_ms chunks expiry_ms"
//	blob:<id>:<n>       string: a segment's n-th chunk, with a TTL
//	lease:<stream>      hash: token → "lo hi expiry_ms owner superseded"
//	log:<name>          stream of entries (XADD, trimmed to about maxLogEntries)
//	lead:<name>         string: the replica leading the log, with a TTL
//	state:<name>        string: the leader's cursor
//
// Everything that must be atomic (taking a token, taking a lease,
// publishing a segment, invalidating) is one Lua script, timed by Redis'
// own clock (TIME), so replicas' clocks need not agree to the
// millisecond. Segments and chunks expire with the TTL; Redis' maxmemory
// with an eviction policy bounds the rest (see README, Deployment).
//
// While Redis cannot be reached every method fails at once with
// cache.ErrUnavailable (no call waits for a timeout), a probe pings it
// in the background, and the first answer makes the store available
// again. Both changes are logged.
package redisshare

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stripesql/stripesql/cache"
)

// Options configure a Store.
type Options struct {
	// TTL is how long a published segment stays, from its Since (the row
	// cache's TTL); 0 publishes nothing.
	TTL time.Duration
	// Prefix starts every key (default "stripesql:").
	Prefix string
	// LeaseTTL is how long a lease outlives a holder that stopped
	// renewing it (default 10s); the holder renews it every third of it.
	LeaseTTL time.Duration
	// Logger is told when Redis is lost (at ERROR) and when it is back.
	Logger *slog.Logger
	// Lost, when set, is added to the message logged when Redis is lost
	// (what the caller does without it).
	Lost string
	// ProbeInterval is how often an unavailable Redis is pinged (default 250ms).
	ProbeInterval time.Duration
}

// Store is a cache.Shared over one Redis database.
type Store struct {
	rdb     *redis.Client
	opts    Options
	addr    string
	replica string // this process, in leases and the log's lead

	up      atomic.Bool
	mu      sync.Mutex
	probing bool
	closed  chan struct{}
	once    sync.Once
}

var _ cache.Shared = (*Store)(nil)

// Open connects to the Redis that url names (redis://[user:password@]host:port/db,
// rediss:// for TLS). Only a malformed url is an error: a Redis that
// does not answer yet makes a store that is unavailable until it does.
func Open(url string, opts Options) (*Store, error) {
	ro, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis URL: %v (want redis://[:password@]host:port/db or rediss://…)", redactURL(err.Error(), url))
	}
	// Short timeouts: a Redis that does not answer must not hold queries
	// up; they go on alone. One retry covers a pooled connection that a
	// Redis restart closed.
	ro.DialTimeout = time.Second
	ro.ReadTimeout = 2 * time.Second
	ro.WriteTimeout = 2 * time.Second
	ro.PoolTimeout = 2 * time.Second
	ro.MaxRetries = 1
	ro.MinRetryBackoff = 10 * time.Millisecond
	ro.MaxRetryBackoff = 50 * time.Millisecond
	if opts.Prefix == "" {
		opts.Prefix = "stripesql:"
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = 10 * time.Second
	}
	if opts.ProbeInterval <= 0 {
		opts.ProbeInterval = 250 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{rdb: redis.NewClient(ro), opts: opts, addr: ro.Addr, replica: randomID(), closed: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		s.lose(err)
	} else {
		s.up.Store(true)
	}
	return s, nil
}

// redactURL keeps the user information (a password) of a malformed URL
// out of a message about it.
func redactURL(msg, url string) string {
	_, rest, ok := strings.Cut(url, "://")
	if !ok {
		rest = url
	}
	if at := strings.LastIndex(rest, "@"); at > 0 {
		msg = strings.ReplaceAll(msg, rest[:at], "****")
	}
	return msg
}

// Close stops the probe and closes the connections.
func (s *Store) Close() error {
	s.once.Do(func() { close(s.closed) })
	return s.rdb.Close()
}

// Addr is Redis' host:port.
func (s *Store) Addr() string { return s.addr }

// Replica names this process in leases and the log's lead.
func (s *Store) Replica() string { return s.replica }

// Available reports whether Redis answered lately.
func (s *Store) Available() bool { return s.up.Load() }

// call runs f unless Redis is known to be unreachable, and notes a
// failure that says it is.
func (s *Store) call(ctx context.Context, f func(ctx context.Context) error) error {
	if !s.up.Load() {
		return cache.ErrUnavailable
	}
	err := f(ctx)
	if err == nil || errors.Is(err, redis.Nil) {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if unreachable(err) {
		s.lose(err)
		return fmt.Errorf("%w: %v", cache.ErrUnavailable, err)
	}
	return err
}

// unreachable tells a lost connection from an error Redis answered; a
// Redis still loading its data after a restart counts as unreachable.
func unreachable(err error) bool {
	if errors.Is(err, cache.ErrTooLong) || errors.Is(err, cache.ErrGone) || strings.HasPrefix(err.Error(), "redisshare:") {
		return false // Redis answered; the answer was no
	}
	var re redis.Error
	if errors.As(err, &re) {
		msg := re.Error()
		return strings.HasPrefix(msg, "LOADING") || strings.HasPrefix(msg, "MASTERDOWN")
	}
	return true
}

// lose marks Redis unreachable and starts the probe that notices its return.
func (s *Store) lose(err error) {
	s.up.Store(false)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.probing {
		return
	}
	s.probing = true
	msg := "redis: unreachable; replicas no longer share through it until it answers again"
	if s.opts.Lost != "" {
		msg += " (" + s.opts.Lost + ")"
	}
	s.opts.Logger.Error(msg, "redis", s.addr, "error", err)
	go s.probe(time.Now())
}

// probe pings Redis until it answers.
func (s *Store) probe(since time.Time) {
	t := time.NewTicker(s.opts.ProbeInterval)
	defer t.Stop()
	for {
		select {
		case <-s.closed:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := s.rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			s.mu.Lock()
			s.probing = false
			s.up.Store(true)
			s.mu.Unlock()
			s.opts.Logger.Warn("redis: reachable again; replicas share through it again", "redis", s.addr,
				"unavailable_for", time.Since(since).Round(time.Millisecond))
			return
		}
	}
}

// key is the key of a named thing of a kind: the name is hashed, so any
// string can be one.
func (s *Store) key(kind, name string) string {
	sum := sha256.Sum256([]byte(name))
	return s.opts.Prefix + kind + ":" + hex.EncodeToString(sum[:12])
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ms is a time as Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }
