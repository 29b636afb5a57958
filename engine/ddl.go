package engine

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/plan"
)

// restorableDDL is the SHOW CREATE TABLE formatter: go-mysql-server's,
// made to write statements that MySQL 8.0 and MariaDB 10.11 run as they
// are (mysqldump copies them into its dumps verbatim).
//
//   - Comments are string literals with their quotes and backslashes
//     escaped: go-mysql-server writes column and index comments raw
//     (COMMENT 'The customer's address.'), a syntax error, and leaves
//     backslashes of the table comment unescaped.
//   - utf8mb4_0900_bin, the collation of the Stripe tables and their
//     strings (sqltable.Collation), is named utf8mb4_bin, which MariaDB
//     knows too (it has no 0900 collations): both compare the bytes of
//     utf8mb4, so case-sensitively. (utf8mb4_bin ignores trailing spaces
//     where utf8mb4_0900_bin does not; no Stripe id or code ends in one.)
type restorableDDL struct {
	*sql.MySqlSchemaFormatter
}

func init() {
	// A process-wide setting of go-mysql-server (it has no per-engine
	// formatter); stripesql is its only user in the process.
	sql.GlobalSchemaFormatter = restorableDDL{&sql.MySqlSchemaFormatter{}}
}

// portableCollation is the name a statement gives collation name.
func portableCollation(name string) string {
	if name == sql.Collation_utf8mb4_0900_bin.Name() {
		return sql.Collation_utf8mb4_bin.Name()
	}
	return name
}

func (f restorableDDL) GenerateCreateTableStatement(tblName string, colStmts []string, temp, autoInc, tblCharsetName, tblCollName, comment string) string {
	// The embedded formatter doubles quotes; backslashes are ours to escape.
	comment = strings.ReplaceAll(comment, `\`, `\\`)
	return f.MySqlSchemaFormatter.GenerateCreateTableStatement(tblName, colStmts, temp, autoInc, tblCharsetName, portableCollation(tblCollName), comment)
}

func (f restorableDDL) GenerateCreateTableColumnDefinition(col *sql.Column, colDefault, onUpdate string, tableCollation sql.CollationID) string {
	c := *col
	c.Comment = ""
	def := f.MySqlSchemaFormatter.GenerateCreateTableColumnDefinition(&c, colDefault, onUpdate, tableCollation)
	// A column whose collation is not the table's names it.
	def = strings.Replace(def, " COLLATE "+sql.Collation_utf8mb4_0900_bin.Name(), " COLLATE "+portableCollation(sql.Collation_utf8mb4_0900_bin.Name()), 1)
	if col.Comment != "" {
		def += " COMMENT " + sqlString(col.Comment)
	}
	return def
}

func (f restorableDDL) GenerateCreateTableIndexDefinition(isUnique, isSpatial, isFullText, isVector bool, indexID string, indexCols []string, comment string) (string, bool) {
	def, ok := f.MySqlSchemaFormatter.GenerateCreateTableIndexDefinition(isUnique, isSpatial, isFullText, isVector, indexID, indexCols, "")
	if comment != "" {
		def += " COMMENT " + sqlString(comment)
	}
	return def, ok
}

// sqlEscaper escapes a string literal's content as MySQL's SHOW CREATE
// TABLE does (a quote is doubled, which also reads right without
// backslash escapes).
var sqlEscaper = strings.NewReplacer(`\`, `\\`, `'`, `''`, "\x00", `\0`, "\n", `\n`, "\r", `\r`, "\x1a", `\Z`)

// sqlString is s as a single-quoted SQL string literal.
func sqlString(s string) string { return "'" + sqlEscaper.Replace(s) + "'" }

// portableCreateDatabase answers SHOW CREATE DATABASE as go-mysql-server
// does, but naming the collation as restorableDDL does: mysqldump
// --databases and --all-databases copy the statement into their dumps.
type portableCreateDatabase struct {
	inner sql.NodeExecBuilder
}

func (b portableCreateDatabase) Build(ctx *sql.Context, n sql.Node, row sql.Row) (sql.RowIter, error) {
	iter, err := b.inner.Build(ctx, n, row)
	if _, ok := n.(*plan.ShowCreateDatabase); !ok || err != nil {
		return iter, err
	}
	rows, err := sql.RowIterToRows(ctx, iter)
	if err != nil {
		return nil, err
	}
	from := " COLLATE " + sql.Collation_utf8mb4_0900_bin.Name() + " */"
	to := " COLLATE " + portableCollation(sql.Collation_utf8mb4_0900_bin.Name()) + " */"
	for _, r := range rows {
		if len(r) == 2 {
			if s, ok := r[1].(string); ok {
				r[1] = strings.Replace(s, from, to, 1)
			}
		}
	}
	return sql.RowsToRowIter(rows...), nil
}
