package fakestripe

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"
)

// fixturesJSON maps an OpenAPI schema name ("charge") to a complete example
// object with every top-level field of API version 2023-10-16. Every object
// the fake serves is a copy of its fixture with the generated fields
// patched in, so a column nobody thought about still has a type-correct
// value.
//
//go:embed fixtures_gen.json
var fixturesJSON []byte

var (
	fixturesOnce sync.Once
	fixtures     map[string]map[string]any
	fixturesErr  error
)

// loadFixtures decodes the embedded fixtures once. Numbers stay json.Number
// so untouched amounts and timestamps are served exactly as written.
func loadFixtures() (map[string]map[string]any, error) {
	fixturesOnce.Do(func() {
		dec := json.NewDecoder(bytes.NewReader(fixturesJSON))
		dec.UseNumber()
		if err := dec.Decode(&fixtures); err != nil {
			fixturesErr = fmt.Errorf("fakestripe: decoding fixtures_gen.json: %w", err)
		}
	})
	return fixtures, fixturesErr
}

// deepCopy copies a decoded JSON value so that patching a rendered object
// never touches the shared fixture.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = deepCopy(e)
		}
		return s
	default:
		return v
	}
}
