package engine

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"
	"github.com/dolthub/vitess/go/vt/sqlparser"

	"github.com/stripesql/stripesql/tables/sqltable"
)

// Writes: with Config.AllowWrites, INSERT, UPDATE and DELETE on a Stripe
// table become Stripe requests, for the accounts granted write (every
// client when the server has no accounts). Everything else that writes
// stays refused with the read-only error.

// writePolicy is who may write, and each session's write history.
type writePolicy struct {
	allowed bool
	authOn  bool
	writers map[string]bool
	// nonce sets this process's idempotency keys apart from an earlier
	// run's, whose connection ids were the same.
	nonce    string
	sessions sync.Map // connection id → *writeSession
}

// writeSession is one connection's writes.
type writeSession struct {
	mu sync.Mutex
	// completed counts the write statements that succeeded: a statement
	// run again after it succeeded is a new write (new keys); run again
	// after it failed, it is a retry (the same keys).
	completed uint64
	// last are the objects the last INSERT created (stripe_meta.last_created).
	last []sqltable.Created
}

func newWritePolicy(cfg Config) *writePolicy {
	p := &writePolicy{allowed: cfg.AllowWrites, authOn: len(cfg.Users) > 0, writers: map[string]bool{}}
	for _, u := range cfg.Users {
		if u.Write {
			p.writers[u.Name] = true
		}
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	p.nonce = hex.EncodeToString(b)
	return p
}

func (p *writePolicy) session(connID uint32) *writeSession {
	ws, _ := p.sessions.LoadOrStore(connID, &writeSession{})
	return ws.(*writeSession)
}

// forget drops a closed connection's history.
func (p *writePolicy) forget(connID uint32) { p.sessions.Delete(connID) }

// lastCreated is what stripe_meta.last_created shows a connection.
func (p *writePolicy) lastCreated(connID uint32) []sqltable.Created {
	ws, ok := p.sessions.Load(connID)
	if !ok {
		return nil
	}
	s := ws.(*writeSession)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// statementExec runs a statement, as guard.run does.
type statementExec func(context.Context, mysql.ResultSpoolFn) error

// admitWrite decides the fate of a statement writeOf named (what): the
// read-only error unless it is an INSERT, UPDATE or DELETE of a Stripe
// table by an account that may write, in a form stripesql runs. An
// admitted statement gets a sqltable.WriteStatement in its context, and
// exec (when given: nil while only preparing) is wrapped to keep the
// session's write history. text is the statement, for its idempotency
// keys.
func (s *Server) admitWrite(ctx context.Context, c *mysql.Conn, st sqlparser.Statement, what, text string, exec statementExec) (context.Context, statementExec, error) {
	p := s.writes
	if !p.allowed || readsServerFiles(st) != "" {
		return ctx, nil, readOnlyError(what)
	}
	target, ok, err := targetOf(st)
	switch {
	case !ok:
		return ctx, nil, readOnlyError(what)
	case err != nil:
		return ctx, nil, err
	}
	db := target.db
	if db == "" {
		db = s.currentDatabase(c.ConnectionID)
	}
	if !s.isStripeDatabase(db) {
		return ctx, nil, readOnlyError(what)
	}
	if p.authOn && !p.writers[c.User] {
		return ctx, nil, mysql.NewSQLError(erTableAccessDeniedForUser, "42000",
			"%s command denied to user '%s'@'%%' for table '%s' (the account may only read; writers are named with --writer)", target.kind, c.User, target.table)
	}
	if err := sqltable.CheckWrite(target.table, target.kind, target.columns); err != nil {
		return ctx, nil, err
	}
	args := argumentsFrom(ctx)
	w := &sqltable.WriteStatement{Kind: target.kind, Columns: target.columns, Account: valueOf(target.account, args)}
	if exec == nil {
		return sqltable.WithWrite(ctx, w), nil, nil
	}
	ws := p.session(c.ConnectionID)
	ws.mu.Lock()
	w.KeySeed = p.keySeed(c.ConnectionID, ws.completed, text, canonicalArguments(args))
	ws.mu.Unlock()
	run := func(ctx context.Context, cb mysql.ResultSpoolFn) error {
		err := exec(sqltable.WithWrite(ctx, w), cb)
		ws.mu.Lock()
		defer ws.mu.Unlock()
		if target.kind == sqltable.Insert {
			ws.last = w.Created()
		}
		if err == nil {
			ws.completed++
		}
		return err
	}
	return ctx, run, nil
}

// keySeed derives a statement's idempotency keys from the process, the
// connection, how many writes it completed, the statement and its
// arguments.
func (p *writePolicy) keySeed(connID uint32, completed uint64, text, args string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{p.nonce, strconv.FormatUint(uint64(connID), 10),
		strconv.FormatUint(completed, 10), text, args}, "\x00")))
	return hex.EncodeToString(sum[:])
}

// currentDatabase is the database a connection's session is using.
func (s *Server) currentDatabase(connID uint32) string {
	if v, ok := s.sessions.Load(connID); ok {
		return v.(sql.Session).GetCurrentDatabase()
	}
	return ""
}

// isStripeDatabase reports whether name is a Stripe account's database
// (not stripe_meta, mysql or information_schema, which no one writes).
func (s *Server) isStripeDatabase(name string) bool {
	if strings.EqualFold(name, metaDatabaseName) {
		return false
	}
	for _, db := range s.databases {
		if strings.EqualFold(db, name) {
			return true
		}
	}
	return false
}

type argumentsKey struct{}

// withArguments gives a prepared statement's execution its bound values:
// part of its idempotency keys, and maybe its stripe_account.
func withArguments(ctx context.Context, vars map[string]*querypb.BindVariable) context.Context {
	if len(vars) == 0 {
		return ctx
	}
	return context.WithValue(ctx, argumentsKey{}, vars)
}

func argumentsFrom(ctx context.Context) map[string]*querypb.BindVariable {
	vars, _ := ctx.Value(argumentsKey{}).(map[string]*querypb.BindVariable)
	return vars
}

// canonicalArguments writes bound values in a stable order.
func canonicalArguments(vars map[string]*querypb.BindVariable) string {
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s=%d:%x;", n, vars[n].Type, vars[n].Value)
	}
	return b.String()
}

// valueOf is a literal's or a placeholder's value, "" when unknown (a
// statement only being prepared).
func valueOf(v *sqlparser.SQLVal, vars map[string]*querypb.BindVariable) string {
	if v == nil {
		return ""
	}
	if v.Type == sqlparser.ValArg {
		if b := vars[strings.TrimPrefix(string(v.Val), ":")]; b != nil {
			return string(b.Value)
		}
		return ""
	}
	return string(v.Val)
}

// writeStatementOf is the write a statement's context carries, or nil.
func writeStatementOf(ctx *sql.Context) *sqltable.WriteStatement {
	if ctx == nil {
		return nil
	}
	return sqltable.WriteFrom(ctx)
}
