package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// A long list is read as parallel created slices after a few pages with
// one cursor; no object is lost or duplicated at slice edges, and rows
// still come newest first.
func TestParallelSlicesReadEveryObjectOnce(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 3000}})
	objs := env.Fake.Objects("charges")
	var want [][]string
	for _, o := range objs {
		want = append(want, []string{fmt.Sprint(o["id"])})
	}
	rows := env.Rows(t, "SELECT id FROM charges")
	if len(rows) != len(want) || checksum(rows) != checksum(want) {
		t.Fatalf("%d rows (checksum %s), want %d (checksum %s)", len(rows), checksum(rows), len(want), checksum(want))
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r[0]] {
			t.Fatalf("%s returned twice", r[0])
		}
		seen[r[0]] = true
	}
	reqs := env.Requests()
	sliced := 0
	for i, r := range reqs {
		if i < 10 && strings.Contains(r, "created[") {
			t.Errorf("request %d is sliced, want the first ten with one cursor: %s", i, r)
		}
		if strings.Contains(r, "created[gte]") && strings.Contains(r, "created[lt]") {
			sliced++
		}
	}
	pages := (len(objs) + 99) / 100
	if sliced == 0 || len(reqs) > pages+12 {
		t.Errorf("%d requests (%d sliced) for %d pages:\n%s", len(reqs), sliced, pages, stripesqltest.Join(reqs))
	}

	// Newest first, as an ORDER BY created DESC served by the index.
	ordered := env.Rows(t, "SELECT created FROM charges ORDER BY created DESC")
	for i := 1; i < len(ordered); i++ {
		if ordered[i][0] > ordered[i-1][0] {
			t.Fatalf("row %d: %s after %s: not newest first", i, ordered[i][0], ordered[i-1][0])
		}
	}
	if len(ordered) != len(objs) {
		t.Errorf("ORDER BY created DESC: %d rows, want %d", len(ordered), len(objs))
	}

	// A LIMIT the engine applies after its own filter stops the paging.
	env.Requests()
	if got := env.Rows(t, "SELECT id FROM charges WHERE amount > 0 LIMIT 5"); len(got) != 5 {
		t.Errorf("LIMIT 5: %d rows", len(got))
	}
	if reqs := env.Requests(); len(reqs) != 1 {
		t.Errorf("LIMIT 5 over a filtered scan made %d requests, want 1:\n%s", len(reqs), stripesqltest.Join(reqs))
	}
}

// At Stripe's latency a scan reads fewer pages with one cursor before
// slicing (what one cursor reads in half a second, at least three), and
// its last slices split into short pieces while workers are idle: every
// object still comes once, in order when the query sorts, and no request
// is repeated.
func TestSlicesAtStripeLatency(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 5000, Latency: 150 * time.Millisecond}})
	objs := env.Fake.Objects("charges")
	var want [][]string
	for _, o := range objs {
		want = append(want, []string{fmt.Sprint(o["id"])})
	}
	for _, q := range []string{"SELECT id FROM charges", "SELECT id FROM charges ORDER BY created DESC"} {
		rows := env.Rows(t, q) // the first run also learns the latency
		reqs := env.Requests()
		if len(rows) != len(want) || checksum(rows) != checksum(want) {
			t.Fatalf("%s: %d rows (checksum %s), want %d (checksum %s)", q, len(rows), checksum(rows), len(want), checksum(want))
		}
		if strings.Contains(q, "ORDER BY") {
			for i := 1; i < len(rows); i++ {
				if rows[i][0] != want[i][0] {
					t.Fatalf("%s: row %d is %s, want %s (newest first)", q, i, rows[i][0], want[i][0])
				}
			}
		}
		head := 0
		for head < len(reqs) && !strings.Contains(reqs[head], "created[") {
			head++
		}
		ranges := map[string]bool{}
		seen := map[string]bool{}
		for _, r := range reqs {
			if seen[r] {
				t.Errorf("%s: %s sent twice", q, r)
			}
			seen[r] = true
			if i := strings.Index(r, "&limit"); strings.Contains(r, "created[") && i > 0 {
				ranges[r[:i]] = true
			}
		}
		pages := (len(objs) + 99) / 100
		t.Logf("%s: %d requests for %d pages; %d with one cursor, then %d created ranges", q, len(reqs), pages, head, len(ranges))
		// A range costs at most one partial page more than its objects.
		if len(reqs) > pages+len(ranges) {
			t.Errorf("%s: %d requests for %d pages in %d ranges:\n%s", q, len(reqs), pages, len(ranges), stripesqltest.Join(reqs))
		}
		if q != "SELECT id FROM charges" && head != 3 {
			t.Errorf("%s: %d requests with one cursor before slicing, want 3 at 150 ms a page", q, head)
		}
	}
}
