package main

import (
	"database/sql"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"29.00": "29", "29.500": "29.5", "-0.000": "0", "1200": "1200", "1.5e+06": "1500000",
		"2024-06-01 10:00:00.000000": "2024-06-01 10:00:00", "2024-06-01 10:00:00": "2024-06-01 10:00:00",
		"usd": "usd", "ch_3Px10.00": "ch_3Px10.00",
	} {
		if got := normalize(sql.NullString{String: in, Valid: true}); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
	if got := normalize(sql.NullString{}); got != "NULL" {
		t.Errorf("normalize(NULL) = %q", got)
	}
}

func TestDiffAnswers(t *testing.T) {
	set := compareQuery{name: "set"}
	ordered := compareQuery{name: "ordered", ordered: true}
	if d := diffAnswers(set, []string{"b\t2", "a\t1"}, []string{"a\t1", "b\t2"}); d != "" {
		t.Errorf("same rows in another order differ for a set query:\n%s", d)
	}
	if d := diffAnswers(ordered, []string{"b\t2", "a\t1"}, []string{"a\t1", "b\t2"}); d == "" {
		t.Error("an ordered query's rows in another order compare equal")
	}
	d := diffAnswers(set, []string{"a\t1", "a\t1", "c\t3"}, []string{"a\t1", "b\t2"})
	if !strings.Contains(d, `only in stripesql's answer (2 rows)`) || !strings.Contains(d, `only in MariaDB's answer (1 rows)`) {
		t.Errorf("diff of a duplicated and a missing row:\n%s", d)
	}
}

func TestMajorString(t *testing.T) {
	for _, c := range []struct {
		amount   int64
		currency string
		want     string
	}{{2999, "usd", "29.99"}, {-5, "eur", "-0.05"}, {1200, "jpy", "1200"}, {12340, "kwd", "12.340"}} {
		if got := majorString(c.amount, c.currency); got != c.want {
			t.Errorf("majorString(%d, %s) = %s, want %s", c.amount, c.currency, got, c.want)
		}
	}
}

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
