package compat

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// Grafana's time-series query shape: $__timeFilter(created) expands to
// `created BETWEEN FROM_UNIXTIME(from) AND FROM_UNIXTIME(to)` and the
// panel groups by a time bucket. The time filter must reach Stripe as
// created[gte]/created[lte], and the buckets must match the account.
func TestGrafanaTimeSeriesIsPushedDown(t *testing.T) {
	const from, to = 1704067200, 1706745600 // 2024-01-01 .. 2024-02-01 UTC
	query := fmt.Sprintf(`SELECT UNIX_TIMESTAMP(created) DIV 86400 * 86400 AS time, SUM(amount)
		FROM charges WHERE created BETWEEN FROM_UNIXTIME(%d) AND FROM_UNIXTIME(%d) GROUP BY 1 ORDER BY 1`, from, to)

	env := stripesqltest.Start(t, stripesqltest.Options{})
	db := openGrafanaDB(t, env)
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	env.Requests() // forget the connection's set-up

	sums := map[int64]int64{}
	matched := 0
	for _, c := range env.Fake.Objects("charges") {
		created := int64(c["created"].(float64))
		if created >= from && created <= to {
			sums[created/86400*86400] += int64(c["amount"].(float64))
			matched++
		}
	}
	if matched == 0 {
		t.Fatal("the fake account has no charge in January 2024; the test would check nothing")
	}
	var want []string
	for _, day := range slices.Sorted(maps.Keys(sums)) {
		want = append(want, fmt.Sprintf("%d %d", day, sums[day]))
	}

	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		// Grafana scans the time column as a number and the value as
		// float64 or a decimal string; text covers both.
		var day, sum string
		if err := rows.Scan(&day, &sum); err != nil {
			t.Fatal(err)
		}
		got = append(got, day+" "+strings.TrimSuffix(sum, ".0"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("buckets:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// One page of at most 100 holds every matching charge at this scale;
	// a full scan would ask for all of them without created bounds.
	pages := (matched + 99) / 100
	reqs := env.Requests()
	wantFirst := fmt.Sprintf("GET /v1/charges?created[gte]=%d&created[lte]=%d&limit=100", from, to)
	if len(reqs) != pages || reqs[0] != wantFirst {
		t.Errorf("Stripe requests:\n%s\nwant %d request(s), the first %q", stripesqltest.Join(reqs), pages, wantFirst)
	}
}
