package decode

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stripesql/stripesql/tables"
)

// chargeFixture is a full charge object from the fixtures the fake serves.
func chargeFixture(b *testing.B) json.RawMessage {
	raw, err := os.ReadFile("../internal/fakestripe/fixtures_gen.json")
	if err != nil {
		b.Fatal(err)
	}
	var fx map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fx); err != nil {
		b.Fatal(err)
	}
	return fx["charge"]
}

// The decoder against decoding each object into a map of all its fields
// (what it replaced), for all columns and for two.
func BenchmarkDecodeCharge(b *testing.B) {
	obj := chargeFixture(b)
	s, _ := tables.Lookup("charges")
	cols, _ := s.AllColumns()
	d := New(cols)
	two := make([]bool, len(cols))
	two[0], two[1] = true, true
	b.Run("map", func(b *testing.B) {
		for b.Loop() {
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(obj, &fields); err != nil {
				b.Fatal(err)
			}
			for _, c := range cols {
				if _, err := Value(fields[c.Name], c.Kind); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("all columns", func(b *testing.B) {
		for b.Loop() {
			if _, err := d.Decode(obj, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("two columns", func(b *testing.B) {
		for b.Loop() {
			if _, err := d.Decode(obj, two); err != nil {
				b.Fatal(err)
			}
		}
	})
}
