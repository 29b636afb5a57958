package fakestripe

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

// CreatedSkew widens every list's created range by that much each way,
// and no further: the objects of the range come, with those up to the
// skew outside it, in list order.
func TestCreatedSkewWidensListRanges(t *testing.T) {
	const skew = 3 * 24 * 3600
	s := New(Options{Seed: 42, Scale: 400, CreatedSkew: skew * time.Second})
	all := s.Objects("charges")
	mid := int64(all[len(all)/2]["created"].(float64))
	for _, tc := range []struct {
		query  url.Values
		lo, hi int64 // what the list should return: created in [lo, hi)
	}{
		{url.Values{"created[gte]": {fmt.Sprint(mid)}}, mid - skew, 1 << 62},
		{url.Values{"created[lt]": {fmt.Sprint(mid)}}, 0, mid + skew},
		{url.Values{"created[gt]": {fmt.Sprint(mid)}, "created[lte]": {fmt.Sprint(mid + 86400)}}, mid + 1 - skew, mid + 86401 + skew},
		{url.Values{"created": {fmt.Sprint(mid)}}, mid - skew, mid + 1 + skew},
	} {
		var want []string
		for _, o := range all {
			if c := int64(o["created"].(float64)); c >= tc.lo && c < tc.hi {
				want = append(want, o["id"].(string))
			}
		}
		got := ids(listAll(t, s, "/v1/charges", tc.query))
		if fmt.Sprint(got) != fmt.Sprint(want) || len(want) == 0 {
			t.Errorf("%s: %d objects, want the %d created in [%d, %d)", tc.query.Encode(), len(got), len(want), tc.lo, tc.hi)
		}
	}
}
