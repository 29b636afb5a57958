package tables

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strconv"

	"github.com/dolthub/go-mysql-server/sql"
)

// maxPage is Stripe's largest list page.
const maxPage = 100

// scan runs a plan's steps one after another, one page at a time, so that
// the engine closing the iterator (LIMIT reached, KILL QUERY, client gone)
// stops the paging.
type scan struct {
	t     *Table
	ix    *index
	steps []step

	cur     int // current step
	started bool
	cursor  string // starting_after for the next page of the current step
	done    bool   // current step has no more pages
	rows    []sql.Row
	pos     int
	fetched int // objects received so far, for the limit hint
}

func (s *scan) Next(ctx *sql.Context) (sql.Row, error) {
	for {
		if s.pos < len(s.rows) {
			r := s.rows[s.pos]
			s.pos++
			return r, nil
		}
		if s.cur >= len(s.steps) {
			return nil, io.EOF
		}
		if s.started && s.done {
			s.cur++
			s.started, s.done, s.cursor = false, false, ""
			continue
		}
		s.started = true
		rows, err := s.fill(ctx, s.steps[s.cur])
		if err != nil {
			return nil, s.t.sqlError(err)
		}
		s.rows, s.pos = rows, 0
	}
}

func (s *scan) Close(*sql.Context) error { return nil }

// fill fetches the next rows of a step: a page when the step streams, the
// whole step when its rows must be reordered first.
func (s *scan) fill(ctx context.Context, st step) ([]sql.Row, error) {
	if st.req.id != "" {
		s.done = true
		return s.retrieve(ctx, st)
	}
	if st.order.kind == orderAsIs {
		return s.page(ctx, st)
	}
	var all []sql.Row
	for !s.done {
		rows, err := s.page(ctx, st)
		if err != nil {
			return nil, err
		}
		all = append(all, rows...)
	}
	st.order.arrange(all)
	return all, nil
}

// retrieve fetches one object; an unknown id is no row, as in a database.
func (s *scan) retrieve(ctx context.Context, st step) ([]sql.Row, error) {
	body, err := s.t.client.Get(ctx, st.req.path+"/"+url.PathEscape(st.req.id), nil)
	var ae *APIError
	if errors.As(err, &ae) && ae.NotFound() {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.keep(ctx, st, []json.RawMessage{body})
}

// page fetches the next page of a list step.
func (s *scan) page(ctx context.Context, st step) ([]sql.Row, error) {
	params := url.Values{}
	for k, v := range st.req.params {
		params[k] = v
	}
	params.Set("limit", strconv.Itoa(s.t.pageSize(s.fetched)))
	if s.cursor != "" {
		params.Set("starting_after", s.cursor)
	}
	body, err := s.t.client.Get(ctx, st.req.path, params)
	if err != nil {
		return nil, err
	}
	p, err := decodePage(body)
	if err != nil {
		return nil, err
	}
	s.fetched += len(p.Data)
	if !p.HasMore || len(p.Data) == 0 {
		s.done = true
	} else {
		s.cursor = objectID(p.Data[len(p.Data)-1])
		if s.cursor == "" {
			return nil, errors.New("list page object has no id to continue from")
		}
	}
	return s.keep(ctx, st, p.Data)
}

// pageSize is Stripe's maximum, or just what a LIMIT still needs after
// fetched objects.
func (t *Table) pageSize(fetched int) int {
	if need := t.limitHint - fetched; t.limitHint > 0 && need > 0 && need < maxPage {
		return need
	}
	return maxPage
}

// keep decodes objects and drops those outside the step's range.
func (s *scan) keep(ctx context.Context, st step, objs []json.RawMessage) ([]sql.Row, error) {
	rows := make([]sql.Row, 0, len(objs))
	for _, o := range objs {
		row, err := decodeRow(o, s.t.cols)
		if err != nil {
			return nil, err
		}
		if st.within != nil && s.ix != nil && !inRange(ctx, s.ix, st.within, row) {
			continue
		}
		rows = append(rows, row)
	}
	return rows, nil
}
