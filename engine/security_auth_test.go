package engine_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/internal/testutil"
	"github.com/stripesql/stripesql/tables/sqltable"
)

var reader = engine.User{Name: "reader", Password: "s3cret:with:colons"}

// mysqlErrNumber is the MySQL error number of a go-sql-driver error (0 if
// it is not a server error).
func mysqlErrNumber(err error) uint16 {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

// Accounts log in with the right password only, through go-sql-driver and
// the mariadb client, with mysql_native_password, and with
// caching_sha2_password over TLS.
func TestAccountsLogIn(t *testing.T) {
	var logs stripesqltest.Logs
	env := stripesqltest.Start(t, stripesqltest.Options{Users: []engine.User{reader, {Name: "second", Password: "pw2"}}, TLS: true, Logger: logs.Logger()})
	count := "SELECT count(*) FROM charges"
	want := len(env.Fake.Objects("charges"))

	t.Run("go-sql-driver", func(t *testing.T) {
		for _, tc := range []struct {
			name, user, password string
			tls                  bool
			wantErr              uint16
		}{
			{"native", "reader", reader.Password, false, 0},
			{"native over TLS", "reader", reader.Password, true, 0},
			{"second account", "second", "pw2", false, 0},
			{"wrong password", "reader", "wrong", false, 1045},
			{"another account's password", "reader", "pw2", false, 1045},
			{"unknown user", "root", "", false, 1045},
			{"empty password", "reader", "", true, 1045},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var n int
				err := env.Open(t, tc.user, tc.password, tc.tls).QueryRow(count).Scan(&n)
				if got := mysqlErrNumber(err); got != tc.wantErr || (err != nil && tc.wantErr == 0) {
					t.Fatalf("login as %s: err = %v, want error %d", tc.user, err, tc.wantErr)
				}
				if tc.wantErr == 0 && n != want {
					t.Errorf("count(*) = %d, want %d", n, want)
				}
			})
		}
	})

	t.Run("mariadb", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			password   string
			args       []string
			wantMethod string
			wantErr    string
		}{
			{"native", reader.Password, nil, "mysql_native_password", ""},
			{"caching_sha2_password over TLS", reader.Password,
				[]string{"--ssl", "--ssl-ca=" + env.CAFile, "--default-auth=caching_sha2_password"}, "caching_sha2_password", ""},
			// Without TLS caching_sha2_password is unsafe: the client is
			// switched to mysql_native_password.
			{"caching_sha2_password without TLS", reader.Password,
				[]string{"--skip-ssl", "--default-auth=caching_sha2_password"}, "mysql_native_password", ""},
			{"wrong password", "nope", nil, "", "ERROR 1045"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := len(logs.Lines("mysql login", "user=reader", "method="+tc.wantMethod))
				out, err := testutil.RunMySQL(t, env.Addr, "reader", tc.password, "stripe", count, append([]string{"--skip-column-names"}, tc.args...)...)
				if tc.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
						t.Fatalf("err = %v, want %s", err, tc.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if strings.TrimSpace(out) != strconv.Itoa(want) {
					t.Errorf("count(*) = %q, want %d", out, want)
				}
				if after := len(logs.Lines("mysql login", "user=reader", "method="+tc.wantMethod)); after != before+1 {
					t.Errorf("no %s login logged:\n%s", tc.wantMethod, strings.Join(logs.Lines("mysql login"), "\n"))
				}
			})
		}
	})
}

// With TLS required, a connection without TLS can do nothing; with TLS
// it works, for go-sql-driver and the mariadb client alike.
func TestRequireTLS(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Users: []engine.User{reader}, RequireTLS: true})
	var n int
	if err := env.Open(t, "reader", reader.Password, false).QueryRow("SELECT 1").Scan(&n); err == nil {
		t.Fatal("go-sql-driver without TLS: query succeeded")
	}
	if err := env.DB.QueryRow("SELECT 1").Scan(&n); err != nil || n != 1 {
		t.Fatalf("go-sql-driver over TLS: %v", err)
	}
	if out, err := testutil.RunMySQL(t, env.Addr, "reader", reader.Password, "stripe", "SELECT 1", "--skip-ssl"); err == nil {
		t.Fatalf("mariadb --skip-ssl: succeeded: %s", out)
	}
	out, err := testutil.RunMySQL(t, env.Addr, "reader", reader.Password, "stripe", "SHOW STATUS LIKE 'Ssl_cipher'", "--ssl", "--ssl-ca="+env.CAFile, "--skip-column-names")
	if err != nil {
		t.Fatalf("mariadb --ssl: %v", err)
	}
	if strings.TrimSpace(out) == "" {
		t.Errorf("mariadb --ssl: no Ssl_cipher status: %q", out)
	}
	if reqs := env.Requests(); len(reqs) != 0 {
		t.Errorf("Stripe requests: %v", reqs)
	}
}

// Without accounts the server serves loopback addresses only; it refuses
// others before binding anything.
func TestNoAccountsMeansLoopbackOnly(t *testing.T) {
	client := sqltable.NewClient(sqltable.ClientOptions{APIKey: stripesqltest.Key, URL: "http://127.0.0.1:1"})
	accounts := []engine.Account{{Database: "stripe", Client: client}}
	for _, tc := range []struct {
		name    string
		listen  string
		users   []engine.User
		wantErr string
	}{
		{"loopback without accounts", "127.0.0.1:0", nil, ""},
		{"all interfaces without accounts", "0.0.0.0:0", nil, "refusing to listen on 0.0.0.0"},
		{"all interfaces, IPv6", "[::]:0", nil, "refusing to listen on [::]:0"},
		{"an interface's address", "192.0.2.1:0", nil, "refusing to listen on 192.0.2.1:0"},
		{"no host", ":0", nil, "refusing to listen on :0"},
		{"localhost", "localhost:0", nil, ""},
		{"loopback with an account", "127.0.0.1:0", []engine.User{reader}, ""},
		{"account without password", "127.0.0.1:0", []engine.User{{Name: "x"}}, `MySQL user "x" needs a password`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := engine.New(engine.Config{Listen: tc.listen, Accounts: accounts, Users: tc.users})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				srv.Close()
				return
			}
			if err == nil {
				srv.Close()
				t.Fatalf("New succeeded, want %q", tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// A read-only account reads the Stripe databases and their catalog, and
// nothing of the mysql database (which holds the password hashes).
func TestReadOnlyAccountSeesStripeOnly(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Users: []engine.User{reader}})
	// go-mysql-server lists every database to an account with any grant;
	// what counts is that the mysql database cannot be read.
	if dbs := stripesqltest.Column(env.Rows(t, "SHOW DATABASES")); !contains(dbs, "stripe") {
		t.Errorf("SHOW DATABASES = %v, want stripe", dbs)
	}
	if tabs := stripesqltest.Column(env.Rows(t, "SHOW TABLES")); !contains(tabs, "charges") {
		t.Errorf("SHOW TABLES lacks charges: %v", tabs)
	}
	if cols := env.Rows(t, "SELECT column_name FROM information_schema.columns WHERE table_schema = 'stripe' AND table_name = 'charges'"); len(cols) < 10 {
		t.Errorf("information_schema.columns for charges: %v", cols)
	}
	if n := len(env.Rows(t, "SELECT id FROM charges LIMIT 3")); n != 3 {
		t.Errorf("SELECT … LIMIT 3 returned %d rows", n)
	}
	if procs := env.Rows(t, "SHOW PROCESSLIST"); len(procs) == 0 {
		t.Error("SHOW PROCESSLIST: no row, want at least this connection's")
	}
	msg := env.Error(t, "SELECT authentication_string FROM mysql.user")
	if !strings.Contains(msg, "denied") {
		t.Errorf("reading mysql.user: %s, want access denied", msg)
	}
}

// SHOW GRANTS answers as MySQL would for a read-only account (Metabase
// runs it during sync); go-mysql-server itself fails it. The grants are
// SELECT on every database served but information_schema and mysql.
func TestShowGrants(t *testing.T) {
	for _, tc := range []struct {
		name    string
		users   []engine.User
		query   string
		account string // "" when the statement must fail with err
		err     uint16
	}{
		{"account", []engine.User{reader}, "SHOW GRANTS", "`reader`@`%`", 0},
		{"account, current_user()", []engine.User{reader}, "SHOW GRANTS FOR CURRENT_USER()", "`reader`@`%`", 0},
		{"account, by name", []engine.User{reader}, "SHOW GRANTS FOR 'reader'@'%'", "`reader`@`%`", 0},
		{"account, another one", []engine.User{reader, {Name: "other", Password: "x"}}, "SHOW GRANTS FOR 'other'@'%'", "", 1044},
		{"no accounts", nil, "SHOW GRANTS", "`root`@`%`", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := stripesqltest.Start(t, stripesqltest.Options{Users: tc.users})
			if tc.err != 0 {
				_, err := env.DB.Query(tc.query)
				if got := mysqlErrNumber(err); got != tc.err {
					t.Fatalf("%s: err = %v, want %d", tc.query, err, tc.err)
				}
				return
			}
			want := []string{"GRANT PROCESS ON *.* TO " + tc.account}
			for _, db := range stripesqltest.Column(env.Rows(t, "SHOW DATABASES")) {
				if db != "information_schema" && db != "mysql" {
					want = append(want, "GRANT SELECT ON `"+db+"`.* TO "+tc.account)
				}
			}
			if !contains(want, "GRANT SELECT ON `stripe`.* TO "+tc.account) {
				t.Fatalf("SHOW DATABASES lacks stripe: %v", want)
			}
			got := stripesqltest.Column(env.Rows(t, tc.query))
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s =\n%s\nwant\n%s", tc.query, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
	env := stripesqltest.Start(t, stripesqltest.Options{Users: []engine.User{reader}})
	// The mariadb client reads it too, also among other statements.
	out, err := testutil.RunMySQL(t, env.Addr, "reader", reader.Password, "stripe", "SELECT 41; SHOW GRANTS; SELECT 42", "--skip-column-names")
	if err != nil || !strings.Contains(out, "GRANT SELECT ON `stripe`.* TO `reader`@`%`") || !strings.HasPrefix(out, "41\n") || !strings.HasSuffix(out, "\n42\n") {
		t.Errorf("mariadb SELECT 41; SHOW GRANTS; SELECT 42: %q, %v", out, err)
	}
}

// An account may KILL its own connections' statements (the mysql
// client's Ctrl-C), not another account's.
func TestKillOwnStatementsOnly(t *testing.T) {
	other := engine.User{Name: "other", Password: "pw-other"}
	env := stripesqltest.Start(t, stripesqltest.Options{Users: []engine.User{reader, other}})
	connID := func(db *sql.DB) (*sql.Conn, int64) {
		conn, err := db.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		var id int64
		if err := conn.QueryRowContext(context.Background(), "SELECT CONNECTION_ID()").Scan(&id); err != nil {
			t.Fatal(err)
		}
		return conn, id
	}
	_, own := connID(env.DB)
	otherConn, theirs := connID(env.Open(t, other.Name, other.Password, false))
	for _, tc := range []struct {
		stmt string
		err  uint16
	}{
		{fmt.Sprintf("KILL QUERY %d", own), 0},
		{fmt.Sprintf("KILL QUERY %d", theirs), 1095},
		{fmt.Sprintf("KILL %d", theirs), 1095},
		{"KILL QUERY 999999", 1094},
	} {
		_, err := env.DB.Exec(tc.stmt)
		if got := mysqlErrNumber(err); got != tc.err || (err != nil) != (tc.err != 0) {
			t.Errorf("%s: %v, want error %d", tc.stmt, err, tc.err)
		}
	}
	if err := otherConn.PingContext(context.Background()); err != nil {
		t.Errorf("the other account's connection was closed: %v", err)
	}
}
