// Command specgen generates package tables' column schema and list-filter
// catalogue, and the fake Stripe server's example objects, from the OpenAPI
// spec and fixtures that ship with the pinned stripe-mock module. The schema
// therefore follows the API version we pin rather than hand-written guesses.
//
// It is run by `go generate ./tables`; see tables/generate.go.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

const stripeMockModule = "github.com/stripe/stripe-mock"

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "specgen:", err)
		os.Exit(1)
	}
}

// options are the parsed command line.
type options struct {
	outGo, outFixtures string
	objects, lists     []string
	stripeMockDir      string
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("specgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var objects, lists string
	fs.StringVar(&o.outGo, "out-go", "", "Go file to write (package tables)")
	fs.StringVar(&o.outFixtures, "out-fixtures", "", "JSON file of example objects to write")
	fs.StringVar(&objects, "objects", "", "comma-separated OpenAPI schema names, e.g. charge,checkout.session")
	fs.StringVar(&lists, "lists", "", "comma-separated list endpoint paths, e.g. /v1/charges")
	fs.StringVar(&o.stripeMockDir, "stripe-mock-dir", "", "stripe-mock module directory (default: located with go list -m "+stripeMockModule+")")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	o.objects = splitList(objects)
	o.lists = splitList(lists)
	var missing []string
	for flagName, empty := range map[string]bool{
		"-out-go": o.outGo == "", "-out-fixtures": o.outFixtures == "",
		"-objects": len(o.objects) == 0, "-lists": len(o.lists) == 0,
	} {
		if empty {
			missing = append(missing, flagName)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return o, fmt.Errorf("missing required flag(s) %s", strings.Join(missing, ", "))
	}
	return o, nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// run is the whole command; tests call it directly.
func run(args []string, stderr io.Writer) error {
	opts, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	dir := opts.stripeMockDir
	if dir == "" {
		if dir, err = stripeMockDir(); err != nil {
			return err
		}
	}
	openapiDir := filepath.Join(dir, "embedded", "openapi")
	spec, err := loadOpenAPI(filepath.Join(openapiDir, "spec3.json"))
	if err != nil {
		return err
	}
	examples, err := loadFixtures(filepath.Join(openapiDir, "fixtures3.json"))
	if err != nil {
		return err
	}
	goSrc, fixtures, err := generate(spec, examples, opts.objects, opts.lists, stderr)
	if err != nil {
		return err
	}
	if err := os.WriteFile(opts.outGo, goSrc, 0o644); err != nil {
		return err
	}
	return os.WriteFile(opts.outFixtures, fixtures, 0o644)
}

// generate produces both outputs. Unknown object names or paths are all
// reported together rather than one per run.
func generate(spec *openAPI, examples map[string]json.RawMessage, objects, lists []string, warn io.Writer) (goSrc, fixtures []byte, err error) {
	var errs []error
	columns := map[string][]column{}
	for _, name := range objects {
		if _, dup := columns[name]; dup {
			errs = append(errs, fmt.Errorf("object %q listed twice", name))
			continue
		}
		cols, err := spec.objectColumns(name)
		if err != nil {
			errs = append(errs, fmt.Errorf("object %q: %w", name, err))
			continue
		}
		columns[name] = cols
	}
	params := map[string][]listParam{}
	for _, path := range lists {
		if _, dup := params[path]; dup {
			errs = append(errs, fmt.Errorf("list %q listed twice", path))
			continue
		}
		ps, err := spec.listParams(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("list %q: %w", path, err))
			continue
		}
		params[path] = ps
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	if goSrc, err = renderGo(spec.Info.Version, columns, params); err != nil {
		return nil, nil, err
	}
	if fixtures, err = buildFixtures(spec, examples, objects, warn); err != nil {
		return nil, nil, err
	}
	return goSrc, fixtures, nil
}

// stripeMockDir asks the go command where the pinned stripe-mock module is.
func stripeMockDir() (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", stripeMockModule)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("locating %s with go list -m (run inside the stripesql module): %v: %s", stripeMockModule, err, strings.TrimSpace(stderr.String()))
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("%s is not downloaded; run go mod download %s", stripeMockModule, stripeMockModule)
	}
	return dir, nil
}
