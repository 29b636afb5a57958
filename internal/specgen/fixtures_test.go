package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestBuildFixturesKeepsExamplesAndFillsGaps(t *testing.T) {
	spec, examples := loadRealSpec(t)
	var warn bytes.Buffer
	out, err := buildFixtures(spec, examples, []string{"charge"}, &warn)
	if err != nil {
		t.Fatal(err)
	}
	if warn.Len() != 0 {
		t.Errorf("unexpected warning: %s", warn.String())
	}
	charge := decodeFixture(t, out, "charge")
	var example map[string]any
	if err := json.Unmarshal(examples["charge"], &example); err != nil {
		t.Fatal(err)
	}
	if charge["id"] != example["id"] || charge["amount"] != example["amount"] {
		t.Errorf("example values not kept: id %v amount %v, want %v %v", charge["id"], charge["amount"], example["id"], example["amount"])
	}
	// fixtures3.json's charge lacks "transfer" (nullable): it is added as null.
	if v, ok := charge["transfer"]; !ok || v != nil {
		t.Errorf(`charge["transfer"] = %v (present %t), want null`, v, ok)
	}
	assertEveryProperty(t, spec, "charge", charge)
	if !bytes.HasSuffix(out, []byte("}\n")) {
		t.Error("output does not end with a newline")
	}
}

func TestBuildFixturesSynthesizesMissingExamples(t *testing.T) {
	spec, _ := loadRealSpec(t)
	var warn bytes.Buffer
	out, err := buildFixtures(spec, nil, []string{"checkout.session", "price"}, &warn)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{`"checkout.session"`, `"price"`} {
		if !strings.Contains(warn.String(), name) {
			t.Errorf("no warning naming %s in %q", name, warn.String())
		}
	}
	price := decodeFixture(t, out, "price")
	assertEveryProperty(t, spec, "price", price)
	tests := []struct {
		property string
		want     any
	}{
		{"id", "price_synthesized"},
		{"object", "price"},
		{"active", false},
		{"created", float64(synthesizedTime)},
		{"currency", ""},
		{"metadata", map[string]any{}},
		{"billing_scheme", "per_unit"},           // first enum value
		{"product", "price_product_synthesized"}, // expandable reference
		{"unit_amount_decimal", nil},             // nullable
		{"tiers", nil},                           // optional
	}
	for _, tt := range tests {
		if got := price[tt.property]; !jsonEqual(got, tt.want) {
			t.Errorf("price.%s = %#v, want %#v", tt.property, got, tt.want)
		}
	}
	session := decodeFixture(t, out, "checkout.session")
	if _, ok := session["automatic_tax"].(map[string]any)["enabled"].(bool); !ok {
		t.Errorf("checkout.session.automatic_tax = %#v, want an object with a boolean enabled", session["automatic_tax"])
	}
}

func TestBuildFixturesIsDeterministic(t *testing.T) {
	spec, examples := loadRealSpec(t)
	names := []string{"invoice", "customer", "line_item"}
	first, err := buildFixtures(spec, examples, names, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := buildFixtures(spec, examples, names, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Error("two runs differ")
	}
}

func decodeFixture(t *testing.T, out []byte, name string) map[string]any {
	t.Helper()
	var all map[string]map[string]any
	if err := json.Unmarshal(out, &all); err != nil {
		t.Fatal(err)
	}
	obj, ok := all[name]
	if !ok {
		t.Fatalf("no fixture %q", name)
	}
	return obj
}

func assertEveryProperty(t *testing.T, spec *openAPI, name string, obj map[string]any) {
	t.Helper()
	s, err := spec.schemaNamed(name)
	if err != nil {
		t.Fatal(err)
	}
	for _, prop := range s.propertyOrder {
		if _, ok := obj[prop]; !ok {
			t.Errorf("%s fixture lacks %q", name, prop)
		}
	}
}

func jsonEqual(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

func TestBuildFixturesRejectsMalformedExamples(t *testing.T) {
	spec, _ := loadRealSpec(t)
	for _, raw := range []string{`null`, `[1, 2]`, `"ch_1"`} {
		examples := map[string]json.RawMessage{"charge": json.RawMessage(raw)}
		if _, err := buildFixtures(spec, examples, []string{"charge"}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), `fixture "charge"`) {
			t.Errorf("example %s: error = %v, want one naming the fixture", raw, err)
		}
	}
}
