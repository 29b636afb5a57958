package sqltable

import (
	"fmt"
	"net/url"
	"slices"
	"sync"

	"github.com/dolthub/go-mysql-server/sql"

	"github.com/stripesql/stripesql/tables"
	"github.com/stripesql/stripesql/tables/decode"
)

// Table serves one Spec as a go-mysql-server table over one Stripe account.
type Table struct {
	spec    *tables.Spec
	db      string
	client  *Client
	cols    []tables.Column
	schema  sql.PrimaryKeySchema
	indexes []*index
	// lookup is set on the copy IndexedAccess returns.
	lookup *sql.IndexLookup
	// limitHint is the number of rows the query needs at most, when the
	// engine will stop reading there (LIMIT over an ordered scan); it sizes
	// pages so that `LIMIT 10` costs one request of limit=10.
	limitHint int
	// ordered is set when the query sorts on this table, so that an index
	// scan must deliver the index's order (see rowOrder).
	ordered bool
	// parentOrd is the position of a child's parent column, or -1.
	parentOrd int
	// residual are filters added to list requests for conditions the
	// engine also checks (see WithResidual).
	residual url.Values
	// account is the connected account a residual condition names.
	account string
	// local are the residual equalities held rows are picked by.
	local []localCond
	// accountOrd is the position of the stripe_account column.
	accountOrd int
	dec        *decode.Decoder
	majors     []major
	// pinned are the filter-only columns (see filteronly.go).
	pinned []pinnedCol
	// search are the clauses the Search API can take (see WithSearch);
	// searchAny, when set, are the branches of a disjunction each of
	// which it can take too: one search per branch, with search's clauses.
	search    []searchClause
	searchAny [][]searchClause
	// proj are the positions of the columns the query reads (nil: all),
	// set by the engine through WithProjections.
	proj       []int
	projNames  []string
	projSchema sql.Schema
	// counts is RowCount's memo (shared by copies).
	counts *countMemo
}

var (
	_ sql.Table                 = (*Table)(nil)
	_ sql.IndexAddressableTable = (*Table)(nil)
	_ sql.IndexedTable          = (*Table)(nil)
	_ sql.PrimaryKeyTable       = (*Table)(nil)
	_ sql.CommentedTable        = (*Table)(nil)
	_ sql.StatisticsTable       = (*Table)(nil)
	_ sql.ProjectedTable        = (*Table)(nil)
)

// New makes the table of a spec in database db, reading through client.
func New(s *tables.Spec, db string, client *Client) (*Table, error) {
	cols, err := s.AllColumns()
	if err != nil {
		return nil, err
	}
	schema := schemaFor(s, cols)
	t := &Table{
		spec:      s,
		db:        db,
		client:    client,
		cols:      cols,
		schema:    schema,
		indexes:   buildIndexes(db, s, schema.Schema),
		parentOrd: -1,
		dec:       decode.New(cols),
		majors:    majorsOf(cols),
		pinned:    pinnedCols(s, cols),
		counts:    &countMemo{},
	}
	if s.Parent != nil {
		t.parentOrd = schema.Schema.IndexOfColName(s.Parent.Column)
	}
	t.accountOrd = schema.Schema.IndexOfColName(tables.AccountColumn)
	return t, nil
}

func (t *Table) Name() string                           { return t.spec.Name }
func (t *Table) String() string                         { return t.spec.Name }
func (t *Table) Collation() sql.CollationID             { return sql.Collation_Default }
func (t *Table) Comment() string                        { return t.spec.Comment }
func (t *Table) Spec() *tables.Spec                     { return t.spec }
func (t *Table) PrimaryKeySchema() sql.PrimaryKeySchema { return t.schema }

// Schema is the columns the table returns: all, or the projected ones.
func (t *Table) Schema() sql.Schema {
	if t.projSchema != nil {
		return t.projSchema
	}
	return t.schema.Schema
}

// PreciseMatch is true: every row a lookup returns is checked against its
// range (see inRange), so the engine may drop the predicates it covers.
func (t *Table) PreciseMatch() bool { return true }

// GetIndexes lists the indexes the analyzer may choose from.
func (t *Table) GetIndexes(*sql.Context) ([]sql.Index, error) {
	out := make([]sql.Index, len(t.indexes))
	for i, ix := range t.indexes {
		out[i] = ix
	}
	return out, nil
}

// IndexedAccess returns a copy of the table bound to a lookup.
func (t *Table) IndexedAccess(ctx *sql.Context, lookup sql.IndexLookup) sql.IndexedTable {
	c := *t
	lookup = inZone(ctx, lookup)
	c.lookup = &lookup
	return &c
}

// WithProjections returns a copy that reads and returns only the named
// columns: decoding the other fields of each object is most of a scan's
// CPU. (PrimaryKeySchema keeps the full schema, as the planner needs.)
func (t *Table) WithProjections(names []string) sql.Table {
	c := *t
	c.proj, c.projNames, c.projSchema = nil, nil, nil
	if names == nil {
		return &c
	}
	c.projNames = names
	c.proj = make([]int, 0, len(names)) // not nil: COUNT(*) projects no column
	c.projSchema = make(sql.Schema, 0, len(names))
	for _, n := range names {
		o := t.schema.Schema.IndexOfColName(n)
		if o < 0 {
			panic(fmt.Sprintf("tables: %s has no column %q to project", t.spec.Name, n))
		}
		c.proj = append(c.proj, o)
		c.projSchema = append(c.projSchema, t.schema.Schema[o])
	}
	return &c
}

// Projections are the columns the table returns, nil for all.
func (t *Table) Projections() []string { return t.projNames }

// needed marks the columns to decode: those returned and those the scan
// checks or orders by (the lookup's index columns); nil means all.
func (t *Table) needed(ix *index) []bool {
	if t.proj == nil {
		return nil
	}
	need := make([]bool, len(t.cols))
	for _, o := range t.proj {
		need[o] = true
	}
	if ix != nil {
		for _, o := range ix.ords {
			need[o] = true
		}
	}
	for _, m := range t.majors {
		if need[m.ord] {
			need[m.src], need[m.cur] = true, true
		}
	}
	return need
}

// project keeps the returned columns of a full row.
func (t *Table) project(row sql.Row) sql.Row {
	if t.proj == nil {
		return row
	}
	out := make(sql.Row, len(t.proj))
	for i, o := range t.proj {
		out[i] = row[o]
	}
	return out
}

// WithLimitHint returns a copy that sizes its pages for n rows.
func (t *Table) WithLimitHint(n int) *Table {
	c := *t
	c.limitHint = n
	return &c
}

// WithOrdered returns a copy whose index scans keep index order.
func (t *Table) WithOrdered() *Table {
	c := *t
	c.ordered = true
	return &c
}

// partition carries a plan from Partitions/LookupPartitions to PartitionRows.
type partition struct{ plan plan }

func (partition) Key() []byte { return []byte("stripe") }

// Partitions is a scan without a lookup: the whole list.
func (t *Table) Partitions(ctx *sql.Context) (sql.PartitionIter, error) {
	p := t.fullScan()
	if err := t.checkRequired(p); err != nil {
		return nil, err
	}
	p, _ = t.searchOver(ctx, p, nil, false)
	return sql.PartitionsToPartitionIter(partition{plan: p}), nil
}

// LookupPartitions plans the requests that answer a lookup.
func (t *Table) LookupPartitions(ctx *sql.Context, lookup sql.IndexLookup) (sql.PartitionIter, error) {
	lookup = inZone(ctx, lookup)
	p, err := t.planLookup(lookup)
	if err == nil {
		err = t.checkRequired(p)
	}
	if err != nil {
		return nil, t.sqlError(err)
	}
	ix, _ := lookup.Index.(*index)
	p, _ = t.searchOver(ctx, p, ix, lookup.IsReverse)
	return sql.PartitionsToPartitionIter(partition{plan: p}), nil
}

// PartitionRows streams the rows of a plan, fetching pages as they are read.
func (t *Table) PartitionRows(ctx *sql.Context, p sql.Partition) (sql.RowIter, error) {
	part, ok := p.(partition)
	if !ok {
		return nil, fmt.Errorf("tables: %s: foreign partition %T", t.spec.Name, p)
	}
	var ix *index
	if t.lookup != nil {
		ix, _ = t.lookup.Index.(*index)
	}
	return &scan{t: t, ix: ix, steps: part.plan.steps, need: t.needed(ix), zone: zonedFor(ctx, t.Schema())}, nil
}

// Describe says which Stripe requests a table access makes, for EXPLAIN.
// keys are the expressions a join feeds a per-row lookup from (nil for a
// lookup known at planning time or a scan).
func (t *Table) Describe(lookup *sql.IndexLookup, dynamic sql.Index, keys []string) string {
	switch {
	case lookup != nil:
		p, err := t.planLookup(*lookup)
		if err != nil {
			return "cannot plan: " + err.Error()
		}
		ix, _ := lookup.Index.(*index)
		return t.describeSearched(p, ix, lookup.IsReverse, "")
	case dynamic != nil:
		ix, ok := dynamic.(*index)
		if !ok {
			return t.describePlan(t.fullScan(), t.pageSize(0))
		}
		var req request
		params := url.Values{}
		parentID := ""
		for n, c := range ix.columns {
			if n >= len(keys) {
				break
			}
			v := "{" + keys[n] + "}"
			switch {
			case c == "id":
				req = request{kind: reqRetrieve, path: t.spec.Path, id: v}
			case t.spec.IsRange(c):
				p, _ := t.spec.RangeParam(c)
				params.Set(p, v)
			case t.spec.Parent != nil && c == t.spec.Parent.Column:
				parentID = v
			default:
				if p, ok := t.spec.FilterParam(c); ok {
					params.Set(p, v)
				}
			}
		}
		switch {
		case req.kind == reqRetrieve:
		case parentID != "" && t.needsParent(params):
			req = request{kind: reqWalk, params: params, parentID: parentID}
		case parentID != "":
			req = t.childRequest(parentID, params)
		default:
			req = t.scanRequest(params)
		}
		return t.describe(req, t.pageSize(0)) + " (for each row of the outer side of the join)"
	default:
		return t.describeSearched(t.fullScan(), nil, false, " (whole list)")
	}
}

// estimatedRows is what the planner is told a table holds. Stripe lists
// have no cheap count; a large figure makes the join planner prefer
// lookups (one filtered request per key) over scanning a whole list.
const estimatedRows = 100_000

// RowCount is never a Stripe request (information_schema and the planner
// call it): exact when the row cache holds the whole list, which answers
// COUNT(*) without reading a row; otherwise an estimate.
func (t *Table) RowCount(ctx *sql.Context) (uint64, bool, error) {
	memo := len(t.residual) == 0 // a residual's count is not held
	if n, ok := t.counts.get(ctx.Pid(), t.account); ok && memo {
		return n, true, nil
	}
	if n, ok := t.heldCount(ctx); ok {
		if memo {
			t.counts.set(ctx.Pid(), t.account, n)
		}
		return n, true, nil
	}
	return estimatedRows, false, nil
}

// countMemo is the held count RowCount last found, for the query (its
// process id) that asked: the planner asks for it many times while
// planning one query (each join order it costs), and finding it (the
// list's stream, its segments' freshness) cost several percent of a
// short join over held rows. A query sees one count, the first it asked
// for; a count not held is not kept (the list may be held by the next
// call). Copies of a table share it, keyed by the account they read.
type countMemo struct {
	mu      sync.Mutex
	pid     uint64
	account string
	n       uint64
}

func (m *countMemo) get(pid uint64, account string) (uint64, bool) {
	if m == nil || pid == 0 {
		return 0, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pid != pid || m.account != account {
		return 0, false
	}
	return m.n, true
}

func (m *countMemo) set(pid uint64, account string, n uint64) {
	if m == nil || pid == 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pid, m.account, m.n = pid, account, n
}

// DataLength is an estimate in bytes, for SHOW TABLE STATUS.
func (t *Table) DataLength(*sql.Context) (uint64, error) { return estimatedRows * 2048, nil }

// WithResidual returns a copy whose list requests also carry Stripe
// filters for conditions the engine still applies itself (the analyzer
// uses one index per table, so `product = ? AND active = TRUE` reaches
// the table as a product lookup under an `active` filter). Stripe then
// returns fewer pages; the engine's filter keeps the result exact. conds
// maps a column to the value it must equal, or to the values ([]any) of
// its IN (…): those pin a filter-only column, each value a list of its
// own (see splitIn), and are not sent for another column; ok is false
// when none of them is a filter of the endpoint.
func (t *Table) WithResidual(conds map[string]any) (*Table, bool) {
	extra := url.Values{}
	account := ""
	var local []localCond
	for col, v := range conds {
		if vs, ok := v.([]any); ok {
			p, ok := t.spec.FilterParam(col)
			if !ok || !t.spec.FilterOnly(col) {
				continue
			}
			var sent []string
			for _, x := range vs {
				if s, err := paramValue(x); x != nil && err == nil && t.spec.Accepts(p, s) && !slices.Contains(sent, s) {
					sent = append(sent, s)
				}
			}
			if len(sent) > 0 {
				extra[p] = sent
			}
			continue
		}
		if col == tables.AccountColumn {
			account, _ = v.(string)
			continue
		}
		if o, lv, ok := t.localValue(col, v); ok {
			local = append(local, localCond{ord: o, val: lv})
		}
		p, ok := t.spec.FilterParam(col)
		if !ok || v == nil {
			continue
		}
		s, err := paramValue(v)
		if err != nil || !t.spec.Accepts(p, s) {
			continue
		}
		extra.Set(p, s)
	}
	if len(extra) == 0 && account == "" && len(local) == 0 {
		return t, false
	}
	c := *t
	c.residual, c.account, c.local = extra, account, local
	return &c, true
}

// localCond is a `column = value` the engine checks above the table,
// which held rows are picked by (rowsource.go): value is as the row
// holds it.
type localCond struct {
	ord int
	val any
}

// localValue returns the position of column col and v as its rows hold
// it, when Go's equality on that is the engine's: a string compared with
// a string column of a binary collation, an integer with an integer or
// BOOLEAN column. Other comparisons (MySQL compares '01' = 1 as numbers)
// are left to the engine alone.
func (t *Table) localValue(col string, v any) (int, any, bool) {
	o := t.schema.Schema.IndexOfColName(col)
	if o < 0 || v == nil {
		return 0, nil, false
	}
	switch c := t.cols[o]; c.Kind {
	case tables.KindString, tables.KindRef:
		s, ok := v.(string)
		st, isString := t.schema.Schema[o].Type.(sql.StringType)
		return o, s, ok && isString && binaryCollations[st.Collation()]
	case tables.KindInt, tables.KindBool:
		var n int64
		switch x := v.(type) {
		case int64:
			n = x
		case int32:
			n = int64(x)
		case int8:
			n = int64(x)
		case int:
			n = int64(x)
		case bool:
			n = 0
			if x {
				n = 1
			}
		default:
			return 0, nil, false
		}
		if c.Kind == tables.KindBool {
			if n != 0 && n != 1 {
				return 0, nil, false
			}
			return o, int8(n), true
		}
		return o, n, true
	}
	return 0, nil, false
}

// field reads a row's columns by name (for tables.Spec.Final).
func (t *Table) field(row sql.Row) func(name string) any {
	return func(name string) any {
		if i := t.schema.Schema.IndexOfColName(name); i >= 0 {
			return row[i]
		}
		return nil
	}
}
