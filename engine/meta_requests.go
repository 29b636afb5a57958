package engine

import (
	"sync"

	"github.com/stripesql/stripesql/tables/sqltable"
)

// requestRingSize is how many recent requests stripe_meta.requests keeps.
const requestRingSize = 1000

// requestRow is a request record of one account.
type requestRow struct {
	database string
	sqltable.RequestRecord
}

// requestRing keeps the last requestRingSize records, overwriting the
// oldest: memory stays bounded however busy the server is.
type requestRing struct {
	mu   sync.Mutex
	buf  []requestRow
	next int // where the next record goes once buf is full
}

func (r *requestRing) add(row requestRow) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) < requestRingSize {
		r.buf = append(r.buf, row)
		return
	}
	r.buf[r.next] = row
	r.next = (r.next + 1) % requestRingSize
}

// snapshot returns the records oldest first.
func (r *requestRing) snapshot() []requestRow {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]requestRow, 0, len(r.buf))
	out = append(out, r.buf[r.next:]...)
	return append(out, r.buf[:r.next]...)
}
