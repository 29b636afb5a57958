package stripesqltest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Stripe sends a request to the fake account directly, as another
// Stripe client would (the dashboard, an app): it is not among the
// requests the server made (Requests). It returns the answer's object
// and fails the test unless the fake answered 200.
func (e *Env) Stripe(t testing.TB, method, path string, form url.Values) map[string]any {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
	r.Header.Set("Authorization", "Bearer "+e.opts.APIKey)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	w := httptest.NewRecorder()
	e.Fake.ServeHTTP(w, r)
	var out map[string]any
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &out) != nil {
		t.Fatalf("%s %s %v: %d %s", method, path, form, w.Code, w.Body.String())
	}
	return out
}
