package sqltable

import "testing"

// A held count kept by RowCount answers only the query that found it, for
// the account it was found for: another query (a later one may see rows
// added or expired), another copy's account, and a context without a
// query id find it again.
func TestCountMemo(t *testing.T) {
	m := &countMemo{}
	m.set(7, "", 42)
	m.set(0, "", 99) // no query id: not kept
	cases := []struct {
		name    string
		pid     uint64
		account string
		want    uint64
		ok      bool
	}{
		{"same query", 7, "", 42, true},
		{"next query", 8, "", 0, false},
		{"other account", 7, "acct_1", 0, false},
		{"no query id", 0, "", 0, false},
	}
	for _, c := range cases {
		if n, ok := m.get(c.pid, c.account); n != c.want || ok != c.ok {
			t.Errorf("%s: got %d, %v; want %d, %v", c.name, n, ok, c.want, c.ok)
		}
	}
	var none *countMemo
	none.set(1, "", 1)
	if _, ok := none.get(1, ""); ok {
		t.Error("a nil memo kept a count")
	}
}
