package sqltable

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"

	"github.com/dolthub/go-mysql-server/sql"
)

// maxPage is Stripe's largest list page.
const maxPage = 100

// scan runs a plan's steps one after another, a page at a time, so that
// the engine closing the iterator (LIMIT reached, KILL QUERY, client gone)
// stops the paging.
type scan struct {
	t     *Table
	ix    *index
	steps []step

	cur   int   // current step
	pager pager // of the current step; nil before it starts
	// src serves the current step through the row cache, when it can.
	src  *rowSource
	rows []sql.Row
	pos  int
	// projected is set when rows are already projected.
	projected bool
	// held are rows of steps sorted with the next (step.sortsWithNext).
	held    []sql.Row
	fetched int // objects received so far, for the limit hint
	prog    *progress
	need    []bool // columns to decode (nil: all)
	zone    *zoned // converts the rows' instants for the session
}

func (s *scan) Next(ctx *sql.Context) (sql.Row, error) {
	for {
		if s.pos < len(s.rows) {
			r := s.rows[s.pos]
			s.pos++
			if !s.projected {
				r = s.t.project(r)
			}
			return s.zone.out(ctx, r), nil
		}
		if s.cur >= len(s.steps) {
			if len(s.held) > 0 { // not planned so: the last step sorts with none
				s.rows, s.pos, s.held = s.held, 0, nil
				s.projected = false
				continue
			}
			return nil, io.EOF
		}
		rows, err := s.fill(ctx, s.steps[s.cur])
		var ne errNoSearch
		if errors.As(err, &ne) {
			s.endStep(nil)
			s.steps = slices.Clone(s.steps) // the partition's plan stays as planned
			s.steps[s.cur] = s.t.withoutSearch(ctx, s.steps[s.cur], ne)
			continue
		}
		if err == io.EOF {
			s.cur++
			s.endStep(nil)
			continue
		}
		if err != nil {
			s.endStep(err)
			return nil, s.t.sqlError(err)
		}
		if st := s.steps[s.cur]; st.sortsWithNext {
			s.held = append(s.held, rows...)
			continue
		} else if len(s.held) > 0 {
			rows, s.held = append(s.held, rows...), nil
			st.order.arrange(rows)
		}
		s.rows, s.pos = rows, 0
	}
}

// endStep releases the current step's reads (workers, a claimed gap).
func (s *scan) endStep(err error) {
	if c, ok := s.pager.(closer); ok {
		c.close()
	}
	s.pager = nil
	if s.src != nil {
		s.src.close(err)
		s.src = nil
	}
}

// Close stops the current step's background reads, if any: the engine
// closes a scan it no longer reads (LIMIT reached, error, KILL).
func (s *scan) Close(*sql.Context) error {
	s.endStep(nil)
	return nil
}

// fill returns the next rows of a step: a page when the step streams, the
// whole step when its rows must be reordered first; io.EOF when the step
// is done.
func (s *scan) fill(ctx context.Context, st step) ([]sql.Row, error) {
	if s.prog == nil {
		s.prog = &progress{table: s.t.spec.Name}
		if st.req.kind == reqList {
			s.prog.lo, s.prog.hi = createdRange(st.req.params)
		}
	}
	s.projected = false
	if s.pager == nil && s.src == nil {
		if s.src = s.t.newRowSource(ctx, st, s.ix); s.src == nil {
			s.src = s.t.heldRetrieve(ctx, st, s.ix)
		}
		if s.src == nil {
			t := s.t
			if st.order.kind != orderAsIs {
				// A step reordered here is read whole before its first
				// row: a LIMIT's short first page would be one more.
				t = t.WithLimitHint(0)
			}
			s.pager = t.newPager(st.req, &s.fetched)
		}
	} else if st.order.kind != orderAsIs {
		return nil, io.EOF // the buffered step was served whole
	}
	if s.src != nil {
		return s.fromRows(ctx, st)
	}
	if st.order.kind == orderAsIs {
		b, err := s.pager.next(ctx)
		if err != nil {
			return nil, err
		}
		s.prog.observe(ctx, s.t.client.opts.Logger, b.objs)
		return s.keep(ctx, st, b)
	}
	var all []sql.Row
	for {
		b, err := s.pager.next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		s.prog.observe(ctx, s.t.client.opts.Logger, b.objs)
		rows, err := s.keep(ctx, st, b)
		if err != nil {
			return nil, err
		}
		all = append(all, rows...)
	}
	st.order.arrange(all)
	return all, nil
}

// fromRows is fill for a step served through the row cache.
func (s *scan) fromRows(ctx context.Context, st step) ([]sql.Row, error) {
	if st.order.kind == orderAsIs {
		rows, projected, err := s.src.fill(ctx, s)
		s.projected = projected
		return rows, err
	}
	var all []sql.Row
	for {
		rows, _, err := s.src.fill(ctx, s)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		all = append(all, rows...)
	}
	st.order.arrange(all)
	return all, nil
}

// keep decodes a batch and drops rows outside the step's range.
func (s *scan) keep(ctx context.Context, st step, b batch) ([]sql.Row, error) {
	rows := make([]sql.Row, 0, len(b.objs))
	for _, o := range b.objs {
		objs := []json.RawMessage{o}
		if s.t.spec.Explode != nil {
			var err error
			if objs, err = s.t.spec.Explode(o); err != nil {
				return nil, err
			}
		}
		for _, obj := range objs {
			row, err := s.t.dec.Decode(obj, s.need)
			if err != nil {
				return nil, err
			}
			s.t.fillMajors(row, s.need)
			s.t.fillParent(row, b.parentID)
			if b.account != "" {
				row[s.t.accountOrd] = b.account
			}
			s.t.fillPinned(row, st.req.params)
			if len(st.within) > 0 && s.ix != nil && !inAnyRange(ctx, s.ix, st.within, row) {
				continue
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// pageSize is Stripe's maximum, or just what a LIMIT still needs after
// fetched objects.
func (t *Table) pageSize(fetched int) int {
	if need := t.limitHint - fetched; t.limitHint > 0 && need > 0 && need < maxPage {
		return need
	}
	return maxPage
}

// fillParent sets a child's parent column when the object left it empty.
func (t *Table) fillParent(row sql.Row, parentID string) {
	if t.parentOrd >= 0 && parentID != "" && row[t.parentOrd] == nil {
		row[t.parentOrd] = parentID
	}
}
