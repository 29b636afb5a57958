package sqltable

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/stripesql/stripesql/tables"
	"github.com/stripesql/stripesql/tables/decode"
)

// reqKind is the shape of a request stream.
type reqKind int

const (
	// reqList walks a list endpoint page by page.
	reqList reqKind = iota
	// reqRetrieve gets one object by id (GET path/id).
	reqRetrieve
	// reqSingle gets the one object an endpoint answers (GET path).
	reqSingle
	// reqWalk lists the parent table, then the child list of each parent.
	reqWalk
	// reqDerive reads rows out of a field of other tables' objects.
	reqDerive
	// reqSearch reads the Search API and the events beside it
	// (search_plan.go).
	reqSearch
)

// request is one stream of Stripe requests.
type request struct {
	kind reqKind
	// path is concrete: a child's parent id is already in it.
	path   string
	id     string // reqRetrieve
	params url.Values
	// parentID is the parent a child request is for; it fills the
	// parent column when the object lacks one.
	parentID string
	search   *searchReq // reqSearch
}

// describe renders the request for EXPLAIN; a list shows its first page's
// limit.
func (t *Table) describe(r request, limit int) string {
	switch r.kind {
	case reqRetrieve:
		return "GET " + r.path + "/" + r.id
	case reqSingle:
		return "GET " + r.path + formatParams(r.params)
	case reqWalk:
		p := t.spec.Parent
		parent := t.relative(p.Table)
		params := url.Values{}
		for k, v := range r.params {
			params[k] = v
		}
		for _, w := range p.With {
			if !params.Has(w) {
				params.Set(w, "{"+tables.Singular(p.Table)+"."+w+"}")
			}
		}
		child := "{" + p.Column + "}"
		if r.parentID != "" {
			child = r.parentID
		}
		return fmt.Sprintf("%s, then for each %s: %s", parent.describe(t.parentsRequest(parent, r), maxPage),
			tables.Singular(p.Table), t.describe(t.childRequest(child, params), limit))
	case reqDerive:
		var parts []string
		for _, d := range t.spec.Derive {
			src, _ := tables.Lookup(d.Table)
			parts = append(parts, fmt.Sprintf("GET %s limit=%d%s (field %s)", src.Path, maxPage, formatParams(defaults(src)), d.Field))
		}
		return strings.Join(parts, "; ")
	case reqSearch:
		return t.describeSearch(r)
	}
	params := r.params
	if !t.spec.Unpaged {
		params = withLimit(limit, r.params)
	}
	path, _ := url.PathUnescape(r.path)
	return "GET " + path + formatParams(params)
}

// withLimit is a page request's parameters: params and limit (a copy).
func withLimit(limit int, params url.Values) url.Values {
	out := url.Values{"limit": {strconv.Itoa(limit)}}
	for k, v := range params {
		out[k] = v
	}
	return out
}

// formatParams renders parameters as " k=v k2=v2", sorted, unescaped.
func formatParams(params url.Values) string {
	if len(params) == 0 {
		return ""
	}
	q, _ := url.QueryUnescape(params.Encode())
	return " " + strings.ReplaceAll(q, "&", " ")
}

func defaults(s *tables.Spec) url.Values {
	params := url.Values{}
	for k, v := range s.Defaults {
		params.Set(k, v)
	}
	return params
}

// step is one request stream together with the range its rows must fall in
// and how its rows must be ordered before the engine sees them.
type step struct {
	req request
	// within are the lookup ranges the rows are checked against (a row
	// belongs if it is in any); none means every row the request returns
	// belongs to the result.
	within []sql.MySQLRange
	order  rowOrder
	// sortsWithNext holds a buffered step's rows back to be arranged
	// with the next step's (same order): a search before the cutoff and
	// the list after it, sorted on something else than created, are one
	// range of the index.
	sortsWithNext bool
}

// plan is what a table access will ask Stripe, in order.
type plan struct {
	steps []step
	// empty is true when the lookup can match nothing, so no request is made.
	empty bool
}

func (t *Table) describePlan(p plan, limit int) string {
	if p.empty || len(p.steps) == 0 {
		return "no request (the condition matches nothing)"
	}
	parts := make([]string, len(p.steps))
	for i, s := range p.steps {
		parts[i] = t.describe(s.req, limit)
	}
	return strings.Join(parts, "; ")
}

// fullScan is the plan of a table access without a lookup.
func (t *Table) fullScan() plan {
	return plan{steps: t.splitIn([]step{{req: t.scanRequest(url.Values{})}})}
}

// splitIn makes a list or walk step that would send a residual parameter
// of several values (a filter-only column's IN (…), see WithResidual)
// one step per value: Stripe takes one, and each row holds the value
// its list was asked for.
func (t *Table) splitIn(steps []step) []step {
	var params []string
	for p, vs := range t.residual {
		if len(vs) > 1 {
			params = append(params, p)
		}
	}
	slices.Sort(params)
	for _, p := range params {
		var out []step
		for _, st := range steps {
			if st.req.kind != reqList && st.req.kind != reqWalk || len(st.req.params[p]) == 1 {
				out = append(out, st)
				continue
			}
			for _, v := range t.residual[p] {
				c := st
				c.req.params = url.Values{}
				for k, vs := range st.req.params {
					c.req.params[k] = vs
				}
				c.req.params.Set(p, v)
				out = append(out, c)
			}
		}
		steps = out
	}
	return steps
}

// scanRequest is the request stream reading every row, narrowed by params.
func (t *Table) scanRequest(params url.Values) request {
	switch {
	case t.spec.Derive != nil:
		return request{kind: reqDerive}
	case t.spec.Parent != nil:
		return request{kind: reqWalk, params: params}
	case t.spec.Single:
		return request{kind: reqSingle, path: t.spec.Path, params: params}
	}
	return t.listRequest(params)
}

// listRequest is the list endpoint with the spec's defaults and params.
func (t *Table) listRequest(params url.Values) request {
	all := defaults(t.spec)
	for k, v := range t.residual {
		all[k] = v
	}
	for k, v := range params {
		all[k] = v
	}
	if !t.sendsPinned(all) {
		for k, v := range t.spec.Unpinned {
			all.Set(k, v)
		}
	}
	return request{kind: reqList, path: t.spec.Path, params: all}
}

// parentsRequest is the request listing the parents a walk r reads the
// children of: the parent table's scan (a child list itself, maybe: a
// subscription item's usage, per item of each subscription), or the
// retrieve of the one parent r is for.
func (t *Table) parentsRequest(parent *Table, r request) request {
	if r.parentID != "" {
		return request{kind: reqRetrieve, path: parent.spec.Path, id: r.parentID}
	}
	return parent.scanRequest(url.Values{})
}

// childOf is the request for the children of a parent object read by a
// walk with params: with its id, and the parameters the spec takes from
// its fields (Parent.With); ok is false when the parent has none of a
// field, or another value than params pin (its children cannot match).
func (t *Table) childOf(parent json.RawMessage, params url.Values) (request, bool) {
	with := t.spec.Parent.With
	if len(with) == 0 {
		return t.childRequest(decode.ObjectID(parent), params), true
	}
	fields := map[string]any{}
	err := decode.Fields(parent, func(key, val []byte) {
		if slices.Contains(with, string(key)) {
			fields[string(key)], _ = decode.Value(val, tables.KindRef)
		}
	})
	all := url.Values{}
	for k, v := range params {
		all[k] = v
	}
	for _, w := range with {
		v, ok := fields[w].(string)
		if err != nil || !ok || v == "" || all.Has(w) && all.Get(w) != v || t.residual.Has(w) && t.residual.Get(w) != v {
			return request{}, false
		}
		all.Set(w, v)
	}
	return t.childRequest(decode.ObjectID(parent), all), true
}

// needsParent reports whether a child request with params lacks a
// parameter only its parent's fields give (Parent.With): the parent is
// then read first.
func (t *Table) needsParent(params url.Values) bool {
	for _, w := range t.spec.Parent.With {
		if !params.Has(w) && !t.residual.Has(w) {
			return true
		}
	}
	return false
}

// childRequest is the request for the children of one parent.
func (t *Table) childRequest(parentID string, params url.Values) request {
	p := t.spec.Parent
	all := url.Values{}
	for k, v := range params {
		all[k] = v
	}
	path := t.spec.Path
	if p.InQuery {
		all.Set(p.Param, parentID)
	} else {
		path = strings.Replace(path, "{"+p.Param+"}", url.PathEscape(parentID), 1)
	}
	if t.spec.Single {
		return request{kind: reqSingle, path: path, params: all, parentID: parentID}
	}
	r := t.listRequest(all)
	r.path, r.parentID = path, parentID
	return r
}

// planLookup turns the engine's index ranges into request streams. Each
// range becomes one stream; ranges are disjoint, so streams never return
// the same row twice once rows are checked against their range.
func (t *Table) planLookup(lookup sql.IndexLookup) (plan, error) {
	ix, ok := lookup.Index.(*index)
	if !ok {
		return plan{}, fmt.Errorf("tables: %s: lookup on foreign index %v", t.spec.Name, lookup.Index)
	}
	ranges, ok := lookup.Ranges.(sql.MySQLRangeCollection)
	if !ok {
		return plan{}, fmt.Errorf("tables: %s: unsupported range collection %T", t.spec.Name, lookup.Ranges)
	}
	if lookup.IsEmptyRange {
		return plan{empty: true}, nil
	}
	var p plan
	for _, r := range ranges {
		if empty, err := r.IsEmpty(); err != nil {
			return plan{}, err
		} else if empty {
			continue
		}
		st, ok, err := t.planRange(ix, r, lookup.IsReverse)
		if err != nil {
			return plan{}, err
		}
		if ok {
			p.steps = append(p.steps, st)
		}
	}
	p.steps = t.mergeIn(ix, p.steps, lookup.IsReverse)
	p.steps = t.mergeSame(ix, p.steps, lookup.IsReverse)
	p.steps = t.splitIn(p.steps)
	p.empty = len(p.steps) == 0
	return p, nil
}

// mergeSame makes ranges planned as the same list one stream, its rows
// checked against each range: `id IN (…) AND payout = …` is the payout's
// list once (see pinsResidual), not once per id.
func (t *Table) mergeSame(ix *index, steps []step, reverse bool) []step {
	var out []step
	for _, st := range steps {
		if n := len(out); n > 0 && st.req.kind == reqList && sameRequest(out[n-1].req, st.req) {
			out[n-1].within = append(out[n-1].within, st.within...)
			out[n-1].order = t.orderFor(ix, 0, reverse, st.req)
			continue
		}
		out = append(out, st)
	}
	return out
}

// sameRequest reports whether two requests are the same stream.
func sameRequest(a, b request) bool {
	return a.kind == b.kind && a.path == b.path && a.id == b.id && a.parentID == b.parentID &&
		canonicalQuery(a.params) == canonicalQuery(b.params)
}

// maxIn is the most values an array filter takes (events' types).
const maxIn = 20

// mergeIn turns the one-value streams of `col IN (…)` into streams of up to
// maxIn values when the endpoint takes the values as an array (events'
// type IN (…) is one list with types[]=…).
func (t *Table) mergeIn(ix *index, steps []step, reverse bool) []step {
	f, ok := t.spec.FilterOf(ix.columns[0])
	if !ok || f.InParam == "" || len(steps) < 2 {
		return steps
	}
	var out []step
	for i := 0; i < len(steps); {
		j := i + 1
		for j < len(steps) && j-i < maxIn && sameExcept(steps[i].req.params, steps[j].req.params, f.ParamName()) {
			j++
		}
		if j-i == 1 {
			out = append(out, steps[i])
			i = j
			continue
		}
		params := url.Values{}
		for k, v := range steps[i].req.params {
			params[k] = v
		}
		params.Del(f.ParamName())
		merged := step{req: steps[i].req, order: t.orderFor(ix, 0, reverse, steps[i].req)}
		for _, st := range steps[i:j] {
			params.Add(f.InParam+"[]", st.req.params.Get(f.ParamName()))
			merged.within = append(merged.within, st.within...)
		}
		merged.req.params = params
		out = append(out, merged)
		i = j
	}
	return out
}

// sameExcept reports whether two list requests differ only in param.
func sameExcept(a, b url.Values, param string) bool {
	if a.Get(param) == "" || b.Get(param) == "" || len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if k != param && strings.Join(v, "\x00") != strings.Join(b[k], "\x00") {
			return false
		}
	}
	return true
}

// planRange plans one range of a lookup; ok is false when the range can
// match no Stripe object (e.g. created IS NULL).
func (t *Table) planRange(ix *index, r sql.MySQLRange, reverse bool) (st step, ok bool, err error) {
	st.within = []sql.MySQLRange{r}
	params := url.Values{}
	parentID := ""
	// sortedFrom is the first index column not fixed to one value by the
	// range: the rows need ordering by the columns from there on.
	sortedFrom := len(ix.columns)
	for n, col := range ix.columns {
		ce := r[n]
		key, point := pointKey(ce)
		switch {
		case col == "id" && point && key == nil:
			return st, false, nil // id IS NULL: no object
		case col == "id" && point && t.pinsResidual():
			// checked on the rows of the pinned list (within)
		case col == "id" && point:
			id, err := paramValue(key)
			if err != nil {
				return st, false, err
			}
			if id == "" {
				// No object has an empty id, and GET path/ is no
				// retrieve (a JSON object joined to an id arrives so).
				return st, false, nil
			}
			st.req = request{kind: reqRetrieve, path: t.spec.Path, id: id}
			return st, true, nil
		case col == tables.AccountColumn:
			switch {
			case point && key != nil:
				v, err := paramValue(key)
				if err != nil {
					return st, false, err
				}
				params.Set(tables.AccountParam, v)
			case !point:
				return st, false, errAccountRange
			}
		case t.spec.FilterOnly(col) && (!point || key == nil):
			return st, false, PinError(t.spec, col)
		case t.spec.IsRange(col):
			lo, hi, ok, err := unixBounds(ce)
			if err != nil || !ok {
				return st, false, err
			}
			p, _ := t.spec.RangeParam(col)
			setRange(params, p, lo, hi)
		case point && key != nil:
			v, err := paramValue(key)
			if err != nil {
				return st, false, err
			}
			if p := t.spec.Parent; p != nil && col == p.Column {
				parentID = v
			} else if p, ok := t.spec.FilterParam(col); ok {
				if !t.spec.Accepts(p, v) {
					return st, false, nil // e.g. status = 'nonsense' (found by FuzzPushdown)
				}
				params.Set(p, v)
			}
		}
		// IS NULL cannot be asked of Stripe: such a column is listed and
		// checked (within), like any range that is not one value.
		if !point && sortedFrom == len(ix.columns) {
			sortedFrom = n
		}
	}
	switch {
	case parentID != "" && t.needsParent(params):
		st.req = request{kind: reqWalk, params: params, parentID: parentID}
	case parentID != "":
		st.req = t.childRequest(parentID, params)
	default:
		st.req = t.scanRequest(params)
	}
	st.order = t.orderFor(ix, sortedFrom, reverse, st.req)
	return st, true, nil
}

// errAccountRange: the connected accounts cannot be enumerated per query.
var errAccountRange = fmt.Errorf("compare %s with = or IN (…): each connected account is read separately (the connected_accounts table lists them)", tables.AccountColumn)

// pointKey reports whether a column range is a single value, and which.
// IS NULL is a point whose key is nil.
func pointKey(ce sql.MySQLRangeColumnExpr) (any, bool) {
	if _, ok := ce.LowerBound.(sql.BelowNull); ok {
		if _, ok := ce.UpperBound.(sql.AboveNull); ok {
			return nil, true
		}
		return nil, false
	}
	lo, ok1 := ce.LowerBound.(sql.Below)
	hi, ok2 := ce.UpperBound.(sql.Above)
	if !ok1 || !ok2 {
		return nil, false
	}
	cmp, err := ce.Typ.Compare(context.Background(), lo.Key, hi.Key)
	return lo.Key, err == nil && cmp == 0
}

// paramValue renders a range key the way Stripe's list parameters take it.
func paramValue(key any) (string, error) {
	switch v := key.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case int8:
		// BOOLEAN columns (active = TRUE arrives as 1).
		return strconv.FormatBool(v != 0), nil
	case time.Time:
		return strconv.FormatInt(v.Unix(), 10), nil
	case fmt.Stringer:
		return v.String(), nil
	default:
		return fmt.Sprint(v), nil
	}
}

// unixBounds converts a DATETIME range into whole Unix seconds, exact at the
// edges: created is whole seconds, so `< 10:00:00.5` is `lt 10:00:01` and
// `> 10:00:00.5` is `gt 10:00:00`. lo and hi are nil when unbounded; ok
// is false when no non-NULL value lies in the range.
func unixBounds(ce sql.MySQLRangeColumnExpr) (lo, hi *bound, ok bool, err error) {
	switch c := ce.LowerBound.(type) {
	case sql.Below: // >= key
		t, err := toTime(c.Key)
		if err != nil {
			return nil, nil, false, err
		}
		lo = &bound{op: "gte", unix: ceilUnix(t)}
	case sql.Above: // > key
		t, err := toTime(c.Key)
		if err != nil {
			return nil, nil, false, err
		}
		lo = &bound{op: "gt", unix: t.Unix()}
	case sql.AboveAll:
		return nil, nil, false, nil
	}
	switch c := ce.UpperBound.(type) {
	case sql.Above: // <= key
		t, err := toTime(c.Key)
		if err != nil {
			return nil, nil, false, err
		}
		hi = &bound{op: "lte", unix: t.Unix()}
	case sql.Below: // < key
		t, err := toTime(c.Key)
		if err != nil {
			return nil, nil, false, err
		}
		hi = &bound{op: "lt", unix: ceilUnix(t)}
	case sql.AboveNull, sql.BelowNull:
		// The range holds NULL only; created is never NULL.
		return nil, nil, false, nil
	}
	// No Stripe object predates 1970 (a TIMESTAMP compares with any
	// datetime): a bound before it excludes nothing, or everything.
	if lo != nil && lo.unix < 0 {
		lo = nil
	}
	if hi != nil && (hi.unix < 0 || hi.unix == 0 && hi.op == "lt") {
		return nil, nil, false, nil
	}
	return lo, hi, true, nil
}

type bound struct {
	op   string
	unix int64
}

// setRange sets a unix-time range parameter: name=t for one second,
// else name[op]=t for each bound.
func setRange(params url.Values, name string, lo, hi *bound) {
	if lo != nil && hi != nil && lo.op == "gte" && hi.op == "lte" && lo.unix == hi.unix {
		params.Set(name, strconv.FormatInt(lo.unix, 10))
		return
	}
	for _, b := range []*bound{lo, hi} {
		if b != nil {
			params.Set(name+"["+b.op+"]", strconv.FormatInt(b.unix, 10))
		}
	}
}

func ceilUnix(t time.Time) int64 {
	if t.Nanosecond() == 0 {
		return t.Unix()
	}
	return t.Unix() + 1
}

// toTime reads a range key on a DATETIME column. Keys are normally
// time.Time already (the engine converts literals to the column type).
func toTime(key any) (time.Time, error) {
	if t, ok := key.(time.Time); ok {
		return t.UTC(), nil
	}
	v, _, err := types.Datetime.Convert(context.Background(), key)
	if err != nil {
		return time.Time{}, fmt.Errorf("cannot compare created with %v: %v", key, err)
	}
	t, ok := v.(time.Time)
	if !ok {
		return time.Time{}, fmt.Errorf("cannot compare created with %v", key)
	}
	return t.UTC(), nil
}
