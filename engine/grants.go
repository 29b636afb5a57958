package engine

import (
	"fmt"
	"strings"

	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"
	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// showGrants answers SHOW GRANTS [FOR user]. go-mysql-server resolves it
// through the mysql database, which a read-only account may not read, so
// it fails for exactly the accounts BI tools are given (Metabase runs it
// during sync). Every account has the same grants: SELECT on each Stripe
// database, and PROCESS (see grantReadOnly). Without accounts every user
// name is accepted with those grants; with accounts, a user sees only
// their own, as in MySQL.
func (g guard) showGrants(c *mysql.Conn, sg *sqlparser.ShowGrants, callback mysql.ResultSpoolFn, more bool) error {
	user := c.User
	if sg.For != nil && !sg.CurrentUser {
		if g.s.authOn && sg.For.Name != c.User {
			return mysql.NewSQLError(mysql.ERDBAccessDenied, "42000", "Access denied for user '%s'@'%%' to database 'mysql'", c.User)
		}
		user = sg.For.Name
	}
	account := fmt.Sprintf("`%s`@`%%`", strings.ReplaceAll(user, "`", "``"))
	global := "PROCESS"
	if g.s.binlog != nil && (!g.s.authOn || g.s.replicators[user]) {
		global = "PROCESS, REPLICATION SLAVE, REPLICATION CLIENT"
	}
	rows := [][]sqltypes.Value{{sqltypes.NewVarChar("GRANT " + global + " ON *.* TO " + account)}}
	for _, db := range g.s.databases {
		rows = append(rows, []sqltypes.Value{sqltypes.NewVarChar(fmt.Sprintf("GRANT %s ON `%s`.* TO %s", g.s.grantedOn(user, db), db, account))})
	}
	return callback(&sqltypes.Result{
		Fields: []*querypb.Field{{Name: fmt.Sprintf("Grants for %s@%%", user), Type: querypb.Type_VARCHAR, Charset: mysql.CharacterSetUtf8}},
		Rows:   rows,
	}, more)
}
