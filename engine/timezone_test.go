package engine_test

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/mariadbtest"
	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/internal/testutil"
)

// tzZones are the session time zones the answers are checked in: UTC,
// offsets east and west (one with half hours), and named zones with and
// without daylight saving time.
var tzZones = []string{"+00:00", "+05:00", "-08:00", "+05:30", "America/New_York", "Asia/Kolkata"}

// tzNamed are the named zones the reference MariaDB must know.
var tzNamed = []string{"America/New_York", "Asia/Kolkata"}

// zoneReference starts the reference MariaDB with the named zones
// (tzNamed) loaded, and a pool on its database stripe.
func zoneReference(t *testing.T) (*mariadbtest.Server, *sql.DB) {
	t.Helper()
	ref := mariadbtest.Start(t)
	if err := ref.LoadTimeZones(tzNamed...); err != nil {
		t.Fatal(err)
	}
	db, err := ref.Open("stripe")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return ref, db
}

// zoneDB is testutil.ZoneDB on a DSN.
func zoneDB(t *testing.T, dsn, zone string) *sql.DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return testutil.ZoneDB(t, cfg, zone)
}

func serverDSN(addr string) string {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.DBName = "root", "tcp", addr, "stripe"
	return cfg.FormatDSN()
}

// loadChargesTimestamp copies the fake account's charges into MariaDB,
// created as a TIMESTAMP, and returns the ids of the charges made in an
// hour some zone of tzNamed repeats (clocks going back), where a wall
// time names two instants.
func loadChargesTimestamp(t *testing.T, db *sql.DB, charges []map[string]any) (repeated []string) {
	t.Helper()
	for _, q := range []string{
		"SET time_zone = '+00:00'",
		"CREATE TABLE charges (id VARCHAR(255) COLLATE utf8mb4_bin PRIMARY KEY, amount BIGINT NOT NULL, created TIMESTAMP NOT NULL, KEY (created))",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var locs []*time.Location
	for _, z := range tzNamed {
		l, err := time.LoadLocation(z)
		if err != nil {
			t.Fatal(err)
		}
		locs = append(locs, l)
	}
	var vals []string
	for _, c := range charges {
		sec := int64(c["created"].(float64))
		vals = append(vals, fmt.Sprintf("('%s', %d, FROM_UNIXTIME(%d))", c["id"], int64(c["amount"].(float64)), sec))
		for _, l := range locs {
			at := time.Unix(sec, 0)
			// The same wall time an hour later or earlier, at another
			// offset, is the repeated hour.
			for _, d := range []time.Duration{-time.Hour, time.Hour} {
				o := at.Add(d).In(l)
				w := at.In(l)
				if o.Format(time.DateTime) == w.Format(time.DateTime) {
					repeated = append(repeated, "'"+c["id"].(string)+"'")
				}
			}
		}
	}
	// One statement per connection: time_zone is the session's.
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), "SET time_zone = '+00:00'"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(t.Context(), "INSERT INTO charges VALUES "+strings.Join(vals, ",")); err != nil {
		t.Fatal(err)
	}
	return repeated
}

// In every session time zone, created (a TIMESTAMP) reads, groups and
// compares as in a real MariaDB holding the same charges in a TIMESTAMP
// column: the wall clock of the session's zone, UNIX_TIMESTAMP the
// instant, days and months cut at the zone's midnights (across daylight
// saving changes), literals, CURDATE() and NOW() in the zone. Cold (from
// Stripe) and warm (from the row cache) alike.
func TestTimeZonesMatchMariaDB(t *testing.T) {
	// Seed 5 has a charge in each occurrence of New York's repeated
	// 01:00–02:00 on 2024-11-03 (ch_d2SaV… at 01:27:42 EDT, ch_RhQv… at
	// 01:14:18 EST).
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 2000, Seed: 5}})
	ref, refDB := zoneReference(t)
	repeated := loadChargesTimestamp(t, refDB, env.Fake.Objects("charges"))
	if len(repeated) < 2 {
		t.Fatalf("charges in a repeated hour: %v, want both occurrences", repeated)
	}
	// In a repeated hour a wall time names two instants: a sort by the
	// engine orders by wall time, MariaDB by instant (README: Time zones).
	notRepeated := "id NOT IN (" + strings.Join(repeated, ",") + ")"
	// A bound inside the data, relative to today, for CURDATE and NOW.
	days := int(time.Since(time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC)).Hours() / 24)
	queries := []string{
		"SELECT @@time_zone",
		"SELECT id, created, UNIX_TIMESTAMP(created) FROM charges WHERE " + notRepeated + " ORDER BY created, id",
		"SELECT id, created, UNIX_TIMESTAMP(created), FROM_UNIXTIME(UNIX_TIMESTAMP(created)) FROM charges WHERE id IN (" + strings.Join(repeated, ",") + ") ORDER BY id",
		"SELECT id, created, UNIX_TIMESTAMP(created) FROM charges ORDER BY id",
		"SELECT DATE(created) d, COUNT(*), SUM(amount) FROM charges GROUP BY d ORDER BY d",
		"SELECT DATE_FORMAT(created, '%Y-%m') m, COUNT(*), SUM(amount) FROM charges GROUP BY m ORDER BY m",
		"SELECT HOUR(created) h, COUNT(*) FROM charges GROUP BY h ORDER BY h",
		// The days clocks change in New York.
		"SELECT COUNT(*), SUM(amount) FROM charges WHERE created >= '2024-03-10' AND created < '2024-03-11'",
		"SELECT COUNT(*), SUM(amount) FROM charges WHERE created >= '2024-11-03' AND created < '2024-11-04'",
		"SELECT COUNT(*), SUM(amount) FROM charges WHERE created BETWEEN '2024-03-09 12:00:00' AND '2024-03-10 12:30:00'",
		"SELECT COUNT(*), SUM(amount) FROM charges WHERE created >= '2024-06-01' AND created < '2024-07-01'",
		"SELECT COUNT(*), SUM(amount) FROM charges WHERE DATE(created) = '2024-11-03'",
		"SELECT id, created FROM charges WHERE created > '2024-12-01 00:00:00' ORDER BY created DESC, id LIMIT 5",
		fmt.Sprintf("SELECT COUNT(*), SUM(amount) FROM charges WHERE created >= CURDATE() - INTERVAL %d DAY", days),
		fmt.Sprintf("SELECT COUNT(*), SUM(amount) FROM charges WHERE created >= NOW() - INTERVAL %d DAY", days),
		"SELECT COUNT(*) FROM charges WHERE UNIX_TIMESTAMP(created) >= 1717214400",
		"SELECT COUNT(*) FROM charges WHERE created < '2050-01-01' AND created > '1960-01-01'",
		"SELECT id, CONVERT_TZ(created, '+00:00', '+09:00') FROM charges ORDER BY id LIMIT 20",
		// Metabase's report time zone; each row at its own offset.
		"SELECT id, CONVERT_TZ(created, @@session.time_zone, 'America/New_York'), CONVERT_TZ(created, @@session.time_zone, '+00:00'), FROM_UNIXTIME(UNIX_TIMESTAMP(created)) FROM charges ORDER BY id",
		"SELECT MIN(created), MAX(created), UNIX_TIMESTAMP(MAX(created)) FROM charges",
	}
	for _, zone := range tzZones {
		t.Run(zone, func(t *testing.T) {
			ours := zoneDB(t, serverDSN(env.Addr), zone)
			theirs := zoneDB(t, ref.DSN("stripe"), zone)
			for _, pass := range []string{"cold", "warm"} {
				for _, q := range queries {
					want, err := stripesqltest.Query(t.Context(), theirs, q)
					if err != nil {
						t.Fatalf("MariaDB: %s: %v", q, err)
					}
					got, err := stripesqltest.Query(t.Context(), ours, q)
					if err != nil {
						t.Errorf("%s: %s: %v", pass, q, err)
						continue
					}
					if len(want) == 0 || len(want) == 1 && want[0][0] == "0" {
						t.Errorf("%s: MariaDB has no rows: the comparison proves nothing", q)
					}
					if diff := firstDiff(got, want); diff != "" {
						t.Errorf("%s: %s: %s", pass, q, diff)
					}
				}
			}
		})
	}
}

// A session's wall-clock bounds on created reach Stripe as the epoch
// seconds they name in the session's zone: offsets, a named zone's
// standard and daylight time, the hour skipped when clocks go forward
// (the instant of the change, as MariaDB converts it), the hour repeated
// when they go back (its first occurrence), Unix seconds (the same
// instant in every zone), CURDATE() and NOW(). EXPLAIN shows the same.
func TestTimeZonePushdown(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{}).CacheOff(t)
	nyc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	midnight := func(loc *time.Location) int64 {
		n := time.Now().In(loc)
		return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc).Unix()
	}
	plus5 := time.FixedZone("+05:00", 5*3600)
	cases := []struct {
		zone, where, want string
	}{
		{"+00:00", "created >= '2024-01-01' AND created < '2024-02-01'", "created[gte]=1704067200&created[lt]=1706745600"},
		{"+05:00", "created BETWEEN '2024-01-01' AND '2024-01-31 23:59:59'", "created[gte]=1704049200&created[lte]=1706727599"},
		{"-08:00", "created > '2024-06-01 12:00:00'", "created[gt]=1717272000"},
		{"+05:30", "created >= '2024-06-01'", "created[gte]=1717180200"},
		{"Asia/Kolkata", "created >= '2024-06-01'", "created[gte]=1717180200"},
		// EST, then EDT: the day of the change has 23 hours.
		{"America/New_York", "created >= '2024-03-10' AND created < '2024-03-11'", "created[gte]=1710046800&created[lt]=1710129600"},
		{"America/New_York", "created >= '2024-03-10 02:30:00'", "created[gte]=1710054000"},
		{"America/New_York", "created >= '2024-11-03 01:30:00'", "created[gte]=1730611800"},
		{"America/New_York", "created = '2024-07-04 12:00:00'", "created=1720108800"},
		{"America/New_York", "created >= 1717214400", "created[gte]=1717214400"},
		{"America/New_York", "UNIX_TIMESTAMP(created) < 1717214400", "created[lt]=1717214400"},
		{"America/New_York", "created >= CURDATE()", "created[gte]=" + strconv.FormatInt(midnight(nyc), 10)},
		{"+05:00", "created >= CURDATE()", "created[gte]=" + strconv.FormatInt(midnight(plus5), 10)},
		{"+05:00", "created < NOW() - INTERVAL 1 DAY", "created[lt]="},
		// Before 1970 (beyond TIMESTAMP's range, compared as a datetime).
		{"+00:00", "created > '1900-01-01' AND created < '2050-01-01'", "created[lt]=2524608000&limit"},
		{"America/New_York", "created > '1900-01-01' AND created < '2024-01-01'", "created[lt]=1704085200&limit"},
		{"+05:00", "created < '1960-01-01'", ""}, // no object: no request
	}
	for _, c := range cases {
		t.Run(c.zone+" "+c.where, func(t *testing.T) {
			db := zoneDB(t, serverDSN(env.Addr), c.zone)
			db.SetMaxOpenConns(1)
			q := "SELECT COUNT(*) FROM charges WHERE " + c.where
			env.Requests()
			if _, err := stripesqltest.Query(t.Context(), db, q); err != nil {
				t.Fatal(err)
			}
			got := env.Requests()
			if c.want == "" {
				if len(got) != 0 {
					t.Errorf("%s: requests %v, want none", q, got)
				}
				return
			}
			want := "GET /v1/charges?" + c.want
			if len(got) == 0 || !strings.HasPrefix(got[0], want) {
				t.Errorf("%s in %s: requests\n%s\nwant the first to start %s", q, c.zone, stripesqltest.Join(got), want)
			}
			if strings.HasSuffix(c.want, "]=") {
				// NOW(): the second is the query's; check the bound is now - 1 day.
				v := strings.TrimPrefix(got[0], want)
				v = v[:strings.IndexAny(v+"&", "&")]
				n, err := strconv.ParseInt(v, 10, 64)
				if d := time.Now().Add(-24*time.Hour).Unix() - n; err != nil || d < -2 || d > 5 {
					t.Errorf("%s: created[lt]=%s, want about %d", q, v, time.Now().Add(-24*time.Hour).Unix())
				}
				return
			}
			explain, err := stripesqltest.Query(t.Context(), db, "EXPLAIN "+q)
			if err != nil {
				t.Fatal(err)
			}
			params := strings.ReplaceAll(c.want, "&", " ")
			if s := fmt.Sprint(explain); !strings.Contains(s, params) {
				t.Errorf("EXPLAIN %s in %s: %s, want %s", q, c.zone, s, params)
			}
		})
	}
}

// Each row shows the instant Stripe gave in the session's zone; the
// session starts in UTC whatever the host's zone; SET time_zone takes
// MySQL's offsets and tz names and refuses others with MySQL's error.
func TestTimeZoneSession(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	c := env.Fake.Objects("charges")[7]
	id, sec := c["id"].(string), int64(c["created"].(float64))
	db := zoneDB(t, serverDSN(env.Addr), "+00:00")
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	one := func(q string) string {
		t.Helper()
		rows, err := stripesqltest.Query(t.Context(), conn, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return strings.Join(rows[0], " ")
	}
	exec := func(q string) error {
		_, err := conn.ExecContext(t.Context(), q)
		return err
	}
	if rows, err := stripesqltest.Query(t.Context(), env.DB, "SELECT @@time_zone, @@global.time_zone"); err != nil || fmt.Sprint(rows) != "[[+00:00 +00:00]]" {
		t.Errorf("a new session's time_zone: %v %v, want +00:00", rows, err)
	}
	for _, z := range []struct{ set, shown string }{
		{"+00:00", "+00:00"}, {"+5:00", "+05:00"}, {"-06:30", "-06:30"}, {"Asia/Kolkata", "Asia/Kolkata"},
		{"America/New_York", "America/New_York"}, {"UTC", "UTC"}, {"+14:00", "+14:00"},
	} {
		if err := exec("SET time_zone = '" + z.set + "'"); err != nil {
			t.Fatalf("SET time_zone = '%s': %v", z.set, err)
		}
		if got := one("SELECT @@time_zone"); got != z.shown {
			t.Errorf("SET time_zone = '%s' shows %s, want %s", z.set, got, z.shown)
		}
		loc, err := time.LoadLocation(z.shown)
		if err != nil {
			h, _ := strconv.Atoi(z.shown[1:3])
			m, _ := strconv.Atoi(z.shown[4:6])
			off := h*3600 + m*60
			if z.shown[0] == '-' {
				off = -off
			}
			loc = time.FixedZone(z.shown, off)
		}
		want := time.Unix(sec, 0).In(loc).Format(time.DateTime) + " " + strconv.FormatInt(sec, 10)
		if got := one("SELECT created, UNIX_TIMESTAMP(created) FROM charges WHERE id = '" + id + "'"); got != want {
			t.Errorf("in %s: created, UNIX_TIMESTAMP(created) = %s, want %s", z.shown, got, want)
		}
	}
	for _, bad := range []string{"Foo/Bar", "+15:00", "+05:60", "Local", "../../etc/passwd", ""} {
		err := exec("SET time_zone = '" + bad + "'")
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != 1298 || !strings.Contains(me.Message, "Unknown or incorrect time zone") {
			t.Errorf("SET time_zone = '%s': %v, want ERROR 1298 Unknown or incorrect time zone", bad, err)
		}
	}
	if got := one("SELECT @@time_zone"); got != "+14:00" {
		t.Errorf("a refused SET changed time_zone to %s", got)
	}
}

// INSERT and UPDATE send a TIMESTAMP written in the session's zone as the
// instant it names.
func TestTimeZoneWrites(t *testing.T) {
	env := writeEnv(t, stripesqltest.Options{})
	db := zoneDB(t, serverDSN(env.Addr), "+05:00")
	if _, err := db.Exec("INSERT INTO coupons (id, percent_off, duration, redeem_by) VALUES ('TZ10', 10, 'once', '2030-01-01 00:00:00')"); err != nil {
		t.Fatal(err)
	}
	lines, _ := takeWrites(t, env)
	// 2030-01-01 00:00:00 +05:00 is 2029-12-31 19:00:00 UTC.
	if len(lines) != 1 || !strings.Contains(lines[0], "redeem_by=1893438000") {
		t.Errorf("writes %v, want redeem_by=1893438000", lines)
	}
	rows, err := stripesqltest.Query(t.Context(), db, "SELECT redeem_by, UNIX_TIMESTAMP(redeem_by) FROM coupons WHERE id = 'TZ10'")
	if err != nil || fmt.Sprint(rows) != "[[2030-01-01 00:00:00 1893438000]]" {
		t.Errorf("the coupon reads back as %v %v", rows, err)
	}
}

// firstDiff describes the first row where got and want differ ("" when
// they are equal).
func firstDiff(got, want [][]string) string {
	for i := 0; i < len(got) || i < len(want); i++ {
		switch {
		case i >= len(got):
			return fmt.Sprintf("%d rows, want %d (row %d: %v)", len(got), len(want), i+1, want[i])
		case i >= len(want):
			return fmt.Sprintf("%d rows, want %d (row %d: %v)", len(got), len(want), i+1, got[i])
		case fmt.Sprint(got[i]) != fmt.Sprint(want[i]):
			return fmt.Sprintf("row %d is %v, want %v", i+1, got[i], want[i])
		}
	}
	return ""
}
