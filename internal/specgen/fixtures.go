package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// synthesizedTime is the unix-time every synthesized timestamp gets
// (2023-11-14T22:13:20Z): fixed, so that the output is reproducible.
const synthesizedTime = 1700000000

// loadFixtures reads the resources section of stripe-mock's fixtures3.json.
func loadFixtures(path string) (map[string]json.RawMessage, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f struct {
		Resources map[string]json.RawMessage `json:"resources"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", path, err)
	}
	if f.Resources == nil {
		return nil, fmt.Errorf("%s has no resources section", path)
	}
	return f.Resources, nil
}

// buildFixtures returns, as indented JSON with sorted keys, an example of
// each named object. It starts from the fixtures3.json example and adds the
// top-level properties that example lacks, so that a fake server always has
// every column; an object with no example at all is synthesized from the
// spec, with a warning.
func buildFixtures(o *openAPI, examples map[string]json.RawMessage, names []string, warn io.Writer) ([]byte, error) {
	out := make(map[string]any, len(names))
	for _, name := range names {
		s, err := o.schemaNamed(name)
		if err != nil {
			return nil, err
		}
		obj := map[string]any{}
		if raw, ok := examples[name]; ok {
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber() // keep ids and amounts exactly as written
			if err := dec.Decode(&obj); err != nil {
				return nil, fmt.Errorf("fixture %q: %w", name, err)
			}
			if obj == nil {
				return nil, fmt.Errorf("fixture %q is null, want an object", name)
			}
		} else {
			fmt.Fprintf(warn, "specgen: warning: fixtures3.json has no example of %q; synthesizing one from the spec\n", name)
		}
		syn := synthesizer{spec: o, idPrefix: strings.ReplaceAll(name, ".", "_")}
		if err := syn.fillObject(obj, s, name); err != nil {
			return nil, err
		}
		out[name] = obj
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf) // Encode ends with the trailing newline
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// synthesizer makes type-correct example values from schemas.
type synthesizer struct {
	spec     *openAPI
	idPrefix string
	// visiting holds the $refs being expanded, to stop recursive schemas.
	visiting map[string]bool
}

// fillObject sets every property of s that obj lacks: null when the
// property is nullable or optional, a synthesized value otherwise.
func (z *synthesizer) fillObject(obj map[string]any, s *schema, where string) error {
	for _, prop := range s.propertyOrder {
		if _, ok := obj[prop]; ok {
			continue
		}
		p := s.Properties[prop]
		if p.Nullable || !s.isRequired(prop) {
			obj[prop] = nil
			continue
		}
		v, err := z.value(prop, p, where+"."+prop)
		if err != nil {
			return err
		}
		obj[prop] = v
	}
	return nil
}

// value synthesizes a non-null value for property prop of schema p.
func (z *synthesizer) value(prop string, p *schema, where string) (any, error) {
	if ref := p.Ref; ref != "" {
		if z.visiting[ref] {
			return map[string]any{}, nil // recursive schema: stop with an empty object
		}
		if z.visiting == nil {
			z.visiting = map[string]bool{}
		}
		z.visiting[ref] = true
		defer delete(z.visiting, ref)
		target, err := z.spec.resolve(ref)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		return z.value(prop, target, where)
	}
	if len(p.AnyOf) > 0 {
		if isExpandableRef(p) {
			return z.idPrefix + "_" + prop + "_synthesized", nil
		}
		return z.value(prop, p.AnyOf[0], where)
	}
	if len(p.Enum) > 0 {
		return p.Enum[0], nil
	}
	switch p.Type {
	case "string":
		switch {
		case p.Format == "decimal":
			return "0", nil
		case prop == "id":
			return z.idPrefix + "_synthesized", nil
		}
		return "", nil
	case "integer":
		if p.Format == "unix-time" {
			return synthesizedTime, nil
		}
		return 0, nil
	case "number":
		return 0, nil
	case "boolean":
		return false, nil
	case "array":
		return []any{}, nil
	case "object":
		obj := map[string]any{}
		if err := z.fillObject(obj, p, where); err != nil {
			return nil, err
		}
		return obj, nil
	}
	return nil, fmt.Errorf("%s: cannot synthesize a value of schema type %q", where, p.Type)
}
