package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// renderWritesGo appends to schema_gen.go the write endpoints of each
// -writes path, top-level parameters only: what decides which columns an
// INSERT or UPDATE may set and how their values are sent.
func renderWritesGo(b *bytes.Buffer, writes map[string]writeEndpoints) {
	b.WriteString(`
// WriteParam is a form parameter of a create or update endpoint.
type WriteParam struct {
	Name string
	// Type is the JSON type the API takes: string, integer, number,
	// boolean, object or array; "any" when it takes several.
	Type string
	// Required parameters must be sent to create an object.
	Required bool
	// Unset is true when the empty string is accepted too: it clears the
	// value.
	Unset bool
}

// WriteEndpoints are the write operations on one resource: POST on its
// list path creates, POST on ItemPath updates, DELETE on ItemPath deletes.
// Create and Update are nil when the API has no such endpoint.
type WriteEndpoints struct {
	ItemPath       string
	Create, Update []WriteParam
	Delete         bool
}

// writeEndpoints holds the write operations stripesql may call, keyed by
// list path (the generator's -writes).
var writeEndpoints = map[string]WriteEndpoints{
`)
	for _, path := range sortedKeys(writes) {
		w := writes[path]
		fmt.Fprintf(b, "%s: {\nItemPath: %s,\nCreate: %s,\nUpdate: %s,\nDelete: %t,\n},\n",
			strconv.Quote(path), strconv.Quote(w.ItemPath), goWriteParams(w.Create), goWriteParams(w.Update), w.Delete)
	}
	b.WriteString("}\n")
}

// goWriteParams renders a []WriteParam literal: nil for a missing
// endpoint, empty for one without parameters.
func goWriteParams(ps []writeParam) string {
	if ps == nil {
		return "nil"
	}
	var b bytes.Buffer
	b.WriteString("[]WriteParam{\n")
	for _, p := range ps {
		fmt.Fprintf(&b, "{Name: %s, Type: %s, Required: %t, Unset: %t},\n", strconv.Quote(p.Name), strconv.Quote(p.Type), p.Required, p.Unset)
	}
	b.WriteString("}")
	return b.String()
}

// renderWritesJSON is the fake server's writes_gen.json: every parameter
// with its nested keys, indented, keys sorted (encoding/json sorts map
// keys), so the output is byte-identical on every run.
func renderWritesJSON(writes map[string]writeEndpoints) ([]byte, error) {
	b, err := json.MarshalIndent(writes, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
