package fakestripe

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// param is one top-level request parameter in Stripe's form encoding:
// name=v (value), name[key]=v (fields), or name[]=v / name[0]=v (items).
type param struct {
	name   string
	value  *string
	fields map[string]string
	items  []string
}

// describe renders the parameter back for error messages.
func (p param) describe() string {
	switch {
	case p.value != nil:
		return *p.value
	case p.fields != nil:
		keys := make([]string, 0, len(p.fields))
		for k := range p.fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + p.fields[k]
		}
		return "{" + strings.Join(parts, ", ") + "}"
	default:
		return "[" + strings.Join(p.items, ", ") + "]"
	}
}

// scalar returns the plain value, or a 400 if the parameter was sent as a
// hash or an array.
func (p param) scalar(kind string) (string, *apiError) {
	if p.value == nil {
		return "", badParam(p.name, "Invalid %s: %s", kind, p.describe())
	}
	return *p.value, nil
}

// parseParams groups the query string by top-level parameter name.
func parseParams(q url.Values) (map[string]*param, *apiError) {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	params := map[string]*param{}
	indexed := map[string]map[int]string{} // name[0]=… items, ordered by index afterwards
	for _, key := range keys {
		name, sub, hasSub := splitKey(key)
		if name == "" {
			return nil, badParam(key, "Received unknown parameter: %s", key)
		}
		p := params[name]
		if p == nil {
			p = &param{name: name}
			params[name] = p
		}
		for _, v := range q[key] {
			if err := p.add(key, sub, hasSub, v, indexed); err != nil {
				return nil, err
			}
		}
	}
	for name, byIndex := range indexed {
		idx := make([]int, 0, len(byIndex))
		for i := range byIndex {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		for _, i := range idx {
			params[name].items = append(params[name].items, byIndex[i])
		}
	}
	return params, nil
}

func (p *param) add(key, sub string, hasSub bool, v string, indexed map[string]map[int]string) *apiError {
	mixed := badParam(p.name, "Invalid value for %s: it was sent in more than one form", p.name)
	switch {
	case !hasSub:
		if p.value != nil || p.fields != nil || p.items != nil || indexed[p.name] != nil {
			return mixed
		}
		p.value = &v
	case sub == "":
		if p.value != nil || p.fields != nil {
			return mixed
		}
		p.items = append(p.items, v)
	default:
		if n, err := strconv.Atoi(sub); err == nil && n >= 0 {
			if p.value != nil || p.fields != nil {
				return mixed
			}
			if indexed[p.name] == nil {
				indexed[p.name] = map[int]string{}
			}
			indexed[p.name][n] = v
			return nil
		}
		if p.value != nil || p.items != nil || indexed[p.name] != nil {
			return mixed
		}
		if p.fields == nil {
			p.fields = map[string]string{}
		}
		if _, dup := p.fields[sub]; dup {
			return mixed
		}
		p.fields[sub] = v
	}
	return nil
}

// splitKey splits "created[gte]" into ("created", "gte", true) and
// "expand[]" into ("expand", "", true). Deeper nesting is not a parameter
// any list endpoint takes, so it yields an empty name (unknown parameter).
func splitKey(key string) (name, sub string, hasSub bool) {
	open := strings.IndexByte(key, '[')
	if open < 0 {
		return key, "", false
	}
	if open == 0 || !strings.HasSuffix(key, "]") {
		return "", "", false
	}
	sub = key[open+1 : len(key)-1]
	if strings.ContainsAny(sub, "[]") {
		return "", "", false
	}
	return key[:open], sub, true
}
