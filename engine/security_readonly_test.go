package engine_test

import (
	"strings"
	"testing"

	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/internal/testutil"
)

// Every write, and every statement that would touch the server's files
// or global settings, gets one clear error: 1290, "read-only", with or
// without accounts, as a query or as a prepared statement, and makes no
// Stripe request.
func TestWritesGetReadOnlyError(t *testing.T) {
	writes := []string{
		"INSERT INTO charges (id) VALUES ('ch_x')",
		"REPLACE INTO charges (id) VALUES ('ch_x')",
		"UPDATE charges SET amount = 1",
		"DELETE FROM charges WHERE id = 'ch_x'",
		"CREATE TABLE t (a int)",
		"CREATE TEMPORARY TABLE tmp (a int)",
		"CREATE TABLE t2 AS SELECT id FROM charges",
		"DROP TABLE charges",
		"ALTER TABLE charges ADD COLUMN x int",
		"CREATE INDEX amount_idx ON charges (amount)",
		"TRUNCATE TABLE charges",
		"RENAME TABLE charges TO c2",
		"CREATE DATABASE other",
		"DROP DATABASE stripe",
		"CREATE VIEW v AS SELECT id FROM charges",
		"CREATE PROCEDURE p() SELECT 1",
		"CREATE TRIGGER tr BEFORE INSERT ON charges FOR EACH ROW SET @a = 1",
		"CREATE USER 'mallory'@'%' IDENTIFIED BY 'x'",
		"GRANT SELECT ON *.* TO 'reader'@'%'",
		"REVOKE SELECT ON stripe.* FROM 'reader'@'%'",
		"DROP USER 'reader'@'%'",
		"ALTER USER 'reader'@'%' IDENTIFIED BY 'x'",
		"SET PASSWORD = 'x'",
		"SET GLOBAL max_connections = 5",
		"SET @@global.max_execution_time = 1",
		"LOAD DATA INFILE '/etc/hostname' INTO TABLE charges",
		"SELECT LOAD_FILE('/etc/hostname')",
		"SELECT id FROM charges INTO OUTFILE '/tmp/stripesql-outfile'",
		"PREPARE s FROM 'DELETE FROM charges'",
	}
	for _, tc := range []struct {
		name  string
		users []engine.User
	}{{"no accounts", nil}, {"read-only account", []engine.User{reader}}} {
		t.Run(tc.name, func(t *testing.T) {
			env := stripesqltest.Start(t, stripesqltest.Options{Users: tc.users})
			for _, q := range writes {
				_, err := env.DB.Exec(q)
				checkReadOnly(t, q, err)
			}
			for _, q := range writes[:6] {
				_, err := env.DB.Prepare(q)
				checkReadOnly(t, "prepared "+q, err)
			}
			// Reads and session settings still work.
			env.Rows(t, "SET SESSION max_execution_time = 0")
			env.Rows(t, "SET NAMES utf8mb4")
			if n := len(env.Rows(t, "SELECT id FROM charges LIMIT 2")); n != 2 {
				t.Errorf("SELECT after the writes: %d rows", n)
			}
			if reqs := env.Requests(); len(reqs) != 1 {
				t.Errorf("Stripe requests: %v, want only the SELECT's", reqs)
			}
		})
	}

	env := stripesqltest.Start(t, stripesqltest.Options{Users: []engine.User{reader}})
	_, err := testutil.RunMySQL(t, env.Addr, "reader", reader.Password, "stripe", "DELETE FROM charges")
	if err == nil || !strings.Contains(err.Error(), "ERROR 1290") || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("mariadb DELETE: %v, want ERROR 1290 … read-only", err)
	}
}

func checkReadOnly(t *testing.T, q string, err error) {
	t.Helper()
	if got := mysqlErrNumber(err); got != 1290 {
		t.Errorf("%s: err = %v, want 1290", q, err)
		return
	}
	if !strings.Contains(err.Error(), "read-only (writes to Stripe are not enabled)") {
		t.Errorf("%s: %v, want it to say the server is read-only", q, err)
	}
}
