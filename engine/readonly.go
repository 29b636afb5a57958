package engine

import (
	"context"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// erOptionPreventsStatement is MySQL's error for a statement the server's
// configuration forbids (a --read-only server answers writes with it).
const erOptionPreventsStatement = 1290

// readOnlyError is the error every write statement gets: the engine's own
// errors for them vary ("table doesn't support INSERT INTO", "Database
// stripe is read-only.", all 1105), and account statements would reach
// go-mysql-server's mysql database.
func readOnlyError(what string) error {
	return mysql.NewSQLError(erOptionPreventsStatement, "HY000",
		"The stripesql server is read-only (writes to Stripe are not enabled), so it cannot execute this %s statement", what)
}

// writeOf names what a statement would change or what server resource it
// would touch ("INSERT", "SET GLOBAL", "LOAD_FILE()"), or returns "" for
// a statement that only reads Stripe data or the session.
func writeOf(st sqlparser.Statement) string {
	switch s := st.(type) {
	case *sqlparser.Insert:
		return strings.ToUpper(s.Action)
	case *sqlparser.Update:
		return "UPDATE"
	case *sqlparser.Delete:
		return "DELETE"
	case *sqlparser.Load:
		return "LOAD DATA"
	case *sqlparser.DDL:
		return strings.ToUpper(s.Action)
	case *sqlparser.DBDDL:
		return strings.ToUpper(s.Action) + " DATABASE"
	case *sqlparser.AlterTable:
		return "ALTER TABLE"
	case *sqlparser.CreateUser, *sqlparser.DropUser, *sqlparser.RenameUser, *sqlparser.CreateRole, *sqlparser.DropRole:
		return "account management"
	case *sqlparser.GrantPrivilege, *sqlparser.GrantRole, *sqlparser.GrantProxy:
		return "GRANT"
	case *sqlparser.RevokePrivilege, *sqlparser.RevokeRole, *sqlparser.RevokeProxy, *sqlparser.RevokeAllPrivileges:
		return "REVOKE"
	case *sqlparser.Set:
		return setWrite(s)
	case *sqlparser.Prepare:
		return preparedWrite(s)
	case *sqlparser.LockTables:
		if lockWrites(s) {
			return "LOCK TABLES … WRITE"
		}
	case *sqlparser.Select:
		if s.Into != nil && (s.Into.Outfile != "" || s.Into.Dumpfile != "") {
			return "SELECT … INTO OUTFILE"
		}
	}
	return readsServerFiles(st)
}

// setWrite: session variables are the client's own; global ones are
// shared by every connection (and every server in the process).
func setWrite(s *sqlparser.Set) string {
	for _, e := range s.Exprs {
		switch {
		case e.Scope == sqlparser.SetScope_Global || e.Scope == sqlparser.SetScope_Persist || e.Scope == sqlparser.SetScope_PersistOnly:
			return "SET " + strings.ToUpper(strings.ReplaceAll(string(e.Scope), "_", " "))
		case e.Scope == sqlparser.SetScope_None && strings.EqualFold(e.Name.String(), "password"):
			return "SET PASSWORD"
		}
	}
	return ""
}

// preparedWrite classifies PREPARE s FROM '…' by its text; a statement
// prepared from a user variable is left to the engine's read-only checks.
func preparedWrite(p *sqlparser.Prepare) string {
	text := strings.TrimSpace(p.Expr)
	if len(text) >= 2 && (text[0] == '\'' || text[0] == '"') && text[len(text)-1] == text[0] {
		text = text[1 : len(text)-1]
	}
	st, _, err := sqlparser.ParseOne(context.Background(), text)
	if err != nil {
		return ""
	}
	return writeOf(st)
}

// readsServerFiles catches LOAD_FILE(): it reads files of the server's
// host (the API key file among them), which no client may do.
func readsServerFiles(st sqlparser.Statement) string {
	found := ""
	_ = sqlparser.Walk(func(n sqlparser.SQLNode) (bool, error) {
		if f, ok := n.(*sqlparser.FuncExpr); ok && f.Name.EqualString("load_file") {
			found = "LOAD_FILE()"
			return false, nil
		}
		return found == "", nil
	}, st)
	return found
}

// fileAccessDisabled is secure_file_priv: a directory that does not
// exist, so that LOAD_FILE() and SELECT … INTO OUTFILE, which
// go-mysql-server lets read and write anywhere when it is empty (its
// default), can touch no file. The guard refuses both anyway.
const fileAccessDisabled = "/nonexistent/stripesql-file-access-is-disabled"

// disableFileAccess sets secure_file_priv; it is a process-wide global of
// go-mysql-server, read by sessions created afterwards.
func disableFileAccess() error {
	return sql.SystemVariables.AssignValues(map[string]any{"secure_file_priv": fileAccessDisabled})
}
