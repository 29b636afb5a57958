package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/stripesql/stripesql/internal/listspec"
)

// listEndpoint is one list endpoint of the spec (lists_gen.json's format).
type listEndpoint = listspec.Endpoint

// listEndpoints returns every list endpoint of the spec, sorted by path.
// A list endpoint is a GET whose JSON 200 answer is an object "list" with
// a data array; search endpoints (object "search_result") are not lists.
func (o *openAPI) listEndpoints() ([]listEndpoint, error) {
	var paths []string
	for p, methods := range o.Paths {
		if _, ok := methods["get"]; ok {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	var out []listEndpoint
	for _, path := range paths {
		e, ok, err := o.listEndpoint(path)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// listEndpoint describes GET path, or reports false when it is no list.
func (o *openAPI) listEndpoint(path string) (listEndpoint, bool, error) {
	op, err := o.operation(path, "get")
	if err != nil {
		return listEndpoint{}, false, err
	}
	var body *schema
	if resp, ok := op.Responses["200"].Content["application/json"]; ok && resp.Schema != nil {
		if body, err = o.deref(resp.Schema); err != nil {
			return listEndpoint{}, false, err
		}
	}
	if body == nil || !isListObject(body) {
		return listEndpoint{}, false, nil
	}
	e := listEndpoint{Path: path, Description: cleanDescription(op.Description)}
	items := body.Properties["data"].Items
	for _, alt := range append([]*schema{items}, items.AnyOf...) {
		if name, ok := strings.CutPrefix(alt.Ref, schemaRefPrefix); ok {
			e.Objects = append(e.Objects, name)
		}
	}
	if len(e.Objects) == 0 {
		return e, false, fmt.Errorf("GET %s lists objects of no named schema", path)
	}
	for _, p := range op.Parameters {
		if p.Required && p.In == "query" {
			e.Required = append(e.Required, p.Name)
		}
		if p.Name == "starting_after" && p.In == "query" {
			e.Paged = true
		}
	}
	if e.Retrieve, err = o.itemPath(path); err != nil {
		return e, false, err
	}
	if e.Retrieve != "" {
		if _, ok := o.Paths[e.Retrieve]["get"]; !ok {
			e.Retrieve = ""
		}
	}
	if e.Params, err = o.listParams(path); err != nil {
		return e, false, err
	}
	return e, true, nil
}

// isListObject reports a list answer: "object" is the constant "list" and
// "data" an array.
func isListObject(s *schema) bool {
	obj, data := s.Properties["object"], s.Properties["data"]
	return obj != nil && len(obj.Enum) == 1 && obj.Enum[0] == "list" && data != nil && data.Type == "array" && data.Items != nil
}

// renderListsJSON is the fake server's copy of the list endpoints
// (internal/fakestripe/lists_gen.json), with their parameters.
func renderListsJSON(endpoints []listEndpoint) ([]byte, error) {
	b, err := json.MarshalIndent(endpoints, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
