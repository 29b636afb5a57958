package fakestripe

import "net/http"

// edits are what API writes changed in a dataset. An object a write
// creates is a row like the generated ones (so filters, indexes and
// renderers see it); what the compact rows cannot hold (metadata, a
// description) is kept here and shown over the rendered object.
type edits struct {
	// fields are values shown over rendered objects, per table and row.
	fields map[*table]map[int32]map[string]any
	// deleted rows are neither listed nor retrieved.
	deleted map[*table]map[int32]bool
	// clock is the creation time last given: created objects are newer
	// than everything generated and than each other.
	clock int64
}

// apply shows the written values of row i over its rendered object.
func (e *edits) apply(t *table, i int32, obj map[string]any) {
	for k, v := range e.fields[t][i] {
		obj[k] = deepCopy(v)
	}
}

// set records written values of row i.
func (e *edits) set(t *table, i int32, values map[string]any) {
	if e.fields == nil {
		e.fields = map[*table]map[int32]map[string]any{}
	}
	rows := e.fields[t]
	if rows == nil {
		rows = map[int32]map[string]any{}
		e.fields[t] = rows
	}
	if rows[i] == nil {
		rows[i] = map[string]any{}
	}
	for k, v := range values {
		rows[i][k] = v
	}
}

func (e *edits) markDeleted(t *table, i int32) {
	if e.deleted == nil {
		e.deleted = map[*table]map[int32]bool{}
	}
	if e.deleted[t] == nil {
		e.deleted[t] = map[int32]bool{}
	}
	e.deleted[t][i] = true
}

// live is the list filter leaving deleted rows out (none when nothing of
// t was deleted).
func (e *edits) live(t *table) rowFilter {
	gone := e.deleted[t]
	if len(gone) == 0 {
		return rowFilter{}
	}
	return matchIf(func(i int32) bool { return !gone[i] })
}

// retrieveDeleted answers the retrieve of a deleted object as Stripe
// does: a deleted customer is still served, as a stub saying so; other
// objects are gone (404). ok is false for an object that exists.
func (e *edits) retrieveDeleted(t *table, i int32) (obj map[string]any, err *apiError, ok bool) {
	if !e.deleted[t][i] {
		return nil, nil, false
	}
	if t.def.object == "customer" {
		return deletedStub(t, i), nil, true
	}
	return nil, notFoundInURL(t, t.ids[i], "id"), true
}

// deletedStub is what DELETE answers, and a deleted customer's retrieve.
func deletedStub(t *table, i int32) map[string]any {
	return map[string]any{"id": t.ids[i], "object": t.def.object, "deleted": true}
}

// newRow appends to t a row created now, with the id a create request
// chose or, when id is "", a fresh one of the resource's form; add
// appends the resource's own row, created at the time given.
func (d *dataset) newRow(t *table, id string, add func(created int64)) (row int32, err *apiError) {
	if id != "" {
		if _, dup := t.byID[id]; dup {
			return 0, &apiError{status: http.StatusBadRequest, Type: "invalid_request_error", Code: "resource_already_exists",
				Param: "id", Message: "A " + t.def.object + " with this id already exists."}
		}
	}
	created := d.advance()
	if n := len(t.created); n > 0 && t.created[n-1] >= created {
		created = t.created[n-1] + 1
		d.edits.clock = created
	}
	row = int32(t.len())
	newID := t.def.newID
	if newID == nil {
		newID = func(seed int64, i, salt int) string { return makeID(seed, t.def.prefix, i, salt) }
	}
	for salt := 0; id == ""; salt++ {
		candidate := newID(d.seed, int(row), salt)
		if _, dup := t.byID[candidate]; !dup {
			id = candidate
		}
	}
	t.ids = append(t.ids, id)
	t.byID[id] = row
	if t.created != nil {
		t.created = append(t.created, created)
	}
	add(created)
	return row, nil
}
