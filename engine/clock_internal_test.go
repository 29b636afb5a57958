package engine

import (
	stdsql "database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/expression/function"
	"github.com/dolthub/go-mysql-server/sql/types"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/stripesql/stripesql/internal/mariadbtest"
)

// The clock functions answer as a real MariaDB whose clock is fixed at
// the same instant (SET timestamp), in offsets and named zones, in the
// hours around New York's clock changes and away from them: NOW(),
// SYSDATE() and CURTIME() in the session's zone, UTC_* in UTC, with the
// fractional digits asked for. MariaDB's SYSDATE() ignores SET timestamp
// (it reads the clock at each call), so ours, with its clock fixed at the
// instant, is checked against MariaDB's NOW() there. go-mysql-server
// shows every fraction of a second without its trailing zeros (12:00:00.5
// for MariaDB's 12:00:00.500): the values are compared, not that display.
func TestClockFunctionsMatchMariaDB(t *testing.T) {
	named := []string{"America/New_York", "Asia/Kolkata", "Europe/London"}
	ref := mariadbtest.Start(t)
	if err := ref.LoadTimeZones(named...); err != nil {
		t.Fatal(err)
	}
	cfg, err := gomysql.ParseDSN(ref.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ParseTime = false
	conn, err := gomysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := stdsql.OpenDB(conn)
	defer db.Close()
	funcs := []struct {
		ours string
		args []sql.Expression
		sql  string // MariaDB's
	}{
		{"now", nil, "NOW()"},
		{"now", []sql.Expression{expression.NewLiteral(int8(3), types.Int8)}, "NOW(3)"},
		{"sysdate", nil, "NOW()"},
		{"sysdate", []sql.Expression{expression.NewLiteral(int8(6), types.Int8)}, "NOW(6)"},
		{"curdate", nil, "CURDATE()"},
		{"curtime", nil, "CURTIME()"},
		{"current_time", nil, "CURRENT_TIME"},
		{"curtime", []sql.Expression{expression.NewLiteral(int8(3), types.Int8)}, "CURTIME(3)"},
		{"utc_time", []sql.Expression{expression.NewLiteral(int8(6), types.Int8)}, "UTC_TIME(6)"},
		{"utc_timestamp", nil, "UTC_TIMESTAMP()"},
		{"utc_timestamp", []sql.Expression{expression.NewLiteral(int8(2), types.Int8)}, "UTC_TIMESTAMP(2)"},
		{"utc_date", nil, "UTC_DATE()"},
		{"utc_time", nil, "UTC_TIME()"},
	}
	registry := function.NewRegistry()
	at := []float64{
		1730611662.123456, // 2024-11-03 01:27:42 EDT, before the second 01:00
		1730614458.5,      // 2024-11-03 01:14:18 EST, the repeated hour
		1730619000,        // 2024-11-03 02:30 EST
		1710054000.999999, // 2024-03-10 03:00 EDT, the change
		1710060000,        // 2024-03-10 04:40 EDT
		1711846800,        // 2024-03-31 01:00 UTC: London goes to BST
		1720108800.25,     // 2024-07-04 12:00 EDT
		1704081600,        // 2024-01-01 04:00 UTC, 2023-12-31 in New York
	}
	defer func(f func() time.Time) { sysdateNow = f }(sysdateNow)
	for _, zone := range append([]string{"+00:00", "+05:30", "-08:00"}, named...) {
		for _, sec := range at {
			instant := time.Unix(0, int64(sec*1e6)*1e3)
			sysdateNow = func() time.Time { return instant }
			ctx := zoneContext(t, zone, instant)
			for _, f := range funcs {
				var want string
				q := fmt.Sprintf("SELECT %s", f.sql)
				// One connection: SET timestamp and time_zone are the session's.
				c, err := db.Conn(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				for _, set := range []string{fmt.Sprintf("SET time_zone = '%s'", zone), fmt.Sprintf("SET timestamp = %.6f", sec)} {
					if _, err := c.ExecContext(t.Context(), set); err != nil {
						t.Fatal(err)
					}
				}
				if err := c.QueryRowContext(t.Context(), q).Scan(&want); err != nil {
					t.Fatalf("MariaDB: %s: %v", q, err)
				}
				c.Close()
				fn, ok := registry.Function(ctx, f.ours)
				if !ok {
					t.Fatalf("no function %s", f.ours)
				}
				e, err := fn.NewInstance(f.args)
				if err != nil {
					t.Fatal(err)
				}
				rewritten, _, err := unixTimes(ctx, nil, dualProject(e), nil, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				e = rewritten.(interface{ Expressions() []sql.Expression }).Expressions()[0]
				v, err := e.Eval(ctx, nil)
				if err != nil {
					t.Fatalf("%s: %v", e, err)
				}
				out, err := e.Type().SQL(ctx, nil, v)
				if err != nil {
					t.Fatalf("%s: %v", e, err)
				}
				if got := trimFraction(out.ToString()); got != trimFraction(want) {
					t.Errorf("%s(%v) in %s at %s: %s, MariaDB %s gives %s", f.ours, f.args, zone, instant.UTC().Format(time.RFC3339Nano), got, f.sql, want)
				}
			}
		}
	}
}

// trimFraction drops the trailing zeros of a time's fraction of a second.
func trimFraction(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
