package binlog

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dolthub/vitess/go/mysql"
)

// Documents in MySQL's binary JSON read back (vitess's reader) as the
// document written: small and large containers, nesting, every scalar.
func TestJSONReadsBack(t *testing.T) {
	big := map[string]any{"k": strings.Repeat("x", 70000), "n": json.Number("70000"), "arr": []any{json.Number("-40000"), true}}
	for _, tc := range []struct {
		name string
		doc  any
		want string
	}{
		{"scalars", map[string]any{"b": true, "f": false, "n": nil, "i": json.Number("7"), "big": json.Number("9007199254740993"),
			"neg": json.Number("-70000"), "d": json.Number("1.5"), "s": "é\"q"},
			`JSON_OBJECT('b',true,'d',1.5E+00,'f',false,'i',7,'n',null,'s','é\"q','big',9007199254740993,'neg',-70000)`},
		{"nested", map[string]any{"address": map[string]any{"city": "Austin", "line2": nil}, "list": []any{json.Number("1"), "two", []any{}}},
			`JSON_OBJECT('list',JSON_ARRAY(1,'two',JSON_ARRAY()),'address',JSON_OBJECT('city','Austin','line2',null))`},
		{"array top", []any{map[string]any{}, json.Number("0")}, `JSON_ARRAY(JSON_OBJECT(),0)`},
		// Over 64 KiB: the large layout (32-bit offsets).
		{"large", big, `JSON_OBJECT('k','` + strings.Repeat("x", 70000) + `','n',70000,'arr',JSON_ARRAY(-40000,true))`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := encodeJSON(tc.doc)
			if err != nil {
				t.Fatal(err)
			}
			got, err := mysql.ConvertBinaryJSONToSQL(b)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("read back %.300s, want %.300s", got, tc.want)
			}
		})
	}
}
