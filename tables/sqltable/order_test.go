package sqltable

import (
	"net/url"
	"testing"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/stripesql/stripesql/tables"
)

// Only one list comes newest first: a created range read by walking
// several parents (treasury transactions of each financial account) is
// sorted like any other order, while one parent's list streams as Stripe
// sends it, or reversed.
func TestWalksAreSortedByCreated(t *testing.T) {
	spec, ok := tables.Lookup("treasury_transactions")
	if !ok {
		t.Fatal("no treasury_transactions")
	}
	tbl, err := New(spec, "stripe", NewClient(ClientOptions{APIKey: "sk_test_order"}))
	if err != nil {
		t.Fatal(err)
	}
	tbl = tbl.WithOrdered()
	indexes := map[string]*index{}
	for _, ix := range tbl.indexes {
		indexes[ix.name] = ix
	}
	since := sql.GreaterOrEqualRangeColumnExpr(ts("2024-01-01 00:00:00"), types.Datetime)
	one := sql.ClosedRangeColumnExpr("fa_1", "fa_1", indexes["financial_account"].types[0])
	cases := []struct {
		name    string
		ix      *index
		r       sql.MySQLRange
		reverse bool
		kind    reqKind
		order   orderKind
		desc    bool
	}{
		{"walk, descending", indexes["created"], sql.MySQLRange{since}, true, reqWalk, orderSorted, true},
		{"walk, ascending", indexes["created"], sql.MySQLRange{since}, false, reqWalk, orderSorted, false},
		{"one list, descending", indexes["financial_account"], sql.MySQLRange{one, since}, true, reqList, orderAsIs, false},
		{"one list, ascending", indexes["financial_account"], sql.MySQLRange{one, since}, false, reqList, orderReversed, false},
	}
	for _, c := range cases {
		st, ok, err := tbl.planRange(c.ix, c.r, c.reverse)
		if err != nil || !ok {
			t.Fatalf("%s: ok=%v err=%v", c.name, ok, err)
		}
		if st.req.kind != c.kind || st.order.kind != c.order || st.order.desc != c.desc {
			t.Errorf("%s: request kind %v, order %+v; want %v, %v desc=%v", c.name, st.req.kind, st.order, c.kind, c.order, c.desc)
		}
	}
}

// A table refuses to read without a column it requires, whatever asks
// it (the engine refuses such a query first): a list without the
// parameter, a walk that would not send it, a walk of parents no table
// lists.
func TestCheckRequired(t *testing.T) {
	client := NewClient(ClientOptions{APIKey: "sk_test_required"})
	cases := []struct {
		table  string
		params url.Values
		ok     bool
	}{
		{"apps_secrets", nil, true}, // the account's own (Spec.Unpinned)
		{"apps_secrets", url.Values{"scope[type]": {"account"}}, true},
		{"apps_secrets", url.Values{"scope[user]": {"usr_1"}}, false}, // a user's, of no scope type
		{"credit_note_preview_lines", nil, false},
		{"credit_note_preview_lines", url.Values{"invoice": {"in_1"}}, true},
		{"financial_connections_account_owners", nil, true}, // walks the accounts, with their ownership
		{"tax_calculation_line_items", url.Values{"x": {"y"}}, false},
		{"treasury_transactions", nil, true}, // walks the financial accounts
	}
	for _, c := range cases {
		spec, _ := tables.Lookup(c.table)
		tbl, err := New(spec, "stripe", client)
		if err != nil {
			t.Fatal(err)
		}
		err = tbl.checkRequired(plan{steps: []step{{req: tbl.scanRequest(c.params)}}})
		if se, isSQL := asSQLError(err); (err == nil) != c.ok || err != nil && (!isSQL || se.Num != erNotSupportedYet) {
			t.Errorf("%s %v: %v", c.table, c.params, err)
		}
	}
}
