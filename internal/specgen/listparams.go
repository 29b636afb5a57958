package main

import (
	"fmt"
	"slices"
)

// listParam mirrors tables.ListParam: one filter a list endpoint accepts.
type listParam struct {
	Name  string
	Range bool     // accepts the {gt,gte,lt,lte} range object, like created
	Enum  []string // allowed values, if the spec restricts them
}

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
	if err := o.checkListResponse(path, op); err != nil {
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
		lp, err := o.listParam(p)
		if err != nil {
			return nil, fmt.Errorf("GET %s: parameter %q: %w", path, p.Name, err)
		}
		params = append(params, lp)
	}
	return params, nil
}

func (o *openAPI) listParam(p parameter) (listParam, error) {
	s, err := o.deref(p.Schema)
	if err != nil {
		return listParam{}, err
	}
	isRange, err := o.allowsRange(s)
	if err != nil {
		return listParam{}, err
	}
	lp := listParam{Name: p.Name, Range: isRange}
	for _, v := range s.Enum {
		str, ok := v.(string)
		if !ok {
			return listParam{}, fmt.Errorf("enum value %v is not a string", v)
		}
		lp.Enum = append(lp.Enum, str)
	}
	return lp, nil
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

// checkListResponse makes sure path is a list endpoint (its 200 response
// has a data array), so that a wrong path in -lists fails loudly.
func (o *openAPI) checkListResponse(path string, op *operation) error {
	body := op.Responses["200"].Content["application/json"].Schema
	if body == nil {
		return fmt.Errorf("GET %s has no JSON 200 response", path)
	}
	body, err := o.deref(body)
	if err != nil {
		return err
	}
	if data := body.Properties["data"]; data == nil || data.Type != "array" {
		return fmt.Errorf("GET %s is not a list endpoint (its response has no data array)", path)
	}
	return nil
}
