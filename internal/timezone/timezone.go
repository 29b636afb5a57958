// Package timezone gives SQL sessions MySQL's time zone semantics for
// Stripe's instants (unix-time fields, served as TIMESTAMP columns).
//
// go-mysql-server v0.20.0 holds a TIMESTAMP as a time.Time whose UTC wall
// clock is what a client sees, and never converts it for the session's
// time_zone (NOW() and FROM_UNIXTIME() do follow it). So the server does
// the conversions itself: rows leave a table as the session's wall clock
// (Wall), and comparisons a table answers (pushed down to Stripe as epoch
// seconds) turn the session's wall clock back into instants (Instant).
package timezone

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"
)

// Default is the time_zone a session starts with: UTC, whatever zone the
// host is in, so that an answer never depends on where the server runs
// (`--default-time-zone` changes it, as mysqld's option does).
const Default = "+00:00"

// offsetRE is MySQL's offset syntax, [+-][H]H:MM.
var offsetRE = regexp.MustCompile(`^([+-])(\d{1,2}):(\d{2})$`)

// maxOffset is the largest offset MySQL and MariaDB take (±14:00 in
// MySQL; MariaDB allows up to 13:59 west, 14:00 east).
const maxOffset = 14 * 60 * 60

var named sync.Map // zone name → *time.Location

// Parse reads a time_zone value: SYSTEM (the host's zone), an offset such
// as '+05:30' or '-6:00', or a tz database name ('America/New_York',
// 'UTC'). The error is MySQL's ER_UNKNOWN_TIME_ZONE (1298) text.
func Parse(v string) (*time.Location, error) {
	if strings.EqualFold(v, "SYSTEM") {
		return time.Local, nil
	}
	if m := offsetRE.FindStringSubmatch(v); m != nil {
		h, _ := strconv.Atoi(m[2])
		mi, _ := strconv.Atoi(m[3])
		secs := h*3600 + mi*60
		if mi < 60 && secs <= maxOffset {
			if m[1] == "-" {
				secs = -secs
			}
			if secs == 0 {
				return time.UTC, nil
			}
			return time.FixedZone(Normalize(v), secs), nil
		}
		return nil, unknown(v)
	}
	if l, ok := named.Load(v); ok {
		return l.(*time.Location), nil
	}
	// time.LoadLocation also takes "Local" and "" (the host's zone),
	// which MySQL does not.
	if v == "" || v == "Local" || strings.HasPrefix(v, "/") || strings.Contains(v, "..") {
		return nil, unknown(v)
	}
	l, err := time.LoadLocation(v)
	if err != nil {
		return nil, unknown(v)
	}
	named.Store(v, l)
	return l, nil
}

// Normalize spells an offset as MySQL shows it ('+5:00' is '+05:00');
// other values are returned as they are.
func Normalize(v string) string {
	m := offsetRE.FindStringSubmatch(v)
	if m == nil {
		return v
	}
	h, _ := strconv.Atoi(m[2])
	return fmt.Sprintf("%s%02d:%s", m[1], h, m[3])
}

// unknown is ER_UNKNOWN_TIME_ZONE's message.
func unknown(v string) error {
	return fmt.Errorf("Unknown or incorrect time zone: '%s'", v)
}

// Of is the session's time zone (UTC when it cannot be read: a context
// without a session, or a value that SET would have refused).
func Of(ctx *sql.Context) *time.Location {
	if ctx == nil || ctx.Session == nil {
		return time.UTC
	}
	v, err := ctx.GetSessionVariable(ctx, "time_zone")
	if err != nil {
		return time.UTC
	}
	s, _ := v.(string)
	l, err := Parse(s)
	if err != nil {
		return time.UTC
	}
	return l
}

// IsUTC reports whether loc's wall clock is UTC's at every instant, when
// no conversion is needed.
func IsUTC(loc *time.Location) bool {
	if loc == time.UTC {
		return true
	}
	// A fixed zone of offset 0 (and "UTC", "Etc/UTC" loaded by name)
	// has one zone with no transitions: its bounds are unbounded.
	t := time.Unix(0, 0).In(loc)
	_, off := t.Zone()
	start, end := t.ZoneBounds()
	return off == 0 && start.IsZero() && end.IsZero()
}

// Wall is the wall clock of instant t in loc, as go-mysql-server holds a
// TIMESTAMP: a time.Time of offset 0 showing that wall clock. Its
// location is UTC, except for the second occurrence of a wall time the
// zone repeats (clocks going back): a location of offset 0 too, which
// only Instant reads, naming the offset that tells the two occurrences
// apart. The engine compares, shows and computes with it as with UTC.
func Wall(t time.Time, loc *time.Location) time.Time {
	w := t.In(loc)
	y, mo, d := w.Date()
	h, mi, s := w.Clock()
	at := time.UTC
	if off, ok := secondOccurrence(w); ok {
		at = repeatedAt(off)
	}
	return time.Date(y, mo, d, h, mi, s, w.Nanosecond(), at)
}

// secondOccurrence reports whether w (a time in its zone) shows a wall
// time its zone showed before, an offset ago, and w's offset.
func secondOccurrence(w time.Time) (int, bool) {
	_, off := w.Zone()
	start, _ := w.ZoneBounds()
	if start.IsZero() {
		return 0, false
	}
	_, before := start.Add(-time.Second).Zone()
	return off, before > off && w.Sub(start) < time.Duration(before-off)*time.Second
}

// repeatedPrefix names the locations of repeated wall times.
const repeatedPrefix = "stripesql-repeated"

var repeatedLocs sync.Map // offset → *time.Location

// repeatedAt is the location marking a second occurrence at offset off.
func repeatedAt(off int) *time.Location {
	if l, ok := repeatedLocs.Load(off); ok {
		return l.(*time.Location)
	}
	l, _ := repeatedLocs.LoadOrStore(off, time.FixedZone(repeatedPrefix+strconv.Itoa(off), 0))
	return l.(*time.Location)
}

// repeatedOffset is the offset a Wall time marks as a second occurrence.
func repeatedOffset(w time.Time) (int, bool) {
	name := w.Location().String()
	if !strings.HasPrefix(name, repeatedPrefix) {
		return 0, false
	}
	off, err := strconv.Atoi(name[len(repeatedPrefix):])
	return off, err == nil
}

// Instant is the instant at which loc's wall clock shows w (w's own UTC
// fields), as MariaDB converts a datetime to a TIMESTAMP: a wall time
// that occurs twice (the repeated hour when clocks go back) is its first
// occurrence, unless Wall marked it as the second; one that never occurs (the hour skipped when clocks go
// forward) is the instant of the change.
func Instant(w time.Time, loc *time.Location) time.Time {
	wallSec := w.Unix() // the wall clock's fields read as UTC
	ns := int64(w.Nanosecond())
	if off, ok := repeatedOffset(w); ok {
		// Wall's second occurrence, when it is one in loc too (Wall
		// marked it in the session's zone).
		t := time.Unix(wallSec-int64(off), ns)
		if got, ok := secondOccurrence(t.In(loc)); ok && got == off {
			return t
		}
	}
	// Offsets in force within a day either side: a zone changes offset
	// at most once in such a span.
	var offs []int
	for _, d := range []int64{-86400, 0, 86400} {
		_, o := time.Unix(wallSec+d, 0).In(loc).Zone()
		if !containsInt(offs, o) {
			offs = append(offs, o)
		}
	}
	var best time.Time
	found := false
	var gap time.Time
	for _, o := range offs {
		t := time.Unix(wallSec-int64(o), ns)
		if _, got := t.In(loc).Zone(); got == o {
			if !found || t.Before(best) {
				best, found = t, true
			}
			continue
		}
		// No wall time of offset o there: a change lies before t. The
		// one skipped over w is the later such change (a candidate
		// before it lies in the zone begun by the change before).
		start, _ := t.In(loc).ZoneBounds()
		if !start.IsZero() && start.After(gap) {
			gap = start
		}
	}
	if found {
		return best
	}
	if !gap.IsZero() {
		return gap
	}
	return time.Unix(wallSec-int64(offs[0]), ns)
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// erTruncatedWrongValue is ER_TRUNCATED_WRONG_VALUE, MySQL's error for a
// datetime a column cannot hold (strict mode).
const erTruncatedWrongValue = 1292

// timestampRange is what a TIMESTAMP holds, as MySQL documents it.
const timestampRange = "a TIMESTAMP holds 1970-01-01 00:00:01 to 2038-01-19 03:14:07 UTC"

// InRange reports whether instant t fits a TIMESTAMP.
func InRange(t time.Time) bool {
	s := t.Unix()
	return s >= 1 && s <= 1<<31-1
}

// OutOfRange is MySQL's error for writing wall time w (of the session's
// zone, named zone) to TIMESTAMP column col of row (from 1): the instant
// it names is t. What is unknown is left out ("", 0, zero).
func OutOfRange(w, col string, row int, zone string, t time.Time) error {
	where := ""
	if col != "" {
		where = fmt.Sprintf(" for column '%s'", col)
	}
	if row > 0 {
		where += fmt.Sprintf(" at row %d", row)
	}
	named := ""
	if !t.IsZero() {
		named = fmt.Sprintf(" ('%s' in time_zone '%s' is %s UTC)", w, zone, t.UTC().Format(time.DateTime))
	}
	return mysql.NewSQLError(erTruncatedWrongValue, "22007", "Incorrect datetime value: '%s'%s: %s%s", w, where, timestampRange, named)
}
