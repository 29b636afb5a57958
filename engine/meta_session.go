package engine

import (
	"context"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/stripesql/stripesql/tables/sqltable"
)

// cacheVariable turns the page cache off for a session:
// SET stripe_cache = OFF (or SET @@session.stripe_cache = 0); ON again
// with SET stripe_cache = ON. SET GLOBAL changes the default of sessions
// opened afterwards.
const cacheVariable = "stripe_cache"

func init() { addSessionSwitch(cacheVariable) }

// addSessionSwitch registers an ON/OFF variable of a session, ON unless
// turned off. The registry of system variables is go-mysql-server's
// global one; a variable must be in it before sessions are made.
func addSessionSwitch(name string) {
	sql.SystemVariables.AddSystemVariables([]sql.SystemVariable{&sql.MysqlSystemVariable{
		Name:    name,
		Scope:   sql.GetMysqlScope(sql.SystemVariableScope_Both),
		Dynamic: true,
		Type:    types.NewSystemBoolType(name),
		Default: int8(1),
	}})
}

// switchOn reads a session's switch (on unless turned off).
func switchOn(ctx *sql.Context, name string) bool {
	v, err := ctx.GetSessionVariable(ctx, name)
	if err != nil {
		return true
	}
	switch v := v.(type) {
	case int8:
		return v != 0
	case bool:
		return v
	}
	return true
}

// newContext is the server's sql.ContextFactory: a statement's context
// carries its sqltable.Query (put there by queryHandler), which learns the
// session's cache setting here, where the session is known.
func newContext(ctx context.Context, opts ...sql.ContextOption) *sql.Context {
	c := sql.NewContext(ctx, opts...)
	if q := sqltable.QueryFrom(ctx); q != nil && c.Session != nil {
		q.SetNoCache(!switchOn(c, cacheVariable))
	}
	return c
}
