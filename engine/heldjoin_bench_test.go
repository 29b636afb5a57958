package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// BenchmarkWarmJoins runs short joins over 20,000 held charges and their
// held customers, where each side is a lookup: the MariaDB comparison's
// one customer with charges (a lookup fixed at planning time on each
// side), and go-mysql-server's lookup join (20 charges by id, each
// looking its customer up by id). Such a query is under a millisecond, so
// what stripesql adds to each query shows: profile the server with
// -cpuprofile (the queries run in its goroutines: focus on guard.run and
// resultForDefaultIter; -v prints the plans).
func BenchmarkWarmJoins(b *testing.B) {
	env := stripesqltest.Start(b, stripesqltest.Options{Fake: fakestripe.Options{Scale: 20_000}, CacheTTL: time.Hour,
		CacheBytes: 1 << 30})
	env.Rows(b, "SELECT COUNT(*) FROM charges")
	env.Rows(b, "SELECT COUNT(*) FROM customers")
	env.Requests()
	customer := stripesqltest.Column(env.Rows(b, "SELECT customer FROM charges WHERE customer IS NOT NULL GROUP BY customer ORDER BY COUNT(*) DESC, customer LIMIT 1"))[0]
	var ids []string
	for _, id := range stripesqltest.Column(env.Rows(b, "SELECT id FROM charges WHERE customer IS NOT NULL ORDER BY id LIMIT 20")) {
		ids = append(ids, "'"+id+"'")
	}
	charges := strings.Join(ids, ", ")
	queries := map[string]string{
		"one-customer": "SELECT c.email, ch.id, ch.amount FROM customers c JOIN charges ch ON ch.customer = c.id WHERE c.id = '{customer}'",
		"lookup":       "SELECT ch.id, c.email FROM charges ch JOIN customers c ON c.id = ch.customer WHERE ch.id IN ({charges})",
	}
	for name, q := range queries {
		q = strings.NewReplacer("{customer}", customer, "{charges}", charges).Replace(q)
		env.Rows(b, q)
		if testing.Verbose() {
			b.Logf("%s:\n%s", name, strings.Join(stripesqltest.Column(env.Rows(b, "EXPLAIN FORMAT=TREE "+q)), "\n"))
		}
		if reqs := env.Requests(); len(reqs) != 0 {
			b.Fatalf("%s asked Stripe warm: %v", name, reqs)
		}
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				env.Rows(b, q)
			}
		})
	}
}
