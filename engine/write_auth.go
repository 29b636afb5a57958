package engine

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/mysql_db"
)

// grantWrites gives the writer accounts of a server allowing writes
// INSERT, UPDATE and DELETE on the Stripe databases (after grantReadOnly
// made every account), so that go-mysql-server's own privilege checks
// agree with the guard's.
func grantWrites(mdb *mysql_db.MySQLDb, cfg Config, databases []string) {
	if !cfg.AllowWrites {
		return
	}
	ed := mdb.Editor()
	defer ed.Close()
	for _, u := range cfg.Users {
		user, ok := ed.GetUser(mysql_db.UserPrimaryKey{Host: "%", User: u.Name})
		if !u.Write || !ok {
			continue
		}
		for _, db := range databases {
			if !strings.EqualFold(db, metaDatabaseName) {
				user.PrivilegeSet.AddDatabase(db, sql.PrivilegeType_Insert, sql.PrivilegeType_Update, sql.PrivilegeType_Delete)
			}
		}
	}
}

// grantedOn is what SHOW GRANTS says user may do on a database.
func (s *Server) grantedOn(user, db string) string {
	p := s.writes
	if p.allowed && !strings.EqualFold(db, metaDatabaseName) && (!p.authOn || p.writers[user]) {
		return "SELECT, INSERT, UPDATE, DELETE"
	}
	return "SELECT"
}
