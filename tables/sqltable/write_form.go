package sqltable

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"

	"github.com/stripesql/stripesql/tables"
)

// A row becomes Stripe's form encoding: a scalar column is one field
// (name=value), a JSON column one field per leaf with bracketed keys
// (metadata[plan]=pro, address[city]=Paris, preferred_locales[0]=fr).

// createForm encodes an INSERT's row: every non-NULL column (NULL lets
// Stripe decide), each of which the create endpoint must take.
func (op writeOp) createForm(s *tables.Spec, cols []tables.Column, row sql.Row) (url.Values, error) {
	f := url.Values{}
	for i, c := range cols {
		if row[i] == nil {
			continue
		}
		if err := op.checkColumn(s, cols, c.Name); err != nil {
			return nil, err
		}
		key := c.Name
		if key == tables.AccountColumn {
			key = tables.AccountParam // the client sends it as the Stripe-Account header
		}
		if err := addField(f, key, row[i]); err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
	}
	for _, p := range op.params {
		if p.Required && !hasParam(f, p.Name) {
			if !tables.HasColumn(cols, p.Name) {
				return nil, op.requiredError(s, cols, p.Name)
			}
			return nil, mysql.NewSQLError(erBadNull, "23000", "Column '%s' cannot be null: %s requires it", p.Name, op.endpoint())
		}
	}
	return f, nil
}

// updateForm encodes an UPDATE: the new values of the columns its SET
// list names, sent even when unchanged (the row read may be older than
// Stripe's copy). NULL
// clears a value, which Stripe spells as the empty string. Metadata keys
// absent from the new value are deleted, as SQL's new value says.
func (op writeOp) updateForm(s *tables.Spec, cols []tables.Column, set []string, old, row sql.Row) (url.Values, error) {
	f := url.Values{}
	for i, c := range cols {
		if !slices.ContainsFunc(set, func(s string) bool { return strings.EqualFold(s, c.Name) }) {
			continue
		}
		if err := op.checkColumn(s, cols, c.Name); err != nil {
			return nil, err
		}
		p, _ := op.param(c.Name)
		if row[i] == nil {
			if !p.Unset && p.Type != "string" {
				return nil, mysql.NewSQLError(erBadNull, "23000",
					"Column '%s' of table '%s' cannot be set to NULL: %s cannot clear it", c.Name, s.Name, op.endpoint())
			}
			f.Set(c.Name, "")
			continue
		}
		if err := addField(f, c.Name, row[i]); err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
		if c.Name == "metadata" {
			if err := deleteMissingKeys(f, old[i], row[i]); err != nil {
				return nil, err
			}
		}
	}
	return f, nil
}

// deleteMissingKeys sends metadata[k]= for each key the old value has and
// the new one lacks: Stripe merges metadata, keeping keys not sent.
func deleteMissingKeys(f url.Values, old, new any) error {
	before, err := jsonObject(old)
	if err != nil {
		return err
	}
	after, err := jsonObject(new)
	if err != nil {
		return err
	}
	for k := range before {
		if _, kept := after[k]; !kept {
			f.Set("metadata["+k+"]", "")
		}
	}
	return nil
}

func jsonObject(v any) (map[string]any, error) {
	if v == nil {
		return nil, nil
	}
	x, err := jsonValue(v)
	if err != nil {
		return nil, err
	}
	m, _ := x.(map[string]any)
	return m, nil
}

func hasParam(f url.Values, name string) bool {
	for k := range f {
		if k == name || strings.HasPrefix(k, name+"[") {
			return true
		}
	}
	return false
}

// addField adds the form fields of one column value, as the engine holds
// it for the column's type.
func addField(f url.Values, key string, v any) error {
	switch v := v.(type) {
	case sql.JSONWrapper:
		x, err := v.ToInterface()
		if err != nil {
			return err
		}
		addJSON(f, key, x)
	case float64:
		f.Set(key, strconv.FormatFloat(v, 'f', -1, 64))
	case float32:
		f.Set(key, strconv.FormatFloat(float64(v), 'f', -1, 32))
	default:
		s, err := paramValue(v)
		if err != nil {
			return err
		}
		f.Set(key, s)
	}
	return nil
}

// addJSON flattens a JSON value into bracketed keys; an empty object or
// array sends nothing, a JSON null the empty string.
func addJSON(f url.Values, key string, x any) {
	switch x := x.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			addJSON(f, key+"["+k+"]", x[k])
		}
	case []any:
		for i, e := range x {
			addJSON(f, key+"["+strconv.Itoa(i)+"]", e)
		}
	case nil:
		f.Set(key, "")
	case float64:
		f.Set(key, strconv.FormatFloat(x, 'f', -1, 64))
	case json.Number:
		f.Set(key, x.String())
	default:
		f.Set(key, fmt.Sprint(x))
	}
}

// jsonValue decodes a JSON cell into plain Go values.
func jsonValue(v any) (any, error) {
	if w, ok := v.(sql.JSONWrapper); ok {
		return w.ToInterface()
	}
	return v, nil
}
