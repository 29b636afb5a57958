package sqltable

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/tables"
)

// A condition becomes a clause only when Search matches at least what
// MySQL does; everything else is left to the engine alone.
func TestSearchClauses(t *testing.T) {
	tests := []struct {
		table string
		cond  SearchCond
		want  string // "" for no clause
	}{
		{"charges", SearchCond{Column: "metadata", Key: "order_id", Op: SearchEq, Value: "A-1042"}, "metadata['order_id']:'A-1042'"},
		{"charges", SearchCond{Column: "metadata", Key: "note", Op: SearchEq, Value: "it's"}, `metadata['note']:'it\'s'`},
		{"charges", SearchCond{Column: "metadata", Key: "k", Op: SearchEq, Value: "a\\b"}, ""},     // escaping of \ undocumented
		{"charges", SearchCond{Column: "metadata", Key: "k", Op: SearchEq, Value: "v "}, ""},       // trailing space
		{"charges", SearchCond{Column: "metadata", Key: "k", Op: SearchEq, Value: ""}, ""},         // empty
		{"charges", SearchCond{Column: "metadata", Key: "k", Op: SearchEq, Value: int64(5)}, ""},   // '5' = 5 is numeric in MySQL
		{"charges", SearchCond{Column: "metadata", Key: "a b", Op: SearchEq, Value: "v"}, ""},      // key needing quoting
		{"charges", SearchCond{Column: "metadata", Key: "k", Op: SearchLike, Value: "%abcd%"}, ""}, // metadata has no ~
		{"charges", SearchCond{Column: "metadata", Op: SearchEq, Value: "{}"}, ""},                 // the whole JSON
		{"charges", SearchCond{Column: "amount", Op: SearchGt, Value: int64(1000)}, "amount>1000"}, //
		{"charges", SearchCond{Column: "amount", Op: SearchLte, Value: int64(5)}, "amount<=5"},     //
		{"charges", SearchCond{Column: "amount", Op: SearchEq, Value: int64(700)}, "amount:700"},   //
		{"charges", SearchCond{Column: "amount", Op: SearchGt, Value: "1000"}, ""},                 // a string: MySQL converts
		{"charges", SearchCond{Column: "amount", Op: SearchGt, Value: 10.5}, ""},                   // not an integer
		{"charges", SearchCond{Column: "status", Op: SearchEq, Value: "succeeded"}, "status:'succeeded'"},
		{"charges", SearchCond{Column: "currency", Op: SearchEq, Value: "usd"}, "currency:'usd'"},
		{"charges", SearchCond{Column: "status", Op: SearchLike, Value: "%succ%"}, ""}, // a token field has no ~
		{"charges", SearchCond{Column: "description", Op: SearchEq, Value: "x"}, ""},   // not a search field
		{"customers", SearchCond{Column: "email", Op: SearchEq, Value: "ann@example.com"}, "email:'ann@example.com'"},
		{"customers", SearchCond{Column: "email", Op: SearchLike, Value: "%acme%"}, "email~'acme'"},
		{"customers", SearchCond{Column: "email", Op: SearchLike, Value: "acme%"}, "email~'acme'"},
		{"customers", SearchCond{Column: "email", Op: SearchLike, Value: "%@acme.com"}, "email~'acme'"},
		{"customers", SearchCond{Column: "email", Op: SearchLike, Value: "%ac%"}, ""},                            // under 3 characters
		{"customers", SearchCond{Column: "email", Op: SearchLike, Value: "%a_c%"}, ""},                           // _ splits the fragment
		{"customers", SearchCond{Column: "email", Op: SearchLike, Value: `%50\%off%`}, "email~'off'"},            // an escaped % is literal, and splits words
		{"customers", SearchCond{Column: "name", Op: SearchLike, Value: "%Jane Doe%"}, "name~'Jane'"},            // longest word
		{"customers", SearchCond{Column: "name", Op: SearchEq, Value: " Jane"}, ""},                              // leading space
		{"customers", SearchCond{Column: "name", Op: SearchEq, Value: "---"}, ""},                                // no word: : may match nothing
		{"customers", SearchCond{Column: "name", Op: SearchEq, Value: "A & B"}, "name:'A & B'"},                  //
		{"charges", SearchCond{Column: "metadata", Key: "k", Op: SearchEq, Value: "---"}, "metadata['k']:'---'"}, // a token, not words
		{"invoices", SearchCond{Column: "total", Op: SearchGte, Value: int64(100)}, "total>=100"},                //
		{"invoices", SearchCond{Column: "status", Op: SearchEq, Value: "PAID"}, ""},                              // outside the enum: no row anyway
		{"subscriptions", SearchCond{Column: "status", Op: SearchEq, Value: "canceled"}, "status:'canceled'"},
		{"coupons", SearchCond{Column: "metadata", Key: "k", Op: SearchEq, Value: "v"}, ""}, // no Search API
	}
	for _, tc := range tests {
		s, _ := tables.Lookup(tc.table)
		got, ok := searchClauseOf(s, tc.cond)
		if !ok {
			got.text = ""
		}
		if got.text != tc.want {
			t.Errorf("%s %+v: %q, want %q", tc.table, tc.cond, got.text, tc.want)
		}
	}
}

func TestLikeFragment(t *testing.T) {
	tests := []struct {
		pattern, want string
		ok            bool
	}{
		{"%acme%", "acme", true},
		{"abc%", "abc", true},
		{"%ab%cd%", "ab", false},
		{"%ab_cdef%", "cdef", true},
		{"%ünï%", "ünï", true},
		{`%a\_bcd%`, "bcd", true},
		{"%", "", false},
		// where text analysis could make a stored word differ from the
		// fragment, the run stops
		{"%ΟΔΟΣΑ%", "ΟΔΟ", true},            // Σ: final ς at the fragment's end, σ in the word
		{"%Ὀδυσσεύς%", "Ὀδυσσεύς", true},    // lower-case σ and ς are themselves
		{"%山田太郎%", "", false},               // Han: a word per character
		{"%東京abcd%", "abcd", true},          //
		{"%カタカナ%", "", false},               // kana
		{"%ภาษาไทย%", "", false},            // Thai: dictionary words
		{"%Cafe\u0301 Noir%", "Noir", true}, // e + combining acute may be normalized into é
		{"%İstanbul%", "İstanbul", true},    // İ lower-cases to i̇ in the index and the query alike
		{"%Straße%", "Straße", true},        //
	}
	for _, tc := range tests {
		got, ok := likeFragment(tc.pattern)
		if got != tc.want || ok != tc.ok {
			t.Errorf("likeFragment(%q) = %q, %v; want %q, %v", tc.pattern, got, ok, tc.want, tc.ok)
		}
	}
}

// The plan of a searched list: the search below the cutoff, the list
// above it, the events since it; a list narrowed by another object's id,
// or whose filters already take every search clause, stays a list.
func TestSearchPlan(t *testing.T) {
	now := time.Unix(1735689600, 0) // 2025-01-01
	c := NewClient(ClientOptions{SearchLag: 5 * time.Minute, Now: func() time.Time { return now }})
	cut := "1735689300"
	tests := []struct {
		name   string
		table  string
		conds  []SearchCond
		params map[string]string
		want   string
	}{
		{"metadata over everything", "charges",
			[]SearchCond{{Column: "metadata", Key: "order_id", Op: SearchEq, Value: "A-1042"}}, nil,
			"GET /v1/charges/search limit=100 query=metadata['order_id']:'A-1042' AND created<" + cut +
				"; GET /v1/events created[gte]=" + cut + " limit=100 types[]=charge.captured types[]=charge.expired types[]=charge.failed types[]=charge.pending types[]=charge.refunded types[]=charge.succeeded types[]=charge.updated" +
				"; GET /v1/charges created[gte]=" + cut + " limit=100"},
		{"a range before the cutoff: no list", "customers",
			[]SearchCond{{Column: "email", Op: SearchLike, Value: "%acme%"}}, map[string]string{"created[gte]": "1704067200", "created[lt]": "1706745600"},
			"GET /v1/customers/search limit=100 query=email~'acme' AND created>=1704067200 AND created<1706745600" +
				"; GET /v1/events created[gte]=" + cut + " limit=100 types[]=customer.created types[]=customer.deleted types[]=customer.updated"},
		{"a range after the cutoff: the list alone", "customers",
			[]SearchCond{{Column: "email", Op: SearchLike, Value: "%acme%"}}, map[string]string{"created[gte]": "1735689500"},
			"GET /v1/customers created[gte]=1735689500 limit=100"},
		{"a list filter the search takes too", "invoices",
			[]SearchCond{{Column: "total", Op: SearchGt, Value: int64(1000)}}, map[string]string{"status": "paid", "created[lt]": "1704067200"},
			"GET /v1/invoices/search limit=100 query=status:'paid' AND total>1000 AND created<1704067200" +
				"; GET /v1/events created[gte]=" + cut + " limit=100 types[]=invoice.created types[]=invoice.deleted types[]=invoice.finalization_failed types[]=invoice.finalized types[]=invoice.marked_uncollectible types[]=invoice.paid types[]=invoice.payment_action_required types[]=invoice.payment_failed types[]=invoice.payment_succeeded types[]=invoice.sent types[]=invoice.updated types[]=invoice.voided"},
		{"Search without created: dropped here", "products",
			[]SearchCond{{Column: "name", Op: SearchLike, Value: "%shirt%"}}, map[string]string{"created[lt]": "1704067200"},
			"GET /v1/products/search limit=100 query=name~'shirt'" +
				"; GET /v1/events created[gte]=" + cut + " limit=100 types[]=product.created types[]=product.deleted types[]=product.updated"},
		{"a customer's list stays a list", "charges",
			[]SearchCond{{Column: "metadata", Key: "k", Op: SearchEq, Value: "v"}}, map[string]string{"customer": "cus_1"},
			"GET /v1/charges customer=cus_1 limit=100"},
		{"every clause taken by the list", "customers",
			[]SearchCond{{Column: "email", Op: SearchEq, Value: "a@b.co"}}, map[string]string{"email": "a@b.co"},
			"GET /v1/customers email=a@b.co limit=100"},
	}
	for _, tc := range tests {
		s, _ := tables.Lookup(tc.table)
		tb, err := New(s, "stripe", c)
		if err != nil {
			t.Fatal(err)
		}
		tb, ok := tb.WithSearch(tc.conds)
		if !ok {
			t.Fatalf("%s: no search clause", tc.name)
		}
		p := tb.fullScan()
		for k, v := range tc.params {
			p.steps[0].req.params.Set(k, v)
		}
		sp, _ := tb.searchOver(context.Background(), p, nil, false)
		if got := tb.describePlan(sp, maxPage); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

// Search off (no lag), or past the events' retention, leaves lists alone.
func TestSearchOff(t *testing.T) {
	s, _ := tables.Lookup("charges")
	cond := []SearchCond{{Column: "amount", Op: SearchGt, Value: int64(1)}}
	tb, _ := New(s, "stripe", NewClient(ClientOptions{}))
	if _, ok := tb.WithSearch(cond); ok {
		t.Error("Search with no lag")
	}
	tb, _ = New(s, "stripe", NewClient(ClientOptions{SearchLag: 31 * 24 * time.Hour}))
	tb, _ = tb.WithSearch(cond)
	sp, note := tb.searchOver(context.Background(), tb.fullScan(), nil, false)
	if sp.steps[0].req.kind != reqList || !strings.Contains(note, "30 days") {
		t.Errorf("a lag past the events' retention: %v, %q", sp.steps[0].req.kind, note)
	}
}

// Payment intents change without events: never searched, and EXPLAIN
// says why.
func TestSearchUnannounced(t *testing.T) {
	s, _ := tables.Lookup("payment_intents")
	tb, _ := New(s, "stripe", NewClient(ClientOptions{SearchLag: 5 * time.Minute}))
	tb, ok := tb.WithSearch([]SearchCond{{Column: "amount", Op: SearchGt, Value: int64(1)}})
	if !ok {
		t.Fatal("no clause")
	}
	if d := tb.describeSearched(tb.fullScan(), nil, false, ""); strings.Contains(d, "/search") || !strings.Contains(d, "payment_intent.updated does not exist") {
		t.Errorf("payment intents: %s", d)
	}
}

// A disjunction is searched branch by branch when Search can narrow every
// branch: the one with the fewest branches of those it can, each search
// with the conditions common to all; otherwise the other conditions alone
// are searched, or nothing is.
func TestSearchBranches(t *testing.T) {
	s, _ := tables.Lookup("charges")
	tb, _ := New(s, "stripe", NewClient(ClientOptions{SearchLag: 5 * time.Minute}))
	meta := func(v string) []SearchCond {
		return []SearchCond{{Column: "metadata", Key: "order_id", Op: SearchEq, Value: v}}
	}
	amount := []SearchCond{{Column: "amount", Op: SearchGt, Value: int64(900000)}}
	var many [][]SearchCond
	for i := range maxSearchBranches + 1 {
		many = append(many, meta(fmt.Sprint("o", i)))
	}
	for _, tc := range []struct {
		name  string
		conds []SearchCond
		anyOf [][][]SearchCond
		want  []string // the searches' queries; nil: not searched
	}{
		{"IN", nil, [][][]SearchCond{{meta("a"), meta("b")}}, []string{"metadata['order_id']:'a'", "metadata['order_id']:'b'"}},
		{"repeats", nil, [][][]SearchCond{{meta("a"), meta("a")}}, []string{"metadata['order_id']:'a'"}},
		{"common conditions in each", amount, [][][]SearchCond{{meta("a"), meta("b")}},
			[]string{"amount>900000 AND metadata['order_id']:'a'", "amount>900000 AND metadata['order_id']:'b'"}},
		{"the fewest branches", nil, [][][]SearchCond{{meta("a"), meta("b"), meta("c")}, {meta("d"), amount}},
			[]string{"metadata['order_id']:'d'", "amount>900000"}},
		{"a branch without a clause", nil, [][][]SearchCond{{meta("a"), {{Column: "amount", Op: SearchGt, Value: 1.5}}}}, nil},
		{"a branch without a clause, other conditions", amount, [][][]SearchCond{{meta("a"), nil}}, []string{"amount>900000"}},
		{"too many branches", nil, [][][]SearchCond{many}, nil},
	} {
		got, ok := tb.WithSearch(tc.conds, tc.anyOf...)
		var queries []string
		for _, q := range got.searchQueries() {
			queries = append(queries, searchQuery(q))
		}
		if ok != (tc.want != nil) || strings.Join(queries, " | ") != strings.Join(tc.want, " | ") {
			t.Errorf("%s: searched %v %q, want %q", tc.name, ok, queries, tc.want)
		}
	}
}
