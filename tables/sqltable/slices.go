package sqltable

import (
	"context"
	"encoding/json"
	"io"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/stripesql/stripesql/tables/decode"
)

// Paging one starting_after cursor is bounded by Stripe's latency (a page
// of 100 every few hundred ms), far below its rate limit. A long list is
// therefore read as several created slices at once: the first page shows
// how dense the newest objects are; the rest of the range is cut into
// slices, newest first, growing wider into the past (older data is
// usually sparser), each paged by its own worker. The first pages are read
// with one cursor: a list that ends within them costs nothing more. Pages are handed on in
// slice order, so rows still come newest first and a LIMIT still stops
// the reading. Slices are half-open [gte, lt) on whole seconds, so an
// object on an edge belongs to exactly one slice, however many share its
// second.

const (
	// defaultParallelism bounds the slices of one account read at once
	// (across queries); the throttle keeps them under the rate limit.
	defaultParallelism = 8
	// sliceObjects is the number of objects a first slice aims at: every
	// slice ends on a partial page (and one past the oldest object is
	// empty), a request that brings less than 100 objects, so slices are
	// few and long.
	sliceObjects = 2000
	// Splits happen at the end of a scan, when workers are idle and the
	// throttle has room: a long remainder read by one cursor (a page per
	// latency) is then what the scan waits for. A piece holds at least
	// what one cursor reads in splitTime at the unhindered latency
	// (deadline.go), and never fewer than splitObjects: a remainder read
	// faster than that is not worth the partial page each piece costs.
	splitObjects = 300
	splitTime    = 500 * time.Millisecond
	// sliceGrowth widens each next slice: a sparse past costs few requests.
	sliceGrowth = 1.6
	// aheadPages bounds the pages all workers together hold ahead of the
	// consumer (pages of slices it has not reached yet): slices are long,
	// and a worker must be able to read on while the consumer waits for
	// the slice before its own. The slice being consumed is never held
	// back by it.
	aheadPages = 256
	// headPages are read with one cursor before slicing starts: a list
	// that ends within them is read without the requests slicing costs
	// (a partial page per slice, an empty one past the oldest object).
	// When pages are slow to come, the head stops sooner, after what one
	// cursor reads in headTime at the unhindered latency (at least
	// headPagesMin pages): its pages come one after the other, far below
	// the rate the throttle allows, and a long scan would wait for them.
	headPages    = 10
	headPagesMin = 3
	headTime     = 500 * time.Millisecond
)

// slicedPager reads a created-ordered list as parallel slices.
type slicedPager struct {
	t       *Table
	path    string
	params  url.Values // without created bounds
	lo, hi  int64      // created range, inclusive lo, exclusive hi
	fetched *int

	head   *listPager // the first pages, then the ties at their last second
	pages  int        // head pages read before slicing
	first  int64      // created of the newest object
	sliced bool
	// cut is where the head's range ends and the slices' begins; all are
	// every slice made (their ranges tile [lo, cut) once the read ends).
	cut int64
	all []*slice

	// The slices form a chain, newest first: cur is the one being handed
	// on; workers start the first unstarted slice of the chain and may
	// insert slices after the one they read (see read).
	mu      sync.Mutex
	work    *sync.Cond // signalled when slices are added or finish
	cur     *slice
	running int // slices being read
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	// ahead holds a token per page waiting in a slice the consumer has not
	// reached (aheadPages at most).
	ahead chan struct{}
	// unordered is set when the query needs no order of the rows (it does
	// not sort on the table): pages are then handed on as they come, from
	// any slice, through shared, and no worker waits for the consumer to
	// reach its slice.
	unordered bool
	shared    chan slicePage
}

// slicePage is a page of a slice; ahead is set when it holds one of the
// pager's ahead tokens.
type slicePage struct {
	b     batch
	ahead bool
	err   error // a slice failed (unordered only)
}

// slice is one [lo, hi) part of the range and the pages read from it.
type slice struct {
	lo, hi  int64
	pages   chan slicePage
	err     error // set before pages is closed
	started bool
	next    *slice
}

func newSlice(lo, hi int64) *slice {
	return &slice{lo: lo, hi: hi, pages: make(chan slicePage, aheadPages)}
}

// newSlicedPager pages path with params, whose created bounds it reads
// from params.
func (t *Table) newSlicedPager(path string, params url.Values, fetched *int) pager {
	lo, hi, ok := createdBounds(params)
	if !ok {
		return &listPager{t: t, path: path, params: params, fetched: fetched}
	}
	rest := url.Values{}
	for k, v := range params {
		if k != "created" && !isCreatedBound(k) {
			rest[k] = v
		}
	}
	return &slicedPager{t: t, path: path, params: rest, lo: lo, hi: hi, fetched: fetched, unordered: !t.ordered,
		head: &listPager{t: t, path: path, params: params, fetched: fetched}}
}

func isCreatedBound(k string) bool {
	switch k {
	case "created[gt]", "created[gte]", "created[lt]", "created[lte]":
		return true
	}
	return false
}

// createdBounds reads a created filter as [lo, hi); ok is false for an
// exact created=, which needs no slicing.
func createdBounds(params url.Values) (lo, hi int64, ok bool) {
	if params.Get("created") != "" {
		return 0, 0, false
	}
	// No assumed epoch: an unbounded range starts at 0 (Stripe's test
	// fixtures, and imported objects, predate Stripe itself).
	lo, hi = 0, unbounded
	num := func(k string) (int64, bool) {
		v := params.Get(k)
		if v == "" {
			return 0, false
		}
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	if n, ok := num("created[gte]"); ok {
		lo = n
	}
	if n, ok := num("created[gt]"); ok {
		lo = n + 1
	}
	if n, ok := num("created[lt]"); ok {
		hi = n
	}
	if n, ok := num("created[lte]"); ok {
		hi = n + 1
	}
	return lo, hi, lo < hi
}

func (p *slicedPager) next(ctx context.Context) (batch, error) {
	if !p.sliced {
		b, err := p.head.next(ctx)
		if err != nil || p.head.done || len(b.objs) == 0 {
			return b, err
		}
		if p.pages == 0 {
			p.first = createdOf(b.objs[0])
		}
		if p.pages++; p.pages < p.t.client.headLength() {
			return b, nil
		}
		// The head goes on for the objects sharing the last second of its
		// pages; the slices take everything older.
		p.sliced = true
		b, cut := p.head.handOff(ctx, b)
		p.start(ctx, cut, p.first, p.pages*maxPage)
		return b, nil
	}
	if !p.head.done {
		return p.head.next(ctx)
	}
	if p.unordered {
		select {
		case pg, ok := <-p.shared:
			switch {
			case !ok:
				p.close()
				return batch{}, io.EOF
			case pg.err != nil:
				p.close()
				return batch{}, pg.err
			}
			return pg.b, nil
		case <-ctx.Done():
			p.close()
			return batch{}, ctx.Err()
		}
	}
	for p.cur != nil {
		s := p.cur
		select {
		case pg, ok := <-s.pages:
			if ok {
				if pg.ahead {
					<-p.ahead
				}
				return pg.b, nil
			}
			if s.err != nil {
				p.close()
				return batch{}, s.err
			}
			p.mu.Lock()
			p.cur = s.next
			p.mu.Unlock()
		case <-ctx.Done():
			p.close()
			return batch{}, ctx.Err()
		}
	}
	p.close()
	return batch{}, io.EOF
}

// start cuts [lo, last) into slices from the density of the head (seen
// objects between last and first) and starts the workers.
func (p *slicedPager) start(ctx context.Context, last, first int64, seen int) {
	p.cut = last
	p.work = sync.NewCond(&p.mu)
	p.ahead = make(chan struct{}, aheadPages)
	p.shared = make(chan slicePage, cap(p.t.client.slots)*2)
	width := float64(first-last+1) * sliceObjects / float64(seen)
	var tail *slice
	for hi := last; hi > p.lo; {
		lo := hi - int64(width)
		if width < 1 || lo < p.lo || lo >= hi {
			lo = p.lo
		}
		s := newSlice(lo, hi)
		p.all = append(p.all, s)
		if tail == nil {
			p.cur = s
		} else {
			tail.next = s
		}
		tail, hi = s, lo
		width *= sliceGrowth
	}
	ctx, p.cancel = context.WithCancel(ctx)
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.work.Broadcast()
		p.mu.Unlock()
	})
	slots := p.t.client.slots
	for i := 0; i < cap(slots); i++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for {
				s := p.take(ctx)
				if s == nil {
					return
				}
				p.read(ctx, s, slots)
				p.mu.Lock()
				p.running--
				p.work.Broadcast()
				p.mu.Unlock()
			}
		}()
	}
	go func() {
		p.wg.Wait()
		stop()
		close(p.shared)
	}()
}

// take returns the first unstarted slice in consumption order, waiting
// while running slices may still add some; nil when there is no more work.
func (p *slicedPager) take(ctx context.Context) *slice {
	p.mu.Lock()
	defer p.mu.Unlock()
	for ctx.Err() == nil {
		for s := p.cur; s != nil; s = s.next {
			if !s.started {
				s.started = true
				p.running++
				return s
			}
		}
		if p.running == 0 {
			return nil
		}
		p.work.Wait()
	}
	return nil
}

// read pages one slice into its channel, holding one of the account's
// slots during each request (not while a page waits for the consumer, so
// a slow reader does not starve other queries), and shares the rest of
// the slice with idle workers (split).
func (p *slicedPager) read(ctx context.Context, s *slice, slots chan struct{}) {
	defer close(s.pages)
	lp := &listPager{t: p.t, path: p.path, params: withCreated(p.params, s.lo, s.hi), fetched: new(int)}
	for n := 0; ; n++ {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			s.err = ctx.Err()
			return
		}
		b, err := lp.next(ctx)
		<-slots
		if err == io.EOF {
			return
		}
		if err != nil {
			s.err = err
			if p.unordered {
				select {
				case p.shared <- slicePage{err: err}:
				case <-ctx.Done():
				}
			}
			return
		}
		// A slice splits when workers are idle, with nothing left to
		// start, and the throttle has room: the older part of the slice
		// is shared with them (the oldest part of the range would
		// otherwise be read by one cursor alone, below the rate the
		// throttle allows). While the running cursors use the whole rate,
		// a split would only add partial pages.
		if idle := p.idle(); !lp.done && len(b.objs) > 1 && idle > 0 && p.t.client.throttle.spare(p.path) {
			b = p.split(s, lp, b, idle+1)
		}
		if err := p.hand(ctx, s, b); err != nil {
			s.err = err
			return
		}
	}
}

// hand passes a page of s on: at once when s is the slice being
// consumed, else once fewer than aheadPages pages wait ahead of the
// consumer.
func (p *slicedPager) hand(ctx context.Context, s *slice, b batch) error {
	if p.unordered {
		b.run = s
		select {
		case p.shared <- slicePage{b: b}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for {
		p.mu.Lock()
		current := p.cur == s
		p.mu.Unlock()
		if current {
			select {
			case s.pages <- slicePage{b: b}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		select {
		case p.ahead <- struct{}{}:
			s.pages <- slicePage{b: b, ahead: true} // room: a slice holds at most aheadPages
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
			// The consumer may have reached s meanwhile.
		}
	}
}

// idle is the number of workers waiting for a slice: 0 while a slice is
// still to be started.
func (p *slicedPager) idle() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for s := p.cur; s != nil; s = s.next {
		if !s.started {
			return 0
		}
	}
	return cap(p.t.client.slots) - p.running
}

// split shares the part of s older than page b among pieces slices (s
// and pieces-1 new ones) of equal width, each of splitMin objects at
// least by b's density, when that is worth it. s keeps the newest piece
// and goes on with its cursor, its range narrowed: no page is wasted.
func (p *slicedPager) split(s *slice, lp *listPager, b batch, pieces int) batch {
	newest, last := createdOf(b.objs[0]), createdOf(b.objs[len(b.objs)-1])
	if newest == last || last <= s.lo {
		return b // one second: no density to go by
	}
	perSecond := float64(len(b.objs)) / float64(newest-last+1)
	remaining := perSecond * float64(last-s.lo)
	pieces = min(pieces, int(remaining/p.t.client.splitMin()))
	if pieces < 2 {
		return b
	}
	width := (last - s.lo) / int64(pieces)
	if width < 1 {
		return b
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	keep := last - width // s reads [keep, its hi) on
	after := s.next
	tail := s
	for hi := keep; hi > s.lo; hi -= width {
		lo := hi - width
		if lo < s.lo || hi-width < s.lo+width/2 {
			lo = s.lo // the last piece takes the remainder
		}
		ns := newSlice(lo, hi)
		p.all = append(p.all, ns)
		tail.next, tail = ns, ns
		if lo == s.lo {
			break
		}
	}
	tail.next = after
	s.lo = keep
	lp.params = withCreated(lp.params, keep, s.hi)
	p.work.Broadcast()
	return b
}

// close stops the workers (the engine closed the scan, or it ended).
func (p *slicedPager) close() {
	if p.cancel != nil {
		p.cancel()
		p.wg.Wait()
		p.cancel = nil
	}
}

// headLength is the number of pages the head of a sliced read reads
// with one cursor (see headTime).
func (c *Client) headLength() int {
	d, ok := c.latency.unhindered()
	if !ok {
		return headPages
	}
	return min(headPages, max(headPagesMin, int(headTime/max(d, time.Microsecond))))
}

// splitMin is the least number of objects a piece of a split holds (see
// splitTime): sliceObjects until the latency is known.
func (c *Client) splitMin() float64 {
	d, ok := c.latency.unhindered()
	if !ok {
		return sliceObjects
	}
	return max(splitObjects, maxPage*splitTime.Seconds()/max(d.Seconds(), 1e-6))
}

func withCreated(params url.Values, lo, hi int64) url.Values {
	out := url.Values{}
	for k, v := range params {
		if k != "created" && !isCreatedBound(k) {
			out[k] = v
		}
	}
	if lo > 0 {
		out.Set("created[gte]", strconv.FormatInt(lo, 10))
	}
	if hi < unbounded {
		out.Set("created[lt]", strconv.FormatInt(hi, 10))
	}
	return out
}

// createdOf reads an object's created time (0 if it has none). It runs
// for every object a cached range serves and on every page of a scan, so it
// finds the field with the scanner rather than decoding the object.
func createdOf(raw json.RawMessage) int64 {
	created, _ := intField(raw, "created")
	return created
}

// intField reads an integer field of an object; false when it has none
// (or it is null, or not an integer).
func intField(raw json.RawMessage, name string) (n int64, ok bool) {
	_ = decode.Fields(raw, func(key, val []byte) {
		if string(key) == name {
			v, err := strconv.ParseInt(string(val), 10, 64)
			n, ok = v, err == nil
		}
	})
	return n, ok
}

// SetParallelism bounds how many slices of this account are read at once
// (1 reads every list with one cursor, as connectors do: no slicing). Call it before
// the client serves queries.
func (c *Client) SetParallelism(n int) {
	if n < 1 {
		n = 1
	}
	c.slots = make(chan struct{}, n)
}

// createdRange is a list's created range as [lo, hi) (unbounded ends at
// 0 and unbounded).
func createdRange(params url.Values) (lo, hi int64) {
	if v := params.Get("created"); v != "" {
		n, _ := strconv.ParseInt(v, 10, 64)
		return n, n + 1
	}
	lo, hi, _ = createdBounds(params)
	return lo, hi
}
