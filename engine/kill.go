package engine

import (
	"strconv"

	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// kill answers KILL [QUERY|CONNECTION] id for an account. go-mysql-server
// lets only superusers kill; MySQL lets anyone stop their own
// connections' statements, which the mysql client's Ctrl-C does (KILL
// QUERY from a second connection of the same account).
func (g guard) kill(c *mysql.Conn, k *sqlparser.Kill, callback mysql.ResultSpoolFn, more bool) error {
	v, ok := k.ConnID.(*sqlparser.SQLVal)
	if !ok || v.Type != sqlparser.IntVal {
		return mysql.NewSQLError(mysql.ERNoSuchThread, "HY000", "KILL needs a connection id")
	}
	id, err := strconv.ParseUint(string(v.Val), 10, 32)
	if err != nil {
		return mysql.NewSQLError(mysql.ERNoSuchThread, "HY000", "Unknown thread id: %s", v.Val)
	}
	tc, ok := g.s.conns.Load(uint32(id))
	if !ok {
		return mysql.NewSQLError(mysql.ERNoSuchThread, "HY000", "Unknown thread id: %d", id)
	}
	target := tc.(*mysql.Conn)
	if target.User != c.User {
		return mysql.NewSQLError(mysql.ERKillDenied, "HY000", "You are not owner of thread %d", id)
	}
	g.s.engine.ProcessList.Kill(uint32(id))
	if k.Connection {
		target.Close()
	}
	return callback(&sqltypes.Result{}, more)
}
