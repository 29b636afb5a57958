package fakestripe

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

const testKey = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"

var (
	sharedOnce   sync.Once
	sharedServer *Server
)

// shared is the default account (seed 42, scale 1000), generated once for
// the read-only tests.
func shared() *Server {
	sharedOnce.Do(func() { sharedServer = New(Options{Seed: 42}) })
	return sharedServer
}

// sharedLater is shared's account ending at another instant.
var sharedLater = sync.OnceValue(func() *Server {
	return New(Options{Seed: 42, End: time.Date(2026, 3, 17, 15, 42, 9, 0, time.UTC)})
})

// response is one answer of the fake.
type response struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

// get serves a GET of path (with query) through s, authenticated.
func get(t *testing.T, s http.Handler, path string) response {
	t.Helper()
	return do(t, s, http.MethodGet, path, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+testKey) })
}

func do(t *testing.T, s http.Handler, method, path string, prepare func(*http.Request)) response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if prepare != nil {
		prepare(req)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	body, err := io.ReadAll(w.Result().Body)
	if err != nil {
		t.Fatal(err)
	}
	res := response{status: w.Code, header: w.Result().Header, body: body}
	if err := json.Unmarshal(body, &res.json); err != nil {
		t.Fatalf("GET %s: body is not a JSON object: %v\n%s", path, err, body)
	}
	return res
}

// mustGet is get that fails the test unless the answer is 200.
func mustGet(t *testing.T, s http.Handler, path string) map[string]any {
	t.Helper()
	res := get(t, s, path)
	if res.status != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, res.status, res.body)
	}
	return res.json
}

// listAll pages through a list (limit 100, starting_after) and returns
// every object, failing on a duplicate id.
func listAll(t *testing.T, s http.Handler, path string, query url.Values) []map[string]any {
	t.Helper()
	var all []map[string]any
	seen := map[string]bool{}
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("limit", "100")
	for {
		page := mustGet(t, s, path+"?"+q.Encode())
		data := page["data"].([]any)
		for _, item := range data {
			obj := item.(map[string]any)
			id := obj["id"].(string)
			if seen[id] {
				t.Fatalf("%s?%s: %s listed twice", path, q.Encode(), id)
			}
			seen[id] = true
			all = append(all, obj)
		}
		if page["has_more"] != true {
			return all
		}
		if len(data) == 0 {
			t.Fatalf("%s: has_more with an empty page", path)
		}
		q.Set("starting_after", all[len(all)-1]["id"].(string))
	}
}

func ids(objs []map[string]any) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o["id"].(string)
	}
	return out
}

// errorOf returns the error object of an error response.
func errorOf(t *testing.T, res response) map[string]any {
	t.Helper()
	e, ok := res.json["error"].(map[string]any)
	if !ok {
		t.Fatalf("status %d, no error object: %s", res.status, res.body)
	}
	return e
}

// num reads a JSON number field.
func num(obj map[string]any, key string) int64 {
	f, _ := obj[key].(float64)
	return int64(f)
}

func str(obj map[string]any, key string) string {
	s, _ := obj[key].(string)
	return s
}
