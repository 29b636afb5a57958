package fakestripe

import (
	"fmt"
	"sort"
	"strings"
)

// resourceDef declares one kind of object the fake account holds. Adding a
// resource means: a row type and generator (gen_*.go), and a def with its
// renderer and filters (res_*.go) registered in dataset.build.
type resourceDef struct {
	name   string // URL segment and Objects() key: "charges"
	object string // fixture name and "object" value: "charge"
	prefix string // id prefix: "ch"

	// listPath is how the list is reached: "/v1/charges", or for a child
	// list "/v1/invoices/{parent}/lines"; "" when the fake serves no list
	// (subscription items exist only inside subscriptions and lines).
	listPath string
	// retrieve is false when the object has no retrieve endpoint of its own
	// (invoice lines).
	retrieve bool
	// parent names the table whose rows own these rows ("invoices" for
	// lines); it scopes child lists and their cursors.
	parent string
	// oldestFirst serves the list in creation order instead of newest
	// first (invoice lines keep the order of the invoice).
	oldestFirst bool

	// filters are the list parameters beyond limit, starting_after,
	// ending_before and expand, exactly as spec3.json's GET lists them.
	filters []filterDef
	// expandable are the fields spec3.json marks x-expansionResources.
	expandable []string

	// render patches a copy of the fixture with row i's fields; id, object,
	// created and livemode are already set.
	render func(d *dataset, obj map[string]any, i int32)
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
	for i := 0; i < n; i++ {
		for salt := 0; ; salt++ {
			id := makeID(seed, t.def.prefix, i, salt)
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
	if _, dup := d.tables[def.name]; dup {
		panic(fmt.Sprintf("fakestripe: resource %q registered twice", def.name))
	}
	t := &table{def: def, created: created, parents: parents}
	t.assignIDs(d.seed, n)
	if def.parent != "" {
		t.byParent = newRefIndex(parents, d.tables[def.parent].len())
	}
	d.tables[def.name] = t
	d.byPrefix[def.prefix] = t
	d.byObject[def.object] = t
	return t
}

// tableForID finds the table an id belongs to from its prefix ("ch_…").
func (d *dataset) tableForID(id string) *table {
	cut := strings.LastIndexByte(id, '_')
	if cut <= 0 {
		return nil
	}
	return d.byPrefix[id[:cut]]
}

// sortByCreated orders rows by creation time, keeping the generation order
// of equal times (the creation sequence).
func sortByCreated[T any](rows []T, created func(*T) int64) {
	sort.SliceStable(rows, func(a, b int) bool { return created(&rows[a]) < created(&rows[b]) })
}
