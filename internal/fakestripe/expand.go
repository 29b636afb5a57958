package fakestripe

import "strings"

// maxExpandDepth is Stripe's limit on the levels of one expand path.
const maxExpandDepth = 4

// render builds the full JSON object of row i: a copy of the fixture with
// the generated fields patched in.
func (d *dataset) render(t *table, i int32) map[string]any {
	obj := deepCopy(d.fixtures[t.def.object]).(map[string]any)
	obj["id"] = t.ids[i]
	obj["object"] = t.def.object
	if t.created != nil {
		obj[t.def.createdField()] = t.created[i]
	}
	if _, ok := obj["livemode"]; ok {
		obj["livemode"] = false
	}
	t.def.render(d, obj, i)
	d.edits.apply(t, i, obj) // what API writes changed (write_edits.go)
	return obj
}

// generatedMetadata is row i's metadata as generated, whatever writes
// changed since (an object sharing it keeps it when the row's changes).
func (d *dataset) generatedMetadata(t *table, i int32) any {
	obj := deepCopy(d.fixtures[t.def.object]).(map[string]any)
	t.def.render(d, obj, i)
	return obj["metadata"]
}

// renderID renders the object an id names, if the fake holds it.
func (d *dataset) renderID(id string) (map[string]any, bool) {
	t := d.tableForID(id)
	if t == nil {
		return nil, false
	}
	row, ok := t.lookup(id)
	if !ok {
		return nil, false
	}
	return d.render(t, row), true
}

// expand replaces, along a dotted path ("customer", "items.data.price.product"),
// the ids of expandable fields with the objects they name. Embedded objects
// and lists ("items", "data") are walked through; an id the fake does not
// hold (or null) is left as it is.
func (d *dataset) expand(obj map[string]any, path string) *apiError {
	fields := strings.Split(path, ".")
	expansions := 0
	for _, f := range fields {
		if f != "data" {
			expansions++
		}
	}
	if expansions > maxExpandDepth {
		return badParam("expand", "You cannot expand more than %d levels of a property. Property: %s", maxExpandDepth, path)
	}
	return d.expandFields(obj, fields, path)
}

func (d *dataset) expandFields(obj map[string]any, fields []string, path string) *apiError {
	field, rest := fields[0], fields[1:]
	cannot := func() *apiError {
		return badParam("expand", "This property cannot be expanded (%s).", path)
	}
	if obj["object"] == "list" && field == "data" {
		if len(rest) == 0 {
			return cannot()
		}
		items, _ := obj["data"].([]any)
		for _, item := range items {
			if m, ok := item.(map[string]any); ok {
				if err := d.expandFields(m, rest, path); err != nil {
					return err
				}
			}
		}
		return nil
	}
	value, present := obj[field]
	if !present {
		return cannot()
	}
	objectName, _ := obj["object"].(string)
	if t := d.tableOfObject(objectName); t != nil && t.def.canExpand(field) {
		if id, isID := value.(string); isID {
			if expanded, ok := d.renderID(id); ok {
				obj[field], value = expanded, expanded
			}
		}
	} else if _, embedded := value.(map[string]any); !embedded || len(rest) == 0 {
		return cannot()
	}
	if len(rest) == 0 {
		return nil
	}
	next, ok := value.(map[string]any)
	if !ok { // null, or an id the fake does not hold: nothing to walk into
		return nil
	}
	return d.expandFields(next, rest, path)
}
