package engine

import (
	"context"

	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
)

// compatHandler adjusts what go-mysql-server's handler sends so that
// every MySQL client can read it; it changes no query's meaning.
//
// OK packets with an info string: vitess writes them as '#' followed by
// the info (writeOKPacketWithInfo), a layout no client expects. Clients that
// negotiate CLIENT_SESSION_TRACK (libmariadb: the mariadb/mysql CLI,
// mysqlclient, MariaDB Connector/C) read the '#' as a length and fail with
// "Received malformed packet" (2027) on `PREPARE s FROM '...'`, whose OK
// result carries "Statement prepared". The info text is optional in the
// protocol, so results without columns are sent without it.
//
// DOUBLE and FLOAT values: rewritten in MariaDB's text (floattext.go).
type compatHandler struct {
	mysql.Handler
}

// compatHandlerWrapper is the server.HandlerWrapper that installs compatHandler.
func compatHandlerWrapper(h mysql.Handler) (mysql.Handler, error) {
	return compatHandler{Handler: h}, nil
}

func (h compatHandler) ComQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) error {
	return withMySQLNumber(h.Handler.ComQuery(ctx, c, query, compatResults(callback)))
}

func (h compatHandler) ComMultiQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) (string, error) {
	rest, err := h.Handler.ComMultiQuery(ctx, c, query, compatResults(callback))
	return rest, withMySQLNumber(err)
}

// compatResults drops the info string of column-less (OK) results and
// writes float values as MariaDB does.
func compatResults(callback mysql.ResultSpoolFn) mysql.ResultSpoolFn {
	return func(res *sqltypes.Result, more bool) error {
		if res != nil && len(res.Fields) == 0 && res.Info != "" {
			res.Info = ""
		}
		if res != nil {
			mysqlFloatRows(res)
		}
		return callback(res, more)
	}
}
