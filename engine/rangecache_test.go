package engine_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// After a complete scan of a created range, a sub-range, with or without
// filters the engine can apply, is answered from the cache with no
// request, and exactly.
func TestCacheServesSubRanges(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{CacheTTL: time.Hour, Fake: fakestripe.Options{Scale: 2500}})
	objs := env.Fake.Objects("charges")
	cus := ""
	for _, o := range objs {
		if s, ok := o["customer"].(string); ok {
			cus = s
			break
		}
	}
	// A year, read in parallel slices (more than ten pages).
	env.Rows(t, "SELECT id FROM charges WHERE created >= '2023-06-01' AND created < '2024-06-01'")
	if n := len(env.Requests()); n < 10 {
		t.Fatalf("the year took %d requests; want a sliced scan", n)
	}
	sub := []struct {
		where string
		keep  func(o map[string]any) bool
	}{
		{"created >= '2023-09-01' AND created < '2023-10-01'", between("2023-09-01", "2023-10-01")},
		{"created >= '2023-06-01' AND created < '2024-06-01'", between("2023-06-01", "2024-06-01")},
		{"created BETWEEN '2024-05-31' AND '2024-05-31 23:59:59'", between("2024-05-31", "2024-06-01")},
		{"customer = '" + cus + "' AND created >= '2023-07-01' AND created < '2024-01-01'",
			func(o map[string]any) bool { return o["customer"] == cus && between("2023-07-01", "2024-01-01")(o) }},
		{"amount > 2000 AND created > '2024-01-15' AND created < '2024-02-15'",
			func(o map[string]any) bool {
				return o["amount"].(float64) > 2000 && between("2024-01-15 00:00:01", "2024-02-15")(o)
			}},
	}
	for _, c := range sub {
		rows := env.Rows(t, "SELECT id FROM charges WHERE "+c.where)
		var want [][]string
		for _, o := range objs {
			if c.keep(o) {
				want = append(want, []string{fmt.Sprint(o["id"])})
			}
		}
		if len(rows) != len(want) || checksum(rows) != checksum(want) {
			t.Errorf("WHERE %s: %d rows, want %d", c.where, len(rows), len(want))
		}
		if reqs := env.Requests(); len(reqs) != 0 {
			t.Errorf("WHERE %s made %d requests, want 0 (served from the cached range): %v", c.where, len(reqs), reqs)
		}
	}
	// Outside the cached range Stripe is asked.
	env.Rows(t, "SELECT id FROM charges WHERE created >= '2023-05-01' AND created < '2023-07-01'")
	if len(env.Requests()) == 0 {
		t.Error("a range not (wholly) cached made no request")
	}
}

func between(from, to string) func(map[string]any) bool {
	lo, hi := unix(from), unix(to)
	return func(o map[string]any) bool {
		c := int64(o["created"].(float64))
		return c >= lo && c < hi
	}
}

func unix(s string) int64 {
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Unix()
		}
	}
	panic(s)
}
