package testutil

import (
	"database/sql"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// ZoneDB is a pool on cfg whose every connection runs SET time_zone =
// zone (the driver's time_zone parameter), reading values as text; it is
// closed when the test ends.
func ZoneDB(t testing.TB, cfg *mysql.Config, zone string) *sql.DB {
	t.Helper()
	cfg = cfg.Clone()
	cfg.ParseTime = false
	cfg.Params = map[string]string{"time_zone": "'" + zone + "'"}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	t.Cleanup(func() { db.Close() })
	return db
}
