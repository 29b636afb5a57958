package engine

import (
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
)

// metaDatabaseName is the database describing the server itself: the
// cache and the recent Stripe requests.
const metaDatabaseName = "stripe_meta"

// metaProvider adds stripe_meta and the stripe_* procedures to the
// provider of the Stripe databases.
type metaProvider struct {
	sql.DatabaseProvider
	meta  *metaDatabase
	procs []sql.ExternalStoredProcedureDetails
}

var (
	_ sql.DatabaseProvider                = (*metaProvider)(nil)
	_ sql.ExternalStoredProcedureProvider = (*metaProvider)(nil)
)

func newMetaProvider(inner sql.DatabaseProvider, o *observer) *metaProvider {
	return &metaProvider{
		DatabaseProvider: inner,
		meta:             newMetaDatabase(o),
		procs:            flushProcedures(o),
	}
}

func (p *metaProvider) Database(ctx *sql.Context, name string) (sql.Database, error) {
	if strings.EqualFold(name, metaDatabaseName) {
		return p.meta, nil
	}
	return p.DatabaseProvider.Database(ctx, name)
}

func (p *metaProvider) HasDatabase(ctx *sql.Context, name string) bool {
	return strings.EqualFold(name, metaDatabaseName) || p.DatabaseProvider.HasDatabase(ctx, name)
}

func (p *metaProvider) AllDatabases(ctx *sql.Context) []sql.Database {
	out := append(p.DatabaseProvider.AllDatabases(ctx), p.meta)
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// metaDatabase is stripe_meta: read-only tables computed when read.
type metaDatabase struct {
	noSchemaObjects // see database_stubs.go
	tables          map[string]*metaTable
}

var (
	_ sql.Database         = (*metaDatabase)(nil)
	_ sql.ReadOnlyDatabase = (*metaDatabase)(nil)
)

func newMetaDatabase(o *observer) *metaDatabase {
	db := &metaDatabase{tables: map[string]*metaTable{}}
	for _, t := range []*metaTable{cacheStatsTable(o), cacheTablesTable(o), requestsTable(o)} {
		db.tables[t.name] = t
	}
	return db
}

func (d *metaDatabase) Name() string     { return metaDatabaseName }
func (d *metaDatabase) IsReadOnly() bool { return true }

func (d *metaDatabase) GetTableInsensitive(_ *sql.Context, name string) (sql.Table, bool, error) {
	t, ok := d.tables[strings.ToLower(name)]
	return t, ok, nil
}

func (d *metaDatabase) GetTableNames(*sql.Context) ([]string, error) {
	names := make([]string, 0, len(d.tables))
	for n := range d.tables {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// metaTable is a table whose rows are a snapshot taken when it is read.
type metaTable struct {
	name    string
	comment string
	schema  sql.Schema
	rows    func() []sql.Row
	// sessionRows, when set, replaces rows for a table whose rows depend
	// on who reads it.
	sessionRows func(*sql.Context) []sql.Row
}

var (
	_ sql.Table          = (*metaTable)(nil)
	_ sql.CommentedTable = (*metaTable)(nil)
)

// newMetaTable builds a table of cols, each "name type comment".
func newMetaTable(name, comment string, cols []metaColumn, rows func() []sql.Row) *metaTable {
	schema := make(sql.Schema, len(cols))
	for i, c := range cols {
		schema[i] = &sql.Column{Name: c.name, Type: c.typ, Comment: c.comment, Source: name, DatabaseSource: metaDatabaseName, Nullable: true}
	}
	return &metaTable{name: name, comment: comment, schema: schema, rows: rows}
}

type metaColumn struct {
	name    string
	typ     sql.Type
	comment string
}

func (t *metaTable) Name() string               { return t.name }
func (t *metaTable) String() string             { return t.name }
func (t *metaTable) Schema() sql.Schema         { return t.schema }
func (t *metaTable) Collation() sql.CollationID { return sql.Collation_Default }
func (t *metaTable) Comment() string            { return t.comment }

func (t *metaTable) Partitions(*sql.Context) (sql.PartitionIter, error) {
	return sql.PartitionsToPartitionIter(metaPartition{}), nil
}

func (t *metaTable) PartitionRows(ctx *sql.Context, _ sql.Partition) (sql.RowIter, error) {
	if t.sessionRows != nil {
		return sql.RowsToRowIter(t.sessionRows(ctx)...), nil
	}
	return sql.RowsToRowIter(t.rows()...), nil
}

type metaPartition struct{}

func (metaPartition) Key() []byte { return []byte("meta") }

func cacheStatsTable(o *observer) *metaTable {
	cols := []metaColumn{
		{"db", types.Text, "the Stripe account's database"},
		{"hits", types.Int64, "held row intervals, pages and objects served from the cache"},
		{"misses", types.Int64, "intervals and lookups that had to ask Stripe"},
		{"shared_fetches", types.Int64, "lookups answered by a request another query was already making"},
		{"bytes", types.Int64, "current size: rows held, plus pages and objects (keys, bodies, overhead)"},
		{"max_bytes", types.Int64, "--cache-size (the bound of the row cache, and of the page cache)"},
		{"entries", types.Int64, "row intervals held, and cached pages and objects"},
		{"evictions", types.Int64, "entries dropped to stay within max_bytes"},
		{"expired", types.Int64, "entries dropped because their --cache-ttl had passed"},
		{"ttl_seconds", types.Float64, "--cache-ttl (0: caching disabled)"},
		{"rows", types.Int64, "rows the row cache holds (per table: cache_tables)"},
		{"intervals", types.Int64, "created intervals the row cache holds whole"},
		{"oldest_age_seconds", types.Float64, "how long ago the oldest interval held was read (NULL: none)"},
		{"row_bytes_memory", types.Int64, "bytes of held rows in memory (within max_bytes)"},
		{"row_bytes_disk", types.Int64, "bytes of held rows on disk (0 without --cache-dir)"},
		{"max_disk_bytes", types.Int64, "--disk-cache-size (0 without a disk cache)"},
		{"blocks", types.Int64, "blocks of held rows (a few thousand rows each)"},
		{"blocks_in_memory", types.Int64, "of those, the ones in memory; the others are read from disk when used"},
		{"disk_reads", types.Int64, "blocks read back from disk"},
		{"corrupt_blocks", types.Int64, "blocks on disk that failed their check: dropped, and read from Stripe again"},
		{"events", types.Text, "whether Stripe's events keep the held rows right ('yes'), or why not (then they expire after ttl_seconds)"},
		{"events_cursor_age_seconds", types.Float64, "how long ago the account's events were last read (NULL: never)"},
		{"last_catch_up_events", types.Int64, "events applied by the catch-up at start (NULL: none ran)"},
		{"last_catch_up_seconds", types.Float64, "how long that catch-up took"},
	}
	return newMetaTable("cache_stats", "Cache counters, one row per Stripe account (per table: cache_tables)", cols, func() []sql.Row {
		var rows []sql.Row
		for _, a := range o.accounts {
			c := a.Client.Cache()
			s, ok := a.Client.CacheStats()
			ev := a.Client.EventsStatus()
			if !ok {
				rows = append(rows, sql.Row{a.Database, int64(0), int64(0), int64(0), int64(0), int64(0), int64(0), int64(0), int64(0), float64(0), int64(0), int64(0), nil,
					int64(0), int64(0), int64(0), int64(0), int64(0), int64(0), int64(0), "no: the cache is off", nil, nil, nil})
				continue
			}
			var held, intervals int64
			var oldest any
			for _, tc := range a.Client.TableCaches() {
				held, intervals = held+int64(tc.Rows), intervals+int64(tc.Intervals)
				if age, ok := oldest.(float64); !ok || tc.Age.Seconds() > age {
					oldest = tc.Age.Seconds()
				}
			}
			rt := a.Client.RowCacheTotals()
			var cursorAge, catchEvents, catchSeconds any
			if ev.CursorAge >= 0 {
				cursorAge = ev.CursorAge.Seconds()
			}
			if !ev.CatchUp.At.IsZero() {
				catchEvents, catchSeconds = int64(ev.CatchUp.Events), ev.CatchUp.Duration.Seconds()
			}
			maxDisk := int64(0)
			if rt.Durable {
				maxDisk = rt.MaxDisk
			}
			rows = append(rows, sql.Row{a.Database, s.Hits, s.Misses, s.Shared, s.Bytes, c.MaxBytes(), s.Entries, s.Evictions, s.Expired, c.TTL().Seconds(),
				held, intervals, oldest, rt.Memory, rt.Disk, maxDisk, int64(rt.Blocks), int64(rt.InMemory), rt.Loads, rt.Corrupt,
				ev.Covered, cursorAge, catchEvents, catchSeconds})
		}
		return rows
	})
}

func cacheTablesTable(o *observer) *metaTable {
	cols := []metaColumn{
		{"db", types.Text, "the Stripe account's database"},
		{"table_name", types.Text, "the table whose rows are held"},
		{"filter", types.Text, "the list parameters the rows were read with ('' for the whole list: it answers filtered queries too)"},
		{"rows", types.Int64, "rows held"},
		{"bytes", types.Int64, "their size in memory"},
		{"disk_bytes", types.Int64, "their size on disk (0 without --cache-dir)"},
		{"blocks", types.Int64, "blocks they are held in (a few thousand rows each)"},
		{"intervals", types.Int64, "created intervals held whole"},
		{"age_seconds", types.Float64, "how long ago the oldest interval was read"},
	}
	return newMetaTable("cache_tables", "The row cache: what each table holds, one row per table and filter", cols, func() []sql.Row {
		var rows []sql.Row
		for _, a := range o.accounts {
			for _, tc := range a.Client.TableCaches() {
				rows = append(rows, sql.Row{a.Database, tc.Table, tc.Filter, int64(tc.Rows), tc.Bytes, tc.DiskBytes, int64(tc.Blocks), int64(tc.Intervals), tc.Age.Seconds()})
			}
		}
		return rows
	})
}

func requestsTable(o *observer) *metaTable {
	cols := []metaColumn{
		{"time", types.DatetimeMaxPrecision, "when the request started (UTC)"},
		{"db", types.Text, "the Stripe account's database"},
		{"method", types.Text, "HTTP method"},
		{"path", types.Text, "API path"},
		{"query", types.Text, "query string, unescaped"},
		{"status", types.Int64, "HTTP status (0: network error or cancelled; 200 for cache hits)"},
		{"duration_ms", types.Float64, "time taken"},
		{"cache", types.Text, "hit, miss (asked Stripe, cached the answer), shared (joined another query's request) or off (cache disabled or bypassed)"},
		{"query_id", types.Int64, "statement that made the request (0: none, e.g. the events poller)"},
		{"connection_id", types.Int64, "MySQL connection of that statement"},
		{"error", types.Text, "what failed, NULL on success"},
	}
	comment := "The last " + strconv.Itoa(requestRingSize) + " Stripe requests and cache lookups, oldest first"
	return newMetaTable("requests", comment, cols, func() []sql.Row {
		recs := o.ring.snapshot()
		rows := make([]sql.Row, len(recs))
		for i, r := range recs {
			var errText any
			if r.Error != "" {
				errText = r.Error
			}
			query, err := url.QueryUnescape(r.Query) // created[gte]=… reads better than created%5Bgte%5D=…
			if err != nil {
				query = r.Query
			}
			rows[i] = sql.Row{r.Time.UTC(), r.database, r.Method, r.Path, query, int64(r.Status),
				float64(r.Duration.Microseconds()) / 1000, r.Cache, int64(r.QueryID), int64(r.ConnID), errText}
		}
		return rows
	})
}
