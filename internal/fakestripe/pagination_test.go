package fakestripe

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
)

func TestDeterministicBytes(t *testing.T) {
	paths := []string{
		"/v1/charges?limit=100",
		"/v1/customers?limit=100&expand[]=data.default_source",
		"/v1/subscriptions?status=all&limit=50",
		"/v1/invoices?limit=30&expand[]=data.charge",
		"/v1/balance_transactions?limit=100&starting_after=",
		"/v1/events?limit=100",
		"/v1/payment_intents?limit=100",
		"/v1/checkout/sessions?limit=100",
		"/v1/balance",
		"/v1/account",
	}
	a, b := New(Options{Seed: 7, Scale: 500}), New(Options{Seed: 7, Scale: 500})
	for si := range a.data.subscriptionRows {
		if s := &a.data.subscriptionRows[si]; s.billsAgain() {
			paths = append(paths, "/v1/invoices/upcoming?customer="+a.data.customers.ids[s.customer])
			break
		}
	}
	for _, p := range paths {
		ra, rb := get(t, a, p), get(t, b, p)
		if ra.status != http.StatusOK || !bytes.Equal(ra.body, rb.body) {
			t.Errorf("%s: two servers with the same seed answered differently", p)
		}
		if ra.header.Get("Request-Id") != rb.header.Get("Request-Id") || ra.header.Get("Request-Id") == "" {
			t.Errorf("%s: Request-Id %q vs %q", p, ra.header.Get("Request-Id"), rb.header.Get("Request-Id"))
		}
	}
	other := New(Options{Seed: 8, Scale: 500})
	if bytes.Equal(get(t, a, paths[0]).body, get(t, other, paths[0]).body) {
		t.Error("seeds 7 and 8 served the same charges")
	}
}

// TestPaginationWalksWholeList pages forwards with starting_after and
// backwards with ending_before, at several page sizes, and expects exactly
// Objects' order both ways (ties on created included).
func TestPaginationWalksWholeList(t *testing.T) {
	s := shared()
	cases := []struct {
		name, path string
		query      url.Values
		want       []string
	}{
		{"charges", "/v1/charges", nil, ids(s.Objects("charges"))},
		{"charges of a month", "/v1/charges", url.Values{"created[gte]": {"1704067200"}, "created[lt]": {"1706745600"}}, nil},
		{"refunds", "/v1/refunds", nil, ids(s.Objects("refunds"))},
		{"balance transactions", "/v1/balance_transactions", nil, ids(s.Objects("balance_transactions"))},
		{"subscriptions, all", "/v1/subscriptions", url.Values{"status": {"all"}}, ids(s.Objects("subscriptions"))},
		{"prices", "/v1/prices", nil, ids(s.Objects("prices"))},
		{"events", "/v1/events", nil, ids(s.Objects("events"))},
		{"invoice items (created is date)", "/v1/invoiceitems", nil, ids(s.Objects("invoice_items"))},
		{"checkout sessions", "/v1/checkout/sessions", nil, ids(s.Objects("checkout_sessions"))},
		{"payouts", "/v1/payouts", nil, ids(s.Objects("payouts"))},
		{"plans", "/v1/plans", nil, ids(s.Objects("plans"))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if want == nil {
				want = ids(listAll(t, s, tc.path, tc.query))
			}
			if len(want) < 5 {
				t.Fatalf("only %d objects: not a pagination test", len(want))
			}
			for _, limit := range []int{1, 3, 7, 100} {
				if fwd := walk(t, s, tc.path, tc.query, limit, false); !slices.Equal(fwd, want) {
					t.Errorf("limit %d, starting_after: %d objects, want %d in Objects order", limit, len(fwd), len(want))
				}
				back := walk(t, s, tc.path, tc.query, limit, true)
				slices.Reverse(back)
				if !slices.Equal(back, want) {
					t.Errorf("limit %d, ending_before: %d objects, want %d in Objects order", limit, len(back), len(want))
				}
			}
		})
	}
}

// walk pages through a whole list. Backwards, it starts with ending_before
// the oldest object and walks to the newest; the oldest is appended first
// so the result is the list in reverse.
func walk(t *testing.T, s http.Handler, path string, query url.Values, limit int, backwards bool) []string {
	t.Helper()
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("limit", strconv.Itoa(limit))
	var out []string
	if backwards {
		all := listAll(t, s, path, query)
		oldest := all[len(all)-1]["id"].(string)
		out = append(out, oldest)
		q.Set("ending_before", oldest)
	}
	for pages := 0; ; pages++ {
		if pages > 5000 {
			t.Fatal("pagination does not end")
		}
		page := mustGet(t, s, path+"?"+q.Encode())
		data := page["data"].([]any)
		if len(data) > limit {
			t.Fatalf("%d objects on a page of limit %d", len(data), limit)
		}
		pageIDs := make([]string, len(data))
		for i, item := range data {
			pageIDs[i] = item.(map[string]any)["id"].(string)
		}
		if backwards {
			slices.Reverse(pageIDs) // pages are newest first even when walking back
		}
		out = append(out, pageIDs...)
		if page["has_more"] != true {
			return out
		}
		if backwards {
			q.Set("ending_before", out[len(out)-1])
		} else {
			q.Set("starting_after", out[len(out)-1])
		}
	}
}

func TestListOrderNewestFirstWithTies(t *testing.T) {
	s := shared()
	for _, resource := range []string{"charges", "customers", "refunds", "invoices", "subscriptions", "balance_transactions", "products", "prices"} {
		t.Run(resource, func(t *testing.T) {
			objs := s.Objects(resource)
			ties := 0
			for i := 1; i < len(objs); i++ {
				prev, cur := num(objs[i-1], "created"), num(objs[i], "created")
				if cur > prev {
					t.Fatalf("%s listed before the newer %s", objs[i-1]["id"], objs[i]["id"])
				}
				if cur == prev {
					ties++
				}
			}
			if ties == 0 {
				t.Errorf("no two %s share a created second", resource)
			}
		})
	}
}

func TestChildListPagination(t *testing.T) {
	s := shared()
	// A customer with several balance transactions and an invoice with
	// several lines.
	var customer, invoice string
	for _, c := range s.Objects("customer_balance_transactions") {
		cus := str(c, "customer")
		if n := len(listAll(t, s, "/v1/customers/"+cus+"/balance_transactions", nil)); n >= 2 {
			customer = cus
			break
		}
	}
	for _, inv := range s.Objects("invoices") {
		if n := len(inv["lines"].(map[string]any)["data"].([]any)); n >= 3 {
			invoice = str(inv, "id")
			break
		}
	}
	if customer == "" || invoice == "" {
		t.Fatalf("no customer with 2 balance transactions (%q) or invoice with 3 lines (%q)", customer, invoice)
	}
	for _, path := range []string{"/v1/customers/" + customer + "/balance_transactions", "/v1/invoices/" + invoice + "/lines"} {
		want := ids(listAll(t, s, path, nil))
		if got := walk(t, s, path, nil, 1, false); !slices.Equal(got, want) {
			t.Errorf("%s forwards: %v, want %v", path, got, want)
		}
		back := walk(t, s, path, nil, 1, true)
		slices.Reverse(back)
		if !slices.Equal(back, want) {
			t.Errorf("%s backwards: %v, want %v", path, back, want)
		}
	}
	// Lines keep the invoice's order, as embedded in the invoice.
	inv := mustGet(t, s, "/v1/invoices/"+invoice)
	var embedded []string
	for _, l := range inv["lines"].(map[string]any)["data"].([]any) {
		embedded = append(embedded, str(l.(map[string]any), "id"))
	}
	if lines := ids(listAll(t, s, "/v1/invoices/"+invoice+"/lines", nil)); !slices.Equal(lines, embedded) {
		t.Errorf("lines %v, embedded %v", lines, embedded)
	}
	// A cursor from another invoice is unknown in this one's lines.
	for _, line := range s.Objects("line_items") {
		if lineInvoice(s, line) == invoice {
			continue
		}
		res := get(t, s, "/v1/invoices/"+invoice+"/lines?starting_after="+str(line, "id"))
		if e := errorOf(t, res); res.status != http.StatusBadRequest || e["code"] != "resource_missing" || e["param"] != "starting_after" {
			t.Errorf("foreign cursor: status %d, error %v", res.status, e)
		}
		break
	}
}

func lineInvoice(s *Server, line map[string]any) string {
	row, _ := s.data.lineItems.lookup(str(line, "id"))
	return s.data.invoices.ids[s.data.lineRows[row].invoice]
}

func TestLimitBounds(t *testing.T) {
	s := shared()
	cases := []struct {
		limit  string
		status int
		count  int
	}{
		{"", 200, defaultLimit},
		{"1", 200, 1},
		{"100", 200, 100},
		{"0", 400, 0},
		{"-1", 400, 0},
		{"101", 400, 0},
		{"ten", 400, 0},
		{"1.5", 400, 0},
	}
	for _, tc := range cases {
		path := "/v1/charges"
		if tc.limit != "" {
			path += "?limit=" + tc.limit
		}
		res := get(t, s, path)
		if res.status != tc.status {
			t.Errorf("limit=%q: status %d, want %d", tc.limit, res.status, tc.status)
			continue
		}
		if tc.status != 200 {
			if e := errorOf(t, res); e["param"] != "limit" || e["type"] != "invalid_request_error" {
				t.Errorf("limit=%q: error %v", tc.limit, e)
			}
			continue
		}
		if n := len(res.json["data"].([]any)); n != tc.count {
			t.Errorf("limit=%q: %d objects, want %d", tc.limit, n, tc.count)
		}
		if res.json["object"] != "list" || res.json["url"] != "/v1/charges" || res.json["has_more"] != true {
			t.Errorf("limit=%q: envelope %v %v %v", tc.limit, res.json["object"], res.json["url"], res.json["has_more"])
		}
	}
}
