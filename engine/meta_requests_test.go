package engine

import (
	"testing"

	"github.com/stripesql/stripesql/tables/sqltable"
)

// The ring keeps the last requestRingSize records, oldest first.
func TestRequestRing(t *testing.T) {
	for _, n := range []int{0, 1, requestRingSize - 1, requestRingSize, requestRingSize + 1, 3*requestRingSize + 7} {
		var r requestRing
		for i := range n {
			r.add(requestRow{RequestRecord: sqltable.RequestRecord{QueryID: uint64(i)}})
		}
		got := r.snapshot()
		if want := min(n, requestRingSize); len(got) != want {
			t.Errorf("%d added: %d kept, want %d", n, len(got), want)
			continue
		}
		for i, row := range got {
			if want := uint64(n - len(got) + i); row.QueryID != want {
				t.Errorf("%d added: record %d is #%d, want #%d", n, i, row.QueryID, want)
				break
			}
		}
	}
}
