package tables

import (
	"os"
	"strings"
	"testing"
)

// README's table list names every table, so the documentation cannot
// fall behind the catalog.
func TestREADMEListsEveryTable(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Specs() {
		if !strings.Contains(string(b), "| `"+s.Name+"` |") {
			t.Errorf("README.md's table list lacks %s", s.Name)
		}
	}
}
