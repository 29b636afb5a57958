package refdb

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
		if got := Normalize(sql.NullString{String: in, Valid: true}); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Normalize(sql.NullString{}); got != "NULL" {
		t.Errorf("Normalize(NULL) = %q", got)
	}
}

func TestDiff(t *testing.T) {
	if d := Diff(false, "stripesql", []string{"b\t2", "a\t1"}, "MariaDB", []string{"a\t1", "b\t2"}); d != "" {
		t.Errorf("same rows in another order differ for a set query:\n%s", d)
	}
	if d := Diff(true, "stripesql", []string{"b\t2", "a\t1"}, "MariaDB", []string{"a\t1", "b\t2"}); d == "" {
		t.Error("an ordered query's rows in another order compare equal")
	}
	d := Diff(false, "stripesql", []string{"a\t1", "a\t1", "c\t3"}, "MariaDB", []string{"a\t1", "b\t2"})
	if !strings.Contains(d, `only in stripesql's answer (2 rows)`) || !strings.Contains(d, `only in MariaDB's answer (1 rows)`) {
		t.Errorf("diff of a duplicated and a missing row:\n%s", d)
	}
}

func TestMajorString(t *testing.T) {
	for _, c := range []struct {
		amount   int64
		currency string
		want     string
	}{{2999, "usd", "29.99"}, {-5, "eur", "-0.05"}, {1200, "jpy", "1200"}, {1200, "JPY", "1200"}, {12340, "kwd", "12.340"}} {
		if got := MajorString(c.amount, c.currency); got != c.want {
			t.Errorf("MajorString(%d, %s) = %s, want %s", c.amount, c.currency, got, c.want)
		}
	}
}

// Each kind of column is converted from the object's field: a reference
// expanded or not, NULLs, a major amount in the object's currency.
func TestValues(t *testing.T) {
	tbl, err := TableOf("charges")
	if err != nil {
		t.Fatal(err)
	}
	o := Obj{"id": "ch_1", "amount": 1200.0, "currency": "jpy", "customer": map[string]any{"id": "cus_1"}, "created": 1704067200.0,
		"paid": true, "metadata": map[string]any{"a": "b"}, "description": nil}
	want := map[string]any{"id": "ch_1", "amount": int64(1200), "amount_major": "1200", "customer": "cus_1",
		"created": "2024-01-01 00:00:00", "paid": 1, "metadata": `{"a":"b"}`, "description": nil, "amount_refunded_major": nil}
	for _, c := range tbl.cols {
		w, ok := want[c.Name]
		if !ok {
			continue
		}
		delete(want, c.Name)
		if got := value(c, o); got != w {
			t.Errorf("%s = %#v, want %#v", c.Name, got, w)
		}
	}
	if len(want) > 0 {
		t.Errorf("charges has no columns %v", want)
	}
	if _, err := TableOf("balance"); err == nil {
		t.Error("the balance's exploded rows have a copy")
	}
}
