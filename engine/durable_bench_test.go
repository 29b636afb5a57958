package engine_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// BenchmarkEventsOnAHeldList applies polls of 1,000 charge.updated events
// to a held list of 100,000 charges on disk: what an event costs, which
// must not grow with what is held (make bench measures it at 1,000,000).
func BenchmarkEventsOnAHeldList(b *testing.B) {
	env := stripesqltest.Start(b, stripesqltest.Options{Fake: fakestripe.Options{Scale: 100_000}, CacheTTL: time.Hour,
		CacheBytes: 256 << 20, CacheDir: b.TempDir(), Events: time.Hour})
	env.Rows(b, "SELECT COUNT(*) FROM charges")
	charges := env.Fake.Objects("charges")
	w := env.Client.NewEventWatcher(nil)
	const perPoll = 1000
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for k := 0; k < perPoll; k++ {
			id := charges[(i*perPoll+k)*7919%len(charges)]["id"].(string)
			if err := env.Fake.SetMetadata("charges", id, "bench", fmt.Sprint(i)); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if n, err := w.Poll(b.Context()); err != nil || n != perPoll {
			b.Fatalf("poll: %d events, %v", n, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perPoll), "ns/event")
}

// BenchmarkWarmAggregates runs the MariaDB comparison's aggregates over
// 200,000 held charges, in memory.
func BenchmarkWarmAggregates(b *testing.B) {
	env := stripesqltest.Start(b, stripesqltest.Options{Fake: fakestripe.Options{Scale: 200_000}, CacheTTL: time.Hour,
		CacheBytes: 1 << 30})
	queries := map[string]string{
		"distinct": "SELECT COUNT(DISTINCT customer) FROM charges",
		"currency": "SELECT currency, COUNT(*), SUM(amount) FROM charges GROUP BY currency",
		"top":      "SELECT customer, SUM(amount) s FROM charges WHERE customer IS NOT NULL GROUP BY customer ORDER BY s DESC, customer LIMIT 10",
	}
	for _, q := range queries {
		env.Rows(b, q)
	}
	for name, q := range queries {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				env.Rows(b, q)
			}
		})
	}
}

// BenchmarkWarmCustomerLookup is one customer's charges and the join with
// the customer, over 200,000 held charges (the MariaDB comparison's
// smallest queries, where the per-block cost shows).
func BenchmarkWarmCustomerLookup(b *testing.B) {
	env := stripesqltest.Start(b, stripesqltest.Options{Fake: fakestripe.Options{Scale: 200_000}, CacheTTL: time.Hour,
		CacheBytes: 1 << 30})
	env.Rows(b, "SELECT COUNT(*) FROM charges")
	env.Rows(b, "SELECT COUNT(*) FROM customers")
	customer := env.Fake.Objects("charges")[100]["customer"]
	for name, q := range map[string]string{
		"charges": "SELECT id, amount FROM charges WHERE customer = ?",
		"join":    "SELECT cu.email, c.id, c.amount FROM customers cu JOIN charges c ON c.customer = cu.id WHERE cu.id = ?",
	} {
		env.Rows(b, q, customer)
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				env.Rows(b, q, customer)
			}
		})
	}
}
