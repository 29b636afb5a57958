package pushdown

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/tables"
)

// query is one entry of the workload file.
type query struct {
	name  string
	ideal []string // "GET /v1/charges customer=… limit=10"
	sql   string
}

func parseWorkload(t *testing.T, path string) []query {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []query
	var cur query
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "-- name: "):
			cur = query{name: strings.TrimPrefix(line, "-- name: ")}
		case strings.HasPrefix(line, "-- ideal: "):
			cur.ideal = append(cur.ideal, strings.TrimPrefix(line, "-- ideal: "))
		case strings.HasPrefix(line, "--") || strings.TrimSpace(line) == "":
		default:
			cur.sql += line + "\n"
			if strings.HasSuffix(strings.TrimSpace(line), ";") {
				cur.sql = strings.TrimSuffix(strings.TrimSpace(cur.sql), ";")
				if cur.name == "" || len(cur.ideal) == 0 {
					t.Fatalf("%s: query without name or ideal plan: %s", path, cur.sql)
				}
				out = append(out, cur)
				cur = query{}
			}
		}
	}
	return out
}

// placeholders picks ids from the account for the workload's {names}.
func placeholders(t *testing.T, f *fakestripe.Server) map[string]string {
	p := map[string]string{}
	first := func(resource string, pick func(o map[string]any) string) string {
		for _, o := range f.Objects(resource) {
			if v := pick(o); v != "" {
				return v
			}
		}
		t.Fatalf("no %s to fill the workload", resource)
		return ""
	}
	str := func(k string) func(map[string]any) string {
		return func(o map[string]any) string { s, _ := o[k].(string); return s }
	}
	charges := f.Objects("charges")
	p["charge"], p["charge2"] = charges[0]["id"].(string), charges[1]["id"].(string)
	p["customer"] = first("charges", str("customer"))
	p["refunded_charge"] = first("refunds", str("charge"))
	p["invoiced_customer"] = first("invoices", str("customer"))
	p["invoice"] = first("invoices", str("id"))
	p["subscribed_customer"] = first("subscriptions", str("customer"))
	p["subscription"] = first("subscriptions", str("id"))
	p["product"] = first("prices", str("product"))
	p["payout"] = first("payouts", str("id"))
	p["financial_account"] = first("treasury_transactions", str("financial_account"))
	p["subscribed_price"] = first("subscriptions", func(o map[string]any) string {
		items, _ := o["items"].(map[string]any)
		data, _ := items["data"].([]any)
		if len(data) == 0 {
			return ""
		}
		price, _ := data[0].(map[string]any)["price"].(map[string]any)
		s, _ := price["id"].(string)
		return s
	})
	// Relative times are filled with now's value: a second's difference
	// with the query's NOW() changes no page count.
	p["30_days_ago"] = strconv.FormatInt(time.Now().Add(-30*24*time.Hour).Unix(), 10)
	// Search: the cutoff of the workload's lag on the fake's clock, a
	// charge's order_id, a word of a customer's email, and each searched
	// resource's event types as types[] parameters.
	p["search_cut"] = strconv.FormatInt(f.Now().Add(-searchLag).Unix(), 10)
	p["order_id"] = first("charges", func(o map[string]any) string { s, _ := o["metadata"].(map[string]any)["order_id"].(string); return s })
	p["email_word"] = strings.Split(first("customers", str("email")), ".")[1]
	for _, s := range tables.Specs() {
		if s.Search != nil {
			p[s.Name+"_events"] = "types[]=" + strings.Join(s.Search.Events, " types[]=")
		}
	}
	return p
}

// searchLag is the workload server's --search-lag.
const searchLag = 5 * time.Minute

func fill(s string, p map[string]string) string {
	for k, v := range p {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// idealRequests counts the pages of an ideal request stream by reading it
// from the fake directly: a retrieve is one request; a list is paged with
// Stripe's largest page, or up to its limit. "STREAM for each OUTER" is
// STREAM once per object OUTER lists, its {id} filled with the object's
// (a join reading the inner table per row of the outer one).
func idealRequests(t *testing.T, f *fakestripe.Server, stream string) int {
	if inner, outer, ok := strings.Cut(stream, " for each "); ok {
		n := 0
		for _, id := range listIDs(t, f, outer) {
			n += idealRequests(t, f, strings.ReplaceAll(inner, "{id}", id))
		}
		return n
	}
	path, params, need := parseStream(stream)
	if !isList(f, path) {
		return 1 // a retrieve, or a single object (/v1/account)
	}
	n := 0
	readList(t, f, path, params, need, func([]string) { n++ })
	return n
}

// parseStream splits "GET /v1/x k=v limit=N" into the path, the
// parameters and the limit (-1 for none). A value is URL-encoded where it
// must be (a search query's spaces as +); a parameter may repeat
// (types[]).
func parseStream(stream string) (string, url.Values, int) {
	fields := strings.Fields(stream)
	path := fields[1]
	params := url.Values{}
	need := -1
	for _, kv := range fields[2:] {
		k, v, _ := strings.Cut(kv, "=")
		if k == "limit" {
			need, _ = strconv.Atoi(v)
			continue
		}
		if u, err := url.QueryUnescape(v); err == nil {
			v = u
		}
		params.Add(k, v)
	}
	return path, params, need
}

// listIDs are the ids of the objects a list stream reads.
func listIDs(t *testing.T, f *fakestripe.Server, stream string) []string {
	path, params, need := parseStream(stream)
	var ids []string
	readList(t, f, path, params, need, func(page []string) { ids = append(ids, page...) })
	return ids
}

// readList pages through a list from the fake with Stripe's largest page
// (or up to need objects), handing each page's ids to got; a search pages
// with next_page.
func readList(t *testing.T, f *fakestripe.Server, path string, params url.Values, need int, got func(ids []string)) {
	stream := "GET " + path + " " + params.Encode()
	cursor := ""
	for {
		size := 100
		if need >= 0 && need < size {
			size = need
		}
		q := url.Values{}
		for k, v := range params {
			q[k] = v
		}
		q.Set("limit", strconv.Itoa(size))
		if cursor != "" && strings.HasSuffix(path, "/search") {
			q.Set("page", cursor)
		} else if cursor != "" {
			q.Set("starting_after", cursor)
		}
		page := get(t, f, path+"?"+q.Encode())
		var p struct {
			Data     []struct{ ID string } `json:"data"`
			HasMore  bool                  `json:"has_more"`
			NextPage string                `json:"next_page"`
		}
		if err := json.Unmarshal(page, &p); err != nil {
			t.Fatalf("%s: %v", stream, err)
		}
		ids := make([]string, len(p.Data))
		for i, o := range p.Data {
			ids[i] = o.ID
		}
		got(ids)
		if need >= 0 {
			need -= len(p.Data)
		}
		if !p.HasMore || len(p.Data) == 0 || need == 0 {
			return
		}
		cursor = p.Data[len(p.Data)-1].ID
		if p.NextPage != "" {
			cursor = p.NextPage
		}
	}
}

// isList tells a list endpoint from a retrieve by asking the fake.
func isList(f *fakestripe.Server, path string) bool {
	rec := httptest.NewRecorder()
	q := "?limit=1"
	if strings.HasSuffix(path, "/search") {
		q += "&query=" + url.QueryEscape("metadata['x']:'y'") // a field of every searchable resource
	}
	req := httptest.NewRequest("GET", path+q, nil)
	req.SetBasicAuth(stripesqltest.Key, "")
	f.ServeHTTP(rec, req)
	var o struct{ Object string }
	_ = json.Unmarshal(rec.Body.Bytes(), &o)
	return o.Object == "list" || o.Object == "search_result"
}

func get(t *testing.T, f *fakestripe.Server, target string) []byte {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", target, nil)
	req.SetBasicAuth(stripesqltest.Key, "")
	f.ServeHTTP(rec, req)
	if rec.Code != 200 && rec.Code != 404 {
		t.Fatalf("ideal request %s: %d %s", target, rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

// Every workload query makes no more requests than its ideal plan.
func TestWorkloadPushdownIsOptimal(t *testing.T) {
	var env *stripesqltest.Env
	env = stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: fakestripe.DefaultScale},
		SearchLag: searchLag, Now: func() time.Time { return env.Fake.Now() }})
	p := placeholders(t, env.Fake)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "query\trequests\tideal\tratio\t")
	var made, ideal int
	for _, q := range parseWorkload(t, "../../examples/workload.sql") {
		want := 0
		for _, s := range q.ideal {
			want += idealRequests(t, env.Fake, fill(s, p))
		}
		env.Fake.ResetRequests()
		env.Rows(t, fill(q.sql, p))
		got := env.Requests()
		made += len(got)
		ideal += want
		ratio := float64(want) / float64(max(len(got), 1))
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t\n", q.name, len(got), want, ratio)
		if len(got) > want {
			sort.Strings(got)
			t.Errorf("%s: %d requests, ideal %d:\n%s", q.name, len(got), want, strings.Join(got, "\n"))
		}
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%.2f\t\n", made, ideal, float64(ideal)/float64(made))
	tw.Flush()
}
