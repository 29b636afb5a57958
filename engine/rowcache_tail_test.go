package engine_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// A block expiring between a query's plan and its read of that block's
// tail (the oldest second a LIMIT read stopped in, served before the gap
// below) is not planned again: the gap below reads that second, and
// planning it again read it twice (found by TestSoak: a charge twice in
// the join). Queries over a 1 s TTL, concurrently, each answer equal to
// its answer alone.
func TestExpiringTailsServeEachRowOnce(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 1000, Latency: 2 * time.Millisecond},
		CacheTTL: time.Second, CacheBytes: 16 << 20, MaxRetries: 2})
	qs := []string{
		"SELECT c.id FROM charges c ORDER BY c.created DESC, c.id LIMIT 20",
		"SELECT c.id, c.created, cu.id, cu.email FROM charges c JOIN customers cu ON cu.id = c.customer ORDER BY c.created DESC, c.id LIMIT 20",
		"SELECT count(*), sum(amount) FROM charges",
		"SELECT id, amount, currency FROM charges ORDER BY created DESC LIMIT 10",
		"SELECT count(*) FROM customers",
	}
	want := map[string]string{}
	for _, q := range qs {
		want[q] = fmt.Sprint(env.Rows(t, q))
	}
	db := env.Open(t, "root", "", false)
	db.SetMaxOpenConns(30)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	bad := map[string]int{}
	for w := 0; w < 30; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; ctx.Err() == nil; i++ {
				q := qs[i%len(qs)]
				got, err := stripesqltest.Query(context.Background(), db, q)
				if err != nil {
					continue
				}
				if fmt.Sprint(got) != want[q] { // a row twice, or one missing
					mu.Lock()
					bad[q]++
					if bad[q] == 1 {
						t.Logf("%s\n got %v\nwant %s", q, got, want[q])
					}
					mu.Unlock()
				}
			}
		}(w)
	}
	wg.Wait()
	t.Logf("bad: %v", bad)
	if len(bad) > 0 {
		t.Fail()
	}
}
