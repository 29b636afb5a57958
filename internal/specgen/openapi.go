package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// openAPI is the part of spec3.json the generator reads. Schemas and
// operations stay raw until asked for: the spec is several megabytes and we
// need a few dozen of its schemas.
type openAPI struct {
	Info struct {
		Version string `json:"version"`
	} `json:"info"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"` // path → method → operation
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`

	parsed map[string]*schema
}

// schema is the subset of an OpenAPI schema object that decides a column's
// shape or a synthesized example value.
type schema struct {
	Type                 string             `json:"type"`
	Format               string             `json:"format"`
	Nullable             bool               `json:"nullable"`
	Description          string             `json:"description"`
	Enum                 []any              `json:"enum"`
	MaxLength            int                `json:"maxLength"`
	Ref                  string             `json:"$ref"`
	AnyOf                []*schema          `json:"anyOf"`
	Items                *schema            `json:"items"`
	Properties           map[string]*schema `json:"properties"`
	Required             []string           `json:"required"`
	AdditionalProperties json.RawMessage    `json:"additionalProperties"`
	ExpansionResources   json.RawMessage    `json:"x-expansionResources"`
	ResourceID           string             `json:"x-resourceId"` // set on API resources, not on sub-objects

	// propertyOrder lists the keys of Properties in the order the spec writes
	// them, which a Go map forgets; columns follow it.
	propertyOrder []string
}

// UnmarshalJSON decodes a schema and records its property order.
func (s *schema) UnmarshalJSON(data []byte) error {
	type plain schema // no methods, so no recursion into this function
	var aux struct {
		plain
		// Shadows plain.Properties so the raw bytes can be read twice.
		RawProperties json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*s = schema(aux.plain)
	if len(aux.RawProperties) == 0 || string(aux.RawProperties) == "null" {
		return nil
	}
	if err := json.Unmarshal(aux.RawProperties, &s.Properties); err != nil {
		return err
	}
	order, err := objectKeys(aux.RawProperties)
	if err != nil {
		return err
	}
	s.propertyOrder = order
	return nil
}

// isRequired reports whether the schema lists property name as required.
func (s *schema) isRequired(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}

// objectKeys returns the keys of a JSON object in document order.
func objectKeys(raw json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("expected a JSON object, got %v (%v)", tok, err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("expected an object key, got %v", tok)
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, fmt.Errorf("value of %q: %w", key, err)
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// loadOpenAPI reads and decodes a spec file.
func loadOpenAPI(path string) (*openAPI, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseOpenAPI(data)
}

func parseOpenAPI(data []byte) (*openAPI, error) {
	var o openAPI
	if err := json.Unmarshal(data, &o); err != nil {
		return nil, fmt.Errorf("decoding OpenAPI spec: %w", err)
	}
	if len(o.Components.Schemas) == 0 {
		return nil, fmt.Errorf("OpenAPI spec has no components.schemas")
	}
	o.parsed = map[string]*schema{}
	return &o, nil
}

// schemaNamed returns components.schemas[name].
func (o *openAPI) schemaNamed(name string) (*schema, error) {
	if s, ok := o.parsed[name]; ok {
		return s, nil
	}
	raw, ok := o.Components.Schemas[name]
	if !ok {
		return nil, fmt.Errorf("no schema %q in components.schemas", name)
	}
	s := new(schema)
	if err := json.Unmarshal(raw, s); err != nil {
		return nil, fmt.Errorf("decoding schema %q: %w", name, err)
	}
	o.parsed[name] = s
	return s, nil
}

const schemaRefPrefix = "#/components/schemas/"

// resolve follows a "$ref" to the schema it names.
func (o *openAPI) resolve(ref string) (*schema, error) {
	name, ok := strings.CutPrefix(ref, schemaRefPrefix)
	if !ok {
		return nil, fmt.Errorf("unsupported $ref %q (only %s… is understood)", ref, schemaRefPrefix)
	}
	return o.schemaNamed(name)
}

// maxRefHops bounds a chain of schemas that are only a "$ref", so that a
// cyclic spec gives an error instead of endless recursion.
const maxRefHops = 32

// deref follows s through "$ref"s until it reaches a schema with content.
func (o *openAPI) deref(s *schema) (*schema, error) {
	for hops := 0; s.Ref != ""; hops++ {
		if hops == maxRefHops {
			return nil, fmt.Errorf("$ref chain through %q is longer than %d (a cycle?)", s.Ref, maxRefHops)
		}
		next, err := o.resolve(s.Ref)
		if err != nil {
			return nil, err
		}
		s = next
	}
	return s, nil
}

// operation is the subset of an OpenAPI operation the generator reads.
type operation struct {
	Description string      `json:"description"`
	Parameters  []parameter `json:"parameters"`
	Responses   map[string]struct {
		Content map[string]struct {
			Schema *schema `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

type parameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Required    bool    `json:"required"`
	Description string  `json:"description"`
	Schema      *schema `json:"schema"`
}

// operation returns the operation for method (lower case, as in the spec) on path.
func (o *openAPI) operation(path, method string) (*operation, error) {
	raw, ok := o.Paths[path][method]
	if !ok {
		return nil, fmt.Errorf("no %s %s in the spec's paths", strings.ToUpper(method), path)
	}
	op := new(operation)
	if err := json.Unmarshal(raw, op); err != nil {
		return nil, fmt.Errorf("decoding %s %s: %w", strings.ToUpper(method), path, err)
	}
	return op, nil
}
