package sqltable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/stripesql/stripesql/tables"
	"github.com/stripesql/stripesql/tables/decode"
)

// DefaultSearchLag is stripesql's default ClientOptions.SearchLag: well
// above the minute Stripe's search index normally lags behind writes, so
// that an incident has to be long before a search answer misses a change.
const DefaultSearchLag = 5 * time.Minute

// Exactness under the index's lag. Stripe's search index lags behind
// writes (under a minute normally, longer during incidents). With a safe
// lag L (ClientOptions.SearchLag), cutoff = now − L in whole seconds, and
// a list step over the created range R of a query with search clauses is
// read as
//
//	(a) the Search API for R ∩ created < cutoff,
//	(b) the list endpoint for R ∩ created ≥ cutoff (through the row cache),
//	(c) GET /v1/events created[gte]=cutoff types[]=<the object's types>:
//	    objects created before the cutoff but changed after it, which the
//	    index may not show yet; the newest event's data.object joins the
//	    search results when the search did not find the object (a found
//	    object is Stripe's current copy, newer than any event), and
//	    *.deleted removes it.
//
// The engine filters the union, so the answer is exact as long as the
// index lags less than L. When events cannot be read, the query reads
// the list instead (logged, and EXPLAIN says so for a while).

// searchReq is what a reqSearch stream reads besides the search itself.
type searchReq struct {
	// lo, hi are the created range [lo, hi) the results must fall in
	// (hi is at most the cutoff).
	lo, hi int64
	// queries are the searches read, one after another, their results
	// joined (each object once): one, or one per branch of a disjunction
	// (the request's query parameter is the first).
	queries []string
	// events are the parameters of the events read (c), once for all
	// the search steps of a plan in one account (`status IN (…)`
	// searches each value).
	events url.Values
	read   *eventsRead
	// first marks the step that describes the events in EXPLAIN.
	first bool
	// fallback reads the same range with the list, if events cannot be
	// read.
	fallback request
}

// deniedFor is how long a failed read of events keeps Search off: the
// key's permissions may change.
const deniedFor = 10 * time.Minute

// searchState is a client's memory of events it could not read.
type searchState struct {
	mu     sync.Mutex
	until  time.Time
	reason string
}

// searchDenied reports why Search is off for now ("" when it is not).
func (c *Client) searchDenied() string {
	c.search.mu.Lock()
	defer c.search.mu.Unlock()
	if time.Now().Before(c.search.until) {
		return c.search.reason
	}
	return ""
}

func (c *Client) denySearch(reason string) {
	c.search.mu.Lock()
	defer c.search.mu.Unlock()
	c.search.until, c.search.reason = time.Now().Add(deniedFor), reason
}

// searchCutoff is now − the safe lag, in whole seconds (rounded down, so
// that the search never reaches a second closer to now than the lag).
func (c *Client) searchCutoff() int64 {
	now := time.Now
	if c.opts.Now != nil {
		now = c.opts.Now
	}
	return now().Add(-c.opts.SearchLag).Unix()
}

// searchOver turns the list steps of a plan into search steps where the
// query has search clauses that the lists do not cover (see the comment
// at the top). note says why Search is not used, when it is not for a
// reason EXPLAIN should show.
func (t *Table) searchOver(ctx context.Context, p plan, ix *index, reverse bool) (out plan, note string) {
	if len(t.searchQueries()) == 0 || p.empty || t.client.opts.SearchLag <= 0 {
		return p, ""
	}
	if t.spec.Search.Unannounced {
		return p, "Search not used: " + t.spec.Name + " change without an event (" + t.spec.Object + ".updated does not exist), so a search could miss a recent change"
	}
	if t.client.opts.SearchLag >= retention {
		return p, "Search not used: --search-lag reaches past the 30 days of events Stripe keeps"
	}
	for _, st := range p.steps {
		if !t.searchable(st) {
			return p, ""
		}
	}
	if reason := t.client.searchDenied(); reason != "" {
		return p, "Search not used: " + reason
	}
	cut := t.client.searchCutoff()
	// The events are an account's: steps of several accounts
	// (stripe_account IN (…)) each read their own account's.
	reads := map[string]*eventsRead{}
	for _, st := range p.steps {
		lo, hi := createdRange(st.req.params)
		if t.heldWhole(ctx, st, lo, hi) {
			// A warm list answers from memory: no request at all.
			out.steps = append(out.steps, st)
			continue
		}
		read := reads[accountOf(st.req.params)]
		if read == nil {
			read = &eventsRead{}
			reads[accountOf(st.req.params)] = read
		}
		older, recent := t.searchStep(st, lo, min(hi, cut), cut, ix, reverse), st
		older.req.search.read, older.req.search.first = read, !read.planned
		read.planned = read.planned || hi > lo && lo < cut
		recent.req.params = withCreated(st.req.params, max(lo, cut), hi)
		switch {
		case hi <= cut:
			out.steps = append(out.steps, older)
		case lo >= cut:
			out.steps = append(out.steps, recent)
		case reverse:
			// newest first; sorted on another column, the two are sorted
			// together (concatenated, they would be two sorted runs)
			recent.sortsWithNext = st.order.kind == orderSorted
			out.steps = append(out.steps, recent, older)
		default:
			older.sortsWithNext = st.order.kind == orderSorted
			out.steps = append(out.steps, older, recent)
		}
	}
	return out, ""
}

// searchable reports whether a step may be read through Search: a list of
// the table's own whose parameters other than created are searched too,
// or only narrow the list (checked on every row), and leave a search
// clause to Search that the list does not take. A list by the id of
// another object (customer=cus_…) reads few pages: it stays a list, as
// Search costs three requests at least (search, recent list, events).
func (t *Table) searchable(st step) bool {
	if st.req.kind != reqList || st.req.parentID != "" || st.req.params.Get("created") != "" {
		return false
	}
	base := defaults(t.spec)
	for k, v := range st.req.params {
		switch {
		case isCreatedBound(k) || k == tables.AccountParam || len(v) == 1 && base.Get(k) == v[0]:
		case !t.spec.Narrows(k):
			return false // a filter-only column, test_clock
		default:
			f, _ := t.spec.FilterOf(strings.TrimSuffix(k, "[]"))
			if t.kindOf(f.Column) == tables.KindRef {
				return false
			}
		}
	}
	// Each search (one per branch of a disjunction) has a clause the list
	// does not take: a branch the list reads whole is read by the list.
	for _, q := range t.searchQueries() {
		if !slices.ContainsFunc(q, func(c searchClause) bool {
			p, ok := t.spec.FilterParam(c.column)
			return !ok || st.req.params.Get(p) == ""
		}) {
			return false
		}
	}
	return true
}

// kindOf is a column's kind (KindString when it has none).
func (t *Table) kindOf(col string) tables.Kind {
	for _, c := range t.cols {
		if c.Name == col {
			return c.Kind
		}
	}
	return tables.KindString
}

// heldWhole reports whether the row cache holds a step's rows over
// [lo, hi), from its own stream or the base stream it can be served from.
func (t *Table) heldWhole(ctx context.Context, st step, lo, hi int64) bool {
	store := t.rows(ctx)
	if store == nil || !t.rowCached(st) {
		return false
	}
	// the base stream of the step's account (stripe_account = …), not
	// the table's
	base := defaults(t.spec)
	if a := accountOf(t.forAccount(st.req.params)); a != "" {
		base.Set(tables.AccountParam, a)
	}
	// Covered, not Whole: a month of a list held whole is held too.
	return store.Covers(t.streamOf(t.spec.Path, base), lo, hi) ||
		store.Covers(t.streamOf(st.req.path, t.forAccount(withCreated(st.req.params, 0, unbounded))), lo, hi)
}

// maxSearchClauses is the most clauses a search query may have.
const maxSearchClauses = 10

// searchStep is the search stream (a) and the events (c) of a list step
// over [lo, hi), hi at most the cutoff. The events are those since the
// cutoff, also when the range ends before it: the index holds every
// change older than the cutoff.
func (t *Table) searchStep(st step, lo, hi, cut int64, ix *index, reverse bool) step {
	var listed []searchClause
	base := defaults(t.spec)
	for k, v := range st.req.params {
		// A list parameter the search can take too (status=paid), not a
		// default (subscriptions' status=all is no status).
		if f, ok := t.spec.FilterOf(k); ok && len(v) == 1 && base.Get(k) != v[0] {
			if cl, ok := searchClauseOf(t.spec, SearchCond{Column: f.Column, Op: SearchEq, Value: v[0]}); ok {
				listed = append(listed, cl)
			}
		}
	}
	created := createdClauses(t.spec, lo, hi)
	var queries []string
	for _, q := range t.searchQueries() {
		clauses := append(slices.Clone(q), listed...)
		slices.SortFunc(clauses, func(a, b searchClause) int { return strings.Compare(a.text, b.text) })
		clauses = slices.CompactFunc(clauses, func(a, b searchClause) bool { return a.text == b.text })
		if n := maxSearchClauses - len(created); len(clauses) > n {
			// Stripe takes 10 clauses at most (more is a 400): leaving some
			// out only widens the search, the engine checks them all.
			clauses = clauses[:n]
		}
		if text := searchQuery(append(clauses, created...)); !slices.Contains(queries, text) {
			queries = append(queries, text)
		}
	}
	params := url.Values{"query": {queries[0]}}
	if a := accountOf(st.req.params); a != "" {
		params.Set(tables.AccountParam, a)
	}
	events := url.Values{"created[gte]": {strconv.FormatInt(cut, 10)}}
	for _, e := range t.spec.Search.Events {
		events.Add("types[]", e)
	}
	fallback := st.req
	fallback.params = withCreated(st.req.params, lo, hi)
	out := step{within: st.within, order: st.order,
		req: request{kind: reqSearch, path: t.spec.SearchPath(), params: params,
			search: &searchReq{lo: lo, hi: hi, queries: queries, events: events, fallback: fallback}}}
	// Search results come in no created order, and events add to them:
	// a step that must be ordered is sorted.
	if t.ordered && ix != nil && (st.order.kind == orderReversed || st.order.kind == orderAsIs && slices.Contains(ix.columns, "created")) {
		o := t.schema.Schema.IndexOfColName("created")
		out.order = rowOrder{kind: orderSorted, ords: []int{o}, types: []sql.Type{types.Datetime}, binary: []bool{false}, desc: reverse}
	}
	return out
}

// describeSearch renders a search step for EXPLAIN: the search, then the
// events read beside it.
func (t *Table) describeSearch(r request) string {
	var reads []string
	for _, q := range r.search.queries {
		params := withLimit(maxPage, r.params)
		params.Set("query", q)
		reads = append(reads, "GET "+r.path+formatParams(params))
	}
	s := strings.Join(reads, "; ")
	if !r.search.first {
		return s
	}
	return s + "; GET /v1/events" + formatParams(withLimit(maxPage, r.search.events))
}

// errNoSearch is a search stream that cannot be read before it handed on
// a row: its events (a key without access to them), or its first page
// (Stripe refuses the search: "Search functionality is not available to
// merchants in India"). The scan reads the list instead.
type errNoSearch struct {
	path string
	err  error
}

func (e errNoSearch) Error() string { return "GET " + e.path + " for Search: " + e.err.Error() }

// refused reports an answer that asking again will not change: a 4xx
// other than 429.
func refused(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && ae.Status != http.StatusTooManyRequests
}

// searchPager reads a search stream: the events (c) with the first page
// of each search, then the searches' pages (a), one search after another,
// each object once, without the objects the events delete, then the
// changed objects no search found.
type searchPager struct {
	t   *Table
	req request
	// overlay is the newest state of each object an event carried, nil
	// for a deleted object.
	overlay map[string]json.RawMessage
	// firsts are the searches' first pages, read ahead (nil once used);
	// qi is the search being read, page its next page ("" for the first).
	firsts []*searchPage
	qi     int
	page   string
	seen   map[string]bool
	rest   bool // the overlay's objects were handed on
	// hidesClocks drops test clocks' objects, which the list leaves out.
	hidesClocks bool
}

func (t *Table) newSearchPager(r request) *searchPager {
	p, ok := t.spec.Param("test_clock")
	return &searchPager{t: t, req: r, seen: map[string]bool{},
		hidesClocks: ok && p.Reveals && r.params.Get("test_clock") == ""}
}

func (p *searchPager) next(ctx context.Context) (batch, error) {
	queries := p.req.search.queries
	if p.overlay == nil {
		if err := p.start(ctx); err != nil {
			return batch{}, err
		}
	}
	account := accountOf(p.req.params)
	for p.qi < len(queries) {
		var body []byte
		var err error
		if f := p.firsts[p.qi]; f != nil {
			body, err, p.firsts[p.qi] = f.body, f.err, nil
		} else {
			body, err = p.fetchPage(ctx, queries[p.qi], p.page)
		}
		if err != nil {
			return batch{}, err
		}
		var pg struct {
			Data     []json.RawMessage `json:"data"`
			HasMore  bool              `json:"has_more"`
			NextPage *string           `json:"next_page"`
		}
		if err := json.Unmarshal(body, &pg); err != nil {
			return batch{}, fmt.Errorf("malformed search page: %v", err)
		}
		if pg.HasMore && pg.NextPage != nil && *pg.NextPage != "" && len(pg.Data) > 0 {
			p.page = *pg.NextPage
		} else {
			p.qi, p.page = p.qi+1, ""
		}
		var out []json.RawMessage
		for _, o := range pg.Data {
			id := decode.ObjectID(o)
			if p.seen[id] {
				continue // found by an earlier page or search (another branch)
			}
			p.seen[id] = true
			// The search's copy is the object as it is now; an event
			// since the cutoff may be older than its last change (one
			// announced by a type not read, such as a dispute's): the
			// events only remove a deleted object here.
			if ev, changed := p.overlay[id]; changed && ev == nil {
				continue
			}
			if p.keeps(o) {
				out = append(out, o)
			}
		}
		if len(out) > 0 {
			return batch{objs: out, account: account}, nil
		}
	}
	if !p.rest {
		p.rest = true
		var out []json.RawMessage
		for id, o := range p.overlay {
			if !p.seen[id] && p.keeps(o) {
				out = append(out, o)
			}
		}
		if len(out) > 0 {
			return batch{objs: out, account: account}, nil
		}
	}
	return batch{}, io.EOF
}

// start reads the events and the first page of every search: independent
// requests, read at once, so that the stream costs one round trip before
// its first rows. A refusal of any of them (before a row was handed on)
// is errNoSearch: the list is read instead.
func (p *searchPager) start(ctx context.Context) error {
	var wg sync.WaitGroup
	if p.firsts == nil {
		p.firsts = make([]*searchPage, len(p.req.search.queries))
		for i, q := range p.req.search.queries {
			first := &searchPage{}
			p.firsts[i] = first
			wg.Add(1)
			go func() {
				defer wg.Done()
				first.body, first.err = p.fetchPage(ctx, q, "")
			}()
		}
	}
	overlay, err := p.req.search.read.get(ctx, p)
	wg.Wait()
	if refused(err) {
		return errNoSearch{"/v1/events", err}
	}
	if err != nil {
		return err
	}
	for _, f := range p.firsts {
		if f != nil && refused(f.err) {
			return errNoSearch{p.req.path, f.err}
		}
	}
	p.overlay = overlay
	return nil
}

// searchPage is a search page read ahead, with its error.
type searchPage struct {
	body []byte
	err  error
}

// fetchPage reads the page of search query after page (the first when
// empty).
func (p *searchPager) fetchPage(ctx context.Context, query, page string) ([]byte, error) {
	params := withLimit(maxPage, p.req.params)
	params.Set("query", query)
	if page != "" {
		params.Set("page", page)
	}
	return p.t.client.fetch(ctx, p.req.path, params, CacheOff)
}

// keeps reports whether an object belongs to the stream: not deleted,
// created in its range (Search may not filter created), not a test
// clock's when the list leaves those out.
func (p *searchPager) keeps(o json.RawMessage) bool {
	if o == nil {
		return false
	}
	c := createdOf(o)
	if c < p.req.search.lo || c >= p.req.search.hi {
		return false
	}
	return !p.hidesClocks || !hasTestClock(o)
}

// eventsRead are the events the search steps of a plan in one account
// share: read by the first step that runs (its steps run one after
// another), kept for the others, a failure too.
type eventsRead struct {
	mu      sync.Mutex
	planned bool // a step describes them (planning)
	done    bool
	overlay map[string]json.RawMessage
	err     error
}

func (r *eventsRead) get(ctx context.Context, p *searchPager) (map[string]json.RawMessage, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.done {
		r.overlay, r.err = p.readEvents(ctx)
		// A cancelled read is not the plan's answer: the next step asks again.
		r.done = ctx.Err() == nil
	}
	return r.overlay, r.err
}

// readEvents reads every event of the object's types since the cutoff,
// newest first: the first event of an object is its newest state.
func (p *searchPager) readEvents(ctx context.Context) (map[string]json.RawMessage, error) {
	overlay := map[string]json.RawMessage{}
	params := withLimit(maxPage, p.req.search.events)
	if a := accountOf(p.req.params); a != "" {
		params.Set(tables.AccountParam, a)
	}
	evs, err := p.t.client.listEvents(ctx, params, true)
	if err != nil {
		return nil, err
	}
	deleted := p.t.spec.Object + ".deleted"
	cut, _ := strconv.ParseInt(p.req.search.events.Get("created[gte]"), 10, 64)
	types := p.req.search.events["types[]"]
	for _, e := range evs {
		if e.Created < cut || !slices.Contains(types, e.Type) {
			// Not an event asked for (a backend that ignores the filters,
			// as stripe-mock does): an older one may carry a state the
			// index has since moved past, another type another object.
			continue
		}
		id := decode.ObjectID(e.Data.Object)
		if _, newer := overlay[id]; newer || id == "" {
			continue
		}
		if e.Type == deleted {
			overlay[id] = nil
		} else {
			overlay[id] = e.Data.Object
		}
	}
	return overlay, nil
}

// hasTestClock reports an object made under a test clock.
func hasTestClock(o json.RawMessage) bool {
	var v struct {
		TestClock json.RawMessage `json:"test_clock"`
	}
	_ = json.Unmarshal(o, &v)
	return len(v.TestClock) > 0 && string(v.TestClock) != "null"
}

// describeSearched describes a plan as searchOver reads it; suffix
// follows a plan of lists, a note why Search is not used follows both.
func (t *Table) describeSearched(p plan, ix *index, reverse bool, suffix string) string {
	sp, note := t.searchOver(context.Background(), p, ix, reverse)
	s := t.describePlan(sp, t.pageSize(0))
	if !slices.ContainsFunc(sp.steps, func(st step) bool { return st.req.kind == reqSearch }) {
		s += suffix
	}
	if note != "" {
		s += " (" + note + ")"
	}
	return s
}

// withoutSearch is a search step Stripe refused to read (events a
// restricted key cannot read, or the search itself): the list reads its
// range instead, and Search stays off for a while (deniedFor).
func (t *Table) withoutSearch(ctx context.Context, st step, ne errNoSearch) step {
	reason := "GET " + ne.path + " failed (" + redact(ne.err.Error()) + "): the list is read instead"
	if statusOf(ne.err) != http.StatusBadRequest {
		// The key or the account cannot search (a 400 is this query's).
		t.client.denySearch(reason)
	}
	if log := t.client.opts.Logger; log != nil {
		log.WarnContext(ctx, "Search not used", "table", t.spec.Name, "reason", reason)
	}
	st.req = st.req.search.fallback
	return st
}
