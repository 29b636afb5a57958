package timezone

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in     string
		offset int // at 2024-01-15 12:00 UTC
		bad    bool
	}{
		{in: "+00:00"}, {in: "UTC"}, {in: "+05:00", offset: 5 * 3600}, {in: "+5:00", offset: 5 * 3600},
		{in: "-06:30", offset: -(6*3600 + 1800)}, {in: "+14:00", offset: 14 * 3600}, {in: "-13:59", offset: -(13*3600 + 59*60)},
		{in: "America/New_York", offset: -5 * 3600}, {in: "Asia/Kolkata", offset: 5*3600 + 1800},
		{in: "+14:01", bad: true}, {in: "+15:00", bad: true}, {in: "+05:60", bad: true}, {in: "05:00", bad: true},
		{in: "Foo/Bar", bad: true}, {in: "", bad: true}, {in: "Local", bad: true}, {in: "../etc/passwd", bad: true},
		{in: "/etc/localtime", bad: true},
	} {
		loc, err := Parse(c.in)
		if c.bad {
			if err == nil || err.Error() != "Unknown or incorrect time zone: '"+c.in+"'" {
				t.Errorf("Parse(%q) = %v, %v; want ER_UNKNOWN_TIME_ZONE", c.in, loc, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if _, off := time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC).In(loc).Zone(); off != c.offset {
			t.Errorf("Parse(%q) has offset %d, want %d", c.in, off, c.offset)
		}
	}
	if loc, err := Parse("SYSTEM"); err != nil || loc != time.Local {
		t.Errorf("Parse(SYSTEM) = %v, %v; want the host's zone", loc, err)
	}
	if got := Normalize("+5:00"); got != "+05:00" {
		t.Errorf("Normalize(+5:00) = %s", got)
	}
}

// Instant converts as MariaDB's UNIX_TIMESTAMP('…') does in the zone: in
// the skipped and the repeated hour, MariaDB 10.11 (tz tables loaded)
// gave 1710054000 for '2024-03-10 02:30:00' and 1730611800 for
// '2024-11-03 01:30:00' in America/New_York.
func TestInstant(t *testing.T) {
	nyc, _ := Parse("America/New_York")
	kol, _ := Parse("Asia/Kolkata")
	plus5, _ := Parse("+05:00")
	for _, c := range []struct {
		loc  *time.Location
		wall string
		want int64
	}{
		{nyc, "2024-01-15 12:00:00", 1705338000},
		{nyc, "2024-07-04 12:00:00", 1720108800},
		{nyc, "2024-03-10 00:00:00", 1710046800},
		{nyc, "2024-03-11 00:00:00", 1710129600},
		// Skipped (02:00–03:00 on 2024-03-10): the instant of the change.
		{nyc, "2024-03-10 02:30:00", 1710054000},
		{nyc, "2024-03-10 02:00:00", 1710054000},
		// Repeated (01:00–02:00 on 2024-11-03): the first occurrence.
		{nyc, "2024-11-03 01:30:00", 1730611800},
		{nyc, "2024-11-03 02:00:00", 1730617200},
		{kol, "2024-06-01 00:00:00", 1717180200},
		{plus5, "2024-01-01 00:00:00", 1704049200},
		{time.UTC, "2024-01-01 00:00:00", 1704067200},
	} {
		w, err := time.Parse(time.DateTime, c.wall)
		if err != nil {
			t.Fatal(err)
		}
		if got := Instant(w, c.loc).Unix(); got != c.want {
			t.Errorf("Instant(%s, %s) = %d, want %d", c.wall, c.loc, got, c.want)
		}
		// Away from a change, Wall is its inverse.
		if c.wall != "2024-03-10 02:30:00" && c.wall != "2024-03-10 02:00:00" {
			if back := Wall(time.Unix(c.want, 0), c.loc).Format(time.DateTime); back != c.wall {
				t.Errorf("Wall(%d, %s) = %s, want %s", c.want, c.loc, back, c.wall)
			}
		}
	}
}

func TestIsUTC(t *testing.T) {
	for _, z := range []string{"+00:00", "UTC", "Etc/UTC"} {
		if loc, _ := Parse(z); !IsUTC(loc) {
			t.Errorf("IsUTC(%s) = false", z)
		}
	}
	for _, z := range []string{"+05:00", "Europe/London"} {
		if loc, _ := Parse(z); IsUTC(loc) {
			t.Errorf("IsUTC(%s) = true", z)
		}
	}
}

// Wall marks the second occurrence of a repeated wall time, and Instant
// reads the mark: both instants of 01:30 on 2024-11-03 in New York come
// back; the mark changes neither the wall time nor comparisons.
func TestWallRepeated(t *testing.T) {
	nyc, _ := Parse("America/New_York")
	first, second := time.Unix(1730611800, 0), time.Unix(1730615400, 0) // 01:30 EDT, 01:30 EST
	w1, w2 := Wall(first, nyc), Wall(second, nyc)
	if w1.Format(time.DateTime) != "2024-11-03 01:30:00" || w2.Format(time.DateTime) != "2024-11-03 01:30:00" {
		t.Fatalf("Wall: %v, %v", w1, w2)
	}
	if !w1.Equal(w2) || w1.Location() != time.UTC {
		t.Errorf("the marked wall time %v differs from %v", w2, w1)
	}
	if got := Instant(w1, nyc).Unix(); got != first.Unix() {
		t.Errorf("Instant(first) = %d, want %d", got, first.Unix())
	}
	if got := Instant(w2, nyc).Unix(); got != second.Unix() {
		t.Errorf("Instant(second) = %d, want %d", got, second.Unix())
	}
	// Each second of the repeated hour and around it goes and comes back.
	for s := int64(1730606400); s < 1730624400; s += 600 {
		if got := Instant(Wall(time.Unix(s, 0), nyc), nyc).Unix(); got != s {
			t.Errorf("Instant(Wall(%d)) = %d", s, got)
		}
	}
}
