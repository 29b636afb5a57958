package tables

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A table's Unpinned parameters are ones Stripe takes: each value is in
// the enum spec3.json (stripe-mock v0.180.0, API 2023-10-16) gives that
// parameter or hash property, and apps_secrets has its scope[type] =
// account.
func TestUnpinnedValuesAreTheAPIs(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/stripe/stripe-mock").Output()
	if err != nil {
		t.Fatalf("the stripe-mock module: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "embedded", "openapi", "spec3.json"))
	if err != nil {
		t.Fatal(err)
	}
	type schema struct {
		Enum       []string          `json:"enum"`
		Properties map[string]schema `json:"properties"`
	}
	var spec struct {
		Paths map[string]struct {
			Get struct {
				Parameters []struct {
					Name   string `json:"name"`
					Schema schema `json:"schema"`
				} `json:"parameters"`
			} `json:"get"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, s := range Specs() {
		for k, v := range s.Unpinned {
			seen++
			name, prop, _ := strings.Cut(strings.TrimSuffix(k, "]"), "[")
			var enum []string
			for _, p := range spec.Paths[s.Path].Get.Parameters {
				if p.Name == name {
					enum = p.Schema.Enum
					if prop != "" {
						enum = p.Schema.Properties[prop].Enum
					}
				}
			}
			if !slices.Contains(enum, v) {
				t.Errorf("%s: %s=%s, but GET %s takes %v", s.Name, k, v, s.Path, enum)
			}
		}
	}
	if s, _ := Lookup("apps_secrets"); seen == 0 || s.Unpinned["scope[type]"] != "account" {
		t.Errorf("apps_secrets lists without a pin with %v", s.Unpinned)
	}
}
