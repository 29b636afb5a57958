package decode

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/shopspring/decimal"

	"github.com/stripesql/stripesql/tables"
)

// fuzzColumns has one column of every kind, then the charges table's.
func fuzzColumns(tb testing.TB) []tables.Column {
	cols := []tables.Column{
		{Name: "s", Kind: tables.KindString}, {Name: "i", Kind: tables.KindInt}, {Name: "f", Kind: tables.KindFloat},
		{Name: "d", Kind: tables.KindDecimal}, {Name: "b", Kind: tables.KindBool}, {Name: "t", Kind: tables.KindTime},
		{Name: "j", Kind: tables.KindJSON}, {Name: "r", Kind: tables.KindRef},
	}
	spec, ok := tables.Lookup("charges")
	if !ok {
		tb.Fatal("no charges table")
	}
	charges, err := spec.AllColumns()
	if err != nil {
		tb.Fatal(err)
	}
	return append(cols, charges...)
}

// FuzzDecodeRow feeds arbitrary bytes to the decoder of Stripe objects:
// it must never panic; and for a JSON object (the list page around it was
// parsed as JSON already) a row it returns must hold, per column, NULL
// for a missing or null field and otherwise a value of the Go type the
// engine expects for the column's kind, equal to the field's JSON value.
func FuzzDecodeRow(f *testing.F) {
	for _, seed := range []string{
		`{}`, `null`, `[]`, `{"s": null}`, `"x"`,
		`{"s": "str", "i": 42, "f": 1.5, "d": "1.25", "b": true, "t": 1700000000, "j": {"a": [1, 2]}, "r": "cus_1"}`,
		`{"i": 9223372036854775807, "t": -1, "b": false, "r": {"id": "cus_2", "object": "customer"}, "d": 3}`,
		`{"i": 1.5}`, `{"i": "1"}`, `{"b": "true"}`, `{"t": 1e3}`, `{"d": "abc"}`, `{"f": 1e400}`, `{"s": 5}`,
		`{"j": "text"}`, `{"j": [ 1 , 2 ]}`, `{"r": {"object": "customer"}}`, `{"s": "\u00e9\ud83d\ude00"}`,
		`{"id": "ch_1", "amount": 100, "metadata": {}, "created": 1690000000, "paid": true, "customer": null}`,
	} {
		f.Add([]byte(seed))
	}
	cols := fuzzColumns(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		row, err := Row(raw, cols)
		if err != nil {
			return
		}
		if len(row) != len(cols) {
			t.Fatalf("%d values for %d columns", len(row), len(cols))
		}
		var fields map[string]json.RawMessage
		if json.Unmarshal(raw, &fields) != nil || duplicateKeys(raw) {
			// Not a JSON object, or one whose meaning JSON leaves open.
			return
		}
		for i, c := range cols {
			checkCell(t, c, fields[c.Name], row[i])
		}
	})
}

// checkCell checks one decoded value against its JSON field.
func checkCell(t *testing.T, c tables.Column, field json.RawMessage, v any) {
	t.Helper()
	if len(field) == 0 || bytes.Equal(field, jsonNull) {
		if v != nil {
			t.Fatalf("%s: %v for a missing or null field", c.Name, v)
		}
		return
	}
	var want any
	if err := json.Unmarshal(field, &want); err != nil {
		t.Fatalf("%s: field %q: %v", c.Name, field, err)
	}
	switch c.Kind {
	case tables.KindInt:
		n, ok := v.(int64)
		if !ok || float64(n) != want.(float64) && !bigInt(field) {
			t.Fatalf("%s: %#v from %s", c.Name, v, field)
		}
	case tables.KindTime:
		tm, ok := v.(time.Time)
		if !ok || tm.Location() != time.UTC || float64(tm.Unix()) != want.(float64) && !bigInt(field) {
			t.Fatalf("%s: %#v from %s", c.Name, v, field)
		}
	case tables.KindFloat:
		if x, ok := v.(float64); !ok || x != want.(float64) {
			t.Fatalf("%s: %#v from %s", c.Name, v, field)
		}
	case tables.KindBool:
		b, ok := want.(bool)
		if n, isInt := v.(int8); !ok || !isInt || (n == 1) != b || n > 1 {
			t.Fatalf("%s: %#v from %s", c.Name, v, field)
		}
	case tables.KindDecimal:
		if _, ok := v.(decimal.Decimal); !ok {
			t.Fatalf("%s: %#v from %s", c.Name, v, field)
		}
	case tables.KindJSON:
		doc, ok := v.(sql.JSONWrapper)
		if !ok {
			t.Fatalf("%s: %#v from %s", c.Name, v, field)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, field); err != nil {
			t.Fatal(err)
		}
		got, err := doc.ToInterface()
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		gotJSON, _ := json.Marshal(got)
		wantJSON, _ := json.Marshal(want)
		if !bytes.Equal(gotJSON, wantJSON) {
			t.Fatalf("%s: %s from %s", c.Name, gotJSON, field)
		}
	case tables.KindRef:
		s, ok := v.(string)
		if obj, isObj := want.(map[string]any); isObj {
			id, _ := obj["id"].(string)
			if !ok || s != id {
				t.Fatalf("%s: %#v from expanded %s", c.Name, v, field)
			}
			return
		}
		checkString(t, c, field, want, v)
	default:
		checkString(t, c, field, want, v)
	}
}

// checkString: a JSON string is served as itself, anything else as its
// JSON text.
func checkString(t *testing.T, c tables.Column, field json.RawMessage, want, v any) {
	t.Helper()
	s, ok := v.(string)
	if w, isString := want.(string); ok && isString && s == w {
		return
	}
	if ok && !isJSONString(want) && s == string(field) {
		return
	}
	t.Fatalf("%s: %#v from %s", c.Name, v, field)
}

func isJSONString(v any) bool {
	_, ok := v.(string)
	return ok
}

// bigInt reports an integer too large for a float64 to compare exactly.
func bigInt(field json.RawMessage) bool { return len(bytes.TrimLeft(field, "-")) > 15 }

// duplicateKeys reports an object naming a field twice (encoding/json
// keeps the last, a scanner may keep the first).
func duplicateKeys(raw []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return false
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		key, _ := tok.(string)
		if seen[key] {
			return true
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return false
		}
	}
	return false
}
