package fakestripe

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/stripesql/stripesql/internal/writespec"
)

// writesJSON describes the create, update and delete endpoints the fake
// serves, with every parameter's type, nested keys, enum and whether it
// is required, from the OpenAPI spec (internal/specgen's -out-writes).
//
//go:embed writes_gen.json
var writesJSON []byte

// writeParam and writeEndpoints are the format of writes_gen.json.
type (
	writeParam     = writespec.Param
	writeEndpoints = writespec.Endpoints
)

var (
	writesOnce sync.Once
	writes     map[string]writeEndpoints
	writesErr  error
)

// loadWrites decodes the embedded endpoint descriptions once.
func loadWrites() (map[string]writeEndpoints, error) {
	writesOnce.Do(func() {
		if err := json.Unmarshal(writesJSON, &writes); err != nil {
			writesErr = fmt.Errorf("fakestripe: decoding writes_gen.json: %w", err)
		}
	})
	return writes, writesErr
}

// formNode is a form body as a tree: a[b][0]=v is a's field b's item 0.
type formNode struct {
	value  *string
	fields map[string]*formNode
	items  map[int]*formNode
}

// parseForm builds the tree of a form body; a key mixing forms (a=1 and
// a[b]=2) is a 400, as at Stripe.
func parseForm(form url.Values) (map[string]*formNode, *apiError) {
	root := &formNode{fields: map[string]*formNode{}}
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		path, ok := splitFormKey(key)
		if !ok {
			return nil, badParam(key, "Invalid parameter name: %s", key)
		}
		for _, v := range form[key] {
			if err := root.put(key, path, v); err != nil {
				return nil, err
			}
		}
	}
	return root.fields, nil
}

// splitFormKey splits "a[b][0]" into a, b, 0; "a[]" ends in "" (append).
func splitFormKey(key string) ([]string, bool) {
	open := strings.IndexByte(key, '[')
	if open < 0 {
		return []string{key}, key != ""
	}
	if open == 0 || !strings.HasSuffix(key, "]") {
		return nil, false
	}
	parts := strings.Split(key[open+1:len(key)-1], "][")
	for _, p := range parts {
		if strings.ContainsAny(p, "[]") {
			return nil, false
		}
	}
	return append([]string{key[:open]}, parts...), true
}

func (n *formNode) put(key string, path []string, v string) *apiError {
	if len(path) == 0 {
		if n.value != nil || n.fields != nil || n.items != nil {
			return badParam(key, "Invalid value for %s: it was sent in more than one form", key)
		}
		n.value = &v
		return nil
	}
	head := path[0]
	if n.value != nil {
		return badParam(key, "Invalid value for %s: it was sent in more than one form", key)
	}
	if i, err := strconv.Atoi(head); err == nil && i >= 0 || head == "" {
		if n.fields != nil {
			return badParam(key, "Invalid array: %s", key)
		}
		if n.items == nil {
			n.items = map[int]*formNode{}
		}
		if head == "" {
			i = len(n.items)
		}
		child := n.items[i]
		if child == nil {
			child = &formNode{}
			n.items[i] = child
		}
		return child.put(key, path[1:], v)
	}
	if n.items != nil {
		return badParam(key, "Invalid object: %s", key)
	}
	if n.fields == nil {
		n.fields = map[string]*formNode{}
	}
	child := n.fields[head]
	if child == nil {
		child = &formNode{}
		n.fields[head] = child
	}
	return child.put(key, path[1:], v)
}

// decodeParams checks a request's parameters against the endpoint's, as
// Stripe does (unknown, missing required, wrong type, not in the enum:
// 400), and returns their values typed as the object holds them: nil for
// a value cleared with "", numbers as int64 or float64, objects as maps.
func decodeParams(form url.Values, params []writeParam) (map[string]any, *apiError) {
	tree, err := parseForm(form)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, name := range sortedKeys(tree) {
		if name == "expand" {
			continue // a read option: the fake expands nothing on writes
		}
		p, ok := findWriteParam(params, name)
		if !ok {
			return nil, unknownParam(name)
		}
		v, err := decodeParam(p, tree[name], name)
		if err != nil {
			return nil, err
		}
		out[name] = v
	}
	for _, p := range params {
		if _, given := tree[p.Name]; p.Required && !given {
			return nil, missingParam(p.Name)
		}
	}
	return out, nil
}

func findWriteParam(params []writeParam, name string) (writeParam, bool) {
	for _, p := range params {
		if p.Name == name {
			return p, true
		}
	}
	return writeParam{}, false
}

// decode checks one value; key is its name in messages ("address[city]").
func decodeParam(p writeParam, n *formNode, key string) (any, *apiError) {
	if n.value != nil && *n.value == "" && (p.Unset || p.Type == "string") {
		return nil, nil // Stripe's way to clear a value
	}
	switch p.Type {
	case "string", "integer", "number", "boolean":
		if n.value == nil {
			return nil, badParam(key, "Invalid %s: %s", p.Type, n.describe())
		}
		return scalarParam(p, *n.value, key)
	case "object":
		return objectParam(p, n, key)
	case "array":
		if n.items == nil {
			return nil, badParam(key, "Invalid array: %s", n.describe())
		}
		item := writeParam{Type: "any"}
		if p.Items != nil {
			item = *p.Items
		}
		out := []any{}
		for _, i := range slices.Sorted(maps.Keys(n.items)) {
			v, err := decodeParam(item, n.items[i], fmt.Sprintf("%s[%d]", key, i))
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	return n.plain(), nil
}

func scalarParam(p writeParam, s, key string) (any, *apiError) {
	switch p.Type {
	case "integer":
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, badParam(key, "Invalid integer: %s", s)
		}
		return v, nil
	case "number":
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, badParam(key, "Invalid decimal: %s", s)
		}
		return v, nil
	case "boolean":
		return parseBool(key, s)
	}
	if len(p.Enum) > 0 {
		if err := checkEnum(key, s, p.Enum); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func objectParam(p writeParam, n *formNode, key string) (any, *apiError) {
	if n.fields == nil {
		return nil, badParam(key, "Invalid object: %s", n.describe())
	}
	out := map[string]any{}
	for _, k := range sortedKeys(n.fields) {
		sub := writeParam{Type: "any"}
		if !p.Hash || len(p.Properties) > 0 {
			var ok bool
			if sub, ok = findWriteParam(p.Properties, k); !ok {
				return nil, unknownParam(key + "[" + k + "]")
			}
		} else if n.fields[k].value != nil {
			sub = writeParam{Type: "string"} // metadata values are strings
		}
		v, err := decodeParam(sub, n.fields[k], key+"["+k+"]")
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	for _, sub := range p.Properties {
		if _, given := n.fields[sub.Name]; sub.Required && !given {
			return nil, missingParam(key + "[" + sub.Name + "]")
		}
	}
	return out, nil
}

// plain is a value of no known type: strings, maps and lists as sent.
func (n *formNode) plain() any {
	switch {
	case n.value != nil:
		return *n.value
	case n.fields != nil:
		out := map[string]any{}
		for k, c := range n.fields {
			out[k] = c.plain()
		}
		return out
	default:
		out := []any{}
		for _, i := range slices.Sorted(maps.Keys(n.items)) {
			out = append(out, n.items[i].plain())
		}
		return out
	}
}

func (n *formNode) describe() string {
	b, _ := json.Marshal(n.plain())
	return string(b)
}
