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
	// writes are list paths whose write endpoints are described, to
	// outWrites (for the fake server) and in outGo.
	writes    []string
	outWrites string
	// outLists is the fake server's copy of the list endpoints.
	outLists string
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("specgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var objects, lists, writes string
	fs.StringVar(&o.outGo, "out-go", "", "Go file to write (package tables)")
	fs.StringVar(&o.outFixtures, "out-fixtures", "", "JSON file of example objects to write")
	fs.StringVar(&objects, "objects", "", "comma-separated OpenAPI schema names, e.g. charge,checkout.session")
	fs.StringVar(&lists, "lists", "", "comma-separated list endpoint paths, e.g. /v1/charges, or "+allLists+" for every list endpoint of the spec")
	fs.StringVar(&o.outLists, "out-lists", "", "JSON file describing every list endpoint of the spec (for the fake server)")
	fs.StringVar(&writes, "writes", "", "comma-separated list paths whose create, update and delete endpoints stripesql may call, e.g. /v1/customers")
	fs.StringVar(&o.outWrites, "out-writes", "", "JSON file describing the -writes endpoints' parameters (for the fake server)")
	fs.StringVar(&o.stripeMockDir, "stripe-mock-dir", "", "stripe-mock module directory (default: located with go list -m "+stripeMockModule+")")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	o.objects = splitList(objects)
	o.lists = splitList(lists)
	o.writes = splitList(writes)
	if (len(o.writes) == 0) != (o.outWrites == "") {
		return o, fmt.Errorf("-writes and -out-writes go together")
	}
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
	out, err := generate(spec, examples, opts.objects, opts.lists, opts.writes, stderr)
	if err != nil {
		return err
	}
	if err := os.WriteFile(opts.outGo, out.goSrc, 0o644); err != nil {
		return err
	}
	if opts.outLists != "" {
		if err := os.WriteFile(opts.outLists, out.lists, 0o644); err != nil {
			return err
		}
	}
	if opts.outWrites != "" {
		if err := os.WriteFile(opts.outWrites, out.writes, 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(opts.outFixtures, out.fixtures, 0o644)
}

// outputs are the generated files' contents.
type outputs struct {
	goSrc, fixtures, writes, lists []byte
}

// allLists is the -lists value naming every list endpoint of the spec.
const allLists = "all"

// expandLists resolves -lists: every list endpoint of the spec for
// allLists, else the named ones (checked by listParams). The objects those
// lists list are added to objects, each once.
func expandLists(spec *openAPI, objects, lists []string) (allObjects, allPaths []string, endpoints []listEndpoint, err error) {
	if endpoints, err = spec.listEndpoints(); err != nil {
		return nil, nil, nil, err
	}
	if !slices.Equal(lists, []string{allLists}) {
		return objects, lists, endpoints, nil
	}
	allObjects = slices.Clone(objects)
	for _, e := range endpoints {
		allPaths = append(allPaths, e.Path)
		for _, obj := range e.Objects {
			if !slices.Contains(allObjects, obj) {
				allObjects = append(allObjects, obj)
			}
		}
	}
	return allObjects, allPaths, endpoints, nil
}

// generate produces the outputs. Unknown object names or paths are all
// reported together rather than one per run.
func generate(spec *openAPI, examples map[string]json.RawMessage, objects, lists, writes []string, warn io.Writer) (out outputs, err error) {
	objects, lists, endpoints, err := expandLists(spec, objects, lists)
	if err != nil {
		return out, err
	}
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
	writeEPs := map[string]writeEndpoints{}
	for _, path := range writes {
		if _, dup := writeEPs[path]; dup {
			errs = append(errs, fmt.Errorf("write path %q listed twice", path))
			continue
		}
		w, err := spec.writeEndpoints(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("writes %q: %w", path, err))
			continue
		}
		writeEPs[path] = w
	}
	if len(errs) > 0 {
		return out, errors.Join(errs...)
	}
	if out.goSrc, err = renderGo(spec.Info.Version, columns, params, endpoints, writeEPs); err != nil {
		return out, err
	}
	if out.fixtures, err = buildFixtures(spec, examples, objects, warn); err != nil {
		return out, err
	}
	if out.writes, err = renderWritesJSON(writeEPs); err != nil {
		return out, err
	}
	if out.lists, err = renderListsJSON(endpoints); err != nil {
		return out, err
	}
	return out, nil
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
