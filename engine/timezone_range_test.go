package engine_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// A TIMESTAMP written beyond its range (1970-01-01 00:00:01 to 2038-01-19
// 03:14:07 UTC, the instant the session's zone names) is refused as a
// real MariaDB in strict mode refuses it, with ERROR 1292 saying the
// range, before any request reaches Stripe; one within it is written as
// MariaDB stores it. Both edges in several zones: a wall time in range
// read as UTC but not in the zone ('1970-01-01 03:00:00' at +05:00 is
// 1969), and the reverse. The error names the column and the row, as
// MySQL's does.
func TestTimestampWriteRangeMatchesMariaDB(t *testing.T) {
	env := writeEnv(t, stripesqltest.Options{})
	ref, refDB := zoneReference(t)
	if _, err := refDB.Exec("CREATE TABLE coupons (id VARCHAR(64) PRIMARY KEY, percent_off INT, duration VARCHAR(16), redeem_by TIMESTAMP NULL) ENGINE=InnoDB"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		zone, value string
		refused     bool // by MariaDB (checked below, not assumed)
	}{
		{"+00:00", "2040-01-01", true},
		{"+00:00", "2038-01-19 03:14:08", true},
		{"+00:00", "2038-01-19 03:14:07", false},
		{"+00:00", "1960-06-01 12:00:00", true},
		{"+00:00", "1970-01-01 00:00:00", true},
		{"+00:00", "1970-01-01 00:00:01", false},
		{"+05:00", "1970-01-01 03:00:00", true},
		{"+05:00", "1970-01-01 05:00:01", false},
		{"+05:00", "2040-01-01", true},
		{"-08:00", "2038-01-18 19:14:08", true},
		{"-08:00", "2038-01-18 19:14:07", false},
		{"-08:00", "2038-01-19 00:00:00", true},
		{"America/New_York", "2038-01-19 00:00:00", true},
		{"America/New_York", "2030-07-04 12:00:00", false},
		{"Asia/Kolkata", "1970-01-01 05:00:00", true},
		{"Asia/Kolkata", "1970-01-01 05:30:01", false},
	}
	for i, c := range cases {
		t.Run(c.zone+" "+c.value, func(t *testing.T) {
			q := fmt.Sprintf("INSERT INTO coupons (id, percent_off, duration, redeem_by) VALUES ('TZR%d', 10, 'once', '%s')", i, c.value)
			_, refErr := zoneDB(t, ref.DSN("stripe"), c.zone).Exec(q)
			var me *mysql.MySQLError
			if refErr != nil && (!errors.As(refErr, &me) || me.Number != 1292) {
				t.Fatalf("MariaDB: %s: %v", q, refErr)
			}
			if (refErr != nil) != c.refused {
				t.Fatalf("MariaDB in %s: %s: %v, want refused=%v", c.zone, q, refErr, c.refused)
			}
			env.Fake.ResetWrites()
			_, err := zoneDB(t, serverDSN(env.Addr), c.zone).Exec(q)
			lines, _ := takeWrites(t, env)
			if !c.refused {
				if err != nil || len(lines) != 1 {
					t.Errorf("in %s: %s: %v, writes %v; MariaDB takes it", c.zone, q, err, lines)
				}
				return
			}
			me = nil
			if !errors.As(err, &me) || me.Number != 1292 || me.SQLState != [5]byte{'2', '2', '0', '0', '7'} ||
				!strings.Contains(me.Message, "Incorrect datetime value: '"+c.value) ||
				!strings.Contains(me.Message, "1970-01-01 00:00:01 to 2038-01-19 03:14:07 UTC") {
				t.Errorf("in %s: %s: %v, want ERROR 1292 (22007) Incorrect datetime value saying the range", c.zone, q, err)
			}
			if !strings.Contains(me.Message, "for column 'redeem_by' at row 1") {
				t.Errorf("in %s: %s: %s, want the column and row named", c.zone, q, me.Message)
			}
			if len(lines) != 0 {
				t.Errorf("in %s: %s: writes %v, want none", c.zone, q, lines)
			}
		})
	}
	// A statement with a row out of range writes no row, the ones before
	// it included, as MariaDB's InnoDB table keeps none.
	q := "INSERT INTO coupons (id, percent_off, duration, redeem_by) VALUES ('TZM1', 10, 'once', '2030-01-01'), ('TZM2', 10, 'once', '2040-01-01')"
	if _, err := refDB.Exec(q); err == nil {
		t.Fatalf("MariaDB took %s", q)
	}
	var n int
	if err := refDB.QueryRow("SELECT COUNT(*) FROM coupons WHERE id LIKE 'TZM%'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("MariaDB kept %d rows (%v)", n, err)
	}
	env.Fake.ResetWrites()
	_, err := env.DB.Exec(q)
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1292 || !strings.Contains(me.Message, "'2040-01-01' for column 'redeem_by' at row 2") {
		t.Errorf("%s: %v, want ERROR 1292 naming the column and row 2", q, err)
	}
	if lines, _ := takeWrites(t, env); len(lines) != 0 {
		t.Errorf("%s: writes %v, want none", q, lines)
	}
}
