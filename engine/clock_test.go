package engine_test

import (
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// Over the wire, in a named zone and an offset: SYSDATE() reads the clock
// at each call (later after a SLEEP in the same row, where NOW() stays
// the query's start), both in the session's zone; NOW() and
// UTC_TIMESTAMP() name the same instant; CURTIME() is NOW()'s time of
// day, UTC_DATE() and UTC_TIME() UTC_TIMESTAMP()'s date and time. (The
// values at fixed instants, around clock changes, are checked against
// MariaDB in TestClockFunctionsMatchMariaDB.)
func TestClockFunctionsOverTheWire(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	const layout = "2006-01-02 15:04:05.999999"
	for _, zone := range []string{"America/New_York", "+05:30", "Asia/Kolkata"} {
		t.Run(zone, func(t *testing.T) {
			loc, err := time.LoadLocation(zone)
			if err != nil {
				loc = time.FixedZone(zone, 5*3600+1800)
			}
			db := zoneDB(t, serverDSN(env.Addr), zone)
			before := time.Now()
			rows, err := stripesqltest.Query(t.Context(), db,
				"SELECT SYSDATE(6), SLEEP(0.3), SYSDATE(6), NOW(6), UTC_TIMESTAMP(6), CURTIME(), CURRENT_TIME, UTC_DATE(), UTC_TIME(), SYSDATE()")
			after := time.Now()
			if err != nil {
				t.Fatal(err)
			}
			r := rows[0]
			parse := func(i int, in *time.Location) time.Time {
				t.Helper()
				v, err := time.ParseInLocation(layout, r[i], in)
				if err != nil {
					t.Fatalf("column %d: %v", i+1, err)
				}
				return v
			}
			sys1, sys2, now, utc := parse(0, loc), parse(2, loc), parse(3, loc), parse(4, time.UTC)
			if sys1.Before(before.Truncate(time.Microsecond)) || sys2.After(after) {
				t.Errorf("SYSDATE(6) %s and %s in %s: instants %s and %s, want between %s and %s", r[0], r[2], zone, sys1.UTC(), sys2.UTC(), before.UTC(), after.UTC())
			}
			if d := sys2.Sub(sys1); d < 300*time.Millisecond {
				t.Errorf("SYSDATE(6) before and after SLEEP(0.3): %s and %s, %s apart", r[0], r[2], d)
			}
			if now.After(sys1) {
				t.Errorf("NOW(6) %s after the first SYSDATE(6) %s", r[3], r[0])
			}
			if !now.Equal(utc) {
				t.Errorf("NOW(6) %s in %s and UTC_TIMESTAMP(6) %s are different instants", r[3], zone, r[4])
			}
			if want := now.Format(time.TimeOnly); r[5] != want || r[6] != want {
				t.Errorf("CURTIME(), CURRENT_TIME: %s %s, want NOW()'s %s", r[5], r[6], want)
			}
			if r[7] != utc.Format(time.DateOnly) || r[8] != utc.Format(time.TimeOnly) {
				t.Errorf("UTC_DATE(), UTC_TIME(): %s %s, want UTC_TIMESTAMP()'s %s", r[7], r[8], r[4])
			}
			if r[9] != sys2.Format(time.DateTime) && r[9] != sys2.Add(time.Second).Format(time.DateTime) {
				t.Errorf("SYSDATE(): %s, want the last SYSDATE(6) %s to the second", r[9], r[2])
			}
		})
	}
}
