package fakestripe

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Pagination parameters every list takes, besides its filters.
const (
	defaultLimit = 10
	maxLimit     = 100
)

// listPage answers a list request: t's rows (those of parentRow for a child
// list) that pass the filters, one page of them, Stripe's list envelope.
func (d *dataset) listPage(t *table, parentRow int32, url string, params map[string]*param) (map[string]any, *apiError) {
	if parentRow < 0 {
		return d.listRows(t, t.def, nil, url, params)
	}
	return d.listRows(t, t.def, &rowScope{rows: t.byParent.of(parentRow)}, url, params)
}

// rowScope is the rows a child list may show (one parent's), ascending.
type rowScope struct{ rows []int32 }

func (s *rowScope) holds(row int32) bool { return s == nil || memberOf(s.rows)(row) }

// listRows is listPage for a list whose parameters def declares: the
// table's own def, or another list's over the same rows (a charge's
// refunds are refunds). scope, if not nil, restricts the rows.
func (d *dataset) listRows(t *table, def *resourceDef, scope *rowScope, url string, params map[string]*param) (map[string]any, *apiError) {
	for _, name := range def.required {
		if _, ok := params[name]; !ok {
			return nil, missingParam(name)
		}
	}
	plan := newRowPlan(t, scope)
	plan.add(d.edits.live(t)) // deleted objects are not listed (write_edits.go)
	pg := paging{limit: defaultLimit}
	if def.unpaginated {
		pg.limit = t.len()
	}
	for _, name := range sortedKeys(params) {
		p := *params[name]
		if def.unpaginated && name != "expand" && slices.Contains(pagingParams, name) {
			return nil, unknownParam(name)
		}
		isPaging, err := pg.take(name, p)
		if !isPaging {
			f, ok := findFilter(def, name)
			if !ok {
				return nil, unknownParam(name)
			}
			var rf rowFilter
			rf, err = f.compile(d, t, p)
			plan.add(rf)
		}
		if err != nil {
			return nil, err
		}
	}
	for _, f := range def.filters {
		if _, given := params[f.name]; !given && f.absent != nil {
			plan.add(f.absent(d))
		}
	}
	cursorParam, cursorID, err := pg.cursor()
	if err != nil {
		return nil, err
	}
	cursor := int32(-1)
	if cursorID != "" {
		row, ok := t.lookup(cursorID)
		if !ok || !scope.holds(row) {
			return nil, noSuchObject(http.StatusBadRequest, def.object, cursorID, cursorParam)
		}
		cursor = row
	}
	rows, hasMore := plan.page(pg.limit, cursor, pg.endingBefore != "", def.oldestFirst)
	return d.listEnvelope(len(rows), func(k int) map[string]any { return d.render(t, rows[k]) }, pg.expand, hasMore, url)
}

// pagingParams are the parameters every paginated list takes.
var pagingParams = []string{"ending_before", "expand", "limit", "starting_after"}

// paging is what a list request's paging parameters ask.
type paging struct {
	limit                       int
	startingAfter, endingBefore string
	expand                      []string
}

// take reads parameter name into pg; isPaging is false when it is not
// one of pagingParams.
func (pg *paging) take(name string, p param) (isPaging bool, err *apiError) {
	switch name {
	case "limit":
		pg.limit, err = parseLimit(p)
	case "starting_after":
		pg.startingAfter, err = p.scalar("string")
	case "ending_before":
		pg.endingBefore, err = p.scalar("string")
	case "expand":
		pg.expand, err = expandParam(p, true)
	default:
		return false, nil
	}
	return true, err
}

// cursor is the id the page starts at ("" for none) and the parameter
// that named it; Stripe takes one cursor at most.
func (pg *paging) cursor() (param, id string, err *apiError) {
	if pg.startingAfter != "" && pg.endingBefore != "" {
		return "", "", badParam("starting_after", "You may only specify one of these parameters: ending_before, starting_after.")
	}
	if pg.endingBefore != "" {
		return "ending_before", pg.endingBefore, nil
	}
	return "starting_after", pg.startingAfter, nil
}

// listEnvelope is Stripe's list object of a page of n objects, each
// rendered by render and expanded along expand.
func (d *dataset) listEnvelope(n int, render func(k int) map[string]any, expand []string, hasMore bool, url string) (map[string]any, *apiError) {
	data := make([]any, n)
	for k := range data {
		obj := render(k)
		for _, path := range expand {
			if err := d.expand(obj, path); err != nil {
				return nil, err
			}
		}
		data[k] = obj
	}
	return map[string]any{"object": "list", "data": data, "has_more": hasMore, "url": url}, nil
}

// retrieve answers GET of one object.
func (d *dataset) retrieve(t *table, row int32, params map[string]*param) (map[string]any, *apiError) {
	if obj, err, gone := d.edits.retrieveDeleted(t, row); gone {
		return obj, err
	}
	return d.single(params, nil, func() map[string]any { return d.render(t, row) })
}

// single answers a request for one object: it checks that params holds
// only expand and the names in also, then renders the object and expands
// it.
func (d *dataset) single(params map[string]*param, also []string, render func() map[string]any) (map[string]any, *apiError) {
	expand, err := singleParams(params, also)
	if err != nil {
		return nil, err
	}
	obj := render()
	for _, path := range expand {
		if err := d.expand(obj, path); err != nil {
			return nil, err
		}
	}
	return obj, nil
}

// singleParams checks the parameters of a request for one object (expand
// and the names in also) and returns the paths to expand.
func singleParams(params map[string]*param, also []string) (expand []string, err *apiError) {
	for _, name := range sortedKeys(params) {
		switch {
		case slices.Contains(also, name):
		case name == "expand":
			if expand, err = expandParam(*params[name], false); err != nil {
				return nil, err
			}
		default:
			return nil, unknownParam(name)
		}
	}
	return expand, nil
}

func unknownParam(name string) *apiError {
	return badParam(name, "Received unknown parameter: %s", name)
}

// missingParam is Stripe's 400 for a required parameter left out.
func missingParam(name string) *apiError {
	return badParam(name, "Missing required param: %s.", name)
}

func findFilter(def *resourceDef, name string) (filterDef, bool) {
	for _, f := range def.filters {
		if f.name == name {
			return f, true
		}
	}
	return filterDef{}, false
}

func parseLimit(p param) (int, *apiError) {
	s, err := p.scalar("integer")
	if err != nil {
		return 0, err
	}
	n, perr := strconv.Atoi(s)
	switch {
	case perr != nil:
		return 0, badParam("limit", "Invalid integer: %s", s)
	case n < 1:
		return 0, badParam("limit", "This value must be greater than or equal to 1.")
	case n > maxLimit:
		return 0, badParam("limit", "This value must be less than or equal to %d.", maxLimit)
	}
	return n, nil
}

// expandParam returns the paths to expand. On a list they are relative to
// the list ("data.customer"); they are returned relative to each object.
func expandParam(p param, onList bool) ([]string, *apiError) {
	if p.value != nil || p.fields != nil {
		return nil, badParam("expand", "Invalid array: %s", p.describe())
	}
	paths := make([]string, 0, len(p.items))
	for _, path := range p.items {
		if !onList {
			paths = append(paths, path)
			continue
		}
		rest, ok := strings.CutPrefix(path, "data.")
		if !ok {
			return nil, badParam("expand", "This property cannot be expanded (%s). You may want to try expanding 'data.%s' instead.", path, path)
		}
		paths = append(paths, rest)
	}
	return paths, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// rowPlan is the conjunction of a list's filters: a row span, at most one
// explicit candidate list (the smallest index given), and predicates.
type rowPlan struct {
	from, to   int32
	restricted bool
	rows       []int32
	preds      []func(int32) bool
}

func newRowPlan(t *table, scope *rowScope) *rowPlan {
	p := &rowPlan{from: 0, to: int32(t.len())}
	if scope != nil {
		p.add(rowFilter{restricted: true, rows: scope.rows})
	}
	return p
}

func (p *rowPlan) add(f rowFilter) {
	if f.spanned {
		p.from, p.to = max(p.from, f.from), min(p.to, f.to)
	}
	if f.restricted {
		if !p.restricted || len(f.rows) < len(p.rows) {
			if p.restricted {
				p.preds = append(p.preds, memberOf(p.rows))
			}
			p.restricted, p.rows = true, f.rows
		} else {
			p.preds = append(p.preds, memberOf(f.rows))
		}
	}
	if f.match != nil {
		p.preds = append(p.preds, f.match)
	}
}

// memberOf tests membership in an ascending row list.
func memberOf(rows []int32) func(int32) bool {
	return func(r int32) bool {
		k := sort.Search(len(rows), func(k int) bool { return rows[k] >= r })
		return k < len(rows) && rows[k] == r
	}
}

func (p *rowPlan) matches(r int32) bool {
	for _, pred := range p.preds {
		if !pred(r) {
			return false
		}
	}
	return true
}

// candidates returns the rows that can match, ascending, as a length and
// an accessor (a plain row range needs no slice).
func (p *rowPlan) candidates() (n int, at func(k int) int32) {
	if p.to < p.from {
		return 0, nil
	}
	if !p.restricted {
		from := p.from
		return int(p.to - p.from), func(k int) int32 { return from + int32(k) }
	}
	lo := sort.Search(len(p.rows), func(k int) bool { return p.rows[k] >= p.from })
	hi := sort.Search(len(p.rows), func(k int) bool { return p.rows[k] >= p.to })
	rows := p.rows[lo:max(lo, hi)]
	return len(rows), func(k int) int32 { return rows[k] }
}

// page walks the candidates in list order (newest first: descending rows)
// from the cursor and returns up to limit matching rows in list order.
// With endingBefore it walks backwards from the cursor, as Stripe does, so
// the page is the limit rows just before the cursor.
func (p *rowPlan) page(limit int, cursor int32, endingBefore, oldestFirst bool) (rows []int32, hasMore bool) {
	n, at := p.candidates()
	// first index k with at(k) >= row
	search := func(row int32) int { return sort.Search(n, func(k int) bool { return at(k) >= row }) }
	step := -1 // list order: descending rows
	if oldestFirst {
		step = 1
	}
	start := n - 1
	if oldestFirst {
		start = 0
	}
	reverse := false
	if cursor >= 0 {
		// k at which rows after (in list order) the cursor begin, and
		// before it.
		below, above := search(cursor)-1, search(cursor+1)
		after, before := below, above
		if oldestFirst {
			after, before = above, below
		}
		start = after
		if endingBefore {
			start, step, reverse = before, -step, true
		}
	}
	for k := start; k >= 0 && k < n; k += step {
		if r := at(k); p.matches(r) {
			rows = append(rows, r)
			if len(rows) > limit {
				break
			}
		}
	}
	if len(rows) > limit {
		rows, hasMore = rows[:limit], true
	}
	if reverse {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	return rows, hasMore
}
