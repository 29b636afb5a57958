package sqltable

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
)

// WriteStatement is one INSERT, UPDATE or DELETE the server lets through
// to Stripe. The engine puts it in the statement's context (WithWrite);
// the tables read what the statement names and record what it created.
type WriteStatement struct {
	// Kind is "INSERT", "UPDATE" or "DELETE".
	Kind string
	// Columns are the columns the statement sets: INSERT's column list
	// (empty when it has none: every column), UPDATE's SET columns.
	Columns []string
	// Account is the connected account an UPDATE or DELETE changes (its
	// WHERE stripe_account = '…'), "" for the platform's objects.
	Account string
	// KeySeed derives the statement's idempotency keys, one per table and
	// row: the same seed (session, statement, arguments) gives the same
	// keys, so that a client running a failed statement again does not
	// create an object twice. Empty while a statement is only prepared.
	KeySeed string

	mu      sync.Mutex
	created []Created
}

// Created is an object an INSERT created.
type Created struct {
	Table string
	ID    string
}

type writeKey struct{}

// WithWrite returns ctx carrying w.
func WithWrite(ctx context.Context, w *WriteStatement) context.Context {
	return context.WithValue(ctx, writeKey{}, w)
}

// WriteFrom returns the write statement ctx runs, or nil for a read.
func WriteFrom(ctx context.Context) *WriteStatement {
	w, _ := ctx.Value(writeKey{}).(*WriteStatement)
	return w
}

// idempotencyKey is the key of one row the statement writes to table:
// row names it (an INSERT's row number; the object's id for an UPDATE or
// DELETE, whose rows a retry may not meet in the same order, or at all).
// Stripe keeps keys for 24 hours and takes up to 255 characters.
func (w *WriteStatement) idempotencyKey(table, row string) string {
	sum := sha256.Sum256([]byte(w.KeySeed + "\x00" + table + "\x00" + row))
	return "stripesql-" + hex.EncodeToString(sum[:20])
}

func (w *WriteStatement) noteCreated(table, id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.created = append(w.created, Created{Table: table, ID: id})
}

// Created returns the objects the statement created, in order.
func (w *WriteStatement) Created() []Created {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Created(nil), w.created...)
}

// createdIDs lists the ids the statement created in table.
func (w *WriteStatement) createdIDs(table string) []string {
	var ids []string
	for _, c := range w.Created() {
		if c.Table == table {
			ids = append(ids, c.ID)
		}
	}
	return ids
}
