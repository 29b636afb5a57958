package sqltable

import (
	"net/url"
	"testing"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"

	"github.com/stripesql/stripesql/tables"
	"github.com/stripesql/stripesql/tables/decode"
)

func ts(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05.999999", s)
	if err != nil {
		panic(err)
	}
	return t
}

// Conversions of DATETIME ranges to created[...] are exact at the edges:
// created holds whole seconds.
func TestCreatedBoundsAreExact(t *testing.T) {
	jan1 := ts("2024-01-01 00:00:00")
	half := ts("2024-01-01 00:00:00.5")
	cases := []struct {
		name string
		ce   sql.MySQLRangeColumnExpr
		want string
	}{
		{"< midnight", sql.LessThanRangeColumnExpr(jan1, types.Datetime), "created[lt]=1704067200"},
		{"<= midnight", sql.LessOrEqualRangeColumnExpr(jan1, types.Datetime), "created[lte]=1704067200"},
		{"> midnight", sql.GreaterThanRangeColumnExpr(jan1, types.Datetime), "created[gt]=1704067200"},
		{">= midnight", sql.GreaterOrEqualRangeColumnExpr(jan1, types.Datetime), "created[gte]=1704067200"},
		{"< half second", sql.LessThanRangeColumnExpr(half, types.Datetime), "created[lt]=1704067201"},
		{"<= half second", sql.LessOrEqualRangeColumnExpr(half, types.Datetime), "created[lte]=1704067200"},
		{"> half second", sql.GreaterThanRangeColumnExpr(half, types.Datetime), "created[gt]=1704067200"},
		{">= half second", sql.GreaterOrEqualRangeColumnExpr(half, types.Datetime), "created[gte]=1704067201"},
		{"= midnight", sql.ClosedRangeColumnExpr(jan1, jan1, types.Datetime), "created=1704067200"},
		{"not null", sql.NotNullRangeColumnExpr(types.Datetime), ""},
	}
	for _, c := range cases {
		lo, hi, ok, err := unixBounds(c.ce)
		if err != nil || !ok {
			t.Fatalf("%s: ok=%v err=%v", c.name, ok, err)
		}
		params := url.Values{}
		setRange(params, "created", lo, hi)
		got, _ := url.QueryUnescape(params.Encode())
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if _, _, ok, _ := unixBounds(sql.NullRangeColumnExpr(types.Datetime)); ok {
		t.Error("created IS NULL should match nothing")
	}
}

func TestInColumnRange(t *testing.T) {
	typ := stringType
	cases := []struct {
		ce   sql.MySQLRangeColumnExpr
		v    any
		want bool
	}{
		{sql.ClosedRangeColumnExpr("b", "d", typ), "b", true},
		{sql.ClosedRangeColumnExpr("b", "d", typ), "d", true},
		{sql.OpenRangeColumnExpr("b", "d", typ), "b", false},
		{sql.OpenRangeColumnExpr("b", "d", typ), "c", true},
		{sql.GreaterThanRangeColumnExpr("b", typ), "a", false},
		{sql.GreaterThanRangeColumnExpr("b", typ), nil, false},
		{sql.NullRangeColumnExpr(typ), nil, true},
		{sql.NullRangeColumnExpr(typ), "a", false},
		{sql.NotNullRangeColumnExpr(typ), "a", true},
		{sql.NotNullRangeColumnExpr(typ), nil, false},
		{sql.AllRangeColumnExpr(typ), nil, true},
		{sql.LessThanRangeColumnExpr("b", typ), "a", true},
	}
	for i, c := range cases {
		if got := inColumnRange(nil, c.ce, c.v); got != c.want {
			t.Errorf("%d: %v in %v = %v, want %v", i, c.v, c.ce.DebugString(), got, c.want)
		}
	}
}

func TestDecodeRowKeepsNulls(t *testing.T) {
	cols := []tables.Column{
		{Name: "id", Kind: tables.KindString}, {Name: "amount", Kind: tables.KindInt}, {Name: "created", Kind: tables.KindTime},
		{Name: "paid", Kind: tables.KindBool}, {Name: "customer", Kind: tables.KindRef}, {Name: "metadata", Kind: tables.KindJSON},
		{Name: "description", Kind: tables.KindString, Nullable: true}, {Name: "rate", Kind: tables.KindFloat},
		{Name: "unit_amount_decimal", Kind: tables.KindDecimal}, {Name: "missing", Kind: tables.KindString, Nullable: true},
	}
	raw := []byte(`{"id":"ch_1","amount":1500,"created":1704067200,"paid":true,"customer":{"id":"cus_9","object":"customer"},
		"metadata":{ "a" : "b" },"description":null,"rate":1.5,"unit_amount_decimal":"12.3456"}`)
	row, err := decode.Row(raw, cols)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"ch_1", int64(1500), time.Unix(1704067200, 0).UTC(), int8(1), "cus_9", nil, nil, 1.5, nil, nil}
	for i, w := range want {
		if i == 5 || i == 8 {
			continue
		}
		if row[i] != w {
			t.Errorf("%s = %#v, want %#v", cols[i].Name, row[i], w)
		}
	}
	if s, _ := types.JSON.SQL(nil, nil, row[5]); s.ToString() != `{"a":"b"}` {
		t.Errorf("metadata = %v", s.ToString())
	}
	if d := row[8]; d == nil || d.(interface{ String() string }).String() != "12.3456" {
		t.Errorf("decimal = %v", d)
	}
	if _, err := decode.Row([]byte(`{"amount":"x"}`), cols); err == nil {
		t.Error("a string amount should fail decoding")
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"Invalid API Key provided: sk_test_****4242": "Invalid API Key provided: sk_test_[redacted]",
		"key rk_live_abcDEF123 used":                 "key rk_live_[redacted] used",
		"no key here":                                "no key here",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}
