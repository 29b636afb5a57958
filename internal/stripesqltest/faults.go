package stripesqltest

import (
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
)

// Fault answers a Stripe request in place of the fake and returns true,
// or returns false to let the fake answer. Unlike fakestripe's SetFault it
// writes the response itself: headers (Retry-After), a cut body, a
// connection closed mid-request (hijacked).
type Fault func(w http.ResponseWriter, r *http.Request) bool

// SetFault installs f in front of the fake; nil removes it.
func (e *Env) SetFault(f Fault) {
	if f == nil {
		e.faults.fault.Store(nil)
		return
	}
	e.faults.fault.Store(&f)
}

// faults is the HTTP handler in front of the fake Stripe server: it
// records every request, faulted or not, and applies the fault.
type faults struct {
	next  http.Handler
	fault atomic.Pointer[Fault]

	mu   sync.Mutex
	reqs []*Request
}

// Request is one request Stripe received and how it was answered.
type Request struct {
	Method string
	URL    url.URL
	// Status is the HTTP status answered; 0 while unanswered, or when the
	// connection was closed without an answer.
	Status int
}

// String is the request as Requests shows it.
func (r *Request) String() string { return FormatRequest(r.Method, r.URL.Path, r.URL.Query()) }

func (f *faults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := &Request{Method: r.Method, URL: *r.URL}
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		f.mu.Lock()
		req.Status = sw.status
		f.mu.Unlock()
	}()
	if fp := f.fault.Load(); fp != nil && (*fp)(sw, r) {
		return
	}
	f.next.ServeHTTP(sw, r)
}

// statusWriter notes the status written; http.ResponseController reaches
// the connection (to hijack it) through Unwrap.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Log returns the requests received since the last Requests call, with
// their statuses, without forgetting them.
func (e *Env) Log() []Request {
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	out := make([]Request, len(e.faults.reqs))
	for i, r := range e.faults.reqs {
		out[i] = *r
	}
	return out
}

func (f *faults) seen() []*Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*Request(nil), f.reqs...)
}

func (f *faults) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = nil
}

// RequestCount is the number of requests Stripe received since the last
// Requests call, without forgetting them.
func (e *Env) RequestCount() int {
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	return len(e.faults.reqs)
}
