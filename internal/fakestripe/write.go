package fakestripe

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Writes: POST /v1/{resource} creates, POST /v1/{resource}/{id} updates,
// DELETE /v1/{resource}/{id} deletes, for the resources writes_gen.json
// describes. Parameters are checked as Stripe checks them; the objects
// written show in later lists (newest first) and retrieves. An
// Idempotency-Key seen before gets the first answer again, without a
// second object; with other parameters it is a 400 idempotency_error.

// writeState is the server's write side. Writes change the dataset under
// mu; reads hold it shared.
type writeState struct {
	mu sync.RWMutex
	// answered are the answers of the writes sent with an idempotency
	// key, by account and key.
	answered map[string]idempotentAnswer
	// log are the writes received, for tests (Server.Writes).
	log []WriteRequest
}

// WriteRequest is a write the server received (Requests has it too,
// without its body).
type WriteRequest struct {
	Method, Path string
	Form         url.Values
	// IdempotencyKey is the Idempotency-Key header ("" when not sent).
	IdempotencyKey string
	// Account is the Stripe-Account header: the connected account written.
	Account string
	Status  int
}

// Writes returns the writes received since the last ResetWrites, in order.
func (s *Server) Writes() []WriteRequest {
	s.writes.mu.RLock()
	defer s.writes.mu.RUnlock()
	return append([]WriteRequest(nil), s.writes.log...)
}

// ResetWrites forgets the writes received.
func (s *Server) ResetWrites() {
	s.writes.mu.Lock()
	defer s.writes.mu.Unlock()
	s.writes.log = nil
}

type idempotentAnswer struct {
	request string // method, path and body it answered
	obj     map[string]any
}

// handle routes a request: reads to route, writes to write.
func (s *Server) handle(r *http.Request) (map[string]any, *apiError) {
	if r.Method != http.MethodPost && r.Method != http.MethodDelete {
		s.writes.mu.RLock()
		defer s.writes.mu.RUnlock()
		return s.route(r)
	}
	if err := r.ParseForm(); err != nil {
		return nil, badParam("", "Invalid request body: %v", err)
	}
	s.writes.mu.Lock()
	defer s.writes.mu.Unlock()
	obj, err := s.writeOnce(r)
	status := http.StatusOK
	if err != nil {
		status = err.status
	}
	s.writes.log = append(s.writes.log, WriteRequest{Method: r.Method, Path: r.URL.Path, Form: r.PostForm,
		IdempotencyKey: r.Header.Get("Idempotency-Key"), Account: r.Header.Get("Stripe-Account"), Status: status})
	return obj, err
}

// writeOnce answers a write, or repeats the answer to its idempotency key.
func (s *Server) writeOnce(r *http.Request) (map[string]any, *apiError) {
	key := r.Header.Get("Idempotency-Key")
	scope := r.Header.Get("Stripe-Account") + " " + key
	request := r.Method + " " + r.URL.Path + " " + r.PostForm.Encode()
	if prev, seen := s.writes.answered[scope]; seen && key != "" {
		if prev.request != request {
			return nil, &apiError{status: http.StatusBadRequest, Type: "idempotency_error",
				Message: "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '" +
					key + "' if you meant to execute a different request."}
		}
		return deepCopy(prev.obj).(map[string]any), nil
	}
	obj, err := s.write(r)
	if err == nil && key != "" {
		if s.writes.answered == nil {
			s.writes.answered = map[string]idempotentAnswer{}
		}
		s.writes.answered[scope] = idempotentAnswer{request: request, obj: deepCopy(obj).(map[string]any)}
	}
	return obj, err
}

// write performs a create, update or delete.
func (s *Server) write(r *http.Request) (map[string]any, *apiError) {
	d, aerr := s.datasetFor(r)
	if aerr != nil {
		return nil, aerr
	}
	eps, err := loadWrites()
	if err != nil {
		return nil, &apiError{status: http.StatusInternalServerError, Type: "api_error", Message: err.Error()}
	}
	seg := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1/"), "/")
	ep, known := eps["/v1/"+seg[0]]
	t := d.routes[route{resource: seg[0]}]
	w := resourceWriters[seg[0]]
	if !known || t == nil || w == nil || !strings.HasPrefix(r.URL.Path, "/v1/") || len(seg) > 2 {
		return nil, unrecognizedURL(r)
	}
	switch {
	case len(seg) == 1 && r.Method == http.MethodPost && ep.Create != nil:
		return d.create(s, t, w, r, ep.Create)
	case len(seg) == 2 && r.Method == http.MethodPost && ep.Update != nil:
		row, err := d.writable(t, seg[1])
		if err != nil {
			return nil, err
		}
		return d.update(t, w, row, r, ep.Update)
	case len(seg) == 2 && r.Method == http.MethodDelete && ep.Delete:
		row, err := d.writable(t, seg[1])
		if err != nil {
			return nil, err
		}
		if w.canDelete != nil {
			if err := w.canDelete(d, row); err != nil {
				return nil, err
			}
		}
		before := d.render(t, row)
		d.edits.markDeleted(t, row)
		d.changed(t, row, d.advance(), changeDeleted, before)
		return deletedStub(t, row), nil
	}
	return nil, unrecognizedURL(r)
}

// writable finds the object an update or delete names.
func (d *dataset) writable(t *table, id string) (int32, *apiError) {
	row, ok := t.lookup(id)
	if !ok || d.edits.deleted[t][row] {
		return 0, notFoundInURL(t, id, "id")
	}
	return row, nil
}

func (d *dataset) create(s *Server, t *table, w *resourceWriter, r *http.Request, params []writeParam) (map[string]any, *apiError) {
	values, err := decodeParams(r.PostForm, params)
	if err != nil {
		return nil, err
	}
	row, err := w.create(s, d, t, values)
	if err != nil {
		return nil, err
	}
	d.edits.set(t, row, w.blank)
	d.show(t, row, values)
	d.changed(t, row, d.now(), changeCreated, nil) // newRow advanced the clock to the creation
	return d.render(t, row), nil
}

func (d *dataset) update(t *table, w *resourceWriter, row int32, r *http.Request, params []writeParam) (map[string]any, *apiError) {
	values, err := decodeParams(r.PostForm, params)
	if err != nil {
		return nil, err
	}
	before := d.render(t, row)
	at := d.advance()
	if w.update != nil {
		if err := w.update(d, row, values); err != nil {
			return nil, err
		}
	}
	d.show(t, row, values)
	d.changed(t, row, at, changeUpdated, before)
	return d.render(t, row), nil
}

// show records the written values that are fields of the object.
// Metadata is merged, as Stripe merges it: a key sent empty is deleted.
func (d *dataset) show(t *table, row int32, values map[string]any) {
	fixture := d.fixtures[t.def.object]
	shown := map[string]any{}
	for k, v := range values {
		if _, field := fixture[k]; !field || k == "id" {
			continue
		}
		if k == "metadata" {
			v = mergeMetadata(d.render(t, row)["metadata"], v)
		}
		shown[k] = v
	}
	d.edits.set(t, row, shown)
}

func mergeMetadata(current, sent any) map[string]any {
	out := map[string]any{}
	if sent == nil { // metadata="" clears it
		return out
	}
	if m, ok := current.(map[string]any); ok {
		for k, v := range m {
			out[k] = v
		}
	}
	for k, v := range sent.(map[string]any) {
		if v == nil || v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}
