package sqltable

import (
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/tables"
)

// The README's change stream section names the tables streamed, with the
// events behind each: they are those transactionOf writes rows of (top
// listings of announced objects, not single objects), each with its
// events named.
func TestREADMEListsStreamedTables(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "| table | Stripe events (API version 2023-10-16) |")
	if start < 0 {
		t.Fatal("README has no table of the streamed tables' events")
	}
	section := text[start:]
	section = section[:strings.Index(section, "\n\n")]
	row := regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| (.+) \\|$")
	documented := map[string][]string{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		documented[m[1]] = regexp.MustCompile("`([a-z_.]+)`").FindAllString(m[2], -1)
	}
	var want []string
	for _, s := range tables.Specs() {
		if listingSpec(s.Path) == s && !s.Single && s.Announced() {
			want = append(want, s.Name)
		}
	}
	slices.Sort(want)
	got := slices.Sorted(maps.Keys(documented))
	if !slices.Equal(got, want) {
		t.Fatalf("README lists %v as streamed, the code streams %v", got, want)
	}
	for name, events := range documented {
		if len(events) == 0 {
			t.Errorf("README names no event for %s", name)
		}
	}
}
