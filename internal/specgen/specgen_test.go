package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// tablesDir is where go generate runs the generator, relative to this package.
const tablesDir = "../../tables"

// TestGeneratedFilesUpToDate regenerates into a temp dir with the arguments
// of the //go:generate line and compares with the committed files.
func TestGeneratedFilesUpToDate(t *testing.T) {
	args := goGenerateArgs(t)
	tmp := t.TempDir()
	outputs := []struct{ flag, tmpName string }{
		{"-out-go", "schema_gen.go"},
		{"-out-fixtures", "fixtures_gen.json"},
		{"-out-writes", "writes_gen.json"},
		{"-out-lists", "lists_gen.json"},
	}
	for _, o := range outputs {
		// The flag package keeps the last value given, so these win.
		args = append(args, o.flag, filepath.Join(tmp, o.tmpName))
	}
	var stderr bytes.Buffer
	if err := run(args, &stderr); err != nil {
		t.Fatalf("generator failed: %v\n%s", err, stderr.String())
	}
	for _, o := range outputs {
		committedPath := filepath.Join(tablesDir, flagValue(t, args, o.flag))
		committed, err := os.ReadFile(committedPath)
		if err != nil {
			t.Errorf("%v; run `go generate ./tables`", err)
			continue
		}
		fresh, err := os.ReadFile(filepath.Join(tmp, o.tmpName))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(committed, fresh) {
			t.Errorf("%s is stale; run `go generate ./tables`", committedPath)
		}
	}
}

// goGenerateArgs returns the generator's arguments from tables/generate.go,
// so that this test and go generate cannot drift apart.
func goGenerateArgs(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(tablesDir, "generate.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(src), "\n") {
		directive, ok := strings.CutPrefix(line, "//go:generate ")
		if !ok {
			continue
		}
		fields := strings.Fields(directive)
		for i, f := range fields {
			if strings.HasSuffix(f, "/internal/specgen") {
				return fields[i+1:]
			}
		}
	}
	t.Fatal("tables/generate.go has no //go:generate line running internal/specgen")
	return nil
}

// flagValue returns the first value of -name in args (the committed path;
// appended overrides come later).
func flagValue(t *testing.T, args []string, name string) string {
	t.Helper()
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	t.Fatalf("no %s in %q", name, args)
	return ""
}

var realSpec struct {
	once     sync.Once
	spec     *openAPI
	examples map[string]json.RawMessage
	err      error
}

// loadRealSpec returns the pinned stripe-mock spec and fixtures, read once.
func loadRealSpec(t *testing.T) (*openAPI, map[string]json.RawMessage) {
	t.Helper()
	realSpec.once.Do(func() {
		dir, err := stripeMockDir()
		if err != nil {
			realSpec.err = err
			return
		}
		dir = filepath.Join(dir, "embedded", "openapi")
		if realSpec.spec, realSpec.err = loadOpenAPI(filepath.Join(dir, "spec3.json")); realSpec.err != nil {
			return
		}
		realSpec.examples, realSpec.err = loadFixtures(filepath.Join(dir, "fixtures3.json"))
	})
	if realSpec.err != nil {
		t.Fatal(realSpec.err)
	}
	return realSpec.spec, realSpec.examples
}

func TestParseArgsRejectsIncompleteCommandLines(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"nothing", nil, "missing required flag(s) -lists, -objects, -out-fixtures, -out-go"},
		{"empty objects", []string{"-out-go", "a", "-out-fixtures", "b", "-objects", " , ", "-lists", "/v1/charges"}, "-objects"},
		{"stray argument", []string{"-out-go", "a", "extra"}, `unexpected arguments ["extra"]`},
		{"unknown flag", []string{"-bogus"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseArgs(tt.args, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("parseArgs(%q) error = %v, want one containing %q", tt.args, err, tt.wantErr)
			}
		})
	}
}

func TestGenerateRejectsUnknownNames(t *testing.T) {
	spec, examples := loadRealSpec(t)
	tests := []struct {
		name         string
		objects      []string
		lists        []string
		wantErrParts []string
	}{
		{
			name:         "unknown schema and sub-object are both reported",
			objects:      []string{"charge", "invoice_line_item", "billing_details"},
			lists:        []string{"/v1/charges"},
			wantErrParts: []string{`"invoice_line_item"`, `"billing_details" is not an API resource`},
		},
		{
			name:         "unknown path",
			objects:      []string{"charge"},
			lists:        []string{"/v1/charge"},
			wantErrParts: []string{"no GET /v1/charge in the spec"},
		},
		{
			name:         "retrieve endpoint is not a list",
			objects:      []string{"charge"},
			lists:        []string{"/v1/charges/{charge}"},
			wantErrParts: []string{"not a list endpoint"},
		},
		{
			name:         "duplicate",
			objects:      []string{"charge", "charge"},
			lists:        []string{"/v1/charges"},
			wantErrParts: []string{`object "charge" listed twice`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := generate(spec, examples, tt.objects, tt.lists, nil, &bytes.Buffer{})
			if err == nil {
				t.Fatal("generate succeeded, want an error")
			}
			for _, part := range tt.wantErrParts {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q does not mention %q", err, part)
				}
			}
		})
	}
}
