package sqltable

import "context"

// HeldWhole reports whether the row cache holds the table's whole list,
// so that any read of it (a scan, a lookup) is answered from held rows
// without a Stripe request. It says no for a copy carrying conditions of
// its own (a residual filter, Search clauses): their reads are other
// lists. The engine's held-row joins (engine/heldjoin.go) use it to read
// a join's inner side once instead of once per outer row; what it says
// may change as rows expire or are evicted, which only costs such a read
// a request.
func (t *Table) HeldWhole(ctx context.Context) bool {
	store := t.rows(ctx)
	if store == nil || !t.listsHeld() || len(t.residual) > 0 || t.account != "" || len(t.search) > 0 {
		return false
	}
	_, ok := store.Whole(t.baseStream(), 0, unbounded)
	return ok
}
