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
			{Name: "created", Range: true, Type: "integer", Field: "created"},
			{Name: "customer", Type: "string", Field: "customer"},
			{Name: "payment_intent", Type: "string", Field: "payment_intent"},
			{Name: "transfer_group", Type: "string", Field: "transfer_group"},
		}},
		{"/v1/invoices", []listParam{
			{Name: "collection_method", Enum: []string{"charge_automatically", "send_invoice"}, Type: "string", Field: "collection_method"},
			{Name: "created", Range: true, Type: "integer", Field: "created"},
			{Name: "customer", Type: "string", Field: "customer"},
			{Name: "due_date", Range: true, Type: "integer", Field: "due_date"},
			{Name: "status", Enum: []string{"draft", "open", "paid", "uncollectible", "void"}, Type: "string", Field: "status"},
			{Name: "subscription", Type: "string", Field: "subscription"},
		}},
		// payout is no field of a balance transaction: a filter-only column.
		{"/v1/balance_transactions", []listParam{
			{Name: "created", Range: true, Type: "integer", Field: "created"},
			{Name: "currency", Type: "string", Field: "currency"},
			{Name: "payout", Type: "string"},
			{Name: "source", Type: "string", Field: "source"},
			{Name: "type", Type: "string", Field: "type"},
		}},
		// The created range filters date, the invoice item's creation time.
		{"/v1/invoiceitems", []listParam{
			{Name: "created", Range: true, Type: "integer", Field: "date"},
			{Name: "customer", Type: "string", Field: "customer"},
			{Name: "invoice", Type: "string", Field: "invoice"},
			{Name: "pending", Type: "boolean"},
		}},
		// A hash and an array parameter; events have no delivery_success.
		{"/v1/events", []listParam{
			{Name: "created", Range: true, Type: "integer", Field: "created"},
			{Name: "delivery_success", Type: "boolean"},
			{Name: "type", Type: "string", Field: "type"},
			{Name: "types", Type: "array"},
		}},
		// coupon is the coupon object on a promotion code, not its id.
		{"/v1/promotion_codes", []listParam{
			{Name: "active", Type: "boolean", Field: "active"},
			{Name: "code", Type: "string", Field: "code"},
			{Name: "coupon", Type: "string"},
			{Name: "created", Range: true, Type: "integer", Field: "created"},
			{Name: "customer", Type: "string", Field: "customer"},
		}},
		// Without test_clock, Stripe leaves test clocks' customers out.
		{"/v1/customers", []listParam{
			{Name: "created", Range: true, Type: "integer", Field: "created"},
			{Name: "email", Type: "string", Field: "email"},
			{Name: "test_clock", Type: "string", Field: "test_clock", Reveals: true},
		}},
		// The path parameter is a filter too; lines have no invoice field.
		{"/v1/invoices/{invoice}/lines", []listParam{{Name: "invoice", Type: "string"}}},
		// Sources are of several kinds: no field is known.
		{"/v1/customers/{customer}/sources", []listParam{{Name: "customer", Type: "string"}, {Name: "object", Type: "string"}}},
		{"/v1/coupons", []listParam{{Name: "created", Range: true, Type: "integer", Field: "created"}}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := spec.listParams(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, tt.want, func(a, b listParam) bool {
				return a.Name == b.Name && a.Range == b.Range && slices.Equal(a.Enum, b.Enum) &&
					a.Type == b.Type && a.Field == b.Field && a.Reveals == b.Reveals
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
	want := []listParam{{Name: "when", Range: true, Type: "integer"}, {Name: "partial", Type: "object"}, {Name: "size", Range: true, Type: "object"}}
	if !slices.EqualFunc(got, want, func(a, b listParam) bool { return a.Name == b.Name && a.Range == b.Range && a.Type == b.Type }) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	for _, path := range []string{"/v1/bad_enum", "/v1/no_schema"} {
		if _, err := spec.listParams(path); err == nil {
			t.Errorf("listParams(%q) succeeded, want an error", path)
		}
	}
}
