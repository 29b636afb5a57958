package engine_test

import (
	"fmt"
	"testing"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// coldRun runs query on a fresh stripesql without cache over the same
// fake account as opts and returns the rows and the sorted requests it
// made: what any cold run must cost.
func coldRun(t *testing.T, opts stripesqltest.Options, query string, args ...any) ([][]string, []string) {
	t.Helper()
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: opts.Fake})
	rows := env.Rows(t, query, args...)
	return rows, sortedStrings(env.Requests()...)
}

// session returns a view of env whose DB is one connection, so that
// session variables set through it stay set.
func session(t *testing.T, env *stripesqltest.Env) *stripesqltest.Env {
	t.Helper()
	db := env.Open(t, "root", "", env.CAFile != "")
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	s := *env
	s.DB = db
	return &s
}

// connectionID is the MySQL connection id of a session.
func connectionID(t *testing.T, s *stripesqltest.Env) string {
	t.Helper()
	return s.Rows(t, "SELECT CONNECTION_ID()")[0][0]
}

func sameStrings(a, b []string) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}
