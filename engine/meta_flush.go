package engine

import (
	"reflect"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/dolthub/vitess/go/mysql"

	"github.com/stripesql/stripesql/tables"
)

// flushProcedure empties the cache: CALL stripe_flush() drops everything,
// CALL stripe_flush('charges') (or 'stripe.charges') one table's pages.
const flushProcedure = "stripe_flush"

// erSPWrongNoOfArgs is MySQL's ER_SP_WRONG_NO_OF_ARGS.
const erSPWrongNoOfArgs = 1318

var flushSchema = sql.Schema{
	{Name: "db", Type: types.Text, Source: flushProcedure},
	{Name: "entries_dropped", Type: types.Int64, Source: flushProcedure},
}

func flushProcedures(o *observer) []sql.ExternalStoredProcedureDetails {
	return []sql.ExternalStoredProcedureDetails{
		{Name: flushProcedure, Schema: flushSchema, ReadOnly: true,
			Function: func(ctx *sql.Context) (sql.RowIter, error) { return o.flush(ctx, "") }},
		{Name: flushProcedure, Schema: flushSchema, ReadOnly: true,
			Function: func(ctx *sql.Context, table string) (sql.RowIter, error) { return o.flush(ctx, table) }},
	}
}

func (p *metaProvider) ExternalStoredProcedure(_ *sql.Context, name string, numOfParams int) (*sql.ExternalStoredProcedureDetails, error) {
	found := false
	for _, d := range p.procs {
		if !strings.EqualFold(d.Name, name) {
			continue
		}
		found = true
		if reflect.TypeOf(d.Function).NumIn()-1 == numOfParams {
			return &d, nil
		}
	}
	if found {
		return nil, mysql.NewSQLError(erSPWrongNoOfArgs, "42000",
			"Incorrect number of arguments for PROCEDURE %s; use CALL %s() for everything or CALL %s('table') for one table", name, name, name)
	}
	return nil, nil
}

func (p *metaProvider) ExternalStoredProcedures(_ *sql.Context, name string) ([]sql.ExternalStoredProcedureDetails, error) {
	var out []sql.ExternalStoredProcedureDetails
	for _, d := range p.procs {
		if strings.EqualFold(d.Name, name) {
			out = append(out, d)
		}
	}
	return out, nil
}

// flush drops the cache of every account, or of one table (target
// "table" or "database.table"; without a database, the current one if it
// is a Stripe account's, else every account's), and returns a row per
// account with the number of entries dropped.
func (o *observer) flush(ctx *sql.Context, target string) (sql.RowIter, error) {
	if target == "" {
		var rows []sql.Row
		for _, a := range o.accounts {
			rows = append(rows, sql.Row{a.Database, int64(a.Client.FlushAll())})
		}
		return sql.RowsToRowIter(rows...), nil
	}
	dbName, table, qualified := strings.Cut(target, ".")
	if !qualified {
		dbName, table = ctx.GetCurrentDatabase(), target
	}
	accounts := o.accountsNamed(dbName)
	if len(accounts) == 0 {
		if qualified {
			return nil, mysql.NewSQLError(mysql.ERBadDb, "42000", "%s: unknown Stripe database '%s'", flushProcedure, dbName)
		}
		accounts = o.accounts
	}
	spec, ok := tables.Lookup(table)
	if !ok {
		return nil, mysql.NewSQLError(mysql.ERNoSuchTable, "42S02",
			"%s: no Stripe table '%s' (SHOW TABLES FROM %s lists them)", flushProcedure, table, accounts[0].Database)
	}
	var rows []sql.Row
	for _, a := range accounts {
		rows = append(rows, sql.Row{a.Database, int64(a.Client.FlushTable(spec))})
	}
	return sql.RowsToRowIter(rows...), nil
}

func (o *observer) accountsNamed(db string) []Account {
	for _, a := range o.accounts {
		if strings.EqualFold(a.Database, db) {
			return []Account{a}
		}
	}
	return nil
}
