package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// find returns the parameter called name, or fails the test.
func find(t *testing.T, ps []writeParam, name string) writeParam {
	t.Helper()
	for _, p := range ps {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no parameter %q among %d", name, len(ps))
	return writeParam{}
}

func TestWriteEndpointsFromRealSpec(t *testing.T) {
	spec, _ := loadRealSpec(t)
	tests := []struct {
		path        string
		item        string
		create      bool
		update      bool
		delete      bool
		required    []string // of create
		notInCreate string   // a field of the object the create endpoint does not take
	}{
		{"/v1/customers", "/v1/customers/{customer}", true, true, true, nil, "created"},
		{"/v1/products", "/v1/products/{id}", true, true, true, []string{"name"}, "updated"},
		{"/v1/prices", "/v1/prices/{price}", true, true, false, []string{"currency"}, "type"},
		{"/v1/tax_rates", "/v1/tax_rates/{tax_rate}", true, true, false, []string{"display_name", "inclusive", "percentage"}, "effective_percentage"},
		{"/v1/refunds", "/v1/refunds/{refund}", true, true, false, nil, "status"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			w, err := spec.writeEndpoints(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if w.ItemPath != tt.item || (w.Create != nil) != tt.create || (w.Update != nil) != tt.update || w.Delete != tt.delete {
				t.Errorf("got item %q create %t update %t delete %t, want %q %t %t %t",
					w.ItemPath, w.Create != nil, w.Update != nil, w.Delete, tt.item, tt.create, tt.update, tt.delete)
			}
			var required []string
			for _, p := range w.Create {
				if p.Name == "expand" || p.Name == tt.notInCreate {
					t.Errorf("create takes %q", p.Name)
				}
				if p.Required {
					required = append(required, p.Name)
				}
			}
			if !slices.Equal(required, tt.required) {
				t.Errorf("required %q, want %q", required, tt.required)
			}
			meta := find(t, w.Create, "metadata")
			if meta.Type != "object" || !meta.Hash {
				t.Errorf("metadata = %+v, want an object taking any key", meta)
			}
		})
	}
}

func TestWriteParamShapes(t *testing.T) {
	spec, _ := loadRealSpec(t)
	w, err := spec.writeEndpoints("/v1/customers")
	if err != nil {
		t.Fatal(err)
	}
	if meta := find(t, w.Update, "metadata"); !meta.Unset {
		t.Errorf("metadata = %+v, want it clearable with \"\"", meta)
	}
	exempt := find(t, w.Create, "tax_exempt")
	if exempt.Type != "string" || !exempt.Unset || !slices.Equal(exempt.Enum, []string{"exempt", "none", "reverse"}) {
		t.Errorf("tax_exempt = %+v, want a clearable string enum without \"\" among its values", exempt)
	}
	locales := find(t, w.Create, "preferred_locales")
	if locales.Type != "array" || locales.Items == nil || locales.Items.Type != "string" {
		t.Errorf("preferred_locales = %+v, want an array of strings", locales)
	}
	addr := find(t, w.Create, "address")
	if addr.Type != "object" || addr.Hash || !addr.Unset || find(t, addr.Properties, "city").Type != "string" {
		t.Errorf("address = %+v, want an object with fixed keys (city …), clearable", addr)
	}
	shipping := find(t, w.Create, "shipping")
	if got := find(t, find(t, shipping.Properties, "address").Properties, "line1"); got.Type != "string" {
		t.Errorf("shipping[address][line1] = %+v, want a string two levels down", got)
	}
	if !find(t, shipping.Properties, "name").Required {
		t.Errorf("shipping[name] is not required; the spec requires it")
	}
	if balance := find(t, w.Update, "balance"); balance.Type != "integer" || balance.Unset {
		t.Errorf("balance = %+v, want an integer that cannot be cleared", balance)
	}
}

func TestWriteEndpointsErrors(t *testing.T) {
	spec := mustParseSpec(t, `{
		"components": {"schemas": {"x": {"type": "object"}}},
		"paths": {
			"/v1/things": {"get": {}},
			"/v1/gadgets": {"post": {}},
			"/v1/widgets": {"post": {}},
			"/v1/widgets/{a}": {"post": {}},
			"/v1/widgets/{b}": {"delete": {}}
		}
	}`)
	for path, want := range map[string]string{
		"/v1/things":  "neither POST /v1/things",
		"/v1/widgets": "several object paths",
	} {
		if _, err := spec.writeEndpoints(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("writeEndpoints(%s) error %v, want one containing %q", path, err, want)
		}
	}
	_, err := generate(spec, nil, nil, nil, []string{"/v1/gadgets", "/v1/gadgets"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), `write path "/v1/gadgets" listed twice`) {
		t.Errorf("duplicate -writes: error %v", err)
	}
}

func TestWritesJSONRoundTrips(t *testing.T) {
	spec, _ := loadRealSpec(t)
	w, err := spec.writeEndpoints("/v1/coupons")
	if err != nil {
		t.Fatal(err)
	}
	b, err := renderWritesJSON(map[string]writeEndpoints{"/v1/coupons": w})
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]writeEndpoints
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	got := back["/v1/coupons"]
	if got.ItemPath != w.ItemPath || len(got.Create) != len(w.Create) || len(got.Update) != len(w.Update) || !got.Delete {
		t.Errorf("round trip lost data: %+v", got)
	}
	if id := find(t, got.Create, "id"); id.Type != "string" {
		t.Errorf("coupons create id = %+v: a coupon's id may be chosen", id)
	}
}
