package rowcache

import (
	"fmt"
	"strings"
	"testing"
)

func TestBugPatchSizeDrift(t *testing.T) {
	var rows []r
	for i := 0; i < 50; i++ {
		rows = append(rows, r{id: fmt.Sprintf("ch_%d", i), created: int64(i), amount: 1, currency: "usd",
			meta: fmt.Sprintf(`{"description":"%s","n":%d}`, strings.Repeat("lorem ipsum ", 40), i)})
	}
	b := buildAll(rows...)
	sizes := []int64{b.Size()}
	for k := 0; k < 6; k++ {
		b = with(b, "ch_0", rows[0].row()) // the same row again: nothing changes
		sizes = append(sizes, b.Size())
	}
	rebuilt := buildAll(readAll(t, b)...).Size()
	t.Logf("Size after Build, then after each Patch of an unchanged row: %v (a fresh Build of the same rows: %d)", sizes, rebuilt)
	for _, s := range sizes[1:] {
		if s < sizes[0]/2 || s <= 0 {
			t.Errorf("Size drifted from %d to %d", sizes[0], s)
		}
	}
}
