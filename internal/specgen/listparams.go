package main

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/stripesql/stripesql/internal/listspec"
)

// listParam is one filter a list endpoint accepts (mirrored by
// tables.ListParam).
type listParam = listspec.Param

// paginationParams are list parameters the scan machinery owns; they are
// not filters a table spec could push down.
var paginationParams = map[string]bool{
	"limit":          true,
	"starting_after": true,
	"ending_before":  true,
	"expand":         true,
}

// rangeBounds are the properties of Stripe's range_query_specs object.
var rangeBounds = []string{"gt", "gte", "lt", "lte"}

// listParams returns the filter parameters of GET path, in spec order. Path
// parameters (the customer of /v1/customers/{customer}/sources) are included:
// a table pushes them down like any other filter.
func (o *openAPI) listParams(path string) ([]listParam, error) {
	op, err := o.operation(path, "get")
	if err != nil {
		return nil, err
	}
	listed, err := o.listedObject(path, op)
	if err != nil {
		return nil, err
	}
	params := []listParam{}
	for _, p := range op.Parameters {
		if paginationParams[p.Name] {
			continue
		}
		if p.Schema == nil {
			return nil, fmt.Errorf("GET %s: parameter %q has no schema", path, p.Name)
		}
		lp, err := o.listParam(p, listed)
		if err != nil {
			return nil, fmt.Errorf("GET %s: parameter %q: %w", path, p.Name, err)
		}
		params = append(params, lp)
	}
	return params, nil
}

func (o *openAPI) listParam(p parameter, listed *schema) (listParam, error) {
	s, err := o.deref(p.Schema)
	if err != nil {
		return listParam{}, err
	}
	isRange, err := o.allowsRange(s)
	if err != nil {
		return listParam{}, err
	}
	typ, err := o.valueType(s)
	if err != nil {
		return listParam{}, err
	}
	lp := listParam{Name: p.Name, In: p.In, Required: p.Required || p.In == "path", Range: isRange, Type: typ, Description: cleanDescription(p.Description),
		Reveals: revealing.MatchString(p.Description)}
	for _, v := range s.Enum {
		str, ok := v.(string)
		if !ok {
			return listParam{}, fmt.Errorf("enum value %v is not a string", v)
		}
		lp.Enum = append(lp.Enum, str)
	}
	if listed != nil {
		if lp.Field, err = o.filteredField(lp, listed); err != nil {
			return listParam{}, err
		}
	}
	return lp, nil
}

// revealing matches the descriptions of parameters without which the list
// leaves objects out: "The response will not include customers with test
// clocks if this parameter is not set."
var revealing = regexp.MustCompile(`will not include .* if this`)

// valueType is the JSON type of a parameter's plain value: of the schema,
// or of its first anyOf alternative that is not a hash (created takes a
// range hash or an integer).
func (o *openAPI) valueType(s *schema) (string, error) {
	if len(s.AnyOf) == 0 {
		if s.Type == "" {
			return "", fmt.Errorf("schema has no type, $ref or anyOf")
		}
		return s.Type, nil
	}
	for _, alt := range s.AnyOf {
		alt, err := o.deref(alt)
		if err != nil {
			return "", err
		}
		if alt.Type != "object" && alt.Type != "" {
			return alt.Type, nil
		}
	}
	return "object", nil
}

// createdDescription opens the description of the property holding an
// object's creation time, whatever its name.
var createdDescription = regexp.MustCompile(`^Time at which the object was created\b`)

// filteredField is listParam.Field.
func (o *openAPI) filteredField(p listParam, listed *schema) (string, error) {
	kindOf := func(name string) (kind, error) {
		prop, ok := listed.Properties[name]
		if !ok {
			return "", nil
		}
		return o.propertyKind(prop)
	}
	k, err := kindOf(p.Name)
	if err != nil {
		return "", err
	}
	switch {
	case p.Range && k == kindTime:
		return p.Name, nil
	case p.Range && p.Name == "created" && k == "":
		for _, name := range listed.propertyOrder {
			k, err := kindOf(name)
			if err != nil {
				return "", err
			}
			if k == kindTime && createdDescription.MatchString(listed.Properties[name].Description) {
				return name, nil
			}
		}
	case p.Range:
	case p.Type == "string" && (k == kindString || k == kindRef), p.Type == "boolean" && k == kindBool:
		return p.Name, nil
	}
	return "", nil
}

// allowsRange reports whether s, or one of its anyOf alternatives, is an
// object with the gt/gte/lt/lte bounds.
func (o *openAPI) allowsRange(s *schema) (bool, error) {
	for _, alt := range append([]*schema{s}, s.AnyOf...) {
		alt, err := o.deref(alt)
		if err != nil {
			return false, err
		}
		if alt.Type != "object" {
			continue
		}
		if !slices.ContainsFunc(rangeBounds, func(b string) bool { return alt.Properties[b] == nil }) {
			return true, nil
		}
	}
	return false, nil
}

// listedObject makes sure path is a list endpoint (its 200 response has a
// data array), so that a wrong path in -lists fails loudly, and returns
// the schema of the objects it lists; nil when they are of several kinds
// (a customer's sources: cards, bank accounts and sources).
func (o *openAPI) listedObject(path string, op *operation) (*schema, error) {
	body := op.Responses["200"].Content["application/json"].Schema
	if body == nil {
		return nil, fmt.Errorf("GET %s has no JSON 200 response", path)
	}
	body, err := o.deref(body)
	if err != nil {
		return nil, err
	}
	data := body.Properties["data"]
	if data == nil || data.Type != "array" {
		return nil, fmt.Errorf("GET %s is not a list endpoint (its response has no data array)", path)
	}
	if data.Items == nil || data.Items.Ref == "" {
		return nil, nil
	}
	return o.deref(data.Items)
}
