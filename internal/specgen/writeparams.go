package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/stripesql/stripesql/internal/writespec"
)

// writeParam and writeEndpoints are the format of writes_gen.json.
type (
	writeParam     = writespec.Param
	writeEndpoints = writespec.Endpoints
)

// maxParamDepth bounds how deep nested parameters are described (Stripe's
// go four levels at most); deeper ones are "any".
const maxParamDepth = 6

// formContent is the only request body encoding Stripe's API takes.
const formContent = "application/x-www-form-urlencoded"

// writeEndpoints describes the write operations of the resource listed at
// listPath. A resource without any is an error: naming it in -writes is a
// mistake.
func (o *openAPI) writeEndpoints(listPath string) (writeEndpoints, error) {
	var w writeEndpoints
	if _, ok := o.Paths[listPath]["post"]; ok {
		params, err := o.bodyParams(listPath, "post")
		if err != nil {
			return w, err
		}
		w.Create = params
	}
	item, err := o.itemPath(listPath)
	if err != nil {
		return w, err
	}
	if item != "" {
		w.ItemPath = item
		if _, ok := o.Paths[item]["post"]; ok {
			if w.Update, err = o.bodyParams(item, "post"); err != nil {
				return w, err
			}
		}
		_, w.Delete = o.Paths[item]["delete"]
	}
	if w.Create == nil && w.Update == nil && !w.Delete {
		return w, fmt.Errorf("neither POST %s nor POST or DELETE on an object path under it is in the spec", listPath)
	}
	return w, nil
}

// itemPath finds the path of one object of a list, listPath/{param}, or
// "" when there is none. Path parameters match whatever their names: the
// spec lists a transfer's reversals at /v1/transfers/{id}/reversals and
// retrieves one at /v1/transfers/{transfer}/reversals/{id}.
func (o *openAPI) itemPath(listPath string) (string, error) {
	prefix := templateShape(listPath) + "/"
	var found []string
	for p := range o.Paths {
		rest, ok := strings.CutPrefix(templateShape(p), prefix)
		if ok && rest == "{}" {
			found = append(found, p)
		}
	}
	sort.Strings(found)
	if len(found) > 1 {
		return "", fmt.Errorf("several object paths under %s: %s", listPath, strings.Join(found, ", "))
	}
	if len(found) == 0 {
		return "", nil
	}
	return found[0], nil
}

// pathParam matches a path parameter of a path template.
var pathParam = regexp.MustCompile(`\{[^}/]*\}`)

// templateShape is a path template with its parameters' names left out,
// "/v1/transfers/{}/reversals", so that templates naming them differently
// compare equal.
func templateShape(path string) string { return pathParam.ReplaceAllString(path, "{}") }

// bodyParams returns the form parameters of method on path, in spec
// order, without expand (a read option, not a field to write).
func (o *openAPI) bodyParams(path, method string) ([]writeParam, error) {
	var op struct {
		RequestBody struct {
			Content map[string]struct {
				Schema *schema `json:"schema"`
			} `json:"content"`
		} `json:"requestBody"`
	}
	if err := json.Unmarshal(o.Paths[path][method], &op); err != nil {
		return nil, fmt.Errorf("decoding %s %s: %w", strings.ToUpper(method), path, err)
	}
	body := op.RequestBody.Content[formContent].Schema
	params := []writeParam{}
	if body == nil {
		return params, nil
	}
	body, err := o.deref(body)
	if err != nil {
		return nil, err
	}
	for _, name := range body.propertyOrder {
		if name == "expand" {
			continue
		}
		p, err := o.writeParam(name, body.Properties[name], 0)
		if err != nil {
			return nil, fmt.Errorf("%s %s: parameter %q: %w", strings.ToUpper(method), path, name, err)
		}
		p.Required = body.isRequired(name)
		params = append(params, p)
	}
	return params, nil
}

// writeParam describes one parameter. An anyOf whose alternatives are one
// type plus the empty string is that type, with Unset.
func (o *openAPI) writeParam(name string, s *schema, depth int) (writeParam, error) {
	p := writeParam{Name: name, Type: "any"}
	s, err := o.deref(s)
	if err != nil {
		return p, err
	}
	alts := []*schema{s}
	if len(s.AnyOf) > 0 {
		alts = s.AnyOf
	}
	var kinds []*schema
	for _, alt := range alts {
		if alt, err = o.deref(alt); err != nil {
			return p, err
		}
		if isEmptyStringOnly(alt) {
			p.Unset = true
			continue
		}
		kinds = append(kinds, alt)
	}
	if len(kinds) != 1 || depth >= maxParamDepth {
		return p, nil
	}
	k := kinds[0]
	switch k.Type {
	case "string", "integer", "number", "boolean":
		p.Type = k.Type
		for _, v := range k.Enum {
			if str, ok := v.(string); ok && str == "" {
				p.Unset = true
			} else if ok {
				p.Enum = append(p.Enum, str)
			}
		}
	case "object":
		p.Type = "object"
		p.Hash = len(k.AdditionalProperties) > 0 && string(k.AdditionalProperties) != "false"
		for _, key := range k.propertyOrder {
			sub, err := o.writeParam(key, k.Properties[key], depth+1)
			if err != nil {
				return p, fmt.Errorf("%s: %w", key, err)
			}
			sub.Required = k.isRequired(key)
			p.Properties = append(p.Properties, sub)
		}
	case "array":
		p.Type = "array"
		if k.Items != nil {
			item, err := o.writeParam("", k.Items, depth+1)
			if err != nil {
				return p, fmt.Errorf("items: %w", err)
			}
			p.Items = &item
		}
	}
	return p, nil
}

// isEmptyStringOnly recognises Stripe's {"type": "string", "enum": [""]}:
// the alternative that lets a client clear a value.
func isEmptyStringOnly(s *schema) bool {
	return s.Type == "string" && len(s.Enum) == 1 && s.Enum[0] == ""
}
