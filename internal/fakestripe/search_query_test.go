package fakestripe

import (
	"reflect"
	"strings"
	"testing"
)

// Parsing: the clauses a query gives, or Stripe's error for it.
func TestParseSearchQuery(t *testing.T) {
	cases := []struct {
		query   string
		want    []searchClause
		or      bool
		wantErr string // a part of the error message
	}{
		{query: `amount>1000`, want: []searchClause{{field: "amount", typ: fieldNumeric, op: opGT, value: "1000", number: 1000, isNum: true}}},
		{query: `amount>=1000 amount<=2000`, want: []searchClause{
			{field: "amount", typ: fieldNumeric, op: opGE, value: "1000", number: 1000, isNum: true},
			{field: "amount", typ: fieldNumeric, op: opLE, value: "2000", number: 2000, isNum: true}}},
		{query: `created<1700000000 AND currency:'usd'`, want: []searchClause{
			{field: "created", typ: fieldNumeric, op: opLT, value: "1700000000", number: 1700000000, isNum: true},
			{field: "currency", op: opEqual, value: "usd"}}},
		{query: `status:"failed" or status:"pending"`, or: true, want: []searchClause{
			{field: "status", op: opEqual, value: "failed"}, {field: "status", op: opEqual, value: "pending"}}},
		{query: `metadata['order_id']:'A-1042'`, want: []searchClause{{field: "metadata", key: "order_id", op: opEqual, value: "A-1042"}}},
		{query: `metadata["it's"]:"say \"hi\""`, want: []searchClause{{field: "metadata", key: "it's", op: opEqual, value: `say "hi"`}}},
		{query: `-metadata['k']:null`, want: []searchClause{{negate: true, field: "metadata", key: "k", op: opEqual, value: "null", null: true}}},
		{query: `customer:'O\'Brien \\ co'`, want: []searchClause{{field: "customer", op: opEqual, value: `O'Brien \ co`}}},
		{query: `  payment_method_details.card.last4:4242  `, want: []searchClause{
			{field: "payment_method_details.card.last4", op: opEqual, value: "4242", number: 4242, isNum: true}}},
		{query: `-currency:"usd"`, want: []searchClause{{negate: true, field: "currency", op: opEqual, value: "usd"}}},

		{query: ``, wantErr: "We were unable to parse your search query"},
		{query: `asdf`, wantErr: "We were unable to parse your search query"},
		{query: `status:succeeded`, wantErr: "must be quoted"},
		{query: `status:'succeeded`, wantErr: "not closed"},
		{query: `status: 'succeeded'`, wantErr: "expected a value"},
		{query: `amount > 1000`, wantErr: "expected an operator"},
		{query: `status:'a'x`, wantErr: "unexpected"},
		{query: `foo:"bar"`, wantErr: "Field `foo` is an unsupported search field for resource `charges`"},
		{query: `email:"a@b.c"`, wantErr: "Field `email` is an unsupported search field for resource `charges`"},
		{query: `status:"a" AND status:"b" OR status:"c"`, wantErr: "AND and OR cannot be combined"},
		{query: `status:"a" status:"b" OR status:"c"`, wantErr: "AND and OR cannot be combined"},
		{query: `status:"a" AND`, wantErr: "We were unable to parse your search query"},
		{query: `AND status:"a"`, wantErr: "We were unable to parse your search query"},
		{query: `status~"succ"`, wantErr: "does not support substring matching"},
		{query: `currency>"usd"`, wantErr: "does not support numeric comparison"},
		{query: `amount:"lots"`, wantErr: "takes a number"},
		{query: `amount>null`, wantErr: "null takes the : operator only"},
		{query: `metadata:'x'`, wantErr: "searched by key"},
		{query: `disputed:"maybe"`, wantErr: "accepts only the tokens true, false"},
		{query: `refunded:"partly"`, wantErr: "accepts only the tokens true, false"},
		{query: `status['x']:'y'`, wantErr: "only metadata takes a [key]"},
		{query: strings.Repeat(`status:"a" `, 11), wantErr: "at most 10 clauses"},
	}
	for _, c := range cases {
		q, err := parseSearchQuery(c.query, "charges")
		if c.wantErr != "" {
			if err == nil {
				t.Errorf("%q: parsed, want an error with %q", c.query, c.wantErr)
				continue
			}
			if err.status != 400 || err.Type != "invalid_request_error" || err.Param != "query" || !strings.Contains(err.Message, c.wantErr) {
				t.Errorf("%q: error %d %s param %q %q, want 400 invalid_request_error param query with %q",
					c.query, err.status, err.Type, err.Param, err.Message, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.query, err.Message)
			continue
		}
		if !reflect.DeepEqual(q.clauses, c.want) || q.or != c.or {
			t.Errorf("%q: got %+v or=%v, want %+v or=%v", c.query, q.clauses, q.or, c.want, c.or)
		}
	}
	// Ten clauses are allowed.
	if _, err := parseSearchQuery(strings.Repeat(`status:"a" `, 10), "charges"); err != nil {
		t.Errorf("ten clauses: %v", err.Message)
	}
}

// Substring matching needs 3 characters and a field of type string.
func TestParseSearchQuerySubstring(t *testing.T) {
	for _, c := range []struct {
		resource, query string
		ok              bool
	}{
		{"customers", `email~"exa"`, true},
		{"customers", `name~'Ann Lee'`, true},
		{"customers", `email~"ex"`, false},
		{"customers", `email~""`, false},
		{"customers", `email~null`, false},
		{"customers", `metadata['plan']~'pro'`, false}, // metadata is a token field
		{"invoices", `status~"pai"`, true},
		{"invoices", `currency~"usd"`, false},
		{"products", `url~"/dinosaur_swag"`, true},
		{"prices", `lookup_key~"standard"`, true},
		{"prices", `type~"recurring"`, false},
		{"charges", `payment_method_details.card.last4~"424"`, false},
	} {
		_, err := parseSearchQuery(c.query, c.resource)
		if (err == nil) != c.ok {
			t.Errorf("%q: error %v, want ok=%v", c.query, err, c.ok)
		}
	}
}

// Matching: each operator, negation, null, AND and OR against documents.
func TestSearchQueryMatches(t *testing.T) {
	doc := map[string]any{
		"amount": int64(1500), "created": int64(1700000000), "currency": "usd", "status": "succeeded",
		"disputed": false, "customer": nil, "payment_method_details.card.last4": "0042",
		"metadata": map[string]any{"order_id": "A-1042", "note": "it's"},
	}
	cdoc := map[string]any{"email": "Ann.Lee@Example.com", "name": "Ann Lee", "phone": nil, "metadata": map[string]any{}}
	cases := []struct {
		resource, query string
		doc             map[string]any
		want            bool
	}{
		{"charges", `amount>1000`, doc, true},
		{"charges", `amount>1500`, doc, false},
		{"charges", `amount>=1500`, doc, true},
		{"charges", `amount<1500`, doc, false},
		{"charges", `amount<=1500`, doc, true},
		{"charges", `amount:1500`, doc, true},
		{"charges", `amount:"1500"`, doc, true},
		{"charges", `amount:1501`, doc, false},
		{"charges", `created>1699999999 created<1700000001`, doc, true},
		{"charges", `currency:"USD"`, doc, true}, // exact match is case-insensitive
		{"charges", `currency:"us"`, doc, false},
		{"charges", `-currency:"usd"`, doc, false},
		{"charges", `-currency:"eur"`, doc, true},
		{"charges", `disputed:"false"`, doc, true},
		{"charges", `disputed:"true"`, doc, false},
		{"charges", `payment_method_details.card.last4:"0042"`, doc, true},
		{"charges", `payment_method_details.card.last4:42`, doc, false},
		{"charges", `metadata['order_id']:'A-1042'`, doc, true},
		{"charges", `metadata['order_id']:'a-1042'`, doc, true},
		{"charges", `metadata['order_id']:'A-104'`, doc, false},
		{"charges", `metadata['note']:'it\'s'`, doc, true},
		{"charges", `metadata['missing']:'x'`, doc, false},
		{"charges", `-metadata['missing']:'x'`, doc, true},
		{"charges", `metadata['missing']:null`, doc, true},
		{"charges", `metadata['order_id']:null`, doc, false},
		{"charges", `-metadata['order_id']:null`, doc, true},
		{"charges", `customer:null`, doc, true},
		{"charges", `customer:"cus_1"`, doc, false},
		{"charges", `status:"succeeded" AND amount>2000`, doc, false},
		{"charges", `status:"succeeded" amount>1000`, doc, true},
		{"charges", `status:"failed" OR amount>1000`, doc, true},
		{"charges", `status:"failed" OR amount>2000`, doc, false},
		{"customers", `email~"example"`, cdoc, true},
		{"customers", `email~"EXAMPLE.COM"`, cdoc, true},
		{"customers", `email~"examples"`, cdoc, false},
		{"customers", `name:"ann lee"`, cdoc, true},
		// An exact match on a string field matches consecutive words.
		{"customers", `name:"ann"`, cdoc, true},
		{"customers", `name:"lee ann"`, cdoc, false},
		{"customers", `name:"an"`, cdoc, false},
		{"customers", `email:"ann.lee@example.com"`, cdoc, true},
		{"customers", `email:"example.com"`, cdoc, true},
		{"customers", `email:"lee@example"`, cdoc, true},
		{"customers", `email:"ann@example.com"`, cdoc, false},
		{"customers", `email:"@"`, cdoc, false},
		{"customers", `phone~"415"`, cdoc, false}, // null matches no substring
		{"customers", `-phone~"415"`, cdoc, true},
	}
	for _, c := range cases {
		q, err := parseSearchQuery(c.query, c.resource)
		if err != nil {
			t.Errorf("%s %q: %v", c.resource, c.query, err.Message)
			continue
		}
		if got := q.matches(c.doc); got != c.want {
			t.Errorf("%s %q: matches = %v, want %v", c.resource, c.query, got, c.want)
		}
	}
}
