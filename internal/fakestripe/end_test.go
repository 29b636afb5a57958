package fakestripe

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"testing"
	"time"
)

// digest is a hash of every object of every resource s serves.
func digest(s *Server) string {
	names := s.Resources()
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := json.Marshal(s.Objects(n))
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(h, "%s %d\n", n, len(b))
		h.Write(b)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// An account is the same for a seed, a scale and an end (to the second),
// whatever the wall clock; it ends at its end, which is its "now", and
// starts two years before. Without an end it is the tests' (FixedEnd).
func TestEndIsDeterministic(t *testing.T) {
	end := time.Date(2026, 3, 17, 15, 42, 9, 0, time.UTC)
	a := New(Options{Seed: 3, Scale: 300, End: end})
	b := New(Options{Seed: 3, Scale: 300, End: end.Add(999 * time.Millisecond)})
	if da, db := digest(a), digest(b); da != db {
		t.Errorf("same seed, scale and end (second): digests %s and %s", da, db)
	}
	if got := a.Now(); !got.Equal(end) {
		t.Errorf("Now() = %v, want the end %v", got, end)
	}
	if da, dc := digest(a), digest(New(Options{Seed: 3, Scale: 300, End: end.Add(time.Hour)})); da == dc {
		t.Error("another end serves the same account")
	}
	if got := New(Options{Seed: 3, Scale: 300}).Now(); !got.Equal(FixedEnd) || FixedEnd != time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC) {
		t.Errorf("without an end, Now() = %v, want %v", got, FixedEnd)
	}

	// Recent activity, as a dashboard's "last 30 days" and "this month"
	// look for: charges, invoices, events and payouts near the end.
	recent := map[string]int{}
	for _, resource := range []string{"charges", "invoices", "events", "payouts", "customers", "subscriptions"} {
		for _, o := range a.Objects(resource) {
			created := int64(num(o, "created"))
			if created < end.Unix()-windowLength || created > end.Unix() {
				t.Errorf("%s %s: created %v outside [end - 2 years, end]", resource, o["id"], time.Unix(created, 0).UTC())
			}
			if created > end.Unix()-30*day {
				recent[resource]++
			}
		}
	}
	for _, resource := range []string{"charges", "invoices", "events", "payouts"} {
		if recent[resource] == 0 {
			t.Errorf("no %s in the 30 days before the end: %v", resource, recent)
		}
	}
}

// Payouts are weekly, on Mondays at 06:00 UTC, from the first after the
// account's start.
func TestFirstPayout(t *testing.T) {
	if got, want := firstPayout(fixedStart), fixedStart+day+6*hour; got != want {
		t.Errorf("firstPayout(2023-01-01) = %v, want 2023-01-02 06:00", time.Unix(got, 0).UTC())
	}
	for start := fixedStart - 3*day; start < fixedStart+9*day; start += 7 * hour {
		got := time.Unix(firstPayout(start), 0).UTC()
		if got.Weekday() != time.Monday || got.Hour() != 6 || got.Minute() != 0 || got.Second() != 0 ||
			got.Unix() <= start || got.Unix() > start+7*day {
			t.Errorf("firstPayout(%v) = %v", time.Unix(start, 0).UTC(), got)
		}
	}
}

// With a clock (the demo's), a write made while the account runs is
// stamped with the clock's time, not the data's end; without one, with
// the second after the newest change (the tests' fixed clock).
func TestClockStampsWrites(t *testing.T) {
	end := time.Date(2026, 3, 17, 15, 42, 9, 0, time.UTC)
	later := end.Add(36 * time.Hour)
	tests := []struct {
		name  string
		clock func() time.Time
		want  int64 // created of the first write
	}{
		{"fixed", nil, end.Unix() + 1},
		{"live", func() time.Time { return later }, later.Unix() + 1},
		{"clock behind the end", func() time.Time { return end.Add(-time.Hour) }, end.Unix() + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Options{Seed: 3, Scale: 200, End: end, Clock: tt.clock})
			obj := mustSend(t, s, http.MethodPost, "/v1/customers", url.Values{"email": {"clock@example.com"}})
			if got := num(obj, "created"); got != tt.want {
				t.Errorf("created = %d, want %d", got, tt.want)
			}
			if got := s.Now().Unix(); got != tt.want {
				t.Errorf("Now() = %d, want %d", got, tt.want)
			}
			ev := mustGet(t, s, "/v1/events?limit=1")["data"].([]any)[0].(map[string]any)
			if got := num(ev, "created"); got != tt.want || str(ev, "type") != "customer.created" {
				t.Errorf("newest event %s at %d, want customer.created at %d", str(ev, "type"), got, tt.want)
			}
		})
	}
}
