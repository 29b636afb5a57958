package sqltable

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/dolthub/go-mysql-server/sql"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/tables"
	"github.com/stripesql/stripesql/tables/rowcache"
)

// The row cache. A list read over a created range is one stream of
// objects: the list path and its parameters other than the created
// bounds and paging (the base stream has only the spec's defaults; a
// filtered stream adds `customer=…` and the like). The cache holds, per
// stream, segments: created intervals [lo, hi) read whole, each a
// sequence of blocks of a few thousand rows decoded (rowcache.Block),
// each row at most once by id; memory holds the blocks used last, a disk
// store (rowstore.go) all of them.
//
// A scan step turns into parts, newest first (cache.Segments.Cover):
// held segments are served block by block, each read back from disk when
// not in memory; gaps are read from Stripe (by the parallel slices when
// long), cut into blocks as they come (rowrun.go), and become segments
// when read whole. A filtered step whose filters the scan or the engine
// checks on every row is served from the base stream where that holds
// the interval, and reads only the rest with the filtered list.
// Concurrent reads of the same gap wait for one another
// (cache.Segments.Claim).

// unbounded is the upper end of a range without one.
const unbounded = 1 << 62

// rowSource serves one list step from the row cache and Stripe.
type rowSource struct {
	t      *Table
	st     step
	ix     *index
	params url.Values // the step's parameters without created bounds
	lo, hi int64
	own    string // the step's stream
	base   string // the base stream, "" when it cannot answer the step
	// baseParams are the base stream's parameters (the spec's defaults and
	// the connected account).
	baseParams url.Values
	store      *cache.Segments

	planned bool
	parts   []rowPart
	gap     *gapRead
	// keys are values of the lookup's first column the rows must have (one
	// per range), to pick rows of a block by code (Block.Where).
	keys []any
	// exact is set when a held block's rows picked by span (and keys) are
	// exactly the step's, so they need no check against its ranges.
	exact   bool
	scratch sql.Row
	// served are the ids of tail rows served, and servedAt their created
	// seconds: what is read or held of those seconds afterwards skips them.
	served   map[string]bool
	servedAt map[int64]bool
	// waited is set once the step waited for another statement's read.
	waited bool
	// baseChecked are the ranges of the base stream already looked up
	// among the segments other replicas shared (share.go).
	baseChecked [][2]int64
}

// rowPart is a held segment's share of the range, or a gap.
type rowPart struct {
	lo, hi int64
	seg    *cache.Segment
	// blocks are the segment's blocks meeting [lo, hi), newest first;
	// blk is blocks[bi] once read (from memory or disk), served from
	// its span: pos, next, end.
	blocks []*cache.Block
	bi     int
	blk    *rowcache.Block
	pos    []int // rows left to serve, when picked by keys
	blobs  *rowcache.Blobs
	next   int // next row to serve (from the block's span), when not
	end    int
	begun  bool
	// recorded is set once the part is accounted as a cache hit.
	recorded bool
	// tail marks rows of a block below its interval (see withTails).
	tail bool
	// exact is set when the rows served need no check against the step's
	// ranges (see rowSource.exact).
	exact bool
}

// gapRead is a gap being read from Stripe: its rows are cut into blocks
// as they come (blockRun), each kept by the claim at once (on disk, with
// a store), so a long read holds little of what it read in memory.
type gapRead struct {
	claim  *cache.Claim
	lo, hi int64
	since  time.Time
	pager  pager
	layout *rowcache.Layout
	// main is the run of the pages read in order (all of them, or the
	// head of an unordered sliced read); runs are the unordered slices'.
	main   *blockRun
	runs   map[*slice]*blockRun
	idOrd  int
	oldest int64 // created of the oldest object read
	got    bool
	// final says when a row read no longer changes, for a table whose
	// changes Stripe does not announce (tables.Spec.Final); open is the
	// created second of the oldest row read that may still change.
	final func(field func(string) any) bool
	open  int64
	// lease is set when this process reads the gap for every replica
	// (share.go): pack collects the objects read, to share them.
	lease cache.Lease
	pack  *packer
}

type rowReadKey struct{}

// rowRead marks a context whose list pages go to the row cache, not the
// page cache.
func rowRead(ctx context.Context) bool { return ctx.Value(rowReadKey{}) != nil }

// rows is the client's row cache, or nil when a statement does not use it.
func (t *Table) rows(ctx context.Context) *cache.Segments {
	s := t.client.rows
	if s == nil || !s.Enabled() || cacheBypassed(ctx) {
		return nil
	}
	return s
}

// layout is how the table's rows are stored in blocks.
func (t *Table) layout() *rowcache.Layout {
	return layoutOnce(t.spec, func() *rowcache.Layout {
		sch := t.schema.Schema
		l := &rowcache.Layout{Cols: len(sch), IDOrd: sch.IndexOfColName("id"), CreatedOrd: sch.IndexOfColName("created"),
			Skip: make([]bool, len(sch)), JSON: make([]bool, len(sch))}
		for i, c := range t.cols {
			l.JSON[i] = c.Kind == tables.KindJSON
		}
		for _, m := range t.majors {
			l.Skip[m.ord] = true // computed from amount and currency on the way out
		}
		return l
	})
}

// rowCached reports whether a step's rows can come from the row cache:
// a list of the table's own (see listsHeld).
func (t *Table) rowCached(st step) bool {
	return st.req.kind == reqList && st.req.parentID == "" && t.listsHeld()
}

// listsHeld reports whether the table's lists go through the row cache:
// a top-level list of objects, with ids, over created ranges.
func (t *Table) listsHeld() bool {
	return t.spec.Created && t.spec.Explode == nil && t.spec.Parent == nil && t.schema.Schema.IndexOfColName("id") >= 0
}

// baseStream is the stream of the table's whole list (in its connected
// account, if any).
func (t *Table) baseStream() string {
	return t.streamOf(t.spec.Path, t.forAccount(defaults(t.spec)))
}

// streamOf names the stream of a list: account, path and parameters
// other than created bounds and paging.
func (t *Table) streamOf(path string, params url.Values) string {
	rest := url.Values{}
	for k, v := range params {
		if k != "created" && !isCreatedBound(k) && k != "limit" && k != "starting_after" {
			rest[k] = v
		}
	}
	return t.client.account + " ROWS " + path + "?" + canonicalQuery(rest)
}

// newRowSource plans a step through the row cache, or returns nil.
func (t *Table) newRowSource(ctx context.Context, st step, ix *index) *rowSource {
	store := t.rows(ctx)
	if store == nil || !t.rowCached(st) {
		return nil
	}
	params := t.forAccount(st.req.params)
	if params.Get("created") != "" {
		return nil // one second: a plain request
	}
	lo, hi, ok := createdBounds(params)
	if !ok {
		return nil
	}
	r := &rowSource{t: t, st: st, ix: ix, lo: lo, hi: hi, store: store, params: url.Values{}}
	for k, v := range params {
		if k != "created" && !isCreatedBound(k) {
			r.params[k] = v
		}
	}
	r.own = t.streamOf(st.req.path, r.params)
	baseParams := defaults(t.spec)
	if a := accountOf(params); a != "" {
		baseParams.Set(tables.AccountParam, a)
	}
	if base := t.streamOf(st.req.path, baseParams); base == r.own || t.checksAll(st, ix, r.params, baseParams) {
		r.base, r.baseParams = base, baseParams
	}
	r.keys = pointKeys(st, ix)
	r.exact = ix != nil && (len(ix.columns) == 1 && ix.columns[0] == "created" ||
		len(ix.columns) == 2 && ix.columns[1] == "created" && r.keys != nil)
	return r
}

// checksAll reports whether every parameter by which params narrow the
// base list is a condition checked on each row anyway: a column of the
// lookup's index (checked against the step's ranges) or a residual filter
// (checked by the engine). The base stream's rows, so filtered, are then
// exactly the step's. A parameter that does not only narrow the list to
// a field's value never is: the base stream's rows hold NULL in a
// filter-only column (payout), and lack the objects test_clock reveals.
func (t *Table) checksAll(st step, ix *index, params, base url.Values) bool {
	for k, v := range params {
		if len(v) == 1 && base.Get(k) == v[0] && len(base[k]) == 1 {
			continue
		}
		if !t.spec.Narrows(k) {
			return false
		}
		if rv, ok := t.residual[k]; ok && len(rv) == 1 && len(v) == 1 && rv[0] == v[0] {
			continue
		}
		if ix == nil || len(st.within) == 0 || !t.indexFilters(ix, k) {
			return false
		}
	}
	for k := range base {
		if _, ok := params[k]; !ok {
			return false // the step does without a default: not the same rows
		}
	}
	return true
}

// indexFilters reports whether list parameter k filters a column of ix.
func (t *Table) indexFilters(ix *index, k string) bool {
	for _, c := range ix.columns {
		if f, ok := t.spec.FilterOf(c); ok && (f.ParamName() == k || f.InParam != "" && f.InParam+"[]" == k) {
			return true
		}
	}
	return false
}

// pointKeys are the values a step's ranges fix the index's first column
// to, when each range fixes it (customer = … or customer IN (…)).
func pointKeys(st step, ix *index) []any {
	if ix == nil || len(st.within) == 0 || ix.columns[0] == "id" {
		return nil
	}
	var keys []any
	for _, r := range st.within {
		k, point := pointKey(r[0])
		if !point || k == nil {
			return nil
		}
		keys = append(keys, k)
	}
	return keys
}

// heldRetrieve serves a retrieve (id = …) from the row cache when it
// holds the whole list and the object in it; nil otherwise (an object
// not held may be newer than the rows held: Stripe is asked).
func (t *Table) heldRetrieve(ctx context.Context, st step, ix *index) *rowSource {
	store := t.rows(ctx)
	if store == nil || st.req.kind != reqRetrieve || !t.listsHeld() {
		return nil
	}
	parts, ok := store.Whole(t.baseStream(), 0, unbounded)
	if !ok {
		return nil
	}
	for _, g := range parts {
		for _, b := range g.Blocks {
			f, hinted := store.Hint(b).(*idFilter)
			if hinted && !f.mayHold(st.req.id) {
				continue
			}
			ver := store.Version(b)
			v, err := store.Load(b)
			if err != nil {
				return nil // gone meanwhile: ask Stripe
			}
			blk := v.(*rowcache.Block)
			if !hinted {
				store.SetHint(b, ver, newIDFilter(blk))
			}
			if i := blk.Find(st.req.id); i >= 0 && blk.Created(i) >= g.Lo && blk.Created(i) < g.Hi {
				r := &rowSource{t: t, st: st, ix: ix, store: store, planned: true}
				r.parts = []rowPart{{lo: g.Lo, hi: g.Hi, seg: g.Segment, blocks: []*cache.Block{b}, blk: blk, pos: []int{i}, begun: true, recorded: true}}
				t.client.servedFromCache(ctx, t.spec.Path+"/"+st.req.id, "")
				return r
			}
		}
	}
	return nil
}

// heldCount is the number of rows of the whole list when the row cache
// holds all of it.
func (t *Table) heldCount(ctx context.Context) (uint64, bool) {
	store := t.rows(ctx)
	if store == nil || !t.listsHeld() || len(t.residual) > 0 {
		return 0, false
	}
	n, ok := store.Count(t.baseStream(), 0, unbounded)
	return uint64(n), ok
}

// plan splits the range into parts: the base stream's held segments, and
// for the rest the step's own stream's segments and gaps.
func (r *rowSource) plan(lo, hi int64) []rowPart {
	own := func(lo, hi int64) []rowPart {
		var out []rowPart
		for _, p := range r.store.Cover(r.own, lo, hi) {
			out = append(out, rowPart{lo: p.Lo, hi: p.Hi, seg: p.Segment, blocks: p.Blocks})
		}
		return out
	}
	if r.base == "" || r.base == r.own {
		return withTails(own(lo, hi))
	}
	var out []rowPart
	for _, p := range r.store.Cover(r.base, lo, hi) {
		if p.Segment != nil {
			out = append(out, rowPart{lo: p.Lo, hi: p.Hi, seg: p.Segment, blocks: p.Blocks})
		} else {
			out = append(out, own(p.Lo, p.Hi)...)
		}
	}
	return withTails(out)
}

// withTails puts before each gap the rows a held segment just above it
// keeps of the second below its interval (in its lowest block): a read
// stopped early (LIMIT) knows some objects of its oldest second but not
// whether there are more, so that second stays a gap. Serving the known
// rows first lets a repeat of the same LIMIT end before the gap is read;
// if it reads on, the gap is read and the rows already served are
// skipped.
func withTails(parts []rowPart) []rowPart {
	var out []rowPart
	for i, p := range parts {
		if above := partAbove(parts, i); p.seg == nil && above != nil && above.seg != nil && above.lo == above.seg.Lo && above.seg.Lo == p.hi && len(above.blocks) > 0 {
			lowest := above.blocks[len(above.blocks)-1]
			out = append(out, rowPart{lo: p.hi - 1, hi: p.hi, seg: above.seg, blocks: []*cache.Block{lowest}, tail: true})
		}
		out = append(out, p)
	}
	return out
}

// partAbove is the part before parts[i], nil for the first.
func partAbove(parts []rowPart, i int) *rowPart {
	if i == 0 {
		return nil
	}
	return &parts[i-1]
}

// fill returns the next rows of the step and whether they are already
// projected; io.EOF when the step is done.
func (r *rowSource) fill(ctx context.Context, s *scan) ([]sql.Row, bool, error) {
	if !r.planned {
		r.planned = true
		r.parts = r.plan(r.lo, r.hi)
	}
	for {
		if r.gap != nil {
			rows, err := r.readGap(ctx, s)
			if err == io.EOF {
				r.endGap(true, nil)
				continue
			}
			if err != nil {
				r.endGap(false, err)
				return nil, false, err
			}
			return rows, false, nil
		}
		if len(r.parts) == 0 {
			return nil, false, io.EOF
		}
		p := &r.parts[0]
		if p.seg == nil {
			r.parts = r.parts[1:]
			if err := r.startGap(ctx, s, p.lo, p.hi); err != nil {
				return nil, false, err
			}
			continue
		}
		rows, done, gone := r.serve(ctx, s, p)
		if done {
			r.parts = r.parts[1:]
		}
		if gone != nil {
			// A block of the part was dropped meanwhile (evicted from disk,
			// cut by an event, unreadable): what the part had left to
			// serve is planned again.
			r.parts = append(r.plan(gone[0], gone[1]), r.parts...)
		}
		if len(rows) > 0 {
			return rows, r.projectsHere(s), nil
		}
	}
}

// servedBatch bounds the rows a held segment hands on at a time.
const servedBatch = 1024

// projectsHere reports whether served rows are projected as they are
// served: when the step streams (buffered steps sort full rows first).
func (r *rowSource) projectsHere(s *scan) bool { return r.st.order.kind == orderAsIs }

// serve hands on up to servedBatch rows of a held part, block after
// block; done is true when the part has no more. gone, when set, is the
// range of the part left unserved because its block was dropped (the
// caller plans it again).
func (r *rowSource) serve(ctx context.Context, s *scan, p *rowPart) (out []sql.Row, done bool, gone *[2]int64) {
	if !p.recorded {
		p.recorded = true
		r.t.client.servedFromCache(ctx, r.st.req.path, canonicalQuery(withCreated(r.params, p.lo, p.hi)))
	}
	t := r.t
	project := r.projectsHere(s)
	if r.scratch == nil {
		r.scratch = make(sql.Row, len(t.cols))
	}
	for len(out) < servedBatch {
		if p.blk == nil {
			if p.bi >= len(p.blocks) {
				return out, true, nil
			}
			b := p.blocks[p.bi]
			v, err := r.store.Load(b)
			if err != nil {
				// A tail's second is also the top of the gap below it,
				// which is read anyway: planning it again would read it
				// twice.
				if hi := min(p.hi, b.Hi); hi > p.lo && !p.tail {
					return out, true, &[2]int64{p.lo, hi}
				}
				return out, true, nil
			}
			p.blk, p.blobs, p.begun = v.(*rowcache.Block), nil, false
		}
		blk := p.blk
		if !p.begun {
			p.begun = true
			if blk.HasJSON(s.need) {
				p.blobs = blk.Blobs()
			}
			p.next, p.end = blk.Span(p.lo, p.hi)
			var byKeys bool
			p.pos, byKeys = r.pick(blk, p.next, p.end)
			// Rows picked by span (and keys) are exactly the step's.
			p.exact = r.exact && (r.keys == nil || byKeys)
		}
		var i int
		switch {
		case p.pos != nil && len(p.pos) > 0:
			i, p.pos = p.pos[0], p.pos[1:]
		case p.pos != nil || p.next >= p.end:
			p.blk, p.bi, p.pos = nil, p.bi+1, nil // the block is done: the next one
			continue
		default:
			i = p.next
			p.next++
		}
		row := r.scratch
		if !project || t.proj == nil {
			row = make(sql.Row, len(t.cols))
		}
		blk.Fill(i, s.need, row, p.blobs)
		t.fillMajors(row, s.need)
		if !p.exact && len(r.st.within) > 0 && s.ix != nil && !inAnyRange(ctx, s.ix, r.st.within, row) {
			continue
		}
		if p.tail {
			if r.served == nil {
				r.served, r.servedAt = map[string]bool{}, map[int64]bool{}
			}
			r.served[blk.ID(i)], r.servedAt[blk.Created(i)] = true, true
		} else if r.servedAt[blk.Created(i)] && r.served[blk.ID(i)] {
			// Served from a tail already: the gap below it was read by
			// another statement meanwhile, and is held now.
			continue
		}
		if project {
			row = t.project(row) // a copy when the row is the scratch
		}
		out = append(out, row)
	}
	return out, false, nil
}

// pick returns the rows of [from, to) to serve from a block, in order:
// those whose first index column holds one of the keys, and whose columns
// hold the values of the table's local conditions, by the block's column
// indexes; nil for every row of the span.
func (r *rowSource) pick(blk *rowcache.Block, from, to int) (pos []int, byKeys bool) {
	var sets [][]int32
	if r.keys != nil {
		union, ok := []int32{}, true
		for _, k := range r.keys {
			rows, found := blk.Matches(r.ix.ords[0], k)
			union, ok = append(union, rows...), ok && found
		}
		if ok { // else a key the block cannot look up: check every row
			slices.Sort(union)
			sets, byKeys = append(sets, slices.Compact(union)), true
		}
	}
	for _, c := range r.t.local {
		if rows, ok := blk.Matches(c.ord, c.val); ok {
			sets = append(sets, rows)
		}
	}
	if len(sets) == 0 {
		return nil, false
	}
	out := []int{}
	for _, i := range intersect(sets) {
		if int(i) >= from && int(i) < to {
			out = append(out, int(i))
		}
	}
	return out, byKeys
}

// intersect returns the values in every one of the sorted sets.
func intersect(sets [][]int32) []int32 {
	out := sets[0]
	for _, s := range sets[1:] {
		var both []int32
		for i, j := 0, 0; i < len(out) && j < len(s); {
			switch {
			case out[i] < s[j]:
				i++
			case out[i] > s[j]:
				j++
			default:
				both = append(both, out[i])
				i, j = i+1, j+1
			}
		}
		out = both
	}
	return out
}

// startGap claims [lo, hi) of the step's stream and starts reading it;
// when another statement is reading it, waits for that and plans the
// interval again. With other replicas (share.go), what they shared of
// the gap fills it first, and a gap one of them is reading is waited for.
func (r *rowSource) startGap(ctx context.Context, s *scan, lo, hi int64) error {
	if r.warmBase(ctx, lo, hi) {
		r.parts = append(r.plan(lo, hi), r.parts...)
		return nil
	}
	var cl *cache.Claim
	if r.waited {
		cl = r.store.ClaimNow(r.own, ownerOf(ctx), lo, hi)
	} else {
		var err error
		if cl, err = r.store.Claim(ctx, r.own, ownerOf(ctx), lo, hi); err != nil {
			return r.t.sqlError(err)
		}
	}
	if cl == nil {
		// Another statement read the interval: what it stored is served
		// from memory; what is missing still (it stopped early, or the
		// rows expired or were dropped since) is read without waiting again.
		r.waited = true
		r.parts = append(r.plan(lo, hi), r.parts...)
		return nil
	}
	lease, again := r.shareGap(ctx, cl, lo, hi)
	if again {
		cl.Finish(0, 0, time.Time{})
		r.parts = append(r.plan(lo, hi), r.parts...)
		return nil
	}
	req := r.st.req
	req.params = withCreated(r.params, lo, hi)
	l := r.t.layout()
	if _, account, ok := splitStream(r.own); ok {
		r.t.client.watchFromRead(ctx, account)
	}
	since := r.store.Now()
	r.gap = &gapRead{claim: cl, lo: lo, hi: hi, since: since, oldest: hi, open: hi, final: r.t.spec.Final(),
		pager: r.t.newPager(req, &s.fetched), layout: l, idOrd: l.IDOrd, lease: lease, runs: map[*slice]*blockRun{}}
	if lease != nil {
		r.gap.pack = &packer{limit: r.store.MaxBytes()}
	}
	return nil
}

// run is the block run a batch of the gap goes to: its slice's, for
// the pages of an unordered read's slices, else the main one.
func (g *gapRead) run(b batch) *blockRun {
	if b.run == nil {
		if g.main == nil {
			g.main = g.newRun(g.hi)
		}
		return g.main
	}
	r, ok := g.runs[b.run]
	if !ok {
		r = g.newRun(b.run.hi)
		g.runs[b.run] = r
	}
	return r
}

// newRun starts a run of the gap's rows below hi, its blocks ending at
// the second below which rows may be final too.
func (g *gapRead) newRun(hi int64) *blockRun {
	r := newBlockRun(g.layout, hi, g.claim.Add)
	if g.final != nil {
		r.cut = g.since.Add(-finalMargin).Unix()
	}
	return r
}

// readGap decodes the next page of the gap, keeps its rows for the cache
// and returns those of the step.
func (r *rowSource) readGap(ctx context.Context, s *scan) ([]sql.Row, error) {
	b, err := r.gap.pager.next(context.WithValue(ctx, rowReadKey{}, true))
	if err != nil {
		return nil, err
	}
	s.prog.observe(ctx, r.t.client.opts.Logger, b.objs)
	t := r.t
	run := r.gap.run(b)
	out := make([]sql.Row, 0, len(b.objs))
	for _, o := range b.objs {
		row, err := t.dec.Decode(o, nil)
		if err != nil {
			return nil, err
		}
		if b.account != "" {
			row[t.accountOrd] = b.account
		}
		t.fillPinned(row, r.params) // before it is stored or checked
		if !run.add(row) {
			continue // read twice (an object moved between pages)
		}
		r.gap.pack.add(o)
		r.gap.got = true
		if c, ok := row[r.gap.layout.CreatedOrd].(time.Time); ok {
			r.gap.oldest = min(r.gap.oldest, c.Unix())
			if r.gap.final != nil && !r.gap.final(t.field(row)) {
				r.gap.open = min(r.gap.open, c.Unix())
			}
		}
		if id, _ := row[r.gap.idOrd].(string); r.served[id] {
			continue // served from a held block's tail already
		}
		t.fillMajors(row, nil)
		if len(r.st.within) > 0 && s.ix != nil && !inAnyRange(ctx, s.ix, r.st.within, row) {
			continue
		}
		out = append(out, row)
	}
	return out, nil
}

// endGap stores what was read of the gap: all of it when complete; when
// the scan stopped early, the newer part read whole (objects newer than
// the oldest second read: that second may go on in the next page);
// nothing after a failure.
func (r *rowSource) endGap(complete bool, err error) {
	g := r.gap
	if g == nil {
		return
	}
	r.gap = nil
	if c, ok := g.pager.(closer); ok {
		c.close()
	}
	lo := g.lo
	if !complete {
		lo = g.oldest + 1
	}
	// Pages handed on as they came from any slice (unordered) leave holes
	// above the oldest object read: only a complete read is stored.
	sp, sliced := g.pager.(*slicedPager)
	unordered := sliced && sp.unordered && sp.sliced
	if err == nil && (complete || g.got && !unordered) && lo < g.hi {
		g.endRuns(complete, lo, sp, unordered)
	}
	if err != nil || !complete && (!g.got || unordered) || lo >= g.hi || g.broken() {
		g.claim.Finish(0, 0, g.since)
		if g.lease != nil {
			g.lease.Release()
		}
		return
	}
	stored := g.claim.FinishFinal(lo, g.hi, g.since, g.finalBelow())
	switch {
	case g.lease != nil && stored:
		publishGap(context.Background(), g.lease, g.pack, lo, g.hi, g.since)
	case g.lease != nil:
		g.lease.Release() // superseded by an event: what was read may be outdated
	}
}

// finalMargin is how much older than the read's start an object must be
// for the read to have seen it for sure (Stripe's clock against ours).
const finalMargin = 5 * time.Minute

// finalBelow is the created second below which every row read no longer
// changes (see gapRead.final): below the oldest row that may still
// change, and below what was created before the read began (objects
// created since, unannounced, may be missing).
func (g *gapRead) finalBelow() int64 {
	if g.final == nil {
		return minInt64
	}
	return min(g.open, g.since.Add(-finalMargin).Unix())
}

// endRuns seals the last blocks of the gap's runs: the main run down to
// lo (a read stopped early keeps its oldest second's rows too, as the
// block's tail: see withTails); for an unordered sliced read, the main
// run (the head) down to where the slices begin, and each slice's run
// over its range (an empty slice is an empty block: the blocks tile the
// gap).
func (g *gapRead) endRuns(complete bool, lo int64, sp *slicedPager, unordered bool) {
	main := g.run(batch{})
	switch {
	case unordered:
		main.end(sp.cut, sp.cut)
		for _, s := range sp.all {
			g.run(batch{run: s}).end(s.lo, s.lo)
		}
	case complete:
		main.end(lo, lo)
	default:
		main.end(lo, g.oldest)
	}
}

// broken reports whether a run of the gap got rows out of order: then
// nothing of it is stored.
func (g *gapRead) broken() bool {
	if g.main != nil && g.main.broken {
		return true
	}
	for _, r := range g.runs {
		if r.broken {
			return true
		}
	}
	return false
}

// close ends a step the engine stopped reading.
func (r *rowSource) close(err error) { r.endGap(false, err) }

// ownerOf names the statement a claim is for: a statement does not wait
// for its own reads (a self-join reads a stream inside its own scan).
func ownerOf(ctx context.Context) uint64 {
	if q := QueryFrom(ctx); q != nil {
		return q.ID
	}
	return 0
}

// servedFromCache accounts for a held segment served like any cache hit:
// in the statement's counts, stripe_meta.requests and the metrics.
func (c *Client) servedFromCache(ctx context.Context, path, query string) {
	c.record(ctx, RequestRecord{Time: time.Now(), Method: http.MethodGet, Path: path, Query: query,
		Status: http.StatusOK, Cache: CacheHit})
}

// layouts are how the row cache stores each spec's rows.
var layouts sync.Map // *tables.Spec → *rowcache.Layout

// layoutOnce returns a spec's row layout, made by mk the first time.
func layoutOnce(s *tables.Spec, mk func() *rowcache.Layout) *rowcache.Layout {
	if l, ok := layouts.Load(s); ok {
		return l.(*rowcache.Layout)
	}
	l, _ := layouts.LoadOrStore(s, mk())
	return l.(*rowcache.Layout)
}
