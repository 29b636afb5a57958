package engine

import (
	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
)

// holdbackBytes is how much of a statement's result is held back before
// the first rows go to the client.
const holdbackBytes = 1 << 20

// holdback delays the start of a statement's result so that a statement
// failing early (Stripe refusing its second page, a cursor gone) reaches
// the client as a MySQL error: once rows are on the wire, vitess cannot
// send an error packet and drops the connection instead (the client sees
// 2013 "Lost connection", still an error, never a short result taken for
// a complete one). Results up to holdbackBytes are copied and held; past
// that, everything streams.
type holdback struct {
	next  mysql.ResultSpoolFn
	held  []heldResult
	bytes int
	// sent is set once something reached the client.
	sent bool
}

type heldResult struct {
	res  *sqltypes.Result
	more bool
}

func (h *holdback) spool(res *sqltypes.Result, more bool) error {
	if h.sent {
		return h.next(res, more)
	}
	// go-mysql-server reuses the buffer that backs a result's values once
	// the statement ends, so what outlives this call is copied.
	c, n := copyResult(res)
	h.held = append(h.held, heldResult{res: c, more: more})
	h.bytes += n
	if h.bytes < holdbackBytes {
		return nil
	}
	return h.flush()
}

// flush sends what is held.
func (h *holdback) flush() error {
	held := h.held
	h.held = nil
	for _, r := range held {
		h.sent = true
		if err := h.next(r.res, r.more); err != nil {
			return err
		}
	}
	return nil
}

// copyResult copies a result's rows into one new buffer and returns the
// copy and its size in bytes.
func copyResult(res *sqltypes.Result) (*sqltypes.Result, int) {
	if res == nil {
		return nil, 0
	}
	size := 0
	for _, row := range res.Rows {
		for _, v := range row {
			size += len(v.Raw())
		}
	}
	buf := make([]byte, 0, size)
	c := *res
	c.Rows = make([][]sqltypes.Value, len(res.Rows))
	for i, row := range res.Rows {
		r := make([]sqltypes.Value, len(row))
		for j, v := range row {
			start := len(buf)
			buf = append(buf, v.Raw()...)
			r[j] = sqltypes.MakeTrusted(v.Type(), buf[start:len(buf):len(buf)])
		}
		c.Rows[i] = r
	}
	return &c, size
}
