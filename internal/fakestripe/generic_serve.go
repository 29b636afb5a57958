package fakestripe

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// listView is an endpoint served from lists_gen.json: a list over a
// table's rows (one parent's for a child list) and its retrieve, or a list
// computed otherwise (serve).
type listView struct {
	path     string
	list     []string // the list path's segments, "v1" first
	retrieve []string // the retrieve path's, nil when there is none
	// retrieveOnly views have no list: the parents that exist only to be
	// retrieved (/v1/sources/{source}).
	retrieveOnly bool
	t            *table
	def          *resourceDef // the parameters the list takes
	parent       *table
	rowsOf       func(parentRow int32) []int32 // a parent's rows, ascending
	// serve answers a list that is not a table's rows (the upcoming
	// invoice's lines); parentID is the id in its path, if any.
	serve func(d *dataset, parentID, url string, params map[string]*param) (map[string]any, *apiError)
}

// ListObjects is Objects by a list's spec path ("/v1/issuing/cards",
// "/v1/transfers/{id}/reversals"): the objects of the table the list
// shows, of every parent for a list under one, newest first. nil for a
// list that shows no table (the upcoming invoice's lines).
func (s *Server) ListObjects(path string) []map[string]any {
	for _, v := range s.data.generic.views {
		if v.path == path && v.t != nil && !v.retrieveOnly {
			return objectsOf(s.data, v.t.def.name)
		}
	}
	for name, t := range s.data.tables {
		if t.def.listPath == path && t.def.sourceObject == "" { // sources: cards or bank accounts
			return objectsOf(s.data, name)
		}
	}
	return nil
}

// addView routes ep to table t, whose parent (for a child list) is the
// table its def names.
func (g *genericData) addView(d *dataset, ep *listEndpoint, t *table) {
	v := &listView{path: ep.Path, list: splitPath(ep.Path), t: t, def: t.def}
	if ep.Retrieve != "" {
		v.retrieve = splitPath(ep.Retrieve)
	}
	if _, _, child := splitChildPath(ep.Path); child {
		v.parent = d.anyTable(t.def.parent)
		v.rowsOf = t.byParent.of
	}
	g.views = append(g.views, v)
}

// anyTable finds a table by name, hand-written or generic.
func (d *dataset) anyTable(name string) *table {
	if t := d.tables[name]; t != nil {
		return t
	}
	if t := d.generic.tables[name]; t != nil {
		return t
	}
	for _, t := range d.generic.hidden {
		if t.def.name == name {
			return t
		}
	}
	return nil
}

// addHandWrittenChild serves a list of a hand-written resource's objects
// under a parent (a charge's refunds): they take no parameter but the
// parent and the pagination.
func (g *genericData) addHandWrittenChild(d *dataset, ep *listEndpoint) {
	c := childOfHandWritten[ep.Path]
	t := d.tables[c.table]
	def := &resourceDef{name: t.def.name, object: t.def.object, retrieve: ep.Retrieve != "", oldestFirst: t.def.oldestFirst}
	if c.hideCanceled {
		// A filter no request can name ("" is no parameter), for its
		// default only.
		def.filters = []filterDef{{name: "",
			compile: func(*dataset, *table, param) (rowFilter, *apiError) { return rowFilter{}, unknownParam("") },
			absent:  subscriptionStatusFilter().absent}}
	}
	v := &listView{path: ep.Path, list: splitPath(ep.Path), t: t, def: def, parent: d.tables[c.parent],
		rowsOf: func(p int32) []int32 { return c.rows(d, p) }}
	if ep.Retrieve != "" {
		v.retrieve = splitPath(ep.Retrieve)
	}
	g.views = append(g.views, v)
}

// specialView serves the lists that are computed rather than stored: the
// upcoming invoice's lines, a credit note preview's, and a credit note's
// lines (embedded in it).
func (d *dataset) specialView(ep *listEndpoint) *listView {
	v := &listView{path: ep.Path, list: splitPath(ep.Path)}
	switch ep.Path {
	case "/v1/invoices/upcoming/lines":
		v.serve = func(d *dataset, _, url string, params map[string]*param) (map[string]any, *apiError) {
			return d.upcomingLines(url, params)
		}
	case "/v1/credit_notes/preview/lines":
		v.serve = func(d *dataset, _, url string, params map[string]*param) (map[string]any, *apiError) {
			return d.previewLines(ep, url, params)
		}
	case "/v1/credit_notes/{credit_note}/lines":
		v.serve = func(d *dataset, id, url string, params map[string]*param) (map[string]any, *apiError) {
			row, ok := d.creditNotes.lookup(id)
			if !ok {
				return nil, notFoundInURL(d.creditNotes, id, "credit_note")
			}
			if _, err := onlyPaging(params, nil); err != nil {
				return nil, err
			}
			cn := d.render(d.creditNotes, row)
			lines, _ := cn["lines"].(map[string]any)
			data, _ := lines["data"].([]any)
			return d.pageItems(data, "credit_note_line_item", url, params)
		}
	default:
		return nil
	}
	return v
}

// serveGeneric answers seg (the path after /v1/) when a view serves it;
// ok is false otherwise. Of the views matching, the one with the fewest
// path parameters wins (/v1/credit_notes/preview/lines over
// /v1/credit_notes/{credit_note}/lines).
func (d *dataset) serveGeneric(seg []string, url string, params map[string]*param) (obj map[string]any, err *apiError, ok bool) {
	var best *listView
	var bestArgs []string
	bestRetrieve := false
	for _, v := range d.generic.views {
		for _, retrieve := range []bool{false, true} {
			pattern := v.list
			if retrieve {
				pattern = v.retrieve
			} else if v.retrieveOnly {
				continue
			}
			args, match := matchPath(pattern, seg)
			if match && (best == nil || len(args) < len(bestArgs)) {
				best, bestArgs, bestRetrieve = v, args, retrieve
			}
		}
	}
	if best == nil {
		return nil, nil, false
	}
	obj, err = d.serveView(best, bestArgs, bestRetrieve, url, params)
	return obj, err, true
}

// matchPath matches a spec path's segments ("v1" first) against a
// request's (after /v1/) and returns the values of its parameters.
func matchPath(pattern, seg []string) (args []string, ok bool) {
	if len(pattern) != len(seg)+1 {
		return nil, false
	}
	for k, p := range pattern[1:] {
		switch {
		case strings.HasPrefix(p, "{"):
			if seg[k] == "" {
				return nil, false
			}
			args = append(args, seg[k])
		case p != seg[k]:
			return nil, false
		}
	}
	return args, true
}

func (d *dataset) serveView(v *listView, args []string, retrieve bool, url string, params map[string]*param) (map[string]any, *apiError) {
	if v.serve != nil {
		id := ""
		if len(args) > 0 {
			id = args[0]
		}
		return v.serve(d, id, url, params)
	}
	var scope *rowScope
	if v.parent != nil {
		_, paramName, _ := splitChildPath(v.path)
		parentRow, ok := v.parent.lookup(args[0])
		if !ok {
			return nil, notFoundInURL(v.parent, args[0], paramName)
		}
		scope = &rowScope{rows: v.rowsOf(parentRow)}
		args = args[1:]
	}
	if !retrieve {
		return d.listRows(v.t, v.def, scope, url, params)
	}
	row, ok := v.t.lookup(args[0])
	if scope != nil {
		// Per parent: an account's capabilities share their ids with
		// other accounts'.
		ok = false
		for _, r := range scope.rows {
			if v.t.ids[r] == args[0] {
				row, ok = r, true
				break
			}
		}
	}
	if !ok {
		return nil, notFoundInURL(v.t, args[0], "id")
	}
	return d.retrieve(v.t, row, params)
}

// onlyPaging checks that params holds nothing but the paging parameters
// and the names in also, and returns the others than paging ones.
func onlyPaging(params map[string]*param, also []string) (map[string]*param, *apiError) {
	rest := map[string]*param{}
	for _, name := range sortedKeys(params) {
		switch {
		case slices.Contains(pagingParams, name):
		case slices.Contains(also, name):
			rest[name] = params[name]
		default:
			return nil, unknownParam(name)
		}
	}
	return rest, nil
}

// pageItems pages a computed list (items in list order, each with an id)
// as listRows pages a table.
func (d *dataset) pageItems(items []any, object, url string, params map[string]*param) (map[string]any, *apiError) {
	pg := paging{limit: defaultLimit}
	for _, name := range sortedKeys(params) {
		if _, err := pg.take(name, *params[name]); err != nil {
			return nil, err
		}
	}
	cursorParam, cursorID, err := pg.cursor()
	if err != nil {
		return nil, err
	}
	cursor := int32(-1)
	if cursorID != "" {
		for k, item := range items {
			if m, _ := item.(map[string]any); m["id"] == cursorID {
				cursor = int32(k)
			}
		}
		if cursor < 0 {
			return nil, noSuchObject(http.StatusBadRequest, object, cursorID, cursorParam)
		}
	}
	plan := &rowPlan{from: 0, to: int32(len(items))}
	rows, hasMore := plan.page(pg.limit, cursor, pg.endingBefore != "", true)
	return d.listEnvelope(len(rows), func(k int) map[string]any { return deepCopy(items[rows[k]]).(map[string]any) },
		pg.expand, hasMore, url)
}

// upcomingLines is GET /v1/invoices/upcoming/lines: the lines of the
// preview /v1/invoices/upcoming answers, paged. Like that preview it
// honours customer and subscription and refuses the other what-if
// parameters, which the fake does not simulate.
func (d *dataset) upcomingLines(url string, params map[string]*param) (map[string]any, *apiError) {
	preview, err := onlyPaging(params, upcomingParams)
	if err != nil {
		return nil, err
	}
	inv, err := d.upcomingInvoice(preview)
	if err != nil {
		return nil, err
	}
	lines, _ := inv["lines"].(map[string]any)
	data, _ := lines["data"].([]any)
	return d.pageItems(data, "line_item", url, params)
}

// previewLines is GET /v1/credit_notes/preview/lines: the lines of a
// credit note for the invoice, crediting each of its lines in full, or
// with amount, one custom line of that amount. The other parameters are
// checked against the spec and otherwise do not change the preview.
func (d *dataset) previewLines(ep *listEndpoint, url string, params map[string]*param) (map[string]any, *apiError) {
	var names []string
	for _, p := range ep.Params {
		names = append(names, p.Name)
	}
	given, err := onlyPaging(params, names)
	if err != nil {
		return nil, err
	}
	for _, p := range ep.Params {
		if v, ok := given[p.Name]; ok {
			if err := checkParamShape(p, *v); err != nil {
				return nil, err
			}
		}
	}
	p, ok := given["invoice"]
	if !ok {
		return nil, missingParam("invoice")
	}
	id, _ := p.scalar("string")
	inv, found := d.invoices.lookup(id)
	if !found {
		return nil, noSuchObject(http.StatusBadRequest, "invoice", id, "invoice")
	}
	newLine := func(k int) map[string]any {
		line := deepCopy(d.fixtures["credit_note_line_item"]).(map[string]any)
		line["id"] = makeID(d.seed^int64(hashString("credit note preview")), "cnli", int(inv)<<8|k, 0)
		line["livemode"] = false
		line["discount_amount"], line["discount_amounts"] = 0, []any{}
		line["tax_amounts"], line["tax_rates"] = []any{}, []any{}
		line["quantity"] = 1
		return line
	}
	var data []any
	if a, ok := given["amount"]; ok {
		s, _ := a.scalar("integer")
		amount, _ := strconv.ParseInt(s, 10, 64)
		line := newLine(0)
		line["type"] = "custom_line_item"
		line["amount"], line["amount_excluding_tax"] = amount, amount
		line["description"] = "Credit"
		line["invoice_line_item"] = nil
		line["unit_amount"], line["unit_amount_decimal"] = amount, strconv.FormatInt(amount, 10)
		line["unit_amount_excluding_tax"] = strconv.FormatInt(amount, 10)
		data = append(data, line)
	} else {
		for k, row := range d.lineItems.byParent.of(inv) {
			il := d.render(d.lineItems, row)
			line := newLine(k)
			line["type"] = "invoice_line_item"
			line["amount"], line["amount_excluding_tax"] = il["amount"], il["amount"]
			line["description"] = il["description"]
			line["invoice_line_item"] = il["id"]
			line["quantity"] = il["quantity"]
			line["unit_amount"], line["unit_amount_decimal"] = nil, nil
			line["unit_amount_excluding_tax"] = nil
			data = append(data, line)
		}
	}
	return d.pageItems(data, "credit_note_line_item", url, params)
}

// checkParamShape checks a parameter that changes no row against its
// spec: its form (value, hash or list), an integer's digits, an enum.
func checkParamShape(p listParam, v param) *apiError {
	switch p.Type {
	case "object":
		if v.fields == nil {
			return badParam(p.Name, "Invalid object: %s", v.describe())
		}
		return nil
	case "array":
		if v.value != nil || v.fields != nil {
			return badParam(p.Name, "Invalid array: %s", v.describe())
		}
		return nil
	}
	s, err := v.scalar(p.Type)
	if err != nil {
		return err
	}
	switch {
	case p.Type == "integer":
		if _, perr := strconv.ParseInt(s, 10, 64); perr != nil {
			return badParam(p.Name, "Invalid integer: %s", s)
		}
	case p.Type == "boolean":
		_, err = parseBool(p.Name, s)
		return err
	case len(p.Enum) > 0:
		return checkEnum(p.Name, s, p.Enum)
	}
	return nil
}
