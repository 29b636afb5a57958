package engine_test

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// Issue 21, item 4: IN and OR of conditions Search can take read the whole
// list. Each branch is now one search (exact by the lag rule: the events
// since the cutoff are read once for all, the list after the cutoff once),
// their results joined, each object once; the engine still applies the
// whole condition. A branch Search cannot narrow leaves the list.
func TestSearchDisjunctionRequestsAndAnswers(t *testing.T) {
	env, cutf := startSearch(t, stripesqltest.Options{})
	cut := cutf()
	var orders []string
	var amounts []int
	amountOf := map[string]int{}
	for _, c := range env.Fake.Objects("charges") {
		amounts = append(amounts, int(c["amount"].(float64)))
		if m, _ := c["metadata"].(map[string]any); m["order_id"] != nil && !slices.Contains(orders, m["order_id"].(string)) {
			orders = append(orders, m["order_id"].(string))
			amountOf[m["order_id"].(string)] = int(c["amount"].(float64))
		}
	}
	if len(orders) < 3 {
		t.Fatalf("the fake has %d orders, want 3", len(orders))
	}
	o1, o2, o3 := orders[0], orders[1], orders[2]
	sort.Sort(sort.Reverse(sort.IntSlice(amounts)))
	large := amounts[5] // a few charges above it
	ref := stripesqltest.NewReference(t, env, map[string][]string{
		"charges":   {"id", "amount", "currency", "metadata", "created", "status"},
		"customers": {"id", "email", "name", "metadata", "created"},
	})
	search := func(query string) string { return searchReq("/v1/charges/search", query+" AND created<"+cut) }
	events, recent := eventsReq(cut, chargeTypes...), "GET /v1/charges?created[gte]="+cut+"&limit=100"
	meta := func(o string) string { return "metadata['order_id']:'" + o + "'" }
	whole := pages("/v1/charges", nil, len(env.Fake.Objects("charges")))
	tests := []struct {
		name, query string
		want        []string // the requests, in any order (the searches' first pages are read at once)
	}{
		{"IN: a search per value", "SELECT id, amount FROM charges WHERE metadata->>'$.order_id' IN ('" + o1 + "', '" + o2 + "') ORDER BY id",
			[]string{events, search(meta(o1)), search(meta(o2)), recent}},
		{"OR of two fields", fmt.Sprintf("SELECT id, amount FROM charges WHERE metadata->>'$.order_id' = '%s' OR amount > %d ORDER BY id", o1, large),
			[]string{events, search(meta(o1)), search(fmt.Sprintf("amount>%d", large)), recent}},
		// The same charge found by both searches is one row.
		{"overlapping branches", fmt.Sprintf("SELECT COUNT(*), SUM(amount) FROM charges WHERE metadata->>'$.order_id' = '%s' OR amount = %d", o1, amountOf[o1]),
			[]string{events, search(meta(o1)), search(fmt.Sprintf("amount:%d", amountOf[o1])), recent}},
		{"IN and OR: every branch", fmt.Sprintf("SELECT id FROM charges WHERE metadata->>'$.order_id' IN ('%s', '%s') OR amount >= %d ORDER BY id", o1, o2, large),
			[]string{events, search(meta(o1)), search(meta(o2)), search(fmt.Sprintf("amount>=%d", large)), recent}},
		// A condition of every branch is in every search.
		{"with a common condition", fmt.Sprintf("SELECT id FROM charges WHERE amount > 0 AND metadata->>'$.order_id' IN ('%s', '%s', '%s') ORDER BY id", o1, o2, o3),
			[]string{events, search("amount>0 AND " + meta(o1)), search("amount>0 AND " + meta(o2)), search("amount>0 AND " + meta(o3)), recent}},
		// What Search cannot take is checked by the engine on the union.
		{"a residual condition", "SELECT id FROM charges WHERE metadata->>'$.order_id' IN ('" + o1 + "', '" + o2 + "', '" + o3 + "') AND amount % 2 = 0 ORDER BY id",
			[]string{events, search(meta(o1)), search(meta(o2)), search(meta(o3)), recent}},
		{"a NULL in the list matches nothing", "SELECT id FROM charges WHERE metadata->>'$.order_id' IN ('" + o1 + "', NULL) ORDER BY id",
			[]string{events, search(meta(o1)), recent}},
		{"a repeated value is one search", "SELECT id FROM charges WHERE metadata->>'$.order_id' IN ('" + o1 + "', '" + o1 + "') ORDER BY id",
			[]string{events, search(meta(o1)), recent}},
		// A branch Search cannot narrow: the list, whole.
		{"a branch Search cannot take", "SELECT id FROM charges WHERE metadata->>'$.order_id' = '" + o1 + "' OR amount != 5 ORDER BY id", whole},
		{"a value Search cannot take", "SELECT id FROM charges WHERE metadata->>'$.order_id' IN ('" + o1 + "', ' padded') ORDER BY id", whole},
		{"OR within a branch", fmt.Sprintf("SELECT id FROM charges WHERE metadata->>'$.order_id' = '%s' OR (amount > %d OR amount < 2) ORDER BY id", o1, large),
			[]string{events, search(meta(o1)), search(fmt.Sprintf("amount>%d", large)), search("amount<2"), recent}},
	}
	for _, tc := range tests {
		env.Requests()
		got := env.Rows(t, tc.query)
		if reqs := env.Requests(); !sameStreams(reqs, tc.want) {
			t.Errorf("%s: requests\n%s\nwant (in any order)\n%s", tc.name, stripesqltest.Join(reqs), stripesqltest.Join(tc.want))
		}
		if off := searchOff(t, env, tc.query); stripesqltest.Join(flatten(got)) != stripesqltest.Join(flatten(off)) {
			t.Errorf("%s: answer\n%v\nwith Search off\n%v", tc.name, got, off)
		}
		want, err := ref.Query(tc.query)
		if err != nil {
			t.Fatalf("%s: reference: %v", tc.name, err)
		}
		if stripesqltest.Join(flatten(got)) != stripesqltest.Join(flatten(want)) {
			t.Errorf("%s: answer\n%v\nreference\n%v", tc.name, got, want)
		}
		if len(got) == 0 || got[0][0] == "0" {
			t.Errorf("%s: no row: the case proves nothing", tc.name)
		}
	}
}

// sameStreams compares requests as multisets, a search's page tokens and
// a list's cursors left out.
func sameStreams(got, want []string) bool {
	norm := func(reqs []string) []string {
		out := make([]string, len(reqs))
		for i, r := range reqs {
			out[i] = cursorParam.ReplaceAllString(stream(r), "starting_after=*")
		}
		sort.Strings(out)
		return out
	}
	return strings.Join(norm(got), "\n") == strings.Join(norm(want), "\n")
}

// The two queries over a larger account: with Search on, each
// branch is a search (one page here), beside the events and the list after
// the cutoff, where the list reads every page; the answers are the list's.
// STRIPESQL_SEARCH_SCALE=20000 measures the account
// (BENCHMARKS.md "Search: OR and IN"); CI runs 3,000 charges.
func TestSearchDisjunctionRequestsAtScale(t *testing.T) {
	scale := 3000
	if v, err := strconv.Atoi(os.Getenv("STRIPESQL_SEARCH_SCALE")); err == nil && v > 0 {
		scale = v
	}
	env, _ := startSearch(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: scale}})
	var orders []string
	for _, c := range env.Fake.Objects("charges") {
		if m, _ := c["metadata"].(map[string]any); m["order_id"] != nil && len(orders) < 2 {
			orders = append(orders, m["order_id"].(string))
		}
	}
	for _, q := range []string{
		"SELECT id, amount FROM charges WHERE metadata->>'$.order_id' IN ('" + orders[0] + "', '" + orders[1] + "') ORDER BY id",
		"SELECT id, amount FROM charges WHERE metadata->>'$.order_id' = '" + orders[0] + "' OR amount > 900000 ORDER BY id",
	} {
		env.Requests()
		got := env.Rows(t, q)
		searchedReqs := env.Requests()
		off := searchOff(t, env, q)
		listReqs := env.Requests()
		t.Logf("%s: %d rows; %d requests with Search (%d searches), %d with the list\n%s", q, len(got), len(searchedReqs),
			strings.Count(stripesqltest.Join(searchedReqs), "/search?"), len(listReqs), stripesqltest.Join(searchedReqs))
		if stripesqltest.Join(flatten(got)) != stripesqltest.Join(flatten(off)) || len(got) == 0 {
			t.Errorf("%s: answer\n%v\nwith Search off\n%v", q, got, off)
		}
		if len(listReqs) < scale/100 || len(searchedReqs) > 6 {
			t.Errorf("%s: %d requests with Search, %d with the list:\n%s", q, len(searchedReqs), len(listReqs), stripesqltest.Join(searchedReqs))
		}
	}
}
