package fakestripe

import (
	"sort"
	"strconv"
	"strings"
)

// filterDef is one list parameter of an endpoint.
type filterDef struct {
	name string
	// compile validates the parameter and returns the rows it keeps.
	compile func(d *dataset, t *table, p param) (rowFilter, *apiError)
	// absent, if set, is the filter in force when the parameter is not sent
	// (subscriptions hide canceled ones unless asked).
	absent func(d *dataset) rowFilter
}

// rowFilter restricts a list. match == nil keeps every row. When
// restricted, only rows (ascending) can match at all, and when spanned only
// rows in [from, to): indexes that spare scanning 200,000 charges for one
// customer's or for one month's.
type rowFilter struct {
	match      func(i int32) bool
	restricted bool
	rows       []int32
	spanned    bool
	from, to   int32
}

// noRows is the filter of a reference to an object that does not exist.
var noRows = rowFilter{restricted: true}

func matchIf(match func(i int32) bool) rowFilter { return rowFilter{match: match} }

// eqFilter keeps rows whose string field equals the parameter; value
// returns "" for null, which a real id never equals.
func eqFilter(name string, value func(d *dataset, i int32) string) filterDef {
	return filterDef{name: name, compile: func(d *dataset, _ *table, p param) (rowFilter, *apiError) {
		want, err := p.scalar("string")
		if err != nil {
			return rowFilter{}, err
		}
		return matchIf(func(i int32) bool { return value(d, i) == want }), nil
	}}
}

// enumFilter is an eqFilter that rejects values outside allowed, with
// Stripe's message.
func enumFilter(name string, allowed []string, value func(d *dataset, i int32) string) filterDef {
	return filterDef{name: name, compile: func(d *dataset, _ *table, p param) (rowFilter, *apiError) {
		want, err := p.scalar("string")
		if err != nil {
			return rowFilter{}, err
		}
		if err := checkEnum(name, want, allowed); err != nil {
			return rowFilter{}, err
		}
		return matchIf(func(i int32) bool { return value(d, i) == want }), nil
	}}
}

func checkEnum(name, v string, allowed []string) *apiError {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	list := strings.Join(allowed[:len(allowed)-1], ", ") + ", or " + allowed[len(allowed)-1]
	return badParam(name, "Invalid %s: must be one of %s", name, list)
}

// refFilter keeps the rows referencing one object of target, using index
// (the rows per target row) instead of a scan. An id of no known object
// gives an empty list.
func refFilter(name, target string, index func(d *dataset) refIndex) filterDef {
	return filterDef{name: name, compile: func(d *dataset, _ *table, p param) (rowFilter, *apiError) {
		id, err := p.scalar("string")
		if err != nil {
			return rowFilter{}, err
		}
		row, ok := d.tables[target].lookup(id)
		if !ok {
			return noRows, nil
		}
		return rowFilter{restricted: true, rows: index(d).of(row)}, nil
	}}
}

func parseBool(name, v string) (bool, *apiError) {
	switch v {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, badParam(name, "Invalid boolean: %s", v)
}

// boolFilter keeps rows whose boolean field equals the parameter; value
// returns known=false for a null field, which neither true nor false
// matches.
func boolFilter(name string, value func(d *dataset, i int32) (v, known bool)) filterDef {
	return filterDef{name: name, compile: func(d *dataset, _ *table, p param) (rowFilter, *apiError) {
		s, err := p.scalar("boolean")
		if err != nil {
			return rowFilter{}, err
		}
		want, err := parseBool(name, s)
		if err != nil {
			return rowFilter{}, err
		}
		return matchIf(func(i int32) bool {
			v, known := value(d, i)
			return known && v == want
		}), nil
	}}
}

// inFilter takes an array parameter (ids[]=…) and keeps rows whose field is
// one of its values.
func inFilter(name string, value func(d *dataset, i int32) string) filterDef {
	return filterDef{name: name, compile: func(d *dataset, _ *table, p param) (rowFilter, *apiError) {
		items := p.items
		if p.value != nil || p.fields != nil {
			return rowFilter{}, badParam(name, "Invalid array: %s", p.describe())
		}
		set := make(map[string]bool, len(items))
		for _, v := range items {
			set[v] = true
		}
		return matchIf(func(i int32) bool { return set[value(d, i)] }), nil
	}}
}

// rangeFilter implements Stripe's range_query_specs: name=ts for an exact
// time, or name[gt|gte|lt|lte]=ts. value returns false for a null field,
// which no range matches.
func rangeFilter(name string, value func(d *dataset, i int32) (int64, bool)) filterDef {
	return filterDef{name: name, compile: func(d *dataset, _ *table, p param) (rowFilter, *apiError) {
		lo, hi, err := parseRange(p)
		if err != nil {
			return rowFilter{}, err
		}
		return matchIf(func(i int32) bool {
			v, ok := value(d, i)
			return ok && v >= lo && v <= hi
		}), nil
	}}
}

// createdFilter is the created range every top-level list takes. Rows are
// in creation order, so the range is a binary search, not a scan.
func createdFilter() filterDef {
	return filterDef{name: "created", compile: func(d *dataset, t *table, p param) (rowFilter, *apiError) {
		lo, hi, err := parseRange(p)
		if err != nil {
			return rowFilter{}, err
		}
		lo, hi = satAdd(lo, -d.createdSkew), satAdd(hi, d.createdSkew)
		from := sort.Search(len(t.created), func(i int) bool { return t.created[i] >= lo })
		to := sort.Search(len(t.created), func(i int) bool { return t.created[i] > hi })
		if to < from {
			to = from
		}
		return rowFilter{spanned: true, from: int32(from), to: int32(to)}, nil
	}}
}

// parseRange turns a range parameter into inclusive bounds.
func parseRange(p param) (lo, hi int64, err *apiError) {
	integer := func(key, s string) (int64, *apiError) {
		n, perr := strconv.ParseInt(s, 10, 64)
		if perr != nil {
			return 0, badParam(key, "Invalid integer: %s", s)
		}
		return n, nil
	}
	lo, hi = minInt64, maxInt64
	switch {
	case p.value != nil:
		n, err := integer(p.name, *p.value)
		return n, n, err
	case p.fields != nil:
		for op, s := range p.fields {
			key := p.name + "[" + op + "]"
			n, err := integer(key, s)
			if err != nil {
				return 0, 0, err
			}
			switch op {
			case "gt":
				lo = max(lo, satAdd(n, 1))
			case "gte":
				lo = max(lo, n)
			case "lt":
				hi = min(hi, satAdd(n, -1))
			case "lte":
				hi = min(hi, n)
			default:
				return 0, 0, badParam(key, "Received unknown parameter: %s", key)
			}
		}
		return lo, hi, nil
	}
	return 0, 0, badParam(p.name, "Invalid %s: %s", p.name, p.describe())
}

const (
	minInt64 = -1 << 63
	maxInt64 = 1<<63 - 1
)

// satAdd is n+delta, saturated at the ends of int64 (an unbounded end
// stays unbounded).
func satAdd(n, delta int64) int64 {
	switch {
	case delta > 0 && n > maxInt64-delta:
		return maxInt64
	case delta < 0 && n < minInt64-delta:
		return minInt64
	}
	return n + delta
}

// subField is one key of a hash parameter such as recurring[interval].
type subField struct {
	key     string
	allowed []string // nil: any value; {"true","false"} for booleans
	value   func(d *dataset, i int32) string
}

var booleans = []string{"true", "false"}

// hashFilter takes a hash parameter (recurring[interval]=month) and keeps
// rows matching every given key.
func hashFilter(name string, keys ...subField) filterDef {
	return filterDef{name: name, compile: func(d *dataset, _ *table, p param) (rowFilter, *apiError) {
		if p.fields == nil {
			return rowFilter{}, badParam(name, "Invalid object: %s", p.describe())
		}
		var checks []func(i int32) bool
		for k, v := range p.fields {
			sf, ok := findSubField(keys, k)
			key := name + "[" + k + "]"
			if !ok {
				return rowFilter{}, badParam(key, "Received unknown parameter: %s", key)
			}
			if sf.allowed != nil {
				if err := checkEnum(key, v, sf.allowed); err != nil {
					if len(sf.allowed) == 2 && sf.allowed[0] == "true" {
						err = badParam(key, "Invalid boolean: %s", v)
					}
					return rowFilter{}, err
				}
			}
			want := v
			checks = append(checks, func(i int32) bool { return sf.value(d, i) == want })
		}
		return matchIf(func(i int32) bool {
			for _, c := range checks {
				if !c(i) {
					return false
				}
			}
			return true
		}), nil
	}}
}

func findSubField(keys []subField, k string) (subField, bool) {
	for _, sf := range keys {
		if sf.key == k {
			return sf, true
		}
	}
	return subField{}, false
}
