package engine

import (
	"sync"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/dolthub/go-mysql-server/sql/variables"
)

// versionComment is what `SELECT @@version_comment` and the mysql
// client's banner show (go-mysql-server says "Dolt").
const versionComment = "stripesql: a Stripe account over the MySQL protocol"

// identify sets the server's self-description: version_comment is
// read-only, so its definition is replaced with our default. System
// variables are process-wide in go-mysql-server.
func identify() { identifyOnce.Do(setVersionComment) }

var identifyOnce sync.Once

func setVersionComment() {
	variables.InitSystemVariables()
	sql.SystemVariables.AddSystemVariables([]sql.SystemVariable{&sql.MysqlSystemVariable{
		Name:    "version_comment",
		Scope:   sql.GetMysqlScope(sql.SystemVariableScope_Global),
		Dynamic: false,
		Type:    types.NewSystemStringType("version_comment"),
		Default: versionComment,
	}})
}
