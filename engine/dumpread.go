package engine

import (
	"regexp"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"

	"github.com/stripesql/stripesql/tables/sqltable"
)

// A table that cannot be listed whole (tables.Spec.Listable: a tax
// calculation's line items are read per calculation, and no endpoint lists
// the calculations) answers a query that does not pin the column it
// requires with ERROR 1235 (filterOnlyGuard): an empty result would say
// "there are none", which is not known. A whole-database dump, though,
// reads every table with `SELECT * FROM t` and stops at the first error:
// in the dump tools' own read of a table's rows, such a table is no rows,
// with a warning (code 1235, in SHOW WARNINGS) saying why and how to dump
// its rows (--where pinning the column). A listable table that requires a
// parameter (apps_secrets) is read with its Unpinned default, as by any
// query.
//
// The dump tools' read is recognised by its text, which both write
// exactly so (mysqldump's and mariadb-dump's dump_table): SELECT
// /*!40001 SQL_NO_CACHE */ followed by the columns, FROM and the table.
// The version comment is ignored by every MySQL since 4.0.1 and no client
// library or BI tool writes it; a user who does gets the warning too.
var dumpRead = regexp.MustCompile(`(?i)^\s*SELECT\s+/\*!40001\s+SQL_NO_CACHE\s*\*/`)

// unlistedInDump replaces, in a dump tool's read, each access to a table
// that cannot be listed and whose required columns it does not pin by an
// empty table of the same columns, warning of each.
func unlistedInDump(ctx *sql.Context, n sql.Node) (sql.Node, transform.TreeIdentity, error) {
	if !dumpRead.MatchString(ctx.Query()) {
		return n, transform.SameTree, nil
	}
	return transform.Node(n, func(n sql.Node) (sql.Node, transform.TreeIdentity, error) {
		switch n.(type) {
		case *plan.ResolvedTable, *plan.IndexedTableAccess:
		default:
			return n, transform.SameTree, nil
		}
		src, ok := sourceOf(n)
		if !ok || src.t.Spec().Listable() {
			return n, transform.SameTree, nil
		}
		for _, col := range src.t.Spec().Requires {
			if !src.pinned[col] {
				s := src.t.Spec()
				ctx.Warn(erNotSupportedYet, "%s dumped without rows: %s; "+
					"dump its rows with --where \"%s = '…'\" (or IN ('…', …))", s.Name, sqltable.RequiredReason(s, col), col)
				return plan.NewEmptyTableWithSchema(n.Schema()), transform.NewTree, nil
			}
		}
		return n, transform.SameTree, nil
	})
}
