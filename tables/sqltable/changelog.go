package sqltable

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/tables"
	"github.com/stripesql/stripesql/tables/rowcache"
)

// The change log (SetChangeLog): every event the watcher applies of an
// object Stripe announces all changes of (tables.Spec.Announced), listed
// by a table (not a single object such as account's), becomes
// one transaction of row changes, recorded in the same atomic write as
// the cache's changes and the events cursor (cache.Segments.ApplyWith):
// after a crash the log holds a transaction exactly when the cursor says
// its event was applied, so a restart neither loses nor repeats one.
//
// A change's images are full rows as SELECT serves them: *.created is an
// insert of the event's object (so is the first event of an object
// made in the event's second with no row held: a charge's
// charge.succeeded); *.deleted a delete of the row held (or,
// when none is, of the event's copy of the object, which Stripe sends
// whole); any other event an update from the row held to the event's
// object. Where no row is held, the update's before image is its after
// image: the primary key (id) is what consumers find the row by, and the
// after image is the whole row, so a consumer applying the stream ends
// with Stripe's state either way.

// RowChange is one row's change in a table: Before nil for an insert,
// After nil for a delete.
type RowChange struct {
	Table         string
	Schema        sql.Schema
	Before, After sql.Row
}

// Transaction is what one Stripe event did to the tables.
type Transaction struct {
	// Event is the Stripe event's id; Type its type; Created its time.
	Event   string
	Type    string
	Created int64
	Account string
	Rows    []RowChange
}

// ChangeLog records the transactions of the events applied.
type ChangeLog interface {
	// Record returns the KV operations that record txs (events already
	// recorded are left out), to be written in the batch that applies
	// them, and done, to call once the batch was written (err: it was not).
	// Record is called by one batch at a time; done always follows.
	Record(txs []Transaction) (ops []cache.Op, done func(err error))
}

// SetChangeLog makes every event applied from now on a transaction of
// log. Call it before the events watcher runs.
func (c *Client) SetChangeLog(log ChangeLog) { c.changeLog = log }

// ChangeStore is the store the row cache is kept on (nil: memory only):
// a change log kept there is written with the rows and cursors.
func (c *Client) ChangeStore() cache.KV {
	if c.rows != nil && c.rows.Durable() {
		return c.opts.Store
	}
	return nil
}

// TableSchema is the SQL schema of a table of the account, as served.
func (c *Client) TableSchema(s *tables.Spec) (sql.Schema, bool) {
	t := c.eventTable(s)
	if t == nil {
		return nil, false
	}
	return t.schema.Schema, true
}

// batchImages are the rows a batch of events changed so far, by table and
// id: the before image of the batch's next change of the same object
// (the cache applies the batch only at its end); and the readers of the
// held blocks' JSON it opened (a block's JSON is compressed in chunks of
// many rows: a reader decompresses each chunk once for the batch).
type batchImages struct {
	rows  map[string]sql.Row
	blobs map[*rowcache.Block]*rowcache.Blobs
	// decoded are the events' objects as rows, by table and event: the
	// change log and the held rows' changes share one decoding.
	decoded map[string]sql.Row
}

func newBatchImages() *batchImages {
	return &batchImages{rows: map[string]sql.Row{}, blobs: map[*rowcache.Block]*rowcache.Blobs{}, decoded: map[string]sql.Row{}}
}

// eventRow is t.eventRow, decoded once per table and event in the batch;
// callers do not change the row.
func (b *batchImages) eventRow(t *Table, e event, obj eventObject) (sql.Row, bool) {
	key := t.spec.Name + "/" + e.ID
	if row, ok := b.decoded[key]; ok {
		return row, row != nil
	}
	row, ok := t.eventRow(e, obj)
	if !ok {
		row = nil
	}
	b.decoded[key] = row
	return row, ok
}

// transactionOf is the transaction of one event, nil when it changes no
// announced table.
func (c *Client) transactionOf(e event, obj eventObject, seen *batchImages) *Transaction {
	if obj.ID == "" {
		return nil
	}
	tx := &Transaction{Event: e.ID, Type: e.Type, Created: e.Created, Account: e.Account}
	deleted := strings.HasSuffix(e.Type, ".deleted")
	for _, s := range tables.Listing(obj.Object) {
		if listingSpec(s.Path) != s || s.Single || !s.Announced() {
			continue
		}
		t := c.eventTable(s)
		if t == nil {
			continue
		}
		t.account = e.Account
		after, ok := seen.eventRow(t, e, obj)
		if !ok {
			continue
		}
		full := make(sql.Row, len(after))
		copy(full, after)
		t.fillMajors(full, nil)
		key := s.Name + "/" + e.Account + "/" + obj.ID
		before, held := seen.rows[key]
		if !held {
			before = c.heldRow(t, obj.ID, createdOf(e.Data.Object), seen)
		}
		ch := RowChange{Table: s.Name, Schema: t.schema.Schema}
		switch {
		case deleted:
			ch.Before = before
			if ch.Before == nil {
				ch.Before = full
			}
			seen.rows[key] = nil
		case before == nil && (strings.HasSuffix(e.Type, ".created") || createdOf(e.Data.Object) == e.Created):
			// An object's first event: *.created, or one of the same second
			// as the object (a charge is announced by charge.succeeded,
			// .pending or .failed, never charge.created).
			ch.After = full
			seen.rows[key] = full
		default:
			ch.Before, ch.After = before, full
			if ch.Before == nil {
				ch.Before = full
			}
			seen.rows[key] = full
		}
		tx.Rows = append(tx.Rows, ch)
	}
	if len(tx.Rows) == 0 {
		return nil
	}
	return tx
}

// eventRow is an event's object as a row of t (majors not computed: the
// row cache stores them computed on the way out).
func (t *Table) eventRow(e event, obj eventObject) (sql.Row, bool) {
	row, err := t.dec.Decode(e.Data.Object, nil)
	if err != nil || obj.ID == "" {
		return nil, false
	}
	if e.Account != "" {
		row[t.accountOrd] = e.Account
	}
	t.fillPinned(row, t.forAccount(defaults(t.spec)))
	return row, true
}

// heldRow is the row of object id the row cache holds in t's whole list
// (in the block of its created time), nil when none is held.
func (c *Client) heldRow(t *Table, id string, created int64, seen *batchImages) sql.Row {
	if c.rows == nil || !t.listsHeld() {
		return nil
	}
	for _, g := range c.rows.Cover(t.baseStream(), created, created+1) {
		for _, b := range g.Blocks {
			v, err := c.rows.Load(b)
			if err != nil {
				continue
			}
			blk := v.(*rowcache.Block)
			if i := blk.Find(id); i >= 0 {
				row := make(sql.Row, len(t.schema.Schema))
				blobs, ok := seen.blobs[blk]
				if !ok {
					blobs = blk.Blobs()
					seen.blobs[blk] = blobs
				}
				blk.Fill(i, nil, row, blobs)
				t.fillMajors(row, nil)
				return row
			}
		}
	}
	return nil
}
