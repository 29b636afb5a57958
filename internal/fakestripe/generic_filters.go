package fakestripe

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// The list parameters of generic tables, from lists_gen.json: each
// filters the property it names (Field), or the property of its own name
// (an issuing card's embedded cardholder, whose id it takes), or, when
// the object does not show what it filters (a Financial Connections
// account's session), a value each row holds aside (genericRows.hidden).

// filters builds the list parameters of a generic table.
func (g *genericData) filters(d *dataset, t *table, gr *genericRows) []filterDef {
	fixture := d.fixtures[t.def.object]
	var out []filterDef
	for _, p := range gr.ep.Params {
		if p.In != "query" {
			continue // the parent, in the path
		}
		if special := specialFilters[gr.ep.Path+" "+p.Name]; special != nil {
			out = append(out, special(gr, p))
			continue
		}
		path := filterPath(p, fixture)
		if path == nil {
			gr.hidden[p.Name] = nil // filled when rendering
		}
		value := func(i int32) any {
			if path == nil {
				return gr.hidden[p.Name][i]
			}
			return lookupPath(gr.objs[i], path)
		}
		out = append(out, genericFilter(t, p, path, value))
	}
	return out
}

// filterPath is the property p filters: Field, else the property of its
// name; nil when the object has neither.
func filterPath(p listParam, fixture map[string]any) []string {
	if p.Field != "" {
		return []string{p.Field}
	}
	if _, ok := fixture[p.Name]; ok {
		return []string{p.Name}
	}
	return nil
}

func lookupPath(obj map[string]any, path []string) any {
	var v any = obj
	for _, k := range path {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

// genericFilter filters on value by p's type, as Stripe does: ranges of
// integers, booleans, integers, enums (400 for another value), ids or
// strings, and hashes of sub-fields.
func genericFilter(t *table, p listParam, path []string, value func(i int32) any) filterDef {
	switch {
	case p.Range:
		if len(path) == 1 && path[0] == t.def.createdField() && t.created != nil {
			f := createdFilter() // rows are in creation order: a binary search
			f.name = p.Name
			return f
		}
		return rangeFilter(p.Name, func(_ *dataset, i int32) (int64, bool) { return intValue(value(i)) })
	case p.Type == "object":
		return subFieldsFilter(p.Name, value)
	case p.Type == "boolean":
		return boolFilter(p.Name, func(_ *dataset, i int32) (bool, bool) {
			s, ok := scalarString(value(i))
			return s == "true", ok && (s == "true" || s == "false")
		})
	case p.Type == "integer":
		return filterDef{name: p.Name, compile: func(_ *dataset, _ *table, v param) (rowFilter, *apiError) {
			s, err := v.scalar("integer")
			if err != nil {
				return rowFilter{}, err
			}
			want, perr := strconv.ParseInt(s, 10, 64)
			if perr != nil {
				return rowFilter{}, badParam(p.Name, "Invalid integer: %s", s)
			}
			return matchIf(func(i int32) bool { n, ok := intValue(value(i)); return ok && n == want }), nil
		}}
	case len(p.Enum) > 0:
		f := enumFilter(p.Name, p.Enum, func(_ *dataset, i int32) string { s, _ := scalarString(value(i)); return s })
		if slices.Contains(p.Enum, enumAll) {
			compile := f.compile
			f.compile = func(d *dataset, t *table, v param) (rowFilter, *apiError) {
				if s, _ := v.scalar("string"); s == enumAll {
					return rowFilter{}, nil
				}
				return compile(d, t, v)
			}
		}
		return f
	}
	return eqFilter(p.Name, func(_ *dataset, i int32) string { s, _ := scalarString(value(i)); return s })
}

// enumAll is the enum value that asks for every row (a tax
// registration's status=all), not a value of the property.
const enumAll = "all"

// subFieldsFilter takes a hash parameter whose keys are the sub-fields of
// the property (scope[type]=account, relationship[director]=true): a row
// matches when each given one equals.
func subFieldsFilter(name string, value func(i int32) any) filterDef {
	return filterDef{name: name, compile: func(_ *dataset, t *table, p param) (rowFilter, *apiError) {
		if p.fields == nil {
			return rowFilter{}, badParam(name, "Invalid object: %s", p.describe())
		}
		var known map[string]any
		if t.len() > 0 {
			known, _ = value(0).(map[string]any)
		}
		for _, k := range sortedKeys(p.fields) {
			if _, ok := known[k]; !ok {
				key := name + "[" + k + "]"
				return rowFilter{}, badParam(key, "Received unknown parameter: %s", key)
			}
		}
		return matchIf(func(i int32) bool {
			sub, _ := value(i).(map[string]any)
			for k, want := range p.fields {
				if got, ok := scalarString(sub[k]); !ok || got != want {
					return false
				}
			}
			return true
		}), nil
	}}
}

// scalarString renders a JSON value as a parameter would spell it: an
// embedded object by its id; ok is false for null and other hashes.
func scalarString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case json.Number:
		return v.String(), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case int:
		return strconv.Itoa(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case map[string]any:
		id, ok := v["id"].(string)
		return id, ok
	}
	return "", false
}

func intValue(v any) (int64, bool) {
	s, ok := scalarString(v)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// specialFilters are the parameters whose meaning is not the equality of
// a property, by "path name".
var specialFilters = map[string]func(gr *genericRows, p listParam) filterDef{
	// Subscription schedules that have not started yet.
	"/v1/subscription_schedules scheduled": func(gr *genericRows, p listParam) filterDef {
		return boolFilter(p.Name, func(_ *dataset, i int32) (bool, bool) {
			return gr.objs[i]["status"] == "not_started", true
		})
	},
	// A shipping rate's currency is its fixed amount's.
	"/v1/shipping_rates currency": func(gr *genericRows, p listParam) filterDef {
		return eqFilter(p.Name, func(_ *dataset, i int32) string {
			s, _ := scalarString(lookupPath(gr.objs[i], []string{"fixed_amount", "currency"}))
			return s
		})
	},
	// Value lists holding an item of that value.
	"/v1/radar/value_lists contains": func(gr *genericRows, p listParam) filterDef {
		return filterDef{name: p.Name, compile: func(d *dataset, _ *table, v param) (rowFilter, *apiError) {
			want, err := v.scalar("string")
			if err != nil {
				return rowFilter{}, err
			}
			lists := map[string]bool{}
			if items := d.generic.tables["radar_value_list_items"]; items != nil {
				for _, item := range d.generic.rows[items].objs {
					if item["value"] == want {
						id, _ := scalarString(item["value_list"])
						lists[id] = true
					}
				}
			}
			return matchIf(func(i int32) bool { return lists[gr.objs[i]["id"].(string)] }), nil
		}}
	},
	// order_by chooses the order (created or posted_at / effective_at),
	// which the fake's rows share: it only checks the value.
	"/v1/treasury/transactions order_by":        orderByFilter,
	"/v1/treasury/transaction_entries order_by": orderByFilter,
	// Transactions refreshed after the refresh given: each row was made by
	// its own refresh, in row order.
	"/v1/financial_connections/transactions transaction_refresh": func(gr *genericRows, p listParam) filterDef {
		return filterDef{name: p.Name, compile: func(_ *dataset, t *table, v param) (rowFilter, *apiError) {
			if v.fields == nil {
				return rowFilter{}, badParam(p.Name, "Invalid object: %s", v.describe())
			}
			for _, k := range sortedKeys(v.fields) {
				if k != "after" {
					key := p.Name + "[" + k + "]"
					return rowFilter{}, badParam(key, "Received unknown parameter: %s", key)
				}
			}
			for i := range gr.objs {
				if gr.objs[i]["transaction_refresh"] == v.fields["after"] {
					return rowFilter{spanned: true, from: int32(i + 1), to: int32(t.len())}, nil
				}
			}
			return noRows, nil
		}}
	},
}

func orderByFilter(_ *genericRows, p listParam) filterDef {
	return filterDef{name: p.Name, compile: func(_ *dataset, _ *table, v param) (rowFilter, *apiError) {
		s, err := v.scalar("string")
		if err != nil {
			return rowFilter{}, err
		}
		return rowFilter{}, checkEnum(p.Name, s, p.Enum)
	}}
}

// hiddenValue is row i's value of a parameter the object does not show:
// one of the enum, a boolean, or one of two ids per table.
func hiddenValue(r *rng, seed int64, p listParam, table string) string {
	switch {
	case len(p.Enum) > 0:
		return pick(r, p.Enum)
	case p.Type == "boolean":
		return pick(r, booleans)
	}
	prefix := strings.ReplaceAll(p.Name, "_", "")
	rr := newRNG(seed, table+" "+p.Name)
	ids := []string{prefix + "_" + randomChars(rr, 14), prefix + "_" + randomChars(rr, 14)}
	return pick(r, ids)
}
