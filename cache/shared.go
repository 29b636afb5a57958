package cache

import (
	"context"
	"errors"
	"time"
)

// Shared is what several processes serving the same data (replicas behind
// a load balancer) share through a store such as Redis (package
// cache/redisshare implements it): a rate budget, leases on intervals
// being read, the data read, and a log of changes with one writer. Like
// the rest of this package it knows nothing of what the data is.
//
// Every method may fail; while the store cannot be reached they fail at
// once with ErrUnavailable, and callers go on alone, as a single process
// would: sharing saves work, it is never needed for a right answer.
type Shared interface {
	RateBudget
	SharedSegments
	SharedLog
	// Available reports whether the store answered lately.
	Available() bool
}

// ErrUnavailable is the error of a Shared store that cannot be reached.
var ErrUnavailable = errors.New("shared store unavailable")

// ErrTooLong is Reserve's error when the next token comes after maxWait.
var ErrTooLong = errors.New("the shared rate budget has no token before the deadline")

// Bucket is a token bucket shared by every process: Rate tokens a second,
// at most a second's worth saved up. After a Cut the rate halves (not
// below MinRate, or Rate if lower) and grows back to Rate linearly within
// Recovery.
type Bucket struct {
	Name     string
	Rate     float64
	MinRate  float64
	Recovery time.Duration
}

// Grant is a token taken from a Bucket: its request may go after Wait.
// Gen is the bucket's number of cuts then (for Cut) and Level its rate.
type Grant struct {
	Wait  time.Duration
	Gen   int64
	Level float64
}

// RateBudget paces requests of every process together.
type RateBudget interface {
	// Reserve takes the bucket's next token. When that token comes later
	// than maxWait (negative: no bound) it takes nothing and returns
	// ErrTooLong.
	Reserve(ctx context.Context, b Bucket, maxWait time.Duration) (Grant, error)
	// Cut slows the bucket down after the source refused a request sent
	// with a token of generation gen; only the first refusal of a
	// generation counts (the others were sent before the cut).
	Cut(ctx context.Context, b Bucket, gen int64) error
}

// SharedSegment is an interval [Lo, Hi) of a stream (see Segments) that a
// process read whole, from Since on, and shared as Chunks pieces of data.
type SharedSegment struct {
	Stream string
	Lo, Hi int64
	Since  time.Time
	ID     string
	Chunks int
}

// SharedSegments is Segments across processes: what one read is there for
// the others, and concurrent readers of the same interval wait for one.
// Segments expire their store's TTL after Since.
type SharedSegments interface {
	// Cover returns the stream's segments overlapping [lo, hi), highest
	// first.
	Cover(ctx context.Context, stream string, lo, hi int64) ([]SharedSegment, error)
	// Load returns a segment's data; ErrGone when it is no longer held.
	Load(ctx context.Context, g SharedSegment) ([][]byte, error)
	// Lease is Segments.Claim across processes: a hold on [lo, hi) of
	// stream for one read, or, when another owner holds an overlapping
	// lease, a wait until that one ends, returning nil (the caller then
	// covers its interval again). Leases of the same owner do not wait
	// for one another. A lease whose holder stops renewing it (a process
	// gone) ends by itself.
	Lease(ctx context.Context, stream, owner string, lo, hi int64) (Lease, error)
	// Invalidate drops the stream's segments that hold key at or start
	// just above it (see Segments.Update), and leases over at will not
	// publish: they may have missed the change.
	Invalidate(ctx context.Context, stream string, at int64) error
	// Remove drops every segment of the streams; their leases will not
	// publish.
	Remove(ctx context.Context, streams ...string) error
	// Streams lists the streams holding segments, or leased: a stream
	// being read for the first time is there to be invalidated.
	Streams(ctx context.Context) ([]string, error)
}

// ErrGone is Load's error for a segment evicted or dropped meanwhile.
var ErrGone = errors.New("shared segment gone")

// Lease is a hold on an interval being read (SharedSegments.Lease).
type Lease interface {
	// Publish shares [lo, hi) (within the lease), read whole from since
	// on, as chunks, and ends the lease. It stores nothing, reporting
	// false, when the interval was invalidated since the lease began.
	Publish(ctx context.Context, lo, hi int64, since time.Time, chunks [][]byte) (bool, error)
	// Release ends the lease without sharing anything.
	Release()
}

// SharedLog is an ordered log of entries with one writer at a time (the
// leader) and a state the writer keeps (its cursor in the source), read
// by every process.
type SharedLog interface {
	// Lead makes this process the log's writer for ttl, or keeps it so;
	// it reports whether this process leads.
	Lead(ctx context.Context, log string, ttl time.Duration) (bool, error)
	// State is the writer's state (nil when none was saved).
	State(ctx context.Context, log string) ([]byte, error)
	// SetState saves the writer's state.
	SetState(ctx context.Context, log string, state []byte) error
	// Append adds entries at the end of the log.
	Append(ctx context.Context, log string, entries ...[]byte) error
	// Read returns the entries after position after, waiting up to block
	// for one, and the position after them. An empty after is the log's
	// end: Read then returns no entry, and the position to read on from.
	Read(ctx context.Context, log, after string, block time.Duration) ([][]byte, string, error)
}
