package sqltable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"

	"github.com/stripesql/stripesql/tables"
	"github.com/stripesql/stripesql/tables/decode"
)

// INSERT, UPDATE and DELETE call the resource's create, update and delete
// endpoints, one request per row; the engine lets them through only for
// writers on a server started with --allow-writes, and gives the
// statement a WriteStatement. A row written stays written: Stripe has no
// transactions, so a statement failing part-way says which rows it wrote.

var (
	_ sql.InsertableTable = (*Table)(nil)
	_ sql.UpdatableTable  = (*Table)(nil)
	_ sql.DeletableTable  = (*Table)(nil)
)

// ForWrite returns a copy for a write statement: every column nullable,
// so that an INSERT may leave out what Stripe fills in (id, created, …),
// reading the connected account given ("" for the platform).
func (t *Table) ForWrite(account string) *Table {
	c := *t
	c.account = account
	schema := make(sql.Schema, len(t.schema.Schema))
	for i, col := range t.schema.Schema {
		cp := *col
		cp.Nullable = true
		schema[i] = &cp
	}
	c.schema = sql.NewPrimaryKeySchema(schema, t.schema.PkOrdinals...)
	return &c
}

func (t *Table) Inserter(ctx *sql.Context) sql.RowInserter { return t.editor(ctx, Insert) }
func (t *Table) Updater(ctx *sql.Context) sql.RowUpdater   { return t.editor(ctx, Update) }
func (t *Table) Deleter(ctx *sql.Context) sql.RowDeleter   { return t.editor(ctx, Delete) }

// editor writes one statement's rows of one table.
type editor struct {
	t    *Table
	kind string
	stmt *WriteStatement
	op   writeOp
	// err is why the statement may not write; every row reports it.
	err error
	// done are the ids of the rows written so far.
	done []string
}

func (t *Table) editor(ctx context.Context, kind string) *editor {
	e := &editor{t: t, kind: kind, stmt: WriteFrom(ctx)}
	if e.stmt == nil || e.stmt.KeySeed == "" {
		// Only the engine's write path sets a statement up; anything else
		// reaching here is a read-only server's bug, refused all the same.
		e.err = mysql.NewSQLError(erOptionPreventsStatement, "HY000", "The stripesql server is read-only (writes to Stripe are not enabled), so it cannot execute this %s statement", kind)
		return e
	}
	e.op, e.err = writeOpOf(t.spec, kind)
	return e
}

func (e *editor) StatementBegin(*sql.Context) {}

// DiscardChanges cannot undo what Stripe did; the error the statement
// fails with names the rows written.
func (e *editor) DiscardChanges(*sql.Context, error) error { return nil }
func (e *editor) StatementComplete(*sql.Context) error     { return nil }
func (e *editor) Close(*sql.Context) error                 { return nil }

func (e *editor) Insert(ctx *sql.Context, row sql.Row) error {
	if e.err != nil {
		return e.err
	}
	row, err := e.t.rowInZone(ctx, row)
	if err != nil {
		return e.failed(err, "")
	}
	f, err := e.op.createForm(e.t.spec, e.t.cols, row)
	if err != nil {
		return e.failed(err, "")
	}
	body, err := e.t.client.Post(ctx, e.op.path, f, e.key(strconv.Itoa(len(e.done))))
	if err != nil {
		return e.failed(err, "")
	}
	id := decode.ObjectID(body)
	e.stmt.noteCreated(e.t.spec.Name, id)
	e.wrote(id, f, body, false)
	return nil
}

func (e *editor) Update(ctx *sql.Context, old, new sql.Row) error {
	if e.err != nil {
		return e.err
	}
	id := e.id(old)
	old, err := e.t.rowInZone(ctx, old)
	if err == nil {
		new, err = e.t.rowInZone(ctx, new)
	}
	if err != nil {
		return e.failed(err, id)
	}
	f, err := e.op.updateForm(e.t.spec, e.t.cols, e.stmt.Columns, old, new)
	if err != nil {
		return e.failed(err, id)
	}
	e.inAccountOf(old, f)
	body, err := e.t.client.Post(ctx, e.op.objectPath(id), f, e.key(id))
	if err != nil {
		return e.failed(err, id)
	}
	e.wrote(id, f, body, false)
	return nil
}

func (e *editor) Delete(ctx *sql.Context, row sql.Row) error {
	if e.err != nil {
		return e.err
	}
	id := e.id(row)
	row, err := e.t.rowInZone(ctx, row)
	if err != nil {
		return e.failed(err, id)
	}
	f := url.Values{}
	e.inAccountOf(row, f)
	if _, err := e.t.client.Delete(ctx, e.op.objectPath(id), f, e.key(id)); err != nil {
		return e.failed(err, id)
	}
	// Stripe answers a deletion with a stub; the held row is found by the
	// deleted row's created time.
	stub, _ := json.Marshal(map[string]any{"id": id, "object": e.t.spec.Object, "created": e.created(row)})
	e.wrote(id, nil, stub, true)
	return nil
}

// created is a row's created time in Unix seconds (0 when it has none).
func (e *editor) created(row sql.Row) int64 {
	if o := e.t.schema.Schema.IndexOfColName("created"); o >= 0 {
		if t, ok := row[o].(time.Time); ok {
			return t.Unix()
		}
	}
	return 0
}

// key is the idempotency key of the row being written (see
// WriteStatement.idempotencyKey).
func (e *editor) key(row string) string { return e.stmt.idempotencyKey(e.t.spec.Name, row) }

// inAccountOf sends a write of a row read from a connected account
// (stripe_account) to that account.
func (e *editor) inAccountOf(row sql.Row, f url.Values) {
	if e.t.accountOrd < 0 {
		return
	}
	if acct, _ := row[e.t.accountOrd].(string); acct != "" {
		f.Set(tables.AccountParam, acct)
	}
}

func (e *editor) id(row sql.Row) string {
	s, _ := row[e.t.schema.Schema.IndexOfColName("id")].(string)
	return s
}

// wrote records a written row and brings the cache up to date with it,
// as an event would (Stripe's answer, obj, is the object as written, or
// the stub of a deletion): the held rows of the table take it, and what
// may hold an older copy of it or of the objects it names (a refund's
// charge, a price's product) is dropped, so that the next query sees the
// change.
func (e *editor) wrote(id string, f url.Values, obj json.RawMessage, deleted bool) {
	e.done = append(e.done, id)
	c := e.t.client
	c.applyWrite(e.t.spec.Object, id, f.Get(tables.AccountParam), obj, deleted)
	for i, col := range e.t.cols {
		if col.Kind != tables.KindRef {
			continue
		}
		if ref := f.Get(e.t.cols[i].Name); ref != "" {
			c.forgetID(ref)
		}
	}
}

// failed is the error of the row being written: what Stripe (or the
// check) said, which row it was, and which rows were written before it.
func (e *editor) failed(err error, id string) error {
	var se *mysql.SQLError
	if !errors.As(err, &se) {
		se, _ = e.t.sqlError(err).(*mysql.SQLError)
	}
	what := fmt.Sprintf("row %d", len(e.done)+1)
	if id != "" {
		what += " (" + id + ")"
	}
	cause := se.Message
	if se.Num == erTableAccessDenied { // a restricted key without write permission
		cause = strings.Replace(cause, "SELECT command denied", e.kind+" command denied", 1)
	}
	msg := fmt.Sprintf("%s of table %s failed at %s: %s", e.kind, e.t.spec.Name, what, cause)
	if len(e.done) > 0 {
		verb := map[string]string{Insert: "created", Update: "updated", Delete: "deleted"}[e.kind]
		msg += fmt.Sprintf("; the %d row(s) before it were %s in Stripe and stay so: %s", len(e.done), verb, strings.Join(e.done, ", "))
		if e.kind == Insert {
			msg += " (SELECT * FROM stripe_meta.last_created)"
		}
	}
	return mysql.NewSQLError(se.Num, se.State, "%s", msg)
}
