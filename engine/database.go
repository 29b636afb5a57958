// Package engine serves Stripe tables over the MySQL protocol with
// go-mysql-server: it knows SQL and delegates everything Stripe to tables.
package engine

import (
	"sort"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"

	"github.com/stripesql/stripesql/tables"
	"github.com/stripesql/stripesql/tables/sqltable"
)

// database is one Stripe account as a MySQL database.
type database struct {
	noSchemaObjects
	name   string
	tables map[string]*sqltable.Table
	// writable is set when the server runs writes (--allow-writes).
	writable bool
}

var (
	_ sql.Database         = (*database)(nil)
	_ sql.ReadOnlyDatabase = (*database)(nil)
)

// newDatabase makes a database holding every registered Stripe table.
func newDatabase(name string, client *sqltable.Client) (*database, error) {
	db := &database{name: name, tables: map[string]*sqltable.Table{}}
	for _, s := range tables.Specs() {
		t, err := sqltable.New(s, name, client)
		if err != nil {
			return nil, err
		}
		db.tables[s.Name] = t
	}
	return db, nil
}

func (d *database) Name() string     { return d.name }
func (d *database) IsReadOnly() bool { return !d.writable }

func (d *database) GetTableInsensitive(ctx *sql.Context, name string) (sql.Table, bool, error) {
	t, ok := d.tables[strings.ToLower(name)]
	if !ok {
		if why, gone := tables.Removed(name); gone {
			return nil, false, mysql.NewSQLError(mysql.ERNoSuchTable, "42S02", "Table '%s.%s' doesn't exist: %s", d.name, name, why)
		}
		return nil, false, nil
	}
	if w := writeStatementOf(ctx); d.writable && w != nil {
		// An INSERT may leave out the NOT NULL columns Stripe fills in;
		// an UPDATE or DELETE reads the account it changes.
		return t.ForWrite(w.Account), true, nil
	}
	return t, true, nil
}

func (d *database) GetTableNames(*sql.Context) ([]string, error) {
	names := make([]string, 0, len(d.tables))
	for n := range d.tables {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// provider lists the databases: one per configured Stripe account.
type provider struct {
	dbs map[string]*database
}

var _ sql.DatabaseProvider = (*provider)(nil)

func (p *provider) Database(_ *sql.Context, name string) (sql.Database, error) {
	if db, ok := p.dbs[strings.ToLower(name)]; ok {
		return db, nil
	}
	return nil, sql.ErrDatabaseNotFound.New(name)
}

func (p *provider) HasDatabase(_ *sql.Context, name string) bool {
	_, ok := p.dbs[strings.ToLower(name)]
	return ok
}

func (p *provider) AllDatabases(*sql.Context) []sql.Database {
	out := make([]sql.Database, 0, len(p.dbs))
	for _, db := range p.dbs {
		out = append(out, db)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}
