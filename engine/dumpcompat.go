package engine

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/information_schema"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// mysqldump and mariadb-dump: what they send that go-mysql-server refuses
// on a read-only server, answered as MySQL answers an account that may
// read.
//
//   - LOCK TABLES t READ [LOCAL] (their default, --lock-tables) and FLUSH
//     TABLES [t, …] [WITH READ LOCK] (--lock-all-tables, --master-data)
//     succeed without locking anything: a Stripe table has no writer to
//     hold off (stripesql writes only with --allow-writes, one Stripe
//     request at a time). The tables they name must exist, as in MySQL.
//     A WRITE lock is a write: ERROR 1290 (writeOf).
//   - optimizer_switch, which mariadb-dump sets around its
//     information_schema queries, is a session variable.
//   - information_schema.COLUMN_STATISTICS, which mysqldump 8 reads for
//     every table, is empty rather than a crash of go-mysql-server.

func init() {
	sql.SystemVariables.AddSystemVariables([]sql.SystemVariable{&sql.MysqlSystemVariable{
		Name:              "optimizer_switch",
		Scope:             sql.GetMysqlScope(sql.SystemVariableScope_Both),
		Dynamic:           true,
		SetVarHintApplies: true,
		Type:              types.NewSystemStringType("optimizer_switch"),
		// MySQL 8.0's default; go-mysql-server's optimizer reads none of it.
		Default: "index_merge=on,index_merge_union=on,index_merge_sort_union=on,index_merge_intersection=on," +
			"engine_condition_pushdown=on,index_condition_pushdown=on,mrr=on,mrr_cost_based=on,block_nested_loop=on," +
			"batched_key_access=off,materialization=on,semijoin=on,loosescan=on,firstmatch=on,duplicateweedout=on," +
			"subquery_materialization_cost_based=on,use_index_extensions=on,condition_fanout_filter=on,derived_merge=on," +
			"use_invisible_indexes=off,skip_scan=on,hash_join=on,subquery_to_derived=off,prefer_ordering_index=on," +
			"hypergraph_optimizer=off,derived_condition_pushdown=on",
	}})
}

// emptyInformationSchemaResults makes every information_schema table
// that answers "no rows" with no row iterator at all (go-mysql-server
// v0.20.0's COLUMN_STATISTICS, for a server without accounts) answer
// with an empty one: the nil iterator panics the handler ("handler caught
// panic: … nil pointer dereference").
func emptyInformationSchemaResults(cat interface {
	GetTableNames(*sql.Context) ([]string, error)
	GetTableInsensitive(*sql.Context, string) (sql.Table, bool, error)
}) {
	ctx := sql.NewEmptyContext()
	names, err := cat.GetTableNames(ctx)
	if err != nil {
		return
	}
	for _, name := range names {
		t, _, err := cat.GetTableInsensitive(ctx, name)
		if err != nil {
			continue
		}
		ist, ok := t.(*information_schema.InformationSchemaTable)
		if !ok || ist.Reader == nil {
			continue
		}
		read := ist.Reader
		ist.Reader = func(ctx *sql.Context, c sql.Catalog) (sql.RowIter, error) {
			it, err := read(ctx, c)
			if it == nil && err == nil {
				return sql.RowsToRowIter(), nil
			}
			return it, err
		}
	}
}

// lockWrites reports whether LOCK TABLES asks for a WRITE lock.
func lockWrites(l *sqlparser.LockTables) bool {
	for _, t := range l.Tables {
		if t.Lock == sqlparser.LockWrite || t.Lock == sqlparser.LockLowPriorityWrite {
			return true
		}
	}
	return false
}

// flushesTables reports whether f is FLUSH [LOCAL] TABLES [t, …] [WITH
// READ LOCK]; other FLUSH statements are go-mysql-server's.
func flushesTables(f *sqlparser.Flush) bool {
	return f.Option != nil && strings.EqualFold(f.Option.Name, "tables")
}

// lockTables answers LOCK TABLES … READ: every table must exist.
func (g guard) lockTables(c *mysql.Conn, l *sqlparser.LockTables, callback mysql.ResultSpoolFn, more bool) error {
	for _, t := range l.Tables {
		var name sqlparser.TableName
		switch e := t.Table.(type) {
		case *sqlparser.AliasedTableExpr:
			tn, ok := e.Expr.(sqlparser.TableName)
			if !ok {
				return mysql.NewSQLError(mysql.ERParseError, "42000", "LOCK TABLES names tables")
			}
			name = tn
		default:
			return mysql.NewSQLError(mysql.ERParseError, "42000", "LOCK TABLES names tables")
		}
		if err := g.tableExists(c, name.DbQualifier.String(), name.Name.String()); err != nil {
			return err
		}
	}
	return callback(&sqltypes.Result{}, more)
}

// flushTables answers FLUSH TABLES [t, …] [WITH READ LOCK]: nothing to
// flush (the page cache has its own controls: stripe_meta.flush), and the
// named tables must exist.
func (g guard) flushTables(c *mysql.Conn, f *sqlparser.Flush, callback mysql.ResultSpoolFn, more bool) error {
	for _, t := range f.Option.Tables {
		if err := g.tableExists(c, t.DbQualifier.String(), t.Name.String()); err != nil {
			return err
		}
	}
	return callback(&sqltypes.Result{}, more)
}

// tableExists is nil when db.table (db "": the connection's database)
// exists, else MySQL's error.
func (g guard) tableExists(c *mysql.Conn, db, table string) error {
	if db == "" {
		db = g.s.currentDatabase(c.ConnectionID)
	}
	if db == "" {
		return mysql.NewSQLError(mysql.ERNoDb, mysql.SSNoDB, "No database selected")
	}
	ctx := sql.NewEmptyContext()
	cat := g.s.engine.Analyzer.Catalog
	var d sql.Database
	if strings.EqualFold(db, sql.InformationSchemaDatabaseName) {
		d = cat.InfoSchema
	} else {
		var err error
		if d, err = cat.DbProvider.Database(ctx, db); err != nil {
			return mysql.NewSQLError(mysql.ERBadDb, "42000", "Unknown database '%s'", db)
		}
	}
	if _, ok, err := d.GetTableInsensitive(ctx, table); err != nil || !ok {
		return mysql.NewSQLError(mysql.ERNoSuchTable, mysql.SSUnknownTable, "Table '%s.%s' doesn't exist", db, table)
	}
	return nil
}
