package main

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestObjectColumnsFromRealSpec(t *testing.T) {
	spec, _ := loadRealSpec(t)
	tests := []struct {
		object, property string
		wantKind         kind
		wantNullable     bool
	}{
		{"charge", "id", kindString, false},
		{"charge", "amount", kindInt, false},
		{"charge", "created", kindTime, false},
		{"charge", "customer", kindRef, true},
		{"charge", "metadata", kindJSON, false},
		{"charge", "paid", kindBool, false},
		{"charge", "description", kindString, true},
		{"charge", "status", kindString, false},          // enum
		{"charge", "billing_details", kindJSON, false},   // $ref to an object
		{"charge", "fraud_details", kindJSON, true},      // anyOf of one $ref, not expandable
		{"charge", "refunds", kindJSON, true},            // embedded list object
		{"balance_transaction", "source", kindRef, true}, // string or any of 16 objects
		{"balance_transaction", "exchange_rate", kindFloat, true},
		{"price", "unit_amount_decimal", kindDecimal, true},
		{"invoice", "lines", kindJSON, false},
		{"invoice", "discounts", kindJSON, true}, // array of expandable refs
		{"line_item", "invoice_item", kindRef, true},
		{"checkout.session", "line_items", kindJSON, true}, // optional: not in required
	}
	for _, tt := range tests {
		t.Run(tt.object+"."+tt.property, func(t *testing.T) {
			cols, err := spec.objectColumns(tt.object)
			if err != nil {
				t.Fatal(err)
			}
			col, ok := findColumn(cols, tt.property)
			if !ok {
				t.Fatalf("no column %q", tt.property)
			}
			if col.Kind != tt.wantKind || col.Nullable != tt.wantNullable {
				t.Errorf("got %s nullable=%t, want %s nullable=%t", col.Kind, col.Nullable, tt.wantKind, tt.wantNullable)
			}
		})
	}
}

func TestObjectColumnsLayout(t *testing.T) {
	spec, _ := loadRealSpec(t)
	cols, err := spec.objectColumns("charge")
	if err != nil {
		t.Fatal(err)
	}
	if cols[0].Name != "id" {
		t.Errorf("first column is %q, want id", cols[0].Name)
	}
	if _, ok := findColumn(cols, "object"); ok {
		t.Error(`"object" should not be a column`)
	}
	// After id, the spec's (alphabetical) order is kept.
	if cols[1].Name != "amount" || cols[2].Name != "amount_captured" {
		t.Errorf("columns 1-2 are %q, %q; want amount, amount_captured", cols[1].Name, cols[2].Name)
	}
	if c, _ := findColumn(cols, "application_fee"); strings.Contains(c.Comment, "](") {
		t.Errorf("comment still has a markdown link: %q", c.Comment)
	}
	if c, _ := findColumn(cols, "radar_options"); c.Comment == "" {
		t.Error("radar_options has no comment; want the referenced schema's description")
	}
}

// TestPropertyKindEdgeCases covers shapes the pinned spec may not contain.
func TestPropertyKindEdgeCases(t *testing.T) {
	spec := mustParseSpec(t, `{"components": {"schemas": {
		"status_enum": {"type": "string", "enum": ["a", "b"]},
		"thing":       {"type": "object", "properties": {"x": {"type": "integer"}}},
		"loop_a":      {"$ref": "#/components/schemas/loop_b"},
		"loop_b":      {"$ref": "#/components/schemas/loop_a"}
	}}}`)
	tests := []struct {
		name     string
		property string
		want     kind
		wantErr  string
	}{
		{"ref to string enum", `{"$ref": "#/components/schemas/status_enum"}`, kindString, ""},
		{"ref to object", `{"$ref": "#/components/schemas/thing"}`, kindJSON, ""},
		{"anyOf string and ref without expansion", `{"anyOf": [{"type": "string"}, {"$ref": "#/components/schemas/thing"}]}`, kindJSON, ""},
		{"expandable ref", `{"anyOf": [{"type": "string"}, {"$ref": "#/components/schemas/thing"}], "x-expansionResources": {}}`, kindRef, ""},
		{"anyOf of scalars", `{"anyOf": [{"type": "string"}, {"type": "integer"}], "x-expansionResources": {}}`, kindJSON, ""},
		{"hash", `{"type": "object", "additionalProperties": {"type": "string"}}`, kindJSON, ""},
		{"array", `{"type": "array", "items": {"type": "string"}}`, kindJSON, ""},
		{"plain integer with other format", `{"type": "integer", "format": "int64"}`, kindInt, ""},
		{"no type", `{"description": "?"}`, "", "no type"},
		{"unknown type", `{"type": "tuple"}`, "", `unsupported schema type "tuple"`},
		{"dangling ref", `{"$ref": "#/components/schemas/nope"}`, "", `no schema "nope"`},
		{"external ref", `{"$ref": "other.json#/x"}`, "", "unsupported $ref"},
		{"ref cycle", `{"$ref": "#/components/schemas/loop_a"}`, "", "a cycle?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := spec.propertyKind(mustParseSchema(t, tt.property))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func findColumn(cols []column, name string) (column, bool) {
	for _, c := range cols {
		if c.Name == name {
			return c, true
		}
	}
	return column{}, false
}

func mustParseSpec(t *testing.T, src string) *openAPI {
	t.Helper()
	spec, err := parseOpenAPI([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func mustParseSchema(t *testing.T, src string) *schema {
	t.Helper()
	s := new(schema)
	if err := s.UnmarshalJSON([]byte(src)); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestEveryGeneratedColumnIsWellFormed checks invariants over all objects
// that go generate lists.
func TestEveryGeneratedColumnIsWellFormed(t *testing.T) {
	spec, _ := loadRealSpec(t)
	opts, err := parseArgs(goGenerateArgs(t), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	// Every object the generator writes columns of: those of -objects and
	// those its lists list.
	objects, _, _, err := expandLists(spec, opts.objects, opts.lists)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range objects {
		cols, err := spec.objectColumns(name)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, c := range cols {
			switch {
			case seen[c.Name]:
				t.Errorf("%s.%s: duplicate column", name, c.Name)
			case c.Comment == "":
				t.Errorf("%s.%s: no comment", name, c.Name)
			case len(c.Comment) > maxCommentBytes || !utf8.ValidString(c.Comment):
				t.Errorf("%s.%s: comment is %d bytes or not UTF-8", name, c.Name, len(c.Comment))
			case strings.ContainsAny(c.Comment, "\n\r\t"):
				t.Errorf("%s.%s: comment spans lines: %q", name, c.Name, c.Comment)
			}
			seen[c.Name] = true
		}
	}
}

// Free text is TEXT (its spec maxLength), ids, codes and enums VARCHAR(255)
// (Text 0); see freeText.
func TestFreeTextFromRealSpec(t *testing.T) {
	spec, _ := loadRealSpec(t)
	tests := []struct {
		object, property string
		want             int
	}{
		{"charge", "id", 0},
		{"charge", "description", 40000},
		{"charge", "status", 0},         // enum
		{"charge", "currency", 0},       // no maxLength: an ISO code
		{"charge", "payment_method", 0}, // "ID of the payment method…"
		{"charge", "customer", 0},       // a reference (kindRef)
		{"charge", "failure_code", 0},   // a code named in shortNames
		{"charge", "transfer_group", 5000},
		{"customer", "email", 5000},
		{"customer", "name", 5000},
		{"product", "url", 2048},
		{"subscription", "description", 500},
		{"event", "type", 0},
		{"discount", "id", 0},      // "The ID of the discount object…"
		{"discount", "invoice", 0}, // an invoice's id, said only by its name
		{"checkout.session", "recovered_from", 0},
		{"promotion_code", "code", 5000},
	}
	for _, tt := range tests {
		t.Run(tt.object+"."+tt.property, func(t *testing.T) {
			cols, err := spec.objectColumns(tt.object)
			if err != nil {
				t.Fatal(err)
			}
			col, ok := findColumn(cols, tt.property)
			if !ok {
				t.Fatalf("no column %q", tt.property)
			}
			if col.Text != tt.want {
				t.Errorf("Text = %d, want %d", col.Text, tt.want)
			}
		})
	}
}
