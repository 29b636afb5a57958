package fakestripe

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestEveryObjectHasItsFixtureKeys: each served object has exactly the
// top-level keys of its fixture (which has every field of the API version).
func TestEveryObjectHasItsFixtureKeys(t *testing.T) {
	s := New(Options{Seed: 5, Scale: 300})
	fx, err := loadFixtures()
	if err != nil {
		t.Fatal(err)
	}
	for _, resource := range s.Resources() {
		def := s.data.tables[resource].def
		want := sortedKeys(fx[def.object])
		for _, obj := range s.Objects(resource) {
			if got := sortedKeys(obj); !slices.Equal(got, want) {
				t.Fatalf("%s %s: keys differ from the %s fixture\nextra %v\nmissing %v",
					resource, obj["id"], def.object, minus(got, want), minus(want, got))
			}
			if obj["object"] != def.object {
				t.Fatalf("%s %s: object %v", resource, obj["id"], obj["object"])
			}
		}
	}
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// stripeSpec loads spec3.json from the stripe-mock module, the source of
// truth for API version 2023-10-16.
func stripeSpec(t *testing.T) map[string]any {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/stripe/stripe-mock").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("stripe-mock module not available: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "embedded", "openapi", "spec3.json"))
	if err != nil {
		t.Skipf("spec3.json: %v", err)
	}
	var spec map[string]any
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	return spec
}

func walkJSON(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

// TestParamsAndExpansionsMatchSpec: each list accepts exactly the query
// parameters spec3.json lists for its GET, and expands exactly the fields
// the spec marks expandable.
func TestParamsAndExpansionsMatchSpec(t *testing.T) {
	spec := stripeSpec(t)
	s := shared()
	for _, resource := range s.Resources() {
		def := s.data.tables[resource].def
		schema := walkJSON(spec, "components", "schemas", def.object, "properties").(map[string]any)
		var expandable []string
		for name, prop := range schema {
			if _, ok := prop.(map[string]any)["x-expansionResources"]; ok {
				expandable = append(expandable, name)
			}
		}
		sort.Strings(expandable)
		if got := slices.Sorted(slices.Values(def.expandable)); !slices.Equal(got, expandable) {
			t.Errorf("%s: expandable %v, spec %v", resource, got, expandable)
		}
		if def.listPath == "" {
			continue
		}
		op, ok := walkJSON(spec, "paths", def.listPath, "get").(map[string]any)
		if !ok {
			t.Errorf("%s: no GET %s in the spec", resource, def.listPath)
			continue
		}
		var want []string
		for _, p := range op["parameters"].([]any) {
			if p := p.(map[string]any); p["in"] == "query" {
				want = append(want, p["name"].(string))
			}
		}
		if len(want) < 4 {
			t.Errorf("GET %s: the spec lists only %v", def.listPath, want)
		}
		got := []string{"ending_before", "expand", "limit", "starting_after"}
		for _, f := range def.filters {
			got = append(got, f.name)
		}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("GET %s: parameters %v, spec %v", def.listPath, got, want)
		}
		if def.retrieve {
			path := def.listPath + "/{" + retrieveParam(spec, def.listPath) + "}"
			if walkJSON(spec, "paths", path, "get") == nil {
				t.Errorf("%s: the spec has no retrieve endpoint", resource)
			}
		}
	}
}

// retrieveParam finds the name of the id path parameter of the retrieve
// endpoint under listPath ("charge" in /v1/charges/{charge}).
func retrieveParam(spec map[string]any, listPath string) string {
	for path := range walkJSON(spec, "paths").(map[string]any) {
		rest, ok := strings.CutPrefix(path, listPath+"/{")
		if ok && strings.HasSuffix(rest, "}") && !strings.Contains(rest, "/") {
			return strings.TrimSuffix(rest, "}")
		}
	}
	return ""
}
