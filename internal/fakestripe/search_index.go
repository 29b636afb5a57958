package fakestripe

import (
	"math"
	"sync"
	"time"
)

// The search index: what the Search API matches queries against. Stripe's
// index trails writes ("under normal operating conditions, data is
// searchable in under 1 minute"), which Options.SearchLag models on the
// fake's clock (changes.go): with cutoff = now - lag, an object created
// after the cutoff is not found at all, and one changed after it is
// matched as it was before its first such change. Results still carry
// objects as they are now, as Stripe's do, and deleted objects never. The
// generated account has no earlier states: its objects are indexed as
// generated (only the created ones within the lag of now are hidden), so
// the lag of changes applies to those made while serving (writes, hooks).

// searchState is a dataset's index.
type searchState struct {
	mu sync.Mutex
	// history holds, for the rows of searchable tables that changed, their
	// states before each change, oldest first.
	history map[*table]map[int32][]indexedVersion
	// current caches each table's documents as of a clock value.
	current map[*table]currentDocs
}

// indexedVersion is an object's state until a change at until.
type indexedVersion struct {
	until int64
	doc   map[string]any
}

type currentDocs struct {
	at   int64
	rows int
	docs []map[string]any
}

// keepIndexed records the state of row i of t before a change at at, when
// t is searchable and the change is an update (before != nil).
func (d *dataset) keepIndexed(t *table, i int32, at int64, before map[string]any) {
	if before == nil || !searchable(t) {
		return
	}
	st := &d.index
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.history == nil {
		st.history = map[*table]map[int32][]indexedVersion{}
	}
	if st.history[t] == nil {
		st.history[t] = map[int32][]indexedVersion{}
	}
	st.history[t][i] = append(st.history[t][i], indexedVersion{until: at, doc: searchDoc(before, t.def.name)})
}

// searchDoc keeps of an object what its resource can be searched by: the
// value of each field (by its dotted name) and the metadata.
func searchDoc(obj map[string]any, resource string) map[string]any {
	fields := searchFields[resource]
	doc := make(map[string]any, len(fields))
	for f := range fields {
		if derive := searchDerived[resource][f]; derive != nil {
			doc[f] = derive(obj)
		} else if v, ok := searchValue(obj, f, ""); ok {
			doc[f] = v
		}
	}
	doc["metadata"] = obj["metadata"]
	return doc
}

// indexView is the index of one table as a search sees it.
type indexView struct {
	d       *dataset
	t       *table
	lagged  bool
	cutoff  int64
	history map[int32][]indexedVersion
	docs    []map[string]any
}

// lagSeconds is the index lag in whole seconds of the fake's clock
// (rounded up: an object is hidden while now - created < lag).
func lagSeconds(lag time.Duration) int64 {
	return int64(math.Ceil(lag.Seconds()))
}

// searchIndex returns t's index as of now, with the given lag in seconds.
func (d *dataset) searchIndex(t *table, lag int64) indexView {
	now := d.now()
	st := &d.index
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.current == nil {
		st.current = map[*table]currentDocs{}
	}
	// Every change moves the clock, so documents rendered at the same
	// instant (and row count) are still current.
	cur := st.current[t]
	if cur.at != now || cur.rows != t.len() || cur.docs == nil {
		cur = currentDocs{at: now, rows: t.len(), docs: make([]map[string]any, t.len())}
		for i := range cur.docs {
			cur.docs[i] = searchDoc(d.render(t, int32(i)), t.def.name)
		}
		st.current[t] = cur
	}
	return indexView{d: d, t: t, lagged: lag > 0, cutoff: now - lag, history: st.history[t], docs: cur.docs}
}

// doc is row's document as indexed, or nil when the index does not hold
// it (created after the cutoff, or deleted).
func (v indexView) doc(row int32) map[string]any {
	if v.d.edits.deleted[v.t][row] {
		return nil
	}
	if v.lagged {
		if v.t.created != nil && v.t.created[row] > v.cutoff {
			return nil
		}
		for _, old := range v.history[row] {
			if old.until > v.cutoff {
				return old.doc
			}
		}
	}
	return v.docs[row]
}
