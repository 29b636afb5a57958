package refdb

import (
	"database/sql"
	"testing"

	"github.com/stripesql/stripesql/internal/mariadbtest"
)

// Start starts a MariaDB for the test (mariadbtest.Start: skipped without
// the binaries, except in CI) and returns a pool on its empty database
// stripe whose sessions are in UTC, as stripesql's sessions start
// (its time columns are loaded as UTC wall-clock times: UNIX_TIMESTAMP,
// FROM_UNIXTIME and day buckets then agree with stripesql's). Tables go in with TableOf and Load.
func Start(t testing.TB) *sql.DB {
	t.Helper()
	maria := mariadbtest.Start(t)
	admin, err := maria.Open("stripe") // creates the database
	if err != nil {
		t.Fatal(err)
	}
	admin.Close()
	db, err := sql.Open("mysql", maria.DSN("stripe")+"?time_zone=%27%2B00%3A00%27")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
