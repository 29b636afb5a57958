// Package fakestripe is a deterministic fake Stripe account served over
// HTTP like the real API's list and retrieve endpoints (API version
// 2023-10-16). Tests assert the exact requests a SQL query made against it,
// and `make demo` serves it so anyone can try stripesql without a key.
package fakestripe

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure the fake account and server.
type Options struct {
	// Seed selects the account: the same seed and scale always serve the
	// same bytes.
	Seed int64
	// Scale is the number of charges (default 1000); see dataset.go for how
	// the other counts derive from it.
	Scale int
	// End is the instant the account's data ends, its "now" until a change
	// moves it (Server.Now), rounded down to the second: objects are
	// created in the two years before it. Zero is FixedEnd (2024-12-31
	// 23:59:59 UTC), the tests' clock; `stripesql demo` and fake-stripe
	// pass the current time.
	End time.Time
	// Latency delays every response.
	Latency time.Duration
	// RateLimit, in requests per second (0 = none); requests beyond it get
	// Stripe's 429 rate_limit error.
	RateLimit float64
	// SearchRateLimit is the Search API's own limit, in requests per
	// second, a budget separate from RateLimit's (Stripe allows 20 search
	// requests per second whatever the account's other limits). 0 means
	// 20 when RateLimit is set and none otherwise; negative means none.
	SearchRateLimit float64
	// SearchLag is how far Search API results trail changes, on the fake's
	// clock (Server.Now): an object created less than SearchLag ago is not
	// found, one changed less than SearchLag ago is matched as it was
	// before the change (search_index.go). 0 makes changes searchable at
	// once.
	SearchLag time.Duration
	// APIKey, if set, is the only key accepted; otherwise any well-formed
	// sk_/rk_ test or live key is.
	APIKey string
	// Logger receives one debug record per request; nil is silent.
	Logger *slog.Logger
	// CreatedSkew makes every list's created range reach this much
	// further each way, as a Stripe whose clock is off from its objects'
	// (a backdated test-clock object), or a proxy that widens or drops
	// the filter, would: objects up to that far outside the range asked
	// for come with those inside it (a year or more: every object, as
	// stripe-mock serves its fixtures whatever the parameters).
	CreatedSkew time.Duration
	// Clock, if set, moves the account's "now" forward with it once it
	// passes End: `stripesql demo` and fake-stripe pass time.Now, so a
	// write made while they run is stamped with the time it is made (the
	// generated data still ends at End; tests leave Clock nil and keep a
	// fixed clock).
	Clock func() time.Time
}

// endOf is the account's end in unix seconds.
func endOf(opts Options) int64 {
	if opts.End.IsZero() {
		return fixedEnd
	}
	return opts.End.Unix()
}

// DefaultScale is the number of charges when Options.Scale is 0.
const DefaultScale = 1000

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Status int
	// Objects is how many objects a 200 answer carried: a list page's
	// length, 1 for a single object.
	Objects int
	// Account is the Stripe-Account header: the connected account read.
	Account string
}

// FaultFunc may answer a request in place of the fake (to inject errors);
// handled=false lets the request through.
type FaultFunc func(r *http.Request) (handled bool, status int, body string)

// Server is the fake Stripe API; it implements http.Handler and is safe
// for concurrent use.
type Server struct {
	opts    Options
	data    *dataset
	limiter *rateLimiter
	// searchLimiter is the Search API's limiter (nil for none).
	searchLimiter *rateLimiter
	log           *slog.Logger

	requestSeq atomic.Uint64
	fault      atomic.Pointer[FaultFunc]

	mu       sync.Mutex
	requests []Request

	connect connected
	writes  writeState
}

// New generates the account described by opts. It panics only if the
// embedded fixtures are corrupt, which the package tests rule out.
func New(opts Options) *Server {
	if opts.Scale <= 0 {
		opts.Scale = DefaultScale
	}
	data, err := newDataset(opts.Seed, opts.Scale, endOf(opts))
	if err != nil {
		panic(err)
	}
	data.createdSkew = int64(opts.CreatedSkew / time.Second)
	data.clock = opts.Clock
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{opts: opts, data: data, limiter: newRateLimiter(opts.RateLimit),
		searchLimiter: newRateLimiter(searchRate(opts)), log: log}
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// SetFault installs f to answer requests before the fake does; nil clears.
func (s *Server) SetFault(f func(r *http.Request) (handled bool, status int, body string)) {
	if f == nil {
		s.fault.Store(nil)
		return
	}
	ff := FaultFunc(f)
	s.fault.Store(&ff)
}

// Objects returns every object of a resource, named as its table
// ("charges", "invoice_items", "checkout_sessions"), in list order (newest
// first) and exactly as served, decoded the way json.Unmarshal decodes into
// any (numbers are float64, null is nil). Child resources return the rows
// of all parents: "customer_balance_transactions", "subscription_items",
// "cards" and "bank_accounts" newest first, "line_items" in invoice order
// (oldest invoice first). "discounts" (served only embedded in customers,
// subscriptions and invoices) are each discount once. The lists served
// generically (generic.go) are there too, under their path's name
// ("issuing_cards", "transfers_reversals"; ListObjects takes the path).
// An unknown resource returns nil; Resources lists the hand-written ones.
func (s *Server) Objects(resource string) []map[string]any {
	return objectsOf(s.data, resource)
}

func objectsOf(d *dataset, resource string) []map[string]any {
	t := d.tables[resource]
	if t == nil {
		t = d.generic.tables[resource]
	}
	if t == nil {
		return nil
	}
	out := make([]map[string]any, 0, t.len())
	for k := 0; k < t.len(); k++ {
		row := int32(t.len() - 1 - k)
		if t.def.oldestFirst {
			row = int32(k)
		}
		if d.edits.deleted[t][row] {
			continue // deleted by an API write: no longer listed
		}
		b, err := json.Marshal(d.render(t, row))
		if err != nil {
			panic(err) // rendered objects are plain JSON values
		}
		var obj map[string]any
		if err := json.Unmarshal(b, &obj); err != nil {
			panic(err)
		}
		out = append(out, obj)
	}
	return out
}

// Resources lists the resources Objects knows, sorted.
func (s *Server) Resources() []string { return sortedKeys(s.data.tables) }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	requestID := s.data.requestID(s.requestSeq.Add(1))
	status, body, objects := s.answer(r)
	w.Header().Set("Request-Id", requestID)
	w.Header().Set("Stripe-Version", apiVersion)
	w.Header().Set("Content-Type", "application/json")
	// For measurements from outside the process (internal/bench).
	w.Header().Set("Fake-Objects", strconv.Itoa(objects))
	w.WriteHeader(status)
	_, _ = w.Write(body)

	query, _ := url.ParseQuery(r.URL.RawQuery)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: query, Status: status, Objects: objects,
		Account: r.Header.Get("Stripe-Account")})
	s.mu.Unlock()
	s.log.Debug("fakestripe request", "method", r.Method, "url", r.URL.RequestURI(),
		"status", status, "duration", time.Since(start), "request_id", requestID)
}

// apiVersion is the Stripe API version the fixtures and spec describe.
const apiVersion = "2023-10-16"

// answer computes the response: latency, fault, auth, rate limit, route.
func (s *Server) answer(r *http.Request) (status int, body []byte, objects int) {
	if s.opts.Latency > 0 {
		timer := time.NewTimer(s.opts.Latency)
		select {
		case <-timer.C:
		case <-r.Context().Done():
			timer.Stop()
		}
	}
	if f := s.fault.Load(); f != nil {
		if handled, status, body := (*f)(r); handled {
			return status, []byte(body), 0
		}
	}
	if err := checkAuth(r, s.opts.APIKey); err != nil {
		return err.status, err.body(), 0
	}
	limiter := s.limiter
	if isSearchPath(r.URL.Path) {
		limiter = s.searchLimiter
	}
	if !limiter.allow() {
		err := rateLimited()
		return err.status, err.body(), 0
	}
	obj, err := s.handle(r)
	if err != nil {
		return err.status, err.body(), 0
	}
	b, merr := json.Marshal(obj)
	if merr != nil {
		err := &apiError{status: http.StatusInternalServerError, Type: "api_error", Message: fmt.Sprintf("fakestripe: encoding response: %v", merr)}
		return err.status, err.body(), 0
	}
	objects = 1
	if data, isList := obj["data"].([]any); isList && (obj["object"] == "list" || obj["object"] == "search_result") {
		objects = len(data)
	}
	return http.StatusOK, b, objects
}

// route maps GET /v1/{resource}[/{id}] (a resource may be two segments:
// checkout/sessions), the child lists /v1/{parent}/{id}/{child}[/{id}] and
// the endpoints of special.go to the dataset.
func (s *Server) route(r *http.Request) (map[string]any, *apiError) {
	d, aerr := s.datasetFor(r)
	if aerr != nil {
		return nil, aerr
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/")
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return nil, unrecognizedURL(r)
	}
	query, qerr := url.ParseQuery(r.URL.RawQuery)
	if qerr != nil {
		return nil, badParam("", "Invalid query string: %v", qerr)
	}
	params, err := parseParams(query)
	if err != nil {
		return nil, err
	}
	seg := strings.Split(rest, "/")
	if t := d.routes[route{resource: seg[0]}]; len(seg) == 2 && seg[1] == "search" && t != nil && searchable(t) {
		return d.search(t, r.URL.Path, params, lagSeconds(s.opts.SearchLag))
	}
	if obj, err, ok := d.serveSpecial(seg, r.URL.Path, params); ok {
		return obj, err
	}
	if obj, err, ok := d.serveGeneric(seg, r.URL.Path, params); ok {
		return obj, err
	}
	if len(seg) >= 2 && d.routes[route{resource: seg[0] + "/" + seg[1]}] != nil {
		seg = append([]string{seg[0] + "/" + seg[1]}, seg[2:]...) // checkout/sessions
	}
	switch len(seg) {
	case 1, 2:
		t := d.routes[route{resource: seg[0]}]
		if t == nil {
			break
		}
		if len(seg) == 1 {
			return d.listPage(t, -1, r.URL.Path, params)
		}
		if !t.def.retrieve {
			break
		}
		row, ok := t.lookup(seg[1])
		if !ok {
			return nil, notFoundInURL(t, seg[1], "id")
		}
		return d.retrieve(t, row, params)
	case 3, 4:
		t := d.routes[route{parent: seg[0], resource: seg[2]}]
		if t == nil || (len(seg) == 4 && !t.def.retrieve) {
			break
		}
		parent := d.tables[t.def.parent]
		parentRow, ok := parent.lookup(seg[1])
		if !ok {
			return nil, notFoundInURL(parent, seg[1], parent.def.object)
		}
		if len(seg) == 3 {
			return d.listPage(t, parentRow, r.URL.Path, params)
		}
		row, ok := t.lookup(seg[3])
		if !ok || t.parents[row] != parentRow {
			return nil, notFoundInURL(t, seg[3], "id")
		}
		return d.retrieve(t, row, params)
	}
	return nil, unrecognizedURL(r)
}

// route is a URL shape: /v1/{resource} or /v1/{parent}/{id}/{resource}.
type route struct{ parent, resource string }
