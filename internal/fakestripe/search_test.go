package fakestripe

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// searchAll pages through a search (next_page) with the given limit and
// returns every object, failing on a duplicate id or a malformed page.
func searchAll(t *testing.T, s http.Handler, resource, query string, limit int) []map[string]any {
	t.Helper()
	var all []map[string]any
	seen := map[string]bool{}
	q := url.Values{"query": {query}, "limit": {fmt.Sprint(limit)}}
	for {
		page := mustGet(t, s, "/v1/"+resource+"/search?"+q.Encode())
		if page["object"] != "search_result" || page["url"] != "/v1/"+resource+"/search" {
			t.Fatalf("%s %q: envelope %v %v", resource, query, page["object"], page["url"])
		}
		data := page["data"].([]any)
		if len(data) > limit {
			t.Fatalf("%s %q: %d objects with limit %d", resource, query, len(data), limit)
		}
		for _, item := range data {
			obj := item.(map[string]any)
			if seen[str(obj, "id")] {
				t.Fatalf("%s %q: %s served twice", resource, query, obj["id"])
			}
			seen[str(obj, "id")] = true
			all = append(all, obj)
		}
		if page["has_more"] != true {
			if page["next_page"] != nil {
				t.Fatalf("%s %q: next_page %v on the last page", resource, query, page["next_page"])
			}
			return all
		}
		next, ok := page["next_page"].(string)
		if !ok || next == "" || len(data) != limit {
			t.Fatalf("%s %q: has_more with next_page %v and %d objects", resource, query, page["next_page"], len(data))
		}
		q.Set("page", next)
	}
}

// matching is the ids of a resource's objects (newest first) that pred
// keeps.
func matching(s *Server, resource string, pred func(map[string]any) bool) []string {
	var out []string
	for _, o := range s.Objects(resource) {
		if pred(o) {
			out = append(out, str(o, "id"))
		}
	}
	return out
}

func metaOf(o map[string]any, key string) (string, bool) {
	m, _ := o["metadata"].(map[string]any)
	v, ok := m[key].(string)
	return v, ok
}

// Each searchable resource answers its queries with exactly the matching
// objects, newest first, over several pages.
func TestSearchEndpoints(t *testing.T) {
	s := shared()
	chargeOrder, _ := metaOf(s.Objects("charges")[firstWith(t, s.Objects("charges"), func(o map[string]any) bool {
		_, ok := metaOf(o, "order_id")
		return ok
	})], "order_id")
	customer := s.Objects("customers")[3]
	product := s.Objects("products")[0]
	cases := []struct {
		resource, query string
		pred            func(map[string]any) bool
	}{
		{"charges", `amount>5000 AND currency:"usd"`, func(o map[string]any) bool { return num(o, "amount") > 5000 && o["currency"] == "usd" }},
		{"charges", `status:"failed" OR refunded:"true"`, func(o map[string]any) bool { return o["status"] == "failed" || o["refunded"] == true }},
		{"charges", `refunded:"false"`, func(o map[string]any) bool { return num(o, "amount_refunded") > 0 && o["refunded"] == false }},
		{"charges", `refunded:null currency:"eur"`, func(o map[string]any) bool { return num(o, "amount_refunded") == 0 && o["currency"] == "eur" }},
		{"charges", `metadata['order_id']:'` + chargeOrder + `'`, func(o map[string]any) bool { v, _ := metaOf(o, "order_id"); return v == chargeOrder }},
		{"charges", `-metadata['order_id']:null amount<=3000`, func(o map[string]any) bool { _, ok := metaOf(o, "order_id"); return ok && num(o, "amount") <= 3000 }},
		{"customers", `email~"example"`, func(o map[string]any) bool { return strings.Contains(strings.ToLower(str(o, "email")), "example") }},
		{"customers", `metadata['segment']:'enterprise'`, func(o map[string]any) bool { v, _ := metaOf(o, "segment"); return v == "enterprise" }},
		// An exact match on a string field finds the names holding its
		// words in a row (the fake's names are words and spaces).
		{"customers", `name:'` + str(customer, "name") + `'`, func(o map[string]any) bool {
			return strings.Contains(" "+strings.ToLower(str(o, "name"))+" ", " "+strings.ToLower(str(customer, "name"))+" ")
		}},
		{"customers", `name:'` + strings.Fields(str(customer, "name"))[0] + `'`, func(o map[string]any) bool {
			return slices.Contains(strings.Fields(strings.ToLower(str(o, "name"))), strings.ToLower(strings.Fields(str(customer, "name"))[0]))
		}},
		{"invoices", `total>=10000 status:"paid"`, func(o map[string]any) bool { return num(o, "total") >= 10000 && o["status"] == "paid" }},
		{"payment_intents", `status:"canceled" OR amount<1000`, func(o map[string]any) bool { return o["status"] == "canceled" || num(o, "amount") < 1000 }},
		{"prices", `product:"` + str(product, "id") + `" active:"true"`, func(o map[string]any) bool { return o["product"] == product["id"] && o["active"] == true }},
		{"products", `-active:"true"`, func(o map[string]any) bool { return o["active"] != true }},
		{"subscriptions", `status:"active" created>1704067200`, func(o map[string]any) bool { return o["status"] == "active" && num(o, "created") > 1704067200 }},
	}
	for _, c := range cases {
		want := matching(s, c.resource, c.pred)
		if len(want) == 0 {
			t.Errorf("%s %q: the account has no matching object to find", c.resource, c.query)
		}
		for _, limit := range []int{7, 100} {
			if got := ids(searchAll(t, s, c.resource, c.query, limit)); !slices.Equal(got, want) {
				t.Errorf("%s %q limit %d: got %d objects %v, want %d %v", c.resource, c.query, limit, len(got), got, len(want), want)
			}
		}
	}
}

func firstWith(t *testing.T, objs []map[string]any, pred func(map[string]any) bool) int {
	t.Helper()
	for i, o := range objs {
		if pred(o) {
			return i
		}
	}
	t.Fatal("no such object")
	return 0
}

// limit defaults to 10; expand[]=total_count counts every match; data.*
// expands like a list.
func TestSearchLimitTotalCountExpand(t *testing.T) {
	s := shared()
	want := matching(s, "charges", func(o map[string]any) bool { return o["currency"] == "usd" })
	page := mustGet(t, s, "/v1/charges/search?"+url.Values{"query": {`currency:"usd"`}}.Encode())
	if n := len(page["data"].([]any)); n != defaultLimit || page["has_more"] != true {
		t.Errorf("default page: %d objects, has_more %v", n, page["has_more"])
	}
	if _, ok := page["total_count"]; ok {
		t.Errorf("total_count served without expand[]=total_count")
	}
	page = mustGet(t, s, "/v1/charges/search?"+url.Values{"query": {`currency:"usd"`}, "limit": {"3"},
		"expand[]": {"total_count", "data.customer"}}.Encode())
	if num(page, "total_count") != int64(len(want)) {
		t.Errorf("total_count %v, want %d", page["total_count"], len(want))
	}
	for _, item := range page["data"].([]any) {
		if c := item.(map[string]any)["customer"]; c != nil {
			if _, expanded := c.(map[string]any); !expanded {
				t.Errorf("data.customer not expanded: %v", c)
			}
		}
	}
}

// Paging is stable: objects created between pages neither repeat nor
// hide older ones (they sort before the cursor).
func TestSearchPagingWhileCreating(t *testing.T) {
	s := New(Options{Seed: 8, Scale: 300})
	query := url.Values{"query": {`created>0`}, "limit": {"10"}}
	want := ids(s.Objects("customers"))
	var got []string
	for n := 0; ; n++ {
		page := mustGet(t, s, "/v1/customers/search?"+query.Encode())
		for _, item := range page["data"].([]any) {
			got = append(got, str(item.(map[string]any), "id"))
		}
		if page["has_more"] != true {
			break
		}
		query.Set("page", page["next_page"].(string))
		mustSend(t, s, "POST", "/v1/customers", url.Values{"email": {fmt.Sprintf("new%d@example.com", n)}})
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged %d customers, want the %d there were when paging began", len(got), len(want))
	}
}

// Errors answer as Stripe does: 400 invalid_request_error naming the
// parameter.
func TestSearchErrors(t *testing.T) {
	s := shared()
	page := mustGet(t, s, "/v1/customers/search?"+url.Values{"query": {`created>0`}, "limit": {"1"}}.Encode())
	otherQueryPage := url.Values{"query": {`created>1`}, "page": {page["next_page"].(string)}}
	cases := []struct {
		path        string
		query       url.Values
		param, part string
	}{
		{"/v1/charges/search", url.Values{}, "query", "Missing required param: query."},
		{"/v1/charges/search", url.Values{"query": {"asdf"}}, "query", "We were unable to parse your search query."},
		{"/v1/prices/search", url.Values{"query": {`foo:"bar"`}}, "query", "Field `foo` is an unsupported search field for resource `prices`."},
		{"/v1/payment_intents/search", url.Values{"query": {`email:"a@b.c"`}}, "query", "Field `email` is an unsupported search field for resource `payment_intents`."},
		{"/v1/charges/search", url.Values{"query": {`status:"a" AND status:"b" OR status:"c"`}}, "query", "AND and OR cannot be combined"},
		{"/v1/customers/search", url.Values{"query": {`email~"ab"`}}, "query", "at least 3 characters"},
		{"/v1/charges/search", url.Values{"query": {`status:"a"`}, "limit": {"0"}}, "limit", "greater than or equal to 1"},
		{"/v1/charges/search", url.Values{"query": {`status:"a"`}, "limit": {"101"}}, "limit", "less than or equal to 100"},
		{"/v1/charges/search", url.Values{"query": {`status:"a"`}, "page": {"garbage"}}, "page", "Invalid page token"},
		{"/v1/customers/search", otherQueryPage, "page", "Invalid page token"},
		{"/v1/charges/search", url.Values{"query": {`status:"a"`}, "starting_after": {"ch_1"}}, "starting_after", "Received unknown parameter: starting_after"},
		{"/v1/charges/search", url.Values{"query": {`status:"a"`}, "expand[]": {"customer"}}, "expand", "cannot be expanded"},
	}
	for _, c := range cases {
		res := get(t, s, c.path+"?"+c.query.Encode())
		e := errorOf(t, res)
		if res.status != http.StatusBadRequest || e["type"] != "invalid_request_error" || e["param"] != c.param ||
			!strings.Contains(str(e, "message"), c.part) {
			t.Errorf("%s?%s: %d %v, want 400 invalid_request_error param %q with %q", c.path, c.query.Encode(), res.status, e, c.param, c.part)
		}
	}
	// Resources Stripe cannot search have no search endpoint.
	if res := get(t, s, "/v1/refunds/search?query=amount%3E1"); res.status != http.StatusNotFound {
		t.Errorf("/v1/refunds/search: status %d, want 404", res.status)
	}
}

// The Search API has its own budget: search requests beyond it get 429
// rate_limit while lists go on, and the other way round.
func TestSearchRateLimit(t *testing.T) {
	fixed := func(l *rateLimiter) {
		at := time.Unix(1700000000, 0)
		l.now = func() time.Time { return at } // no refill: the budget is exactly one second's
	}
	search := "/v1/customers/search?query=created%3E0"
	cases := []struct {
		name            string
		opts            Options
		searches, lists int // allowed in the same instant
		searchUnlimited bool
		listsUnlimited  bool
	}{
		{name: "defaults to Stripe's 20 with RateLimit", opts: Options{Seed: 1, Scale: 100, RateLimit: 3}, searches: 20, lists: 3},
		{name: "own value", opts: Options{Seed: 1, Scale: 100, SearchRateLimit: 2}, searches: 2, listsUnlimited: true},
		{name: "none", opts: Options{Seed: 1, Scale: 100, RateLimit: 3, SearchRateLimit: -1}, searchUnlimited: true, lists: 3},
	}
	for _, c := range cases {
		s := New(c.opts)
		if s.searchLimiter != nil {
			fixed(s.searchLimiter)
		}
		if s.limiter != nil {
			fixed(s.limiter)
		}
		check := func(path string, allowed int, unlimited bool) {
			n := allowed + 1
			if unlimited {
				n = 30
			}
			for i := 0; i < n; i++ {
				res := get(t, s, path)
				want := http.StatusOK
				if !unlimited && i == allowed {
					want = http.StatusTooManyRequests
				}
				if res.status != want {
					t.Fatalf("%s: request %d of %s: status %d, want %d", c.name, i+1, path, res.status, want)
				}
				if want == http.StatusTooManyRequests && errorOf(t, res)["code"] != "rate_limit" {
					t.Errorf("%s: 429 without code rate_limit: %s", c.name, res.body)
				}
			}
		}
		check(search, c.searches, c.searchUnlimited)
		check("/v1/customers?limit=1", c.lists, c.listsUnlimited)
	}
}

// Search trails changes by SearchLag on the fake's clock: a new object is
// not found until the lag has passed, a changed one is matched as it was
// (but served as it is), a deleted one is gone at once.
func TestSearchLag(t *testing.T) {
	s := New(Options{Seed: 4, Scale: 200, SearchLag: 3 * time.Second})
	customers := s.Objects("customers")
	found := func(query string) []string { return ids(searchAll(t, s, "customers", query, 100)) }
	tick := func() { // a change elsewhere moves the fake's clock a second
		if err := s.SetMetadata("products", str(s.Objects("products")[0], "id"), "tick", fmt.Sprint(s.Now().Unix())); err != nil {
			t.Fatal(err)
		}
	}

	start := s.Now()
	created := mustSend(t, s, "POST", "/v1/customers", url.Values{"email": {"lagging@example.com"}})
	if got := s.Now(); got.Unix() != num(created, "created") || !got.After(start) {
		t.Fatalf("Now() = %v after a create at %d (was %v)", got, num(created, "created"), start)
	}
	old := customers[5]
	oldID := str(old, "id")
	if err := s.SetMetadata("customers", oldID, "plan", "gold"); err != nil {
		t.Fatal(err)
	}
	gone := str(customers[6], "id")
	mustSend(t, s, "DELETE", "/v1/customers/"+gone, nil)

	if got := found(`email:"lagging@example.com"`); len(got) != 0 {
		t.Errorf("a customer created now is found: %v", got)
	}
	if got := found(`metadata['plan']:'gold'`); len(got) != 0 {
		t.Errorf("a change made now is searchable: %v", got)
	}
	if got := found(`-metadata['plan']:null`); slices.Contains(got, oldID) {
		t.Errorf("the changed customer matches its new state")
	}
	all := searchAll(t, s, "customers", `metadata['plan']:null`, 100)
	k := slices.IndexFunc(all, func(o map[string]any) bool { return o["id"] == oldID })
	if k < 0 {
		t.Fatalf("the changed customer does not match its previous state")
	}
	if v, _ := metaOf(all[k], "plan"); v != "gold" {
		t.Errorf("the changed customer is served as indexed, not as it is now: %v", all[k]["metadata"])
	}
	if slices.Contains(ids(all), gone) {
		t.Errorf("a deleted customer is found")
	}

	// The create is 2 s old after the update and the delete; one more
	// second and it is SearchLag old.
	tick()
	if got := found(`email:"lagging@example.com"`); !slices.Equal(got, []string{str(created, "id")}) {
		t.Errorf("after the lag the created customer is not found: %v", got)
	}
	if got := found(`metadata['plan']:'gold'`); len(got) != 0 {
		t.Errorf("the update is found %v before it is SearchLag old", got)
	}
	tick()
	if got := found(`metadata['plan']:'gold'`); !slices.Equal(got, []string{oldID}) {
		t.Errorf("after the lag the update is not found: %v", got)
	}
}

// Without SearchLag every change is searchable at once.
func TestSearchNoLag(t *testing.T) {
	s := New(Options{Seed: 4, Scale: 200})
	created := mustSend(t, s, "POST", "/v1/customers", url.Values{"email": {"now@example.com"}, "metadata[plan]": {"gold"}})
	got := searchAll(t, s, "customers", `email:"now@example.com" metadata['plan']:'gold'`, 10)
	if !slices.Equal(ids(got), []string{str(created, "id")}) {
		t.Errorf("got %v, want the customer just created", ids(got))
	}
}

// Standalone payments carry an order_id on the payment intent and its
// charge alike (Stripe copies a payment intent's metadata to its
// charges), so searches by it find both; a later change of the charge's
// metadata does not touch the payment intent's.
func TestPaymentIntentsShareChargeOrderID(t *testing.T) {
	s := New(Options{Seed: 9, Scale: 300})
	charges := map[string]map[string]any{}
	for _, c := range s.Objects("charges") {
		charges[str(c, "id")] = c
	}
	var withOrder []map[string]any
	for _, pi := range s.Objects("payment_intents") {
		order, ok := metaOf(pi, "order_id")
		if !ok {
			continue
		}
		withOrder = append(withOrder, pi)
		if c := charges[str(pi, "latest_charge")]; c == nil || !reflect.DeepEqual(c["metadata"], pi["metadata"]) {
			t.Errorf("payment intent %s: metadata %v, its charge's %v", pi["id"], pi["metadata"], c["metadata"])
		}
		if got := ids(searchAll(t, s, "payment_intents", `metadata['order_id']:'`+order+`'`, 10)); !slices.Contains(got, str(pi, "id")) {
			t.Errorf("order_id %s: payment intents found %v, want %s among them", order, got, pi["id"])
		}
	}
	if len(withOrder) == 0 {
		t.Fatal("no payment intent carries an order_id")
	}
	pi := withOrder[0]
	if err := s.SetMetadata("charges", str(pi, "latest_charge"), "order_id", "changed"); err != nil {
		t.Fatal(err)
	}
	got := mustGet(t, s, "/v1/payment_intents/"+str(pi, "id"))
	if !reflect.DeepEqual(got["metadata"], pi["metadata"]) {
		t.Errorf("the charge's update changed its payment intent's metadata: %v, was %v", got["metadata"], pi["metadata"])
	}
}

// Charges' refunded is derived as Stripe documents it: true for fully
// refunded charges, false for partially refunded ones, null for the rest.
func TestSearchChargesRefunded(t *testing.T) {
	full := map[string]any{"amount": int64(100), "amount_refunded": int64(100), "refunded": true, "metadata": map[string]any{}}
	part := map[string]any{"amount": int64(100), "amount_refunded": int64(40), "refunded": false, "metadata": map[string]any{}}
	none := map[string]any{"amount": int64(100), "amount_refunded": int64(0), "refunded": false, "metadata": map[string]any{}}
	for _, c := range []struct {
		query            string
		full, part, none bool
	}{
		{`refunded:"true"`, true, false, false},
		{`refunded:"false"`, false, true, false},
		{`refunded:null`, false, false, true},
		{`-refunded:null`, true, true, false},
	} {
		q, err := parseSearchQuery(c.query, "charges")
		if err != nil {
			t.Fatalf("%q: %v", c.query, err.Message)
		}
		for _, x := range []struct {
			name string
			obj  map[string]any
			want bool
		}{{"full", full, c.full}, {"partial", part, c.part}, {"none", none, c.none}} {
			if got := q.matches(searchDoc(x.obj, "charges")); got != x.want {
				t.Errorf("%q on a %s refund: %v, want %v", c.query, x.name, got, x.want)
			}
		}
	}
}
