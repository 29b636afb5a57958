package testutil

import (
	"context"
	"sync"
	"testing"

	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"
	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// fakeMySQLServer speaks the MySQL protocol (via vitess, which our engine's
// go-mysql-server builds on) and answers every query with one fixed result,
// recording what the client sent. It exercises RunMySQL against the real CLI.
type fakeMySQLServer struct {
	mu      sync.Mutex
	users   []string
	dbs     []string
	queries []string
}

// fakeResult is what every query returns: a string, a number and a NULL.
var fakeResult = &sqltypes.Result{
	Fields: []*querypb.Field{
		{Name: "id", Type: querypb.Type_VARCHAR},
		{Name: "amount", Type: querypb.Type_INT64},
		{Name: "description", Type: querypb.Type_VARCHAR},
	},
	Rows: [][]sqltypes.Value{
		{sqltypes.NewVarChar("ch_1"), sqltypes.NewInt64(100), sqltypes.NULL},
		{sqltypes.NewVarChar("ch_2"), sqltypes.NewInt64(2500), sqltypes.NewVarChar("two words")},
	},
}

// startFakeMySQL listens on a free loopback port; the only account is
// alice with password s3cret.
func startFakeMySQL(t *testing.T) (addr string, srv *fakeMySQLServer) {
	t.Helper()
	auth := mysql.NewAuthServerStatic("", `{"alice": [{"Password": "s3cret"}]}`, 0)
	srv = &fakeMySQLServer{}
	l, err := mysql.NewListener("tcp", "127.0.0.1:0", auth, srv, 0, 0)
	if err != nil {
		t.Fatalf("fake MySQL server: %v", err)
	}
	go l.Accept()
	t.Cleanup(l.Close)
	return l.Addr().String(), srv
}

func (s *fakeMySQLServer) ComInitDB(c *mysql.Conn, schemaName string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dbs = append(s.dbs, schemaName)
	return nil
}

func (s *fakeMySQLServer) ComQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) error {
	s.mu.Lock()
	s.users = append(s.users, c.User)
	s.queries = append(s.queries, query)
	s.mu.Unlock()
	return callback(fakeResult, false)
}

func (s *fakeMySQLServer) ComMultiQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) (string, error) {
	return "", s.ComQuery(ctx, c, query, callback)
}

func (s *fakeMySQLServer) NewConnection(*mysql.Conn)                   {}
func (s *fakeMySQLServer) ConnectionClosed(*mysql.Conn)                {}
func (s *fakeMySQLServer) ConnectionAborted(*mysql.Conn, string) error { return nil }
func (s *fakeMySQLServer) WarningCount(*mysql.Conn) uint16             { return 0 }
func (s *fakeMySQLServer) ComResetConnection(*mysql.Conn) error        { return nil }
func (s *fakeMySQLServer) ComPrepare(context.Context, *mysql.Conn, string, *mysql.PrepareData) ([]*querypb.Field, error) {
	return nil, nil
}
func (s *fakeMySQLServer) ComStmtExecute(context.Context, *mysql.Conn, *mysql.PrepareData, func(*sqltypes.Result) error) error {
	return nil
}
func (s *fakeMySQLServer) ParserOptionsForConnection(*mysql.Conn) (sqlparser.ParserOptions, error) {
	return sqlparser.ParserOptions{}, nil
}

func (s *fakeMySQLServer) seen() (users, dbs, queries []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.users...), append([]string(nil), s.dbs...), append([]string(nil), s.queries...)
}
