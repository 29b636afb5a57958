package tables

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
)

// request is one stream of Stripe requests: a retrieve of one object, or a
// list walked page by page from its first page.
type request struct {
	path string
	// id is set for a retrieve (GET path/id).
	id     string
	params url.Values
}

// describe renders the request for EXPLAIN; a list shows its first
// page's limit.
func (r request) describe(limit int) string {
	if r.id != "" {
		return "GET " + r.path + "/" + r.id
	}
	s := "GET " + r.path
	params := url.Values{"limit": {strconv.Itoa(limit)}}
	for k, v := range r.params {
		params[k] = v
	}
	if q := params.Encode(); q != "" {
		q, _ = url.QueryUnescape(q)
		s += " " + strings.ReplaceAll(q, "&", " ")
	}
	return s
}

// step is one request stream together with the range its rows must fall in
// and how its rows must be ordered before the engine sees them.
type step struct {
	req request
	// within is the lookup range the rows are checked against; nil means
	// every row the request returns belongs to the result.
	within sql.MySQLRange
	order  rowOrder
}

// plan is what a table access will ask Stripe, in order.
type plan struct {
	steps []step
	// empty is true when the lookup can match nothing, so no request is made.
	empty bool
}

func (p plan) describe(limit int) string {
	if p.empty || len(p.steps) == 0 {
		return "no request (the condition matches nothing)"
	}
	parts := make([]string, len(p.steps))
	for i, s := range p.steps {
		parts[i] = s.req.describe(limit)
	}
	return strings.Join(parts, "; ")
}

// fullScan is the plan of a table access without a lookup.
func (t *Table) fullScan() plan {
	return plan{steps: []step{{req: t.listRequest(nil), order: rowOrder{}}}}
}

// listRequest is the list endpoint with the spec's defaults and extra params.
func (t *Table) listRequest(extra url.Values) request {
	params := url.Values{}
	for k, v := range t.spec.Defaults {
		params.Set(k, v)
	}
	for k, v := range extra {
		params[k] = v
	}
	return request{path: t.spec.Path, params: params}
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
	p.empty = len(p.steps) == 0
	return p, nil
}

// planRange plans one range of a lookup; ok is false when the range can
// match no Stripe object (e.g. created IS NULL).
func (t *Table) planRange(ix *index, r sql.MySQLRange, reverse bool) (st step, ok bool, err error) {
	st.within = r
	params := url.Values{}
	// sortedFrom is the first index column not fixed to one value by the
	// range: the rows need ordering by the columns from there on.
	sortedFrom := len(ix.columns)
	for n, col := range ix.columns {
		ce := r[n]
		key, point := pointKey(ce)
		switch {
		case col == "id" && point:
			id, err := paramValue(key)
			if err != nil {
				return st, false, err
			}
			st.req = request{path: t.spec.Path, id: id}
			return st, true, nil
		case col == "created":
			lo, hi, ok, err := unixBounds(ce)
			if err != nil || !ok {
				return st, false, err
			}
			setCreated(params, lo, hi)
		case point:
			if key == nil {
				// IS NULL cannot be asked of Stripe: list and check.
				break
			}
			v, err := paramValue(key)
			if err != nil {
				return st, false, err
			}
			p, _ := t.spec.filterParam(col)
			params.Set(p, v)
		}
		if !point && sortedFrom == len(ix.columns) {
			sortedFrom = n
		}
	}
	st.req = t.listRequest(params)
	st.order = t.orderFor(ix, sortedFrom, reverse)
	return st, true, nil
}

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
		lo = &bound{op: "gt", unix: floorUnix(t)}
	case sql.AboveAll:
		return nil, nil, false, nil
	}
	switch c := ce.UpperBound.(type) {
	case sql.Above: // <= key
		t, err := toTime(c.Key)
		if err != nil {
			return nil, nil, false, err
		}
		hi = &bound{op: "lte", unix: floorUnix(t)}
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
	return lo, hi, true, nil
}

type bound struct {
	op   string
	unix int64
}

func setCreated(params url.Values, lo, hi *bound) {
	if lo != nil && hi != nil && lo.op == "gte" && hi.op == "lte" && lo.unix == hi.unix {
		params.Set("created", strconv.FormatInt(lo.unix, 10))
		return
	}
	for _, b := range []*bound{lo, hi} {
		if b != nil {
			params.Set("created["+b.op+"]", strconv.FormatInt(b.unix, 10))
		}
	}
}

func floorUnix(t time.Time) int64 { return t.Unix() }

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
