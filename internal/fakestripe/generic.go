package fakestripe

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/stripesql/stripesql/internal/listspec"
)

// Every list endpoint of the spec that no hand-written resource serves is
// served generically (issue 14): lists_gen.json names each list's objects,
// retrieve path and parameters, and the rows are a few copies of the
// object's fixture with fresh ids, times inside the dataset's window and
// references rewritten to rows the account holds (generic_render.go). The
// parameters filter as Stripe's do (generic_filters.go), and the endpoints
// are routed by their spec paths (generic_serve.go). A few lists are the
// hand-written resources' objects under another path (a charge's refunds);
// they are served as views of those tables.

// listsJSON is the spec's catalogue of list endpoints, written by
// `go generate ./tables` (internal/specgen) with fixtures_gen.json.
//
//go:embed lists_gen.json
var listsJSON []byte

// listEndpoint is one entry of lists_gen.json, listParam one of its
// parameters (pagination left out).
type (
	listEndpoint = listspec.Endpoint
	listParam    = listspec.Param
)

var (
	listsOnce sync.Once
	lists     []listEndpoint
	listsErr  error
)

// loadLists decodes the embedded catalogue once.
func loadLists() ([]listEndpoint, error) {
	listsOnce.Do(func() {
		if err := json.Unmarshal(listsJSON, &lists); err != nil {
			listsErr = fmt.Errorf("fakestripe: decoding lists_gen.json: %w", err)
		}
	})
	return lists, listsErr
}

// sameList maps Stripe's older paths of a list to the one the fake
// generates rows for: they list the same objects (people are persons,
// linked accounts are Financial Connections accounts).
var sameList = map[string]string{
	"/v1/accounts/{account}/people":        "/v1/accounts/{account}/persons",
	"/v1/balance/history":                  "/v1/balance_transactions",
	"/v1/climate/reservations":             "/v1/climate/orders",
	"/v1/linked_accounts":                  "/v1/financial_connections/accounts",
	"/v1/linked_accounts/{account}/owners": "/v1/financial_connections/accounts/{account}/owners",
}

// childOfHandWritten are lists under a parent whose objects a hand-written
// resource holds: the rows the index gives for the parent.
var childOfHandWritten = map[string]struct {
	table, parent string
	rows          func(d *dataset, parent int32) []int32
	// hideCanceled applies the subscriptions list's default: canceled
	// ones are left out (Stripe lists a customer's active subscriptions).
	hideCanceled bool
}{
	"/v1/charges/{charge}/refunds": {table: "refunds", parent: "charges",
		rows: func(d *dataset, p int32) []int32 { return d.refundsByCharge.of(p) }},
	"/v1/customers/{customer}/subscriptions": {table: "subscriptions", parent: "customers", hideCanceled: true,
		rows: func(d *dataset, p int32) []int32 { return d.subscriptionsByCustomer.of(p) }},
	"/v1/customers/{customer}/cards": {table: "cards", parent: "customers",
		rows: func(d *dataset, p int32) []int32 { return d.cards.byParent.of(p) }},
	"/v1/customers/{customer}/bank_accounts": {table: "bank_accounts", parent: "customers",
		rows: func(d *dataset, p int32) []int32 { return d.bankAccounts.byParent.of(p) }},
}

// byField are lists under a parent that show the rows of another list
// whose field names the parent: a customer's payment methods are the
// payment methods whose customer is that customer.
var byField = map[string]struct{ list, field string }{
	"/v1/customers/{customer}/payment_methods": {"/v1/payment_methods", "customer"},
}

// namedIDs are the ids of objects whose id is a name rather than a
// random token (a country spec's is the country), in Stripe's list order:
// these lists are sorted by id, not by creation.
var namedIDs = map[string][]string{
	"capability":   {"card_payments", "link_payments", "tax_reporting_us_1099_k", "transfers", "us_bank_account_ach_payments"},
	"country_spec": {"AU", "CA", "DE", "FR", "GB", "JP", "NZ", "US"},
	"reporting.report_type": {"balance.summary.1", "balance_change_from_activity.itemized.1",
		"balance_change_from_activity.summary.1", "connected_account_payouts.itemized.1", "payout_reconciliation.itemized.5",
		"payout_reconciliation.summary.1", "payouts.itemized.1", "tax.transactions.itemized.2"},
	"climate.product":  {"climsku_frontier_offtake_portfolio_2027", "climsku_frontier_offtake_portfolio_2028"},
	"climate.supplier": {"climsup_charm_industrial", "climsup_lithos_carbon", "climsup_running_tide"},
}

// genericData holds the generically served tables of a dataset. They are
// kept apart from dataset.tables, whose resources are the hand-written
// ones (Resources), and fully rendered when the dataset is made, so that
// serving them only copies.
type genericData struct {
	tables   map[string]*table // by resource name
	byObject map[string]*table
	byPrefix map[string]*table
	rows     map[*table]*genericRows
	// hidden are the parents of child lists that have no list of their
	// own (a source's transactions, a tax transaction's line items), by
	// their path ("/v1/sources").
	hidden map[string]*table
	views  []*listView
}

// genericRows are a generic table's rows beyond the common columns.
type genericRows struct {
	ep      *listEndpoint
	objects []string // each row's object (polymorphic lists)
	times   []int64  // ascending creation times, also for objects without created
	objs    []map[string]any
	state   []uint8 // rendering: 0 not yet, 1 under way, 2 done
	// hidden holds, per parameter the object does not show (a Financial
	// Connections account's session), each row's value.
	hidden map[string][]string
	// scope is the field a required parameter filters (a treasury
	// object's financial_account): dealt round robin over its table so
	// that every value lists rows.
	scope string
}

const (
	notRendered uint8 = iota
	rendering
	rendered
)

// genGeneric adds a table or a view for every list of lists_gen.json the
// hand-written resources do not serve. It runs last, so it reads every
// hand-written table and changes none.
func (d *dataset) genGeneric() error {
	eps, err := loadLists()
	if err != nil {
		return err
	}
	g := &d.generic
	g.tables, g.byObject, g.byPrefix = map[string]*table{}, map[string]*table{}, map[string]*table{}
	g.rows, g.hidden = map[*table]*genericRows{}, map[string]*table{}
	served := map[string]*table{}
	for _, t := range d.tables {
		if t.def.listPath != "" && t.def.sourceObject == "" {
			served[t.def.listPath] = t
		}
	}
	// Parents before children: a child's path is longer than its parent's.
	order := make([]*listEndpoint, 0, len(eps))
	for i := range eps {
		order = append(order, &eps[i])
	}
	sort.SliceStable(order, func(a, b int) bool {
		return strings.Count(order[a].Path, "/") < strings.Count(order[b].Path, "/")
	})
	tableOf := func(path string) *table {
		if t := served[path]; t != nil {
			return t
		}
		return g.tables[resourceName(path)]
	}
	for _, ep := range order {
		switch {
		case served[ep.Path] != nil || ep.Path == sourcesPath:
			continue
		case sameList[ep.Path] != "" || byField[ep.Path].list != "":
			continue // after the table it shows
		case childOfHandWritten[ep.Path].table != "":
			g.addHandWrittenChild(d, ep)
			continue
		}
		if v := d.specialView(ep); v != nil {
			g.views = append(g.views, v)
			continue
		}
		var parent *table
		if parentPath, _, ok := splitChildPath(ep.Path); ok {
			if parent = tableOf(parentPath); parent == nil {
				if parent, err = g.hiddenParent(d, ep, parentPath); err != nil {
					return err
				}
			}
		}
		t, err := g.addTable(d, ep, parent)
		if err != nil {
			return err
		}
		g.tables[t.def.name] = t
		g.addView(d, ep, t)
	}
	for _, ep := range order {
		if canonical := sameList[ep.Path]; canonical != "" {
			t := tableOf(canonical)
			if t == nil {
				return fmt.Errorf("fakestripe: %s lists what %s does, which is not served", ep.Path, canonical)
			}
			g.addView(d, ep, t)
		}
	}
	for t, gr := range g.rows {
		t.def.expandable = g.expandable(d, gr.ep.Objects)
	}
	for _, path := range sortedKeys(g.hidden) {
		g.renderAll(d, g.hidden[path])
	}
	for _, name := range sortedKeys(g.tables) {
		g.renderAll(d, g.tables[name])
	}
	for _, ep := range order {
		if by := byField[ep.Path]; by.list != "" {
			parentPath, _, _ := splitChildPath(ep.Path)
			g.addFieldView(ep, tableOf(by.list), by.field, tableOf(parentPath))
		}
	}
	sort.SliceStable(g.views, func(a, b int) bool { return g.views[a].path < g.views[b].path })
	return nil
}

// addFieldView serves ep, a list under parent, with the rows of t whose
// field holds the parent's id. It takes the parameters of t's list that
// ep's spec lists.
func (g *genericData) addFieldView(ep *listEndpoint, t *table, field string, parent *table) {
	refs := make([]int32, t.len())
	for i, obj := range g.rows[t].objs {
		refs[i] = -1
		if id, ok := scalarString(obj[field]); ok {
			if row, found := parent.lookup(id); found {
				refs[i] = row
			}
		}
	}
	index := newRefIndex(refs, parent.len())
	def := *t.def
	def.filters = nil
	for _, p := range ep.Params {
		if f, ok := findFilter(t.def, p.Name); ok && p.In == "query" {
			def.filters = append(def.filters, f)
		}
	}
	v := &listView{path: ep.Path, list: splitPath(ep.Path), t: t, def: &def, parent: parent, rowsOf: index.of}
	if ep.Retrieve != "" {
		v.retrieve = splitPath(ep.Retrieve)
	}
	g.views = append(g.views, v)
}

// resourceName names a generic table after its path: "issuing_cards",
// "transfers_reversals" for /v1/transfers/{id}/reversals.
func resourceName(path string) string {
	var parts []string
	for _, seg := range splitPath(strings.TrimPrefix(path, "/v1")) {
		if !strings.HasPrefix(seg, "{") {
			parts = append(parts, seg)
		}
	}
	return strings.Join(parts, "_")
}

// splitChildPath splits "/v1/transfers/{id}/reversals" into its parent's
// list path and the parameter naming the parent; ok is false for a
// top-level list.
func splitChildPath(path string) (parentPath, param string, ok bool) {
	open := strings.Index(path, "/{")
	if open < 0 {
		return "", "", false
	}
	end := strings.Index(path[open:], "}")
	return path[:open], path[open+2 : open+end], true
}

// addTable generates a generic table: its rows' ids, times and parents.
// The objects are rendered once every table exists (renderAll).
func (g *genericData) addTable(d *dataset, ep *listEndpoint, parent *table) (*table, error) {
	name := resourceName(ep.Path)
	for _, o := range ep.Objects {
		if _, ok := d.fixtures[o]; !ok {
			return nil, fmt.Errorf("fakestripe: fixtures_gen.json has no %q (listed by %s)", o, ep.Path)
		}
	}
	object := ep.Objects[0]
	fixture := d.fixtures[object]
	_, hasCreated := fixture["created"]
	r := d.genRNG("generic " + ep.Path)
	gr := &genericRows{ep: ep, hidden: map[string][]string{}}
	for _, p := range ep.Params {
		if p.In == "query" && p.Required && p.Field != "" {
			gr.scope = p.Field
		}
	}
	var parents []int32
	var names []string
	n := 3 + r.intn(6)
	if gr.scope != "" {
		n = 6 + r.intn(7) // spread over the values of the required parameter
	}
	switch {
	case parent != nil:
		parents, names = childRows(r, parent, namedIDs[object])
		n = len(parents)
	case namedIDs[object] != nil:
		names = slices.Clone(namedIDs[object])
	case object == "exchange_rate":
		for _, c := range currencies {
			names = append(names, c.code)
		}
		slices.Sort(names)
	}
	if parent == nil && names != nil {
		// Rows are listed last first: reversed, the list is sorted by id.
		slices.Reverse(names)
		n = len(names)
	}
	gr.objects = make([]string, n)
	for i := range gr.objects {
		gr.objects[i] = ep.Objects[r.intn(len(ep.Objects))]
	}
	gr.times = g.rowTimes(d, r, n, parent, parents)
	if hasCreated && names == nil {
		// Rows are stored in creation order; children were generated per
		// parent, so sort them (and what goes with them) by time.
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return gr.times[idx[a]] < gr.times[idx[b]] })
		gr.times = permute(gr.times, idx)
		gr.objects = permute(gr.objects, idx)
		if parents != nil {
			parents = permute(parents, idx)
		}
	}
	def := &resourceDef{name: name, object: object, listPath: ep.Path, retrieve: ep.Retrieve != "",
		unpaginated: !ep.Paged, required: ep.Required,
		// Items of a checkout session, payment link, quote or tax
		// calculation are listed in their order on it, not newest first.
		oldestFirst: parent != nil && !hasCreated && strings.HasSuffix(object, "item")}
	if parent != nil {
		def.parent = parent.def.name
	}
	t := &table{def: def, parents: parents}
	if hasCreated {
		t.created = gr.times
	}
	if names != nil {
		t.ids = names
		t.byID = map[string]int32{}
		for i := len(names) - 1; i >= 0; i-- {
			t.byID[names[i]] = int32(i) // per parent for capabilities: lookups go through the parent
		}
	} else {
		// A polymorphic list's rows take the id form of their own object
		// (an account's external accounts: ba_… and card_…).
		forms := map[string]idForm{}
		for _, o := range ep.Objects {
			f, err := idFormOf(o, d.fixtures[o])
			if err != nil {
				return nil, err
			}
			forms[o] = f
		}
		def.prefix = forms[object].prefix
		def.newID = func(seed int64, i, salt int) string {
			// Salted with the table: several lists share a prefix (items).
			rr := &rng{state: mix64(uint64(seed)^hashString(name)) ^ mix64(uint64(i)<<8|uint64(salt))}
			f := forms[gr.objects[i]]
			if f.digits {
				return f.prefix + "_" + randomDigits(rr, f.length)
			}
			return f.prefix + "_" + randomChars(rr, f.length)
		}
		t.assignIDs(d.seed, n)
	}
	if parent != nil {
		t.byParent = newRefIndex(parents, parent.len())
	}
	def.filters = g.filters(d, t, gr)
	gr.objs, gr.state = make([]map[string]any, n), make([]uint8, n)
	for name := range gr.hidden {
		gr.hidden[name] = make([]string, n)
	}
	def.render = func(_ *dataset, obj map[string]any, i int32) {
		clear(obj) // a polymorphic row is not of the def's fixture
		for k, v := range gr.objs[i] {
			obj[k] = deepCopy(v)
		}
	}
	g.rows[t] = gr
	g.register(t)
	return t, nil
}

// idForm is how an object's ids look: prefix, length, digits only.
type idForm struct {
	prefix string
	length int
	digits bool
}

// idFormOf reads the id form off an object's fixture.
func idFormOf(object string, fixture map[string]any) (idForm, error) {
	id, _ := fixture["id"].(string)
	prefix, length, ok := idShape(id)
	if !ok {
		return idForm{}, fmt.Errorf("fakestripe: the %s fixture's id %v has no prefix to make ids with", object, fixture["id"])
	}
	return idForm{prefix: prefix, length: length, digits: strings.Trim(id[len(prefix)+1:], "0123456789") == ""}, nil
}

// register makes t's objects and ids known to references and expansion,
// unless a table (hand-written first) already claims them.
func (g *genericData) register(t *table) {
	if g.byObject[t.def.object] == nil {
		g.byObject[t.def.object] = t
	}
	if p := t.def.prefix; p != "" && g.byPrefix[p] == nil {
		g.byPrefix[p] = t
	}
}

// childRows deals a child list's rows to some parents (a few each, some
// none), at most about 40 parents so that a large account stays cheap.
// With names (an account's capabilities) each parent gets a few of them,
// in reverse order so that the list (newest row first) shows them sorted.
func childRows(r *rng, parent *table, names []string) (parents []int32, ids []string) {
	n := parent.len()
	step := max(1, n/40)
	for p := 0; p < n; p += step {
		k := pickWeighted(r, []weighted[int]{{0, 30}, {1, 35}, {2, 22}, {3, 13}})
		if p == 0 {
			k = max(k, 2) // one parent at least has a page of two
		}
		if names != nil {
			k = len(names) - r.intn(3)
			for j := len(names) - 1; j >= len(names)-k; j-- {
				ids = append(ids, names[j])
				parents = append(parents, int32(p))
			}
			continue
		}
		for j := 0; j < k; j++ {
			parents = append(parents, int32(p))
		}
	}
	return parents, ids
}

// rowTimes gives n rows creation times: inside the dataset's window, a
// child's after its parent's.
func (g *genericData) rowTimes(d *dataset, r *rng, n int, parent *table, parents []int32) []int64 {
	if parents == nil {
		return uniformTimes(r, n, d.start, d.end)
	}
	times := make([]int64, n)
	for i, p := range parents {
		from := d.start
		if parent.created != nil {
			from = parent.created[p]
		}
		times[i] = min(d.end, from+r.between(0, 60*day))
	}
	return times
}

func permute[T any](s []T, idx []int) []T {
	out := make([]T, len(s))
	for k, i := range idx {
		out[k] = s[i]
	}
	return out
}

func randomDigits(r *rng, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.intn(10))
	}
	return string(b)
}

// hiddenParent makes the parents of a child list that has no list of its
// own (/v1/sources/{source}/source_transactions): a few objects, which can
// be retrieved when the fixtures have their object.
func (g *genericData) hiddenParent(d *dataset, child *listEndpoint, parentPath string) (*table, error) {
	if t := g.hidden[parentPath]; t != nil {
		return t, nil
	}
	_, param, _ := splitChildPath(child.Path)
	object := strings.TrimSuffix(strings.ReplaceAll(strings.TrimPrefix(parentPath, "/v1/"), "/", "."), "s")
	ep := &listEndpoint{Path: parentPath, Objects: []string{object}, Paged: true}
	var owner *table
	if parentPath == "/v1/sources" {
		// Sources are a customer's: listed by its sources list with
		// object=source, like its cards and bank accounts.
		owner = d.customers
	}
	if _, ok := d.fixtures[object]; ok {
		ep.Retrieve = parentPath + "/{" + param + "}"
	} else {
		// No example of the object: only its ids exist, enough to list
		// its children.
		prefix := hiddenPrefixes[object]
		if prefix == "" {
			return nil, fmt.Errorf("fakestripe: fixtures_gen.json has no %q, the parent of %s", object, child.Path)
		}
		d.fixtures = withFixture(d.fixtures, object, map[string]any{"id": prefix + "_" + strings.Repeat("X1", 12), "object": object})
	}
	t, err := g.addTable(d, ep, owner)
	if err != nil {
		return nil, err
	}
	if owner != nil {
		t.def.sourceObject = object
		t.def.filters = []filterDef{sourceObjectFilter()}
		d.sources[object] = t
	}
	if ep.Retrieve != "" {
		g.views = append(g.views, &listView{path: parentPath, t: t, def: t.def, retrieveOnly: true,
			retrieve: splitPath(ep.Retrieve)})
	}
	g.hidden[parentPath] = t
	return t, nil
}

// hiddenPrefixes are the id prefixes of parents the fixtures have no
// example of.
var hiddenPrefixes = map[string]string{"tax.calculation": "taxcalc", "tax.transaction": "tax"}

// withFixture returns fixtures with one more object, leaving the shared
// map untouched.
func withFixture(fx map[string]map[string]any, name string, obj map[string]any) map[string]map[string]any {
	out := make(map[string]map[string]any, len(fx)+1)
	for k, v := range fx {
		out[k] = v
	}
	out[name] = obj
	return out
}

// expandable are the properties of the objects that hold an id of a table
// the fake has: Stripe's expandable references (a property holding an
// embedded object is not one).
func (g *genericData) expandable(d *dataset, objects []string) []string {
	var out []string
	for _, o := range objects {
		fixture := d.fixtures[o]
		for _, k := range sortedKeys(fixture) {
			if _, embedded := fixture[k].(map[string]any); !embedded && g.targetOf(d, o, k, fixture[k]) != nil && !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}
