package main

import (
	"strings"
	"testing"
)

func TestCompareQueriesExpand(t *testing.T) {
	qs := expandQueries(compareQueries, []string{"cus_a", "cus_b", "cus_c"})
	if len(qs) < 14 {
		t.Errorf("%d comparison queries, want at least 14", len(qs))
	}
	for _, q := range qs {
		if strings.Contains(q.query, "{") {
			t.Errorf("%s: placeholder left in %s", q.name, q.query)
		}
	}
}

func TestSelectQueries(t *testing.T) {
	qs, err := selectQueries(compareQueries, "charges", "join")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		if !strings.Contains(q.name, "charges") || strings.Contains(q.name, "join") {
			t.Errorf("selected %q", q.name)
		}
	}
	if _, err := selectQueries(compareQueries, "no such query", ""); err == nil {
		t.Error("an empty selection is not an error")
	}
}
