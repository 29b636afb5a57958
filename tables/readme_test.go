package tables

import (
	"os"
	"strings"
	"testing"
)

// README's table list names every table with the columns it pushes down,
// so the documentation cannot fall behind the catalog (derived filters
// and filter-only columns included).
func TestREADMEListsEveryTable(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Specs() {
		if !strings.Contains(string(b), "| `"+s.Name+"` |") {
			t.Errorf("README.md's table list lacks %s", s.Name)
			continue
		}
		if row := readmeRow(s); !strings.Contains(string(b), row) {
			t.Errorf("README.md's table list lacks the row\n%s", row)
		}
	}
}

// readmeRow is a table's row in README's table list: its endpoint and the
// columns whose conditions reach Stripe.
func readmeRow(s *Spec) string {
	var cols []string
	add := func(c, note string) { cols = append(cols, "`"+c+"`"+note) }
	if s.Retrievable() {
		add("id", "")
	}
	if s.Parent != nil {
		add(s.Parent.Column, "")
	}
	if s.Created {
		add("created", "")
	}
	for _, r := range s.Ranges {
		note := ""
		if r.ParamName() != r.Column {
			note = " (as `" + r.ParamName() + "`)"
		}
		add(r.Column, note)
	}
	for _, f := range s.Filters {
		note := ""
		if f.Only {
			note = " (filter-only)"
		}
		add(f.Column, note)
	}
	endpoint := "`" + s.Path + "`"
	if s.Derive != nil {
		var from []string
		for _, d := range s.Derive {
			from = append(from, d.Table+"."+d.Field)
		}
		endpoint = "`from " + strings.Join(from, ", ") + "`"
	}
	return "| `" + s.Name + "` | " + endpoint + " | " + strings.Join(cols, ", ") + " |"
}
