package fakestripe

import (
	"fmt"
	"sort"
	"strings"
)

// resourceDef declares one kind of object the fake account holds. Adding a
// resource means a res_*.go file with its row type, generator (a step of
// newDataset), def, filters and renderer.
type resourceDef struct {
	name   string // Objects() key, the table name: "charges", "invoice_items"
	object string // fixture name and "object" value: "charge"
	// prefix is the id prefix ("ch"); "" for ids without one (coupons) or
	// borrowed from another resource (plans are recurring prices).
	prefix string
	// newID, if set, replaces makeID for the resource's ids.
	newID func(seed int64, i, salt int) string
	// createdKey is the field serving the creation time when it is not
	// "created" ("date" for invoice items).
	createdKey string

	// listPath is how the list is reached: "/v1/charges",
	// "/v1/checkout/sessions", or for a child list
	// "/v1/invoices/{parent}/lines"; "" when the fake serves no list
	// (discounts exist only inside customers, subscriptions and invoices).
	listPath string
	// sourceObject is the value of the object parameter of
	// /v1/customers/{customer}/sources that lists this resource ("card").
	sourceObject string
	// retrieve is false when the object has no retrieve endpoint of its own
	// (invoice lines).
	retrieve bool
	// parent names the table whose rows own these rows ("invoices" for
	// lines); it scopes child lists and their cursors.
	parent string
	// oldestFirst serves the list in creation order instead of newest
	// first (invoice lines keep the order of the invoice).
	oldestFirst bool
	// unpaginated lists answer every row at once and refuse limit and the
	// cursors, as the spec declares none (an account's capabilities).
	unpaginated bool

	// filters are the list parameters beyond limit, starting_after,
	// ending_before and expand, exactly as spec3.json's GET lists them.
	filters []filterDef
	// required are filters a list request must send (subscription_items'
	// subscription).
	required []string
	// expandable are the fields spec3.json marks x-expansionResources.
	expandable []string

	// render patches a copy of the fixture with row i's fields; id, object,
	// created and livemode are already set.
	render func(d *dataset, obj map[string]any, i int32)
}

func (def *resourceDef) createdField() string {
	if def.createdKey != "" {
		return def.createdKey
	}
	return "created"
}

func (def *resourceDef) canExpand(field string) bool {
	for _, f := range def.expandable {
		if f == field {
			return true
		}
	}
	return false
}

// table holds the columns every resource has. Rows are stored in creation
// order, so "newest first" is simply descending row number and ties on
// created are broken by creation sequence, as Stripe does.
type table struct {
	def      *resourceDef
	ids      []string
	created  []int64 // nil for objects without a created field (lines)
	parents  []int32 // row of the owning parent, for child resources
	byID     map[string]int32
	byParent refIndex
}

func (t *table) len() int { return len(t.ids) }

// lookup returns the row of id, or false.
func (t *table) lookup(id string) (int32, bool) {
	i, ok := t.byID[id]
	return i, ok
}

// id returns the id of row i, or "" for -1 (a null reference).
func (t *table) id(i int32) string {
	if i < 0 {
		return ""
	}
	return t.ids[i]
}

// ref renders a reference to row i: its id, or JSON null for -1.
func (t *table) ref(i int32) any {
	if i < 0 {
		return nil
	}
	return t.ids[i]
}

// assignIDs gives rows 0..n-1 their ids, retrying a row on the
// astronomically unlikely collision so that ids stay unique.
func (t *table) assignIDs(seed int64, n int) {
	t.ids = make([]string, n)
	t.byID = make(map[string]int32, n)
	newID := t.def.newID
	if newID == nil {
		newID = func(seed int64, i, salt int) string { return makeID(seed, t.def.prefix, i, salt) }
	}
	for i := 0; i < n; i++ {
		for salt := 0; ; salt++ {
			id := newID(seed, i, salt)
			if _, dup := t.byID[id]; !dup {
				t.ids[i] = id
				t.byID[id] = int32(i)
				break
			}
		}
	}
}

// refIndex inverts a many-to-one reference column: for each target row the
// source rows pointing at it, ascending (so, in creation order).
type refIndex struct {
	start []int32 // rows of target t are rows[start[t]:start[t+1]]
	rows  []int32
}

func newRefIndex(refs []int32, targets int) refIndex {
	return newMultiRefIndex(len(refs), targets, func(i int, emit func(int32)) {
		if refs[i] >= 0 {
			emit(refs[i])
		}
	})
}

// newMultiRefIndex builds a refIndex where each source row may point at
// several targets (a subscription at the prices of its items); refs calls
// emit once per distinct target of row i.
func newMultiRefIndex(sources, targets int, refs func(i int, emit func(int32))) refIndex {
	start := make([]int32, targets+1)
	for i := 0; i < sources; i++ {
		refs(i, func(t int32) { start[t+1]++ })
	}
	for t := 0; t < targets; t++ {
		start[t+1] += start[t]
	}
	rows := make([]int32, start[targets])
	next := append([]int32(nil), start[:targets]...)
	for i := 0; i < sources; i++ {
		refs(i, func(t int32) {
			rows[next[t]] = int32(i)
			next[t]++
		})
	}
	return refIndex{start: start, rows: rows}
}

func (x refIndex) of(target int32) []int32 {
	if target < 0 || int(target)+1 >= len(x.start) {
		return nil
	}
	return x.rows[x.start[target]:x.start[target+1]]
}

// registerTable adds def to the dataset with its common columns.
func (d *dataset) registerTable(def *resourceDef, n int, created []int64, parents []int32) *table {
	t := &table{def: def, created: created, parents: parents}
	t.assignIDs(d.seed, n)
	return d.addTable(t)
}

// registerTableWithIDs adds a resource whose ids are another's (plans are
// served under their prices' ids).
func (d *dataset) registerTableWithIDs(def *resourceDef, ids []string, created []int64) *table {
	t := &table{def: def, created: created, ids: ids, byID: make(map[string]int32, len(ids))}
	for i, id := range ids {
		t.byID[id] = int32(i)
	}
	return d.addTable(t)
}

func (d *dataset) addTable(t *table) *table {
	def := t.def
	if _, dup := d.tables[def.name]; dup {
		panic(fmt.Sprintf("fakestripe: resource %q registered twice", def.name))
	}
	if def.parent != "" {
		t.byParent = newRefIndex(t.parents, d.tables[def.parent].len())
	}
	d.tables[def.name] = t
	if def.prefix != "" {
		d.byPrefix[def.prefix] = t
	}
	d.byObject[def.object] = t
	return t
}

// tableForID finds the table an id belongs to from its prefix ("ch_…").
func (d *dataset) tableForID(id string) *table {
	cut := strings.LastIndexByte(id, '_')
	if cut <= 0 {
		return nil
	}
	if t := d.byPrefix[id[:cut]]; t != nil {
		return t
	}
	return d.generic.byPrefix[id[:cut]] // generic.go
}

// sortByCreated orders rows by creation time, keeping the generation order
// of equal times (the creation sequence).
func sortByCreated[T any](rows []T, created func(*T) int64) {
	sort.SliceStable(rows, func(a, b int) bool { return created(&rows[a]) < created(&rows[b]) })
}
