package engine

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"
	"github.com/dolthub/vitess/go/vt/sqlparser"

	"github.com/stripesql/stripesql/tables/sqltable"
)

// guard is the mysql.Handler in front of go-mysql-server's. It enforces
// what the engine does not, or not well enough for a server holding a
// live Stripe key: TLS-only connections, read-only statements with one
// clear error, max_execution_time, stopping a statement whose client went
// away, and a graceful shutdown. It answers SHOW GRANTS itself.
type guard struct {
	mysql.Handler
	s *Server
}

// MySQL errors the guard answers with.
const (
	erSecureTransportRequired = 3159
	erQueryTimeout            = 3024
	erServerShutdown          = 1053
)

var (
	errClientGone       = errors.New("client connection closed")
	errShutdown         = mysql.NewSQLError(erServerShutdown, "08S01", "Server shutdown in progress")
	errKilled           = mysql.NewSQLError(mysql.ERQueryInterrupted, "70100", "Query execution was interrupted")
	errMaxExecutionTime = mysql.NewSQLError(erQueryTimeout, "HY000", "Query execution was interrupted, maximum statement execution time exceeded")
	errInsecure         = mysql.NewSQLError(erSecureTransportRequired, "HY000",
		"Connections using insecure transport are prohibited: this server requires TLS (connect with --ssl, or tls=true in a driver)")
)

func (g guard) NewConnection(c *mysql.Conn) {
	g.s.conns.Store(c.ConnectionID, c)
	g.Handler.NewConnection(c)
}

func (g guard) ConnectionClosed(c *mysql.Conn) {
	g.s.conns.Delete(c.ConnectionID)
	g.s.sessions.Delete(c.ConnectionID)
	g.s.writes.forget(c.ConnectionID)
	g.s.replicas.Delete(c.ConnectionID)
	g.Handler.ConnectionClosed(c)
}

// admit refuses every command on a connection without TLS when TLS is
// required: vitess writes its own refusal during the handshake but then
// carries on authenticating a client that ignores it.
func (g guard) admit(c *mysql.Conn) error {
	if g.s.requireTLS && !c.TLSEnabled() {
		return errInsecure
	}
	return nil
}

func (g guard) ComInitDB(c *mysql.Conn, db string) error {
	if err := g.admit(c); err != nil {
		return err
	}
	return g.Handler.ComInitDB(c, db)
}

func (g guard) ComQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) error {
	return g.run(ctx, c, query, callback, nil, func(ctx context.Context, cb mysql.ResultSpoolFn) error {
		return g.Handler.ComQuery(ctx, c, query, cb)
	})
}

func (g guard) ComMultiQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) (string, error) {
	var rest string
	err := g.run(ctx, c, query, callback, &rest, func(ctx context.Context, cb mysql.ResultSpoolFn) error {
		var err error
		rest, err = g.Handler.ComMultiQuery(ctx, c, query, cb)
		return err
	})
	return rest, err
}

func (g guard) ComPrepare(ctx context.Context, c *mysql.Conn, query string, prepare *mysql.PrepareData) ([]*querypb.Field, error) {
	if err := g.admit(c); err != nil {
		return nil, err
	}
	if st, _ := g.parse(c, query); st != nil {
		if w := writeOf(st); w != "" {
			var err error
			if ctx, _, err = g.s.admitWrite(ctx, c, st, w, query, nil); err != nil {
				return nil, err
			}
		}
	}
	return g.Handler.ComPrepare(ctx, c, query, prepare)
}

func (g guard) ComStmtExecute(ctx context.Context, c *mysql.Conn, prepare *mysql.PrepareData, callback func(*sqltypes.Result) error) error {
	spool := func(r *sqltypes.Result, _ bool) error { return callback(r) }
	ctx = withArguments(ctx, prepare.BindVars)
	return g.run(ctx, c, prepare.PrepareStmt, spool, nil, func(ctx context.Context, cb mysql.ResultSpoolFn) error {
		return g.Handler.ComStmtExecute(ctx, c, prepare, func(r *sqltypes.Result) error { return cb(r, false) })
	})
}

// run executes one statement (the first of query) through exec. rest is
// set, for a multi-statement query, to what follows a statement the guard
// answers itself (exec sets it otherwise).
func (g guard) run(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn, rest *string, exec func(context.Context, mysql.ResultSpoolFn) error) error {
	if err := g.admit(c); err != nil {
		return err
	}
	st, next := g.parse(c, query)
	if st != nil {
		if w := writeOf(st); w != "" {
			var err error
			if ctx, exec, err = g.s.admitWrite(ctx, c, st, w, query[:next], exec); err != nil {
				return err // and the statements after it are not run, as in MySQL
			}
		}
		if g.answers(st) {
			more := false
			if rest != nil {
				*rest = strings.TrimSpace(query[next:])
				more = *rest != ""
			}
			return g.answer(c, st, callback, more)
		}
	}
	ctx, stmt, err := g.s.statements.start(ctx)
	if err != nil {
		return err
	}
	defer stmt.done()
	ctx, cancel := g.s.deadline(ctx, c.ConnectionID, st)
	defer cancel()
	defer watchClient(ctx, c, stmt.cancel)()

	// A failed statement's pages leave the cache: a later query must not
	// build on part of a scan that did not complete.
	scope := &sqltable.FetchScope{}
	ctx = sqltable.WithFetchScope(ctx, scope)
	hb := &holdback{next: callback}
	if err := exec(ctx, hb.spool); err != nil {
		scope.Forget()
		return explain(ctx, err, hb.sent)
	}
	return hb.flush()
}

// answers reports the statements the guard answers itself, where
// go-mysql-server refuses what MySQL allows an account: SHOW GRANTS, KILL
// of the account's own statements, and the read locks of mysqldump
// (dumpcompat.go).
func (g guard) answers(st sqlparser.Statement) bool {
	switch st := st.(type) {
	case *sqlparser.ShowGrants, *sqlparser.LockTables:
		return true
	case *sqlparser.Flush:
		return flushesTables(st)
	case *sqlparser.Kill:
		return g.s.authOn
	case *sqlparser.Show:
		return answersBinlog(st)
	}
	return false
}

func (g guard) answer(c *mysql.Conn, st sqlparser.Statement, callback mysql.ResultSpoolFn, more bool) error {
	switch st := st.(type) {
	case *sqlparser.Kill:
		return g.kill(c, st, callback, more)
	case *sqlparser.LockTables:
		return g.lockTables(c, st, callback, more)
	case *sqlparser.Flush:
		return g.flushTables(c, st, callback, more)
	case *sqlparser.Show:
		return g.showBinlog(c, st, callback, more)
	}
	return g.showGrants(c, st.(*sqlparser.ShowGrants), callback, more)
}

// explain replaces the engine's error for a statement the guard stopped
// ("context canceled") with the reason it was stopped, unless rows were
// already sent: the connection is then dropped whatever the error says.
func explain(ctx context.Context, err error, sent bool) error {
	cause := context.Cause(ctx)
	switch {
	case sent:
		return err
	case cause == nil && isCanceled(err):
		// Stopped from inside go-mysql-server: KILL QUERY, which MySQL
		// reports as 1317; the engine says only "context canceled" (1105).
		return errKilled
	case cause == nil:
		return err
	case errors.Is(cause, errShutdown):
		return errShutdown
	case errors.Is(cause, errMaxExecutionTime):
		return errMaxExecutionTime
	}
	return err
}

// isCanceled recognises a cancelled statement's error, which reaches the
// handler as text only.
func isCanceled(err error) bool {
	var se *mysql.SQLError
	if errors.As(err, &se) {
		return se.Message == context.Canceled.Error()
	}
	return errors.Is(err, context.Canceled)
}

// parse returns the statement query starts with and where the next one
// starts, or nil when it does not parse: the engine then reports the
// syntax error.
func (g guard) parse(c *mysql.Conn, query string) (sqlparser.Statement, int) {
	st, next, err := sqlparser.ParseOne(context.Background(), query)
	if err == nil {
		return st, min(next, len(query))
	}
	// The session's sql_mode (ANSI_QUOTES) may be what makes it parse.
	opts, err := g.Handler.ParserOptionsForConnection(c)
	if err != nil {
		return nil, 0
	}
	st, next, err = sqlparser.ParseOneWithOptions(context.Background(), query, opts)
	if err != nil {
		return nil, 0
	}
	return st, min(next, len(query))
}

// varContext is the context deadline reads a session variable with: the
// session reads its own variables, and a new empty context per query
// (a session with every system and status variable) cost a tenth of a
// held join's CPU.
var varContext = sync.OnceValue(sql.NewEmptyContext)

// deadline applies the session's max_execution_time (milliseconds) to
// a SELECT, as MySQL does; go-mysql-server has the variable but does not
// enforce it.
func (s *Server) deadline(ctx context.Context, connID uint32, st sqlparser.Statement) (context.Context, context.CancelFunc) {
	switch st.(type) {
	case *sqlparser.Select, *sqlparser.SetOp:
	default:
		return ctx, func() {}
	}
	v, ok := s.sessions.Load(connID)
	if !ok {
		return ctx, func() {}
	}
	val, err := v.(sql.Session).GetSessionVariable(varContext(), "max_execution_time")
	if err != nil {
		return ctx, func() {}
	}
	ms, ok := val.(int64)
	if !ok || ms <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeoutCause(ctx, time.Duration(ms)*time.Millisecond, errMaxExecutionTime)
}
