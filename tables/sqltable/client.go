package sqltable

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/form"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/tables"
)

// ClientOptions configures the connection to one Stripe account.
type ClientOptions struct {
	// APIKey is the secret or restricted key. It is sent to Stripe and
	// nowhere else: not logged, not in errors, not in cache keys.
	APIKey string
	// URL overrides Stripe's API base URL (the fake Stripe server, stripe-mock).
	URL string
	// HTTPClient is used for requests; nil means a client with a 80s
	// timeout. Each attempt has a deadline of its own besides (a read's
	// from the latencies seen, a write's longer: deadline.go).
	HTTPClient *http.Client
	// Cache keeps pages and objects; nil disables caching.
	Cache *cache.Cache
	// MaxRetries bounds retries of a request that failed with 429, 5xx or
	// a network error (0 = no retry).
	MaxRetries int
	// RateLimitRetries bounds retries of a request Stripe answered with
	// 429, which also slow the throttle down; 0 means MaxRetries.
	RateLimitRetries int
	// RetryBase is the first backoff delay (doubled on each retry, with
	// jitter); 0 means 500ms.
	RetryBase time.Duration
	// RateLimit paces requests to this many per second, shared by every
	// query (see DefaultRateLimit); 0 means no pacing.
	RateLimit float64
	// Logger receives one debug line per Stripe request; nil = silent.
	Logger *slog.Logger
	// Shared, when set, is what this process shares with the other
	// replicas serving the account (--redis-url; share.go): the rate
	// budget, leases on the intervals and pages being read, what was
	// read, and the events. Nil: a process alone, as before.
	Shared cache.Shared
	// ExpectedReplicas divides RateLimit among the replicas while Shared
	// cannot be reached (each then paces alone); 0 means 1.
	ExpectedReplicas int
	// SearchLag is the most Stripe's search index may lag behind writes
	// for an answer read through the Search API to be exact (see
	// search_plan.go); 0 turns Search pushdown off.
	SearchLag time.Duration
	// Now is the clock of the search cutoff (nil: time.Now); tests set the
	// fake account's.
	Now func() time.Time
	// Store, when set, keeps the row cache's blocks and the events
	// cursors on disk (cache/disk): what it holds from an earlier run is
	// held again, and DiskBytes bounds it. Nil: memory only.
	Store     cache.KV
	DiskBytes int64
}

// Client reads one Stripe account through stripe-go's backend.
type Client struct {
	backend stripe.Backend
	key     string
	// account names the account in cache keys without revealing the key.
	account  string
	opts     ClientOptions
	throttle *Throttle
	obs      observers
	// memo answers a query's repeated requests (querymemo.go); slots
	// bound the account's parallel slice reads (slices.go).
	memo  *cache.Cache
	slots chan struct{}
	// rows is the row cache of lists (rowsource.go), bounded and aged
	// like the page cache, on disk with ClientOptions.Store; nil without
	// a cache.
	rows *cache.Segments
	// events are the events cursors and what is known of the events
	// (events_state.go); eventTables are the tables events are applied
	// with, by spec.
	events      *eventState
	eventTables sync.Map
	// changeLog records the events applied as transactions (nil: none).
	changeLog ChangeLog
	// share is ClientOptions.Shared (nil: nothing shared).
	share cache.Shared
	// search remembers events that could not be read (search_plan.go).
	search searchState
	// latency is what reads took lately: their deadlines and hedges
	// derive from it (deadline.go).
	latency latencies
}

// NewClient makes a client. It makes no request.
func NewClient(opts ClientOptions) *Client {
	httpClient := opts.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 80 * time.Second}
	}
	cfg := &stripe.BackendConfig{
		HTTPClient: httpClient,
		// Retries are ours (retry below): stripe-go retries only some 429s
		// and would hide them from our accounting.
		MaxNetworkRetries: stripe.Int64(0),
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	if opts.URL != "" {
		cfg.URL = stripe.String(opts.URL)
	}
	if opts.RetryBase == 0 {
		opts.RetryBase = 500 * time.Millisecond
	}
	if opts.RateLimitRetries == 0 {
		opts.RateLimitRetries = opts.MaxRetries
	}
	sum := sha256.Sum256([]byte(opts.APIKey))
	c := &Client{
		backend:  stripe.GetBackendWithConfig(stripe.APIBackend, cfg),
		key:      opts.APIKey,
		account:  hex.EncodeToString(sum[:8]),
		opts:     opts,
		throttle: NewThrottle(opts.RateLimit, nil),
		memo:     cache.New(cache.Options{MaxBytes: memoBytes, TTL: memoTTL}),
		slots:    make(chan struct{}, defaultParallelism),
		share:    opts.Shared,
	}
	c.throttle.share(opts.Shared, c.account, opts.ExpectedReplicas, nil)
	c.holdRows()
	return c
}

// heldAccounts are the platform "" and the connected accounts whose rows
// the row cache holds, with extra ones: sorted, so "" comes first.
func (c *Client) heldAccounts(extra ...string) []string {
	seen := map[string]bool{"": true}
	if c.rows != nil {
		for _, st := range c.rows.Streams(func(string) bool { return true }) {
			seen[c.streamAccount(st)] = true
		}
	}
	for _, a := range extra {
		seen[a] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

// rawBody keeps a response body as it came.
type rawBody struct{ body []byte }

func (r *rawBody) UnmarshalJSON(b []byte) error {
	r.body = append(r.body[:0], b...)
	return nil
}

func (r *rawBody) SetLastResponse(*stripe.APIResponse) {}

// canonicalQuery encodes params with sorted keys (and values in the order
// given), so equal requests have equal cache keys and log lines.
func canonicalQuery(params url.Values) string {
	return params.Encode()
}

// clock is the cache's clock (time.Now without a cache).
func (c *Client) clock() time.Time {
	if c.opts.Cache != nil {
		return c.opts.Cache.Clock()()
	}
	return time.Now()
}

// Cache is the client's cache (nil for none).
func (c *Client) Cache() *cache.Cache { return c.opts.Cache }

// Throttle is the client's request pacing (nil for none).
func (c *Client) Throttle() *Throttle { return c.throttle }

// cacheKey is where a GET's answer is cached: account, path, canonical
// parameters (see cachePath for the reverse).
func (c *Client) cacheKey(path string, params url.Values) string {
	return c.account + " GET " + path + "?" + canonicalQuery(params)
}

// Get performs GET path?params and returns the body; it goes through the
// cache unless there is none or the statement bypasses it.
func (c *Client) Get(ctx context.Context, path string, params url.Values) ([]byte, error) {
	if c.opts.Cache == nil || !c.opts.Cache.Enabled() || cacheBypassed(ctx) {
		return c.fetch(ctx, path, params, CacheOff)
	}
	if rowRead(ctx) {
		// The rows are kept by the row cache: the page would be a copy.
		return c.fetch(ctx, path, params, CacheMiss)
	}
	start := time.Now()
	var fetched atomic.Bool
	key := c.cacheKey(path, params)
	body, hit, err := c.opts.Cache.Do(ctx, key, func(ctx context.Context) ([]byte, error) {
		fetched.Store(true)
		return c.fetchPage(ctx, key, path, params)
	})
	if fetched.Load() && err == nil {
		stored(ctx, c.opts.Cache, key)
	}
	// Only the caller whose fetch ran sees fetched set; the others got a
	// page without a request of their own. A caller that gave up waiting
	// got nothing worth a record.
	if hit || !fetched.Load() && ctx.Err() == nil {
		r := RequestRecord{Time: start, Method: http.MethodGet, Path: path, Query: canonicalQuery(params),
			Status: http.StatusOK, Duration: time.Since(start), Cache: CacheShared}
		if hit {
			r.Cache = CacheHit
		}
		if err != nil {
			r.Status, r.Error = statusOf(err), redact(err.Error())
		}
		c.record(ctx, r)
	}
	return body, err
}

// fetch makes the request, retrying what Stripe says may be retried.
// how says what the cache does with the answer, for the records.
func (c *Client) fetch(ctx context.Context, path string, params url.Values, how string) ([]byte, error) {
	return c.retrying(ctx, path, true, func(ctx context.Context) ([]byte, error) {
		return c.call(ctx, http.MethodGet, path, params, how, nil)
	})
}

// retrying sends a request through the throttle until it succeeds, fails
// for good, or runs out of retries. A read's attempts have deadlines from
// the latencies seen and are hedged (deadline.go); one whose deadline
// passed is retried at once.
func (c *Client) retrying(ctx context.Context, path string, read bool, request func(context.Context) ([]byte, error)) ([]byte, error) {
	// 429s and other failures have their own retry budgets (and backoff
	// sequences): a 429 is pacing, not a fault.
	limited, failed, expired := 0, 0, 0
	for {
		tk, err := c.throttle.wait(ctx, path)
		if err != nil {
			return nil, err
		}
		var body []byte
		if read {
			body, err = c.hedged(ctx, path, tk, c.latency.deadline(expired), request)
		} else {
			body, err = c.attempt(ctx, tk, writeDeadline, false, request)
		}
		retry, budget := &failed, c.opts.MaxRetries
		if isRateLimited(err) {
			retry, budget = &limited, c.opts.RateLimitRetries
		}
		if err == nil || !retryable(err) {
			return body, err
		}
		if *retry >= budget {
			return nil, err
		}
		if read && isTimeout(err) {
			// The request was lost, not refused: nothing to wait for.
			expired++
		} else if err := sleep(ctx, c.backoff(*retry, err)); err != nil {
			return nil, err
		}
		*retry++
	}
}

// isTimeout reports a request that got no answer in time.
func isTimeout(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == 0 && ae.Timeout
}

// call sends one request: params in the query string of a GET, in the
// body otherwise; a write carries its idempotency key.
func (c *Client) call(ctx context.Context, method, path string, params url.Values, how string, idempotencyKey *string) ([]byte, error) {
	f := &form.Values{}
	sp := &stripe.Params{Context: ctx, IdempotencyKey: idempotencyKey}
	keys := make([]string, 0, len(params))
	for k := range params {
		if k == tables.AccountParam {
			// Not a query parameter: the connected account is a header.
			sp.SetStripeAccount(params.Get(k))
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range params[k] {
			f.Add(k, v)
		}
	}
	var out rawBody
	start := time.Now()
	err := c.backend.CallRaw(method, path, c.key, f, sp, &out)
	if c.opts.Logger != nil {
		c.opts.Logger.Debug("stripe request", "method", method, "path", path, "query", canonicalQuery(params),
			"duration", time.Since(start), "error", redact(errString(err)))
	}
	r := RequestRecord{Time: start, Method: method, Path: path, Query: canonicalQuery(params),
		Status: http.StatusOK, Duration: time.Since(start), Cache: how}
	if err != nil {
		if ae := endedAttempt(ctx, method, path); ae != nil {
			err = ae
		} else if ctx.Err() != nil {
			err = ctx.Err()
		} else {
			ae := newAPIError(path, err)
			ae.Method = method
			err = ae
		}
		r.Status, r.Error = statusOf(err), redact(err.Error())
	}
	c.record(ctx, r)
	if err != nil {
		return nil, err
	}
	return out.body, nil
}

// statusOf is the HTTP status a failure came with (0 for none).
func statusOf(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

func isRateLimited(err error) bool { return statusOf(err) == http.StatusTooManyRequests }

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func retryable(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	if ae.ShouldRetry != nil { // Stripe-Should-Retry knows best
		return *ae.ShouldRetry
	}
	return ae.Status == http.StatusTooManyRequests || ae.Status >= 500 || ae.Status == 0
}

// maxBackoff caps the exponential growth (Retry-After may ask for more).
const maxBackoff = 20 * time.Second

// backoff is exponential with jitter, at least what Retry-After asks.
func (c *Client) backoff(attempt int, err error) time.Duration {
	d := min(c.opts.RetryBase<<min(attempt, 30), maxBackoff)
	d = d/2 + rand.N(d/2+1)
	var ae *APIError
	if errors.As(err, &ae) && ae.RetryAfter > d {
		d = ae.RetryAfter
	}
	return d
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// APIError is a failed Stripe request, with the key redacted.
type APIError struct {
	// Method is the request's HTTP method ("" for GET).
	Method string
	Path   string
	Status int // 0 for a network error
	Type   string
	Code   string
	// Param is the parameter Stripe's error is about (starting_after for
	// a cursor object that no longer exists).
	Param      string
	Message    string
	RetryAfter time.Duration
	// Timeout is set for a request that got no answer in time.
	Timeout bool
	// ShouldRetry is Stripe's Stripe-Should-Retry header, when sent.
	ShouldRetry *bool
}

func (e *APIError) Error() string {
	method := e.Method
	if method == "" {
		method = http.MethodGet
	}
	s := method + " " + e.Path + ": "
	if e.Status != 0 {
		s += strconv.Itoa(e.Status) + " "
	}
	if e.Type != "" {
		s += e.Type + ": "
	}
	return s + e.Message
}

// NotFound reports Stripe's 404 resource_missing.
func (e *APIError) NotFound() bool { return e.Status == http.StatusNotFound }

// noSuchParam reports Stripe's resource_missing for an object a list
// parameter of params names (No such invoice: 'in_…' of ?invoice=…, a
// customer of upcoming lines): a filter on an id that does not exist
// matches nothing, as a missing parent's children are none. A cursor
// deleted meanwhile (starting_after) is no such filter.
func (e *APIError) noSuchParam(params url.Values) bool {
	return e.Code == "resource_missing" && e.Param != "" && e.Param != "starting_after" && e.Param != "ending_before" && params.Has(e.Param)
}

func newAPIError(path string, err error) *APIError {
	var se *stripe.Error
	if !errors.As(err, &se) {
		var ne net.Error
		return &APIError{Path: path, Status: notJSONStatus(err), Message: redact(unwrapNetError(err)), Timeout: errors.As(err, &ne) && ne.Timeout()}
	}
	ae := &APIError{Path: path, Status: se.HTTPStatusCode, Type: string(se.Type), Code: string(se.Code), Param: se.Param, Message: redact(se.Msg)}
	if se.LastResponse != nil {
		if s, err := strconv.Atoi(se.LastResponse.Header.Get("Retry-After")); err == nil {
			ae.RetryAfter = time.Duration(s) * time.Second
		}
		if b, err := strconv.ParseBool(se.LastResponse.Header.Get("Stripe-Should-Retry")); err == nil {
			ae.ShouldRetry = &b
		}
	}
	if ae.Message == "" {
		ae.Message = http.StatusText(se.HTTPStatusCode)
	}
	return ae
}

// notJSONStatus is the HTTP status of an error response whose body is not
// JSON (a proxy's 503 page), which stripe-go reports only in its text.
func notJSONStatus(err error) int {
	m := notJSONPattern.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	status, _ := strconv.Atoi(m[1])
	if status < 300 {
		return 0 // a cut 200 is a transport failure
	}
	return status
}

var notJSONPattern = regexp.MustCompile(`^Couldn't deserialize JSON \(response status: (\d+)`)

// unwrapNetError describes a transport failure without the request URL
// stripe-go's error text repeats.
func unwrapNetError(err error) string {
	if msg, ok := strings.CutPrefix(err.Error(), "Couldn't deserialize JSON"); ok {
		// stripe-go's text quotes the body; what matters is that it was
		// cut short or is not Stripe's.
		_, cause, _ := strings.Cut(msg, "): ")
		return "the response is not valid JSON (cut short, or not from Stripe): " + cause
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if errors.Is(ue.Err, io.ErrUnexpectedEOF) || errors.Is(ue.Err, io.EOF) {
			return "connection closed by Stripe before the response ended"
		}
		return ue.Err.Error()
	}
	return err.Error()
}

// Format prints a client as its account hash, whatever the verb: the
// struct holds the API key, and %v or %#v of it in a panic message or a
// debug dump would print the key in clear.
func (c *Client) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "sqltable.Client{account: %s}", c.account)
}
