package rowcache

import (
	"maps"
	"slices"
	"sort"

	"github.com/dolthub/go-mysql-server/sql"
)

// An event changes one row of a block of thousands. Rebuilding the block
// for it would rebuild every dictionary; Patch instead lays the changed
// rows over the block's stored rows, which it shares: the patched block
// is the stored rows, the overlay's rows, and an order of the two. A patch
// of a patched block lays its rows over the same stored rows. Merged folds
// an overlay into stored rows, for the caller to run in the background
// once overlays grow.

// overlay is what patches laid over a block's stored rows.
type overlay struct {
	// order is the block's rows, newest first: a stored row's number, or
	// ^k for overlay row k.
	order   []int32
	created []int64 // the created time of each row of order
	// at is where each stored row is in order; -1 when a patch replaced
	// or deleted it.
	at []int32
	// rows are the overlay's rows in stored form (see storedRow), in the
	// order they are in the block, with their ids and positions.
	rows   []sql.Row
	rowIDs []string
	pos    []int32
	byID   map[string]int32
	size   int64
}

// Bytes an overlay holds per row of the block, and per row of its own on
// top of the cells' values.
const (
	orderRowBytes   = 4 + 8 + 4 // order, created, at
	overlayRowBytes = 24 + 16 + 4 + 48
)

// overlaid says whether row i is overlay row k.
func (o *overlay) overlaid(i int) (k int, ok bool) {
	if e := o.order[i]; e < 0 {
		return int(^e), true
	}
	return 0, false
}

func (o *overlay) fill(k int, need []bool, dst sql.Row) {
	for c, v := range o.rows[k] {
		if need == nil || need[c] {
			dst[c] = engineValue(v)
		}
	}
}

func (o *overlay) find(base *columnar, id string) int {
	if k, ok := o.byID[id]; ok {
		return int(o.pos[k])
	}
	if i := base.find(id); i >= 0 {
		return int(o.at[i])
	}
	return -1
}

// matches returns the rows whose column c holds the value of key k: the
// stored rows' (from their index) where they still are, and the overlay's.
func (o *overlay) matches(base *columnar, c int, k any) []int32 {
	var out []int32
	stored := base.matches(c, k)
	over := 0 // next overlay row to look at, in order
	for _, s := range stored {
		i := o.at[s]
		if i < 0 {
			continue
		}
		for ; over < len(o.rows) && o.pos[over] < i; over++ {
			out = o.appendIfMatch(out, over, c, k)
		}
		out = append(out, i)
	}
	for ; over < len(o.rows); over++ {
		out = o.appendIfMatch(out, over, c, k)
	}
	return out
}

func (o *overlay) appendIfMatch(out []int32, over, c int, k any) []int32 {
	if v, ok := key(o.rows[over][c]); ok && v == k {
		out = append(out, o.pos[over])
	}
	return out
}

// Overlay is the number of rows patches laid over the block's stored
// rows; 0 for a block as stored.
func (b *Block) Overlay() int {
	if b.over == nil {
		return 0
	}
	return len(b.over.rows)
}

// Patch returns the block with each upsert put in, then each row of
// deletes taken out; b is unchanged, and its readers read on.
//
// An upsert replaces the row of the same id: in its place when its created
// second is the same, else it moves to its new second. A new id goes
// before the rows of its created second, as the newest of them (Stripe
// lists newest first). Upserts are applied in order (a later one of the
// same id wins); deletes of ids absent are ignored. Patch costs a copy
// of the block's order (a few arrays of ints), not a rebuild.
func (b *Block) Patch(upserts []sql.Row, deletes []string) *Block {
	if len(upserts) == 0 && len(deletes) == 0 {
		return b
	}
	p := newPatcher(b)
	for _, row := range upserts {
		p.upsert(storedRow(b.layout, row))
	}
	for _, id := range deletes {
		if e, i, ok := p.locate(id); ok {
			p.order = slices.Delete(p.order, i, i+1)
			p.drop(e, id)
		}
	}
	return &Block{layout: b.layout, rows: b.rows, over: p.finish()}
}

// storedRow is a copy of row with its cells in stored form (JSON as its
// text), skipped columns NULL.
func storedRow(l *Layout, row sql.Row) sql.Row {
	out := make(sql.Row, l.Cols)
	for c := range out {
		if c < len(row) && !l.skips(c) {
			out[c] = stored(row[c])
		}
	}
	return out
}

// patcher applies one Patch: it edits a copy of the order, the stored
// rows shared.
type patcher struct {
	layout *Layout
	base   *columnar
	prev   *overlay // the overlay patched, nil for a block as stored
	order  []int32
	// rows are the overlay rows, with rows patched before; byID the live
	// ones' numbers, gone the stored rows taken out by this patch.
	rows    []sql.Row
	created []int64
	byID    map[string]int32
	gone    map[int32]bool
}

func newPatcher(b *Block) *patcher {
	p := &patcher{layout: b.layout, base: b.rows, prev: b.over}
	if o := b.over; o != nil {
		p.order = slices.Clone(o.order)
		p.rows = slices.Clone(o.rows)
		p.created = make([]int64, len(o.rows))
		for k := range o.rows {
			p.created[k] = o.created[o.pos[k]]
		}
		p.byID = maps.Clone(o.byID)
	} else {
		p.byID = map[string]int32{}
		p.order = make([]int32, len(b.rows.created))
		for i := range p.order {
			p.order[i] = int32(i)
		}
	}
	return p
}

// createdOf is the created time of an entry of the order.
func (p *patcher) createdOf(e int32) int64 {
	if e < 0 {
		return p.created[^e]
	}
	return p.base.created[e]
}

// first is where the rows created at or before c begin.
func (p *patcher) first(c int64) int {
	return sort.Search(len(p.order), func(i int) bool { return p.createdOf(p.order[i]) <= c })
}

// locate returns the entry of the row of id and its position.
func (p *patcher) locate(id string) (e int32, i int, ok bool) {
	if k, ok := p.byID[id]; ok {
		e = ^k
	} else {
		s := p.base.find(id)
		if s < 0 || p.gone[int32(s)] || p.prev != nil && p.prev.at[s] < 0 {
			return 0, 0, false
		}
		e = int32(s)
	}
	c := p.createdOf(e)
	for i = p.first(c); i < len(p.order) && p.createdOf(p.order[i]) == c; i++ {
		if p.order[i] == e {
			return e, i, true
		}
	}
	return 0, 0, false // not in order: a malformed block's duplicate id
}

// drop notes that entry e, of id, left the order.
func (p *patcher) drop(e int32, id string) {
	if e >= 0 {
		if p.gone == nil {
			p.gone = map[int32]bool{}
		}
		p.gone[e] = true
	}
	delete(p.byID, id)
}

func (p *patcher) upsert(row sql.Row) {
	id, _ := row[p.layout.IDOrd].(string)
	c := p.layout.Created(row)
	k := int32(len(p.rows))
	p.rows = append(p.rows, row)
	p.created = append(p.created, c)
	if old, i, ok := p.locate(id); ok {
		p.drop(old, id)
		if p.createdOf(old) == c {
			p.order[i] = ^k
			p.byID[id] = k
			return
		}
		p.order = slices.Delete(p.order, i, i+1)
	}
	p.order = slices.Insert(p.order, p.first(c), ^k)
	p.byID[id] = k
}

// finish makes the overlay: its rows those still in the order, in order.
func (p *patcher) finish() *overlay {
	n, live := len(p.order), len(p.byID)
	o := &overlay{order: p.order, created: make([]int64, n), at: make([]int32, len(p.base.created)),
		rows: make([]sql.Row, 0, live), rowIDs: make([]string, 0, live), pos: make([]int32, 0, live),
		byID: make(map[string]int32, live)}
	for s := range o.at {
		o.at[s] = -1
	}
	for i, e := range o.order {
		o.created[i] = p.createdOf(e)
		if e >= 0 {
			o.at[e] = int32(i)
			continue
		}
		k := int32(len(o.rows))
		row := p.rows[^e]
		id, _ := row[p.layout.IDOrd].(string)
		o.rows, o.rowIDs, o.pos = append(o.rows, row), append(o.rowIDs, id), append(o.pos, int32(i))
		o.byID[id] = k
		o.order[i] = ^k
	}
	o.size = int64(n)*orderRowBytes + int64(len(o.at))*4
	for _, row := range o.rows {
		o.size += overlayRowBytes + int64(len(row))*ifaceBytes
		for _, v := range row {
			if v != nil {
				o.size += valueBytes(v)
			}
		}
	}
	return o
}
