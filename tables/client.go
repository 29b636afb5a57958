package tables

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/form"

	"github.com/stripesql/stripesql/cache"
)

// ClientOptions configures the connection to one Stripe account.
type ClientOptions struct {
	// APIKey is the secret or restricted key. It is sent to Stripe and
	// nowhere else: not logged, not in errors, not in cache keys.
	APIKey string
	// URL overrides Stripe's API base URL (the fake Stripe server, stripe-mock).
	URL string
	// HTTPClient is used for requests; nil means a client with a 80s timeout.
	HTTPClient *http.Client
	// Cache keeps pages and objects; nil disables caching.
	Cache *cache.Cache
	// MaxRetries bounds retries of a request that failed with 429, 5xx or
	// a network error (0 = no retry).
	MaxRetries int
	// RetryBase is the first backoff delay (doubled on each retry, with
	// jitter); 0 means 500ms.
	RetryBase time.Duration
	// Logger receives one debug line per Stripe request; nil = silent.
	Logger *slog.Logger
}

// Client reads one Stripe account through stripe-go's backend.
type Client struct {
	backend stripe.Backend
	key     string
	// account names the account in cache keys without revealing the key.
	account string
	opts    ClientOptions
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
	sum := sha256.Sum256([]byte(opts.APIKey))
	return &Client{
		backend: stripe.GetBackendWithConfig(stripe.APIBackend, cfg),
		key:     opts.APIKey,
		account: hex.EncodeToString(sum[:8]),
		opts:    opts,
	}
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

// Get performs GET path?params and returns the body; it goes through the
// cache when there is one.
func (c *Client) Get(ctx context.Context, path string, params url.Values) ([]byte, error) {
	if c.opts.Cache == nil {
		return c.fetch(ctx, path, params)
	}
	key := c.account + " GET " + path + "?" + canonicalQuery(params)
	body, _, err := c.opts.Cache.Do(ctx, key, func(ctx context.Context) ([]byte, error) {
		return c.fetch(ctx, path, params)
	})
	return body, err
}

// fetch makes the request, retrying what Stripe says may be retried.
func (c *Client) fetch(ctx context.Context, path string, params url.Values) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		body, err := c.once(ctx, path, params)
		if err == nil || attempt >= c.opts.MaxRetries || !retryable(err) {
			return body, err
		}
		if err := sleep(ctx, c.backoff(attempt, err)); err != nil {
			return nil, err
		}
	}
}

func (c *Client) once(ctx context.Context, path string, params url.Values) ([]byte, error) {
	f := &form.Values{}
	keys := make([]string, 0, len(params))
	for k := range params {
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
	err := c.backend.CallRaw(http.MethodGet, path, c.key, f, &stripe.Params{Context: ctx}, &out)
	if c.opts.Logger != nil {
		c.opts.Logger.Debug("stripe request", "method", "GET", "path", path, "query", canonicalQuery(params),
			"duration", time.Since(start), "error", redact(errString(err)))
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, newAPIError(path, err)
	}
	return out.body, nil
}

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
	return ae.Status == http.StatusTooManyRequests || ae.Status >= 500 || ae.Status == 0
}

// backoff is exponential with full jitter, at least what Retry-After asks.
func (c *Client) backoff(attempt int, err error) time.Duration {
	d := c.opts.RetryBase << attempt
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
	Path       string
	Status     int // 0 for a network error
	Type       string
	Code       string
	Message    string
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	s := "GET " + e.Path + ": "
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

func newAPIError(path string, err error) *APIError {
	var se *stripe.Error
	if !errors.As(err, &se) {
		return &APIError{Path: path, Message: redact(unwrapNetError(err))}
	}
	ae := &APIError{Path: path, Status: se.HTTPStatusCode, Type: string(se.Type), Code: string(se.Code), Message: redact(se.Msg)}
	if se.LastResponse != nil {
		if s, err := strconv.Atoi(se.LastResponse.Header.Get("Retry-After")); err == nil {
			ae.RetryAfter = time.Duration(s) * time.Second
		}
	}
	if ae.Message == "" {
		ae.Message = http.StatusText(se.HTTPStatusCode)
	}
	return ae
}

// unwrapNetError describes a transport failure without the request URL
// stripe-go's error text repeats.
func unwrapNetError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if errors.Is(ue.Err, io.ErrUnexpectedEOF) || errors.Is(ue.Err, io.EOF) {
			return "connection closed by Stripe before the response ended"
		}
		return ue.Err.Error()
	}
	return err.Error()
}
