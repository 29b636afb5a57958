package sqltable

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/tables"
)

// A list page keeps the objects of the created range it asked for, by
// the field that range filters (invoice items' date), and the objects
// that do not say when they were created.
func TestInCreatedRange(t *testing.T) {
	objs := func(ss ...string) []json.RawMessage {
		var out []json.RawMessage
		for _, s := range ss {
			out = append(out, json.RawMessage(s))
		}
		return out
	}
	page := objs(`{"id":"a","created":300,"date":100}`, `{"id":"b","created":200,"date":300}`,
		`{"id":"c","created":100,"date":200}`, `{"id":"d","created":null}`, `{"id":"e"}`)
	for _, tc := range []struct {
		table  string
		params url.Values
		want   string
	}{
		{"charges", url.Values{}, "a b c d e"},
		{"charges", url.Values{"created[gte]": {"200"}}, "a b d e"},
		{"charges", url.Values{"created[gt]": {"100"}, "created[lt]": {"300"}}, "b d e"},
		{"charges", url.Values{"created[lte]": {"200"}}, "b c d e"},
		{"charges", url.Values{"created": {"100"}}, "c d e"},
		{"invoice_items", url.Values{"created[gte]": {"200"}}, "b c d e"},
		{"balance", url.Values{"created[gte]": {"200"}}, "a b c d e"}, // takes no created range
	} {
		spec, ok := tables.Lookup(tc.table)
		if !ok {
			t.Fatalf("no table %s", tc.table)
		}
		tbl, err := New(spec, "stripe", NewClient(ClientOptions{APIKey: "sk_test_range"}))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range tbl.inCreatedRange(page, tc.params) {
			id, _ := intFieldOrID(o)
			got = append(got, id)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s %s: kept %v, want %s", tc.table, tc.params.Encode(), got, tc.want)
		}
	}
}

func intFieldOrID(o json.RawMessage) (string, error) {
	var v struct{ ID string }
	err := json.Unmarshal(o, &v)
	return v.ID, err
}
