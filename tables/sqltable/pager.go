package sqltable

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strconv"

	"github.com/stripesql/stripesql/tables"
	"github.com/stripesql/stripesql/tables/decode"
)

// batch is what a pager yields: objects, the parent they belong to (for
// child tables whose objects do not name it) and the connected account
// they were read from ("" for the platform).
type batch struct {
	objs     []json.RawMessage
	parentID string
	account  string
	// run is the slice the page is of, for the pages of slices handed on
	// as they come (unordered: see slicedPager); nil otherwise.
	run *slice
}

// pager yields the objects of one request stream, a page at a time; it
// returns io.EOF after the last page. Every kind of stream (list, walk of
// a parent, retrieve, derived rows) is a pager, so the scan is one loop.
type pager interface {
	next(ctx context.Context) (batch, error)
}

// newPager makes the pager of a request on table t. fetched counts the
// objects received by the whole scan, for the LIMIT page-size hint.
func (t *Table) newPager(r request, fetched *int) pager {
	r.params = t.forAccount(r.params)
	switch r.kind {
	case reqRetrieve:
		// A retrieve sends no parameter but the connected account.
		var params url.Values
		if a := accountOf(r.params); a != "" {
			params = url.Values{tables.AccountParam: {a}}
		}
		return &onePager{t: t, path: r.path + "/" + url.PathEscape(r.id), params: params, parentID: r.parentID}
	case reqSingle:
		return &onePager{t: t, path: r.path, params: r.params, parentID: r.parentID}
	case reqWalk:
		parent := t.relative(t.spec.Parent.Table)
		parent.account = accountOf(r.params)
		return &walkPager{
			parents: parent.newPager(t.parentsRequest(parent, r), new(int)),
			child: func(obj json.RawMessage) pager {
				c, ok := t.childOf(obj, r.params)
				if !ok {
					return emptyPager{}
				}
				return t.newPager(c, fetched)
			},
		}
	case reqDerive:
		var srcs []pager
		for _, d := range t.spec.Derive {
			src := t.relative(d.Table)
			src.account = accountOf(r.params)
			srcs = append(srcs, &fieldPager{src: src.newPager(src.listRequest(url.Values{}), new(int)), field: d.Field})
		}
		return &chainPager{pagers: srcs}
	case reqSearch:
		return t.newSearchPager(r)
	}
	// Parallelism 1 reads with one cursor, as a connector does.
	if t.spec.Created && t.limitHint == 0 && r.parentID == "" && cap(t.client.slots) > 1 {
		return t.newSlicedPager(r.path, r.params, fetched)
	}
	return &listPager{t: t, path: r.path, params: r.params, parentID: r.parentID, fetched: fetched}
}

// closer is a pager holding resources (workers) to release when the scan
// ends early.
type closer interface{ close() }

// relative is another table of the same account (a parent, a source).
func (t *Table) relative(name string) *Table {
	s, ok := tables.Lookup(name)
	if !ok {
		panic("tables: " + t.spec.Name + " refers to unknown table " + name)
	}
	r, err := New(s, t.db, t.client)
	if err != nil {
		panic(err)
	}
	return r
}

// listPager walks a list endpoint with starting_after.
type listPager struct {
	t        *Table
	path     string
	params   url.Values
	parentID string
	fetched  *int
	cursor   string
	done     bool
}

// handOff ends the walk at the last second of page b when older objects
// are to be read by others (slices), and returns the page as this walk
// hands it on and where the others' range ends (exclusive). The objects
// of that last second are left to the others, which saves a request
// unless the whole page is that one second: the walk then goes on for
// that second alone.
func (p *listPager) handOff(ctx context.Context, b batch) (batch, int64) {
	last := createdOf(b.objs[len(b.objs)-1])
	if createdOf(b.objs[0]) == last {
		p.params = withCreated(p.params, last, last+1)
		return b, last
	}
	kept := make([]json.RawMessage, 0, len(b.objs))
	for _, o := range b.objs {
		if createdOf(o) > last {
			kept = append(kept, o)
		}
	}
	b.objs = kept
	p.done = true
	return b, last + 1
}

func (p *listPager) next(ctx context.Context) (batch, error) {
	if p.done {
		return batch{}, io.EOF
	}
	params := url.Values{}
	for k, v := range p.params {
		params[k] = v
	}
	if !p.t.spec.Unpaged {
		params.Set("limit", strconv.Itoa(p.t.pageSize(*p.fetched)))
	}
	if p.cursor != "" {
		params.Set("starting_after", p.cursor)
	}
	body, err := p.t.get(ctx, p.path, params)
	var ae *APIError
	if p.cursor == "" && errors.As(err, &ae) && (p.parentID != "" && ae.NotFound() || ae.noSuchParam(params)) {
		// No such parent, or none of what the list is of (a customer
		// without an upcoming invoice), or no such object as a filter
		// names: no child, as a missing row is.
		p.done = true
		return batch{}, io.EOF
	}
	if err != nil {
		return batch{}, err
	}
	pg, err := decode.Page(body)
	if err != nil {
		return batch{}, err
	}
	if !pg.HasMore || len(pg.Data) == 0 || p.t.spec.Unpaged {
		p.done = true
	} else if p.cursor = decode.ObjectID(pg.Data[len(pg.Data)-1]); p.cursor == "" {
		return batch{}, errors.New("list page object has no id to continue from")
	}
	objs := p.t.inCreatedRange(pg.Data, p.params) // the cursor is the page's last object, kept or not
	*p.fetched += len(objs)
	return batch{objs: objs, parentID: p.parentID, account: accountOf(p.params)}, nil
}

// inCreatedRange drops the objects of a list page whose own created time
// is outside the created range the list asked for. Stripe lists only the
// range's objects, but a backend that ignores the filter (stripe-mock
// serves its fixtures whatever the parameters), a proxy, or a clock skew
// may return others. An object belongs to the range of its own created
// time: it is read, counted and held in the row cache by the read of
// that range alone, so it is never counted twice (by two steps, slices
// or cached intervals of one statement) nor outside the interval it is
// filed in, and no answer depends on what was read before. An object out
// of the range says nothing about the range it belongs to (that range's
// own read brings it, or its events do), so it is dropped, not filed
// there: it must not make a range not read look read, nor add to a held
// one only when some other read happened to return it.
func (t *Table) inCreatedRange(objs []json.RawMessage, params url.Values) []json.RawMessage {
	// The field the range filters: created, or invoice items' date.
	p, ok := t.spec.Param("created")
	if !ok || !p.Range || p.Field == "" {
		return objs
	}
	lo, hi := createdRange(params)
	if lo <= 0 && hi >= unbounded {
		return objs
	}
	var kept []json.RawMessage
	for i, o := range objs {
		if c, ok := intField(o, p.Field); !ok || c >= lo && c < hi {
			if kept != nil {
				kept = append(kept, o)
			}
			continue
		}
		if kept == nil {
			kept = append(make([]json.RawMessage, 0, len(objs)), objs[:i]...)
		}
	}
	if kept == nil {
		return objs
	}
	return kept
}

// onePager gets one object; Stripe's 404 is no object, as a missing row
// is in a database.
type onePager struct {
	t        *Table
	path     string
	params   url.Values
	parentID string
	done     bool
}

func (p *onePager) next(ctx context.Context) (batch, error) {
	if p.done {
		return batch{}, io.EOF
	}
	p.done = true
	body, err := p.t.get(ctx, p.path, p.params)
	var ae *APIError
	if errors.As(err, &ae) && (ae.NotFound() || ae.noSuchParam(p.params)) || err == nil && isDeletedStub(body) {
		return batch{}, io.EOF
	}
	if err != nil {
		return batch{}, err
	}
	if !json.Valid(body) {
		return batch{}, errors.New("malformed response: not valid JSON")
	}
	return batch{objs: []json.RawMessage{body}, parentID: p.parentID, account: accountOf(p.params)}, nil
}

// walkPager reads every parent, then the children of each in turn.
type walkPager struct {
	parents pager
	child   func(parent json.RawMessage) pager
	objs    []json.RawMessage
	cur     pager
}

// emptyPager has no objects: a parent without what its children are
// listed by (an account without an ownership).
type emptyPager struct{}

func (emptyPager) next(context.Context) (batch, error) { return batch{}, io.EOF }

func (p *walkPager) next(ctx context.Context) (batch, error) {
	for {
		if p.cur != nil {
			b, err := p.cur.next(ctx)
			if err != io.EOF {
				return b, err
			}
			p.cur = nil
		}
		if len(p.objs) == 0 {
			b, err := p.parents.next(ctx)
			if err != nil {
				return batch{}, err
			}
			p.objs = b.objs
			continue
		}
		p.cur = p.child(p.objs[0])
		p.objs = p.objs[1:]
	}
}

// fieldPager yields the non-null object in a field of each source object.
type fieldPager struct {
	src   pager
	field string
}

func (p *fieldPager) next(ctx context.Context) (batch, error) {
	b, err := p.src.next(ctx)
	if err != nil {
		return batch{}, err
	}
	var out []json.RawMessage
	for _, o := range b.objs {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(o, &fields); err != nil {
			return batch{}, err
		}
		if v := fields[p.field]; len(v) > 0 && v[0] == '{' {
			out = append(out, v)
		}
	}
	return batch{objs: out, account: b.account}, nil
}

// chainPager runs pagers one after another.
type chainPager struct{ pagers []pager }

func (p *chainPager) next(ctx context.Context) (batch, error) {
	for len(p.pagers) > 0 {
		b, err := p.pagers[0].next(ctx)
		if err != io.EOF {
			return b, err
		}
		p.pagers = p.pagers[1:]
	}
	return batch{}, io.EOF
}
