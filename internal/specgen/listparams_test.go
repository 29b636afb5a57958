package main

import (
	"slices"
	"testing"
)

func TestListParamsFromRealSpec(t *testing.T) {
	spec, _ := loadRealSpec(t)
	tests := []struct {
		path string
		want []listParam
	}{
		{"/v1/charges", []listParam{
			{Name: "created", Range: true},
			{Name: "customer"},
			{Name: "payment_intent"},
			{Name: "transfer_group"},
		}},
		{"/v1/invoices", []listParam{
			{Name: "collection_method", Enum: []string{"charge_automatically", "send_invoice"}},
			{Name: "created", Range: true},
			{Name: "customer"},
			{Name: "due_date", Range: true},
			{Name: "status", Enum: []string{"draft", "open", "paid", "uncollectible", "void"}},
			{Name: "subscription"},
		}},
		// The path parameter is a filter too.
		{"/v1/invoices/{invoice}/lines", []listParam{{Name: "invoice"}}},
		{"/v1/coupons", []listParam{{Name: "created", Range: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := spec.listParams(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, tt.want, func(a, b listParam) bool {
				return a.Name == b.Name && a.Range == b.Range && slices.Equal(a.Enum, b.Enum)
			}) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestListParamsEdgeCases(t *testing.T) {
	spec := mustParseSpec(t, `{
		"components": {"schemas": {
			"range": {"type": "object", "properties": {"gt": {}, "gte": {}, "lt": {}, "lte": {}}},
			"list": {"type": "object", "properties": {"data": {"type": "array"}}}
		}},
		"paths": {
			"/v1/things": {"get": {
				"parameters": [
					{"name": "limit", "in": "query", "schema": {"type": "integer"}},
					{"name": "when", "in": "query", "schema": {"anyOf": [{"$ref": "#/components/schemas/range"}, {"type": "integer"}]}},
					{"name": "partial", "in": "query", "schema": {"type": "object", "properties": {"gt": {}}}},
					{"name": "size", "in": "query", "schema": {"$ref": "#/components/schemas/range"}}
				],
				"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/list"}}}}}
			}},
			"/v1/bad_enum": {"get": {
				"parameters": [{"name": "n", "in": "query", "schema": {"type": "integer", "enum": [1, 2]}}],
				"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/list"}}}}}
			}},
			"/v1/no_schema": {"get": {
				"parameters": [{"name": "n", "in": "query"}],
				"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/list"}}}}}
			}}
		}
	}`)
	got, err := spec.listParams("/v1/things")
	if err != nil {
		t.Fatal(err)
	}
	want := []listParam{{Name: "when", Range: true}, {Name: "partial"}, {Name: "size", Range: true}}
	if !slices.EqualFunc(got, want, func(a, b listParam) bool { return a.Name == b.Name && a.Range == b.Range }) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	for _, path := range []string{"/v1/bad_enum", "/v1/no_schema"} {
		if _, err := spec.listParams(path); err == nil {
			t.Errorf("listParams(%q) succeeded, want an error", path)
		}
	}
}
