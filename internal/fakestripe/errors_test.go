package fakestripe

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestAuth(t *testing.T) {
	s := shared()
	strict := New(Options{Seed: 42, Scale: 50, APIKey: "sk_test_thisone1234"})
	basic := func(user string) func(*http.Request) {
		return func(r *http.Request) {
			r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":")))
		}
	}
	bearer := func(key string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+key) }
	}
	cases := []struct {
		name    string
		server  http.Handler
		prepare func(*http.Request)
		status  int
		message string
	}{
		{"bearer test key", s, bearer("sk_test_abcdef"), 200, ""},
		{"bearer live restricted key", s, bearer("rk_live_abcdef"), 200, ""},
		{"basic auth", s, basic("sk_test_wxyzabcd"), 200, ""},
		{"no key", s, nil, 401, "You did not provide an API key."},
		{"empty bearer", s, bearer(""), 401, "You did not provide an API key."},
		{"malformed key", s, bearer("sk_test_wxyzabcd!"), 401, "Invalid API Key provided: sk_test_*****bcd!"},
		{"publishable key", s, bearer("pk_test_wxyzabcd"), 401, "Invalid API Key provided: pk_test_****abcd"},
		{"not a key", s, basic("hello-world"), 401, "Invalid API Key provided: *******orld"},
		{"the configured key", strict, bearer("sk_test_thisone1234"), 200, ""},
		{"another well-formed key", strict, bearer("sk_test_wxyzabcd"), 401, "Invalid API Key provided: sk_test_****abcd"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, tc.server, http.MethodGet, "/v1/customers?limit=1", tc.prepare)
			if res.status != tc.status {
				t.Fatalf("status %d, want %d: %s", res.status, tc.status, res.body)
			}
			if tc.status == 200 {
				return
			}
			e := errorOf(t, res)
			if e["type"] != "invalid_request_error" || !strings.HasPrefix(str(e, "message"), tc.message) {
				t.Errorf("error %v, want message %q", e, tc.message)
			}
		})
	}
}

func TestErrorResponses(t *testing.T) {
	s := shared()
	charge := str(s.Objects("charges")[0], "id")
	customer := str(s.Objects("customers")[0], "id")
	notBilled := "" // a customer without a subscription that bills again
	for _, c := range s.Objects("customers") {
		if res := get(t, s, "/v1/invoices/upcoming?customer="+str(c, "id")); res.status == 404 {
			notBilled = str(c, "id")
			break
		}
	}
	cases := []struct {
		path    string
		status  int
		code    string
		param   string
		message string
	}{
		{"/v1/charges/ch_nope", 404, "resource_missing", "id", "No such charge: 'ch_nope'"},
		{"/v1/customers/" + charge, 404, "resource_missing", "id", "No such customer: '" + charge + "'"},
		{"/v1/invoices/in_nope/lines", 404, "resource_missing", "invoice", "No such invoice: 'in_nope'"},
		{"/v1/charges?starting_after=ch_nope", 400, "resource_missing", "starting_after", "No such charge: 'ch_nope'"},
		{"/v1/charges?ending_before=ch_nope", 400, "resource_missing", "ending_before", "No such charge: 'ch_nope'"},
		{"/v1/charges?foo=1", 400, "", "foo", "Received unknown parameter: foo"},
		{"/v1/charges?email=a@b.c", 400, "", "email", "Received unknown parameter: email"},
		{"/v1/charges/" + charge + "?limit=3", 400, "", "limit", "Received unknown parameter: limit"},
		{"/v1/charges?created[gte]=abc", 400, "", "created[gte]", "Invalid integer: abc"},
		{"/v1/charges?created[after]=1", 400, "", "created[after]", "Received unknown parameter: created[after]"},
		{"/v1/charges?created=yesterday", 400, "", "created", "Invalid integer: yesterday"},
		{"/v1/charges?created[gte][x]=1", 400, "", "created[gte][x]", "Received unknown parameter: created[gte][x]"},
		{"/v1/invoices?status=late", 400, "", "status", "Invalid status: must be one of draft, open, paid, void, or uncollectible"},
		{"/v1/prices?active=yes", 400, "", "active", "Invalid boolean: yes"},
		{"/v1/prices?recurring[interval]=fortnight", 400, "", "recurring[interval]", "Invalid recurring[interval]: must be one of"},
		{"/v1/subscriptions?automatic_tax[enabled]=maybe", 400, "", "automatic_tax[enabled]", "Invalid boolean: maybe"},
		{"/v1/charges?starting_after=" + charge + "&ending_before=" + charge, 400, "", "starting_after", "You may only specify one of these parameters"},
		{"/v1/charges?expand[]=customer", 400, "", "expand", "This property cannot be expanded (customer)."},
		{"/v1/charges/" + charge + "?expand[]=amount", 400, "", "expand", "This property cannot be expanded (amount)."},
		{"/v1/charges/" + charge + "?expand[]=customer.a.b.c.d", 400, "", "expand", "You cannot expand more than 4 levels"},
		{"/v1/recipients", 404, "", "", "Unrecognized request URL (GET: /v1/recipients)."},
		{"/v1/balance/txn_x", 404, "", "", "Unrecognized request URL"},
		{"/v1/checkout/sessions/cs_test_nope", 404, "resource_missing", "id", "No such checkout.session: 'cs_test_nope'"},
		{"/v1/checkout/sessions?status=done", 400, "", "status", "Invalid status: must be one of complete, expired, or open"},
		{"/v1/subscription_items", 400, "", "subscription", "Missing required param: subscription."},
		{"/v1/subscription_items?subscription=sub_nope&limit=0", 400, "", "limit", "This value must be greater than or equal to 1."},
		{"/v1/customers/" + customer + "/sources", 400, "", "object", "Missing required param: object."},
		{"/v1/customers/" + customer + "/sources?object=alipay_account", 400, "", "object", "Invalid object: alipay_account."},
		{"/v1/customers/cus_nope/sources?object=card", 404, "resource_missing", "customer", "No such customer: 'cus_nope'"},
		{"/v1/customers/" + customer + "/sources/" + charge, 404, "resource_missing", "id", "No such source: '" + charge + "'"},
		{"/v1/invoices/upcoming", 400, "", "customer", "Missing required param: customer."},
		{"/v1/invoices/upcoming?customer=cus_nope", 400, "resource_missing", "customer", "No such customer: 'cus_nope'"},
		{"/v1/invoices/upcoming?customer=" + notBilled, 404, "invoice_upcoming_none", "", "No upcoming invoices for customer: " + notBilled},
		{"/v1/invoices/upcoming?customer=" + customer + "&limit=1", 400, "", "limit", "Received unknown parameter: limit"},
		{"/v1/account?limit=1", 400, "", "limit", "Received unknown parameter: limit"},
		{"/v1/balance?expand[]=available", 400, "", "expand", "This property cannot be expanded (available)."},
		{"/v1/events?delivery_success=maybe", 400, "", "delivery_success", "Invalid boolean: maybe"},
		{"/v1/payouts?arrival_date[gte]=soon", 400, "", "arrival_date[gte]", "Invalid integer: soon"},
		{"/v1/promotion_codes?coupon[]=x", 400, "", "coupon", "Invalid string: [x]"},
		{"/v1/invoices/in_x/lines/il_x", 404, "", "", "Unrecognized request URL"},
		{"/v2/charges", 404, "", "", "Unrecognized request URL"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			res := get(t, s, tc.path)
			if res.status != tc.status {
				t.Fatalf("status %d, want %d: %s", res.status, tc.status, res.body)
			}
			e := errorOf(t, res)
			if e["type"] != "invalid_request_error" || str(e, "code") != tc.code || str(e, "param") != tc.param ||
				!strings.HasPrefix(str(e, "message"), tc.message) {
				t.Errorf("error %v\nwant code %q param %q message %q", e, tc.code, tc.param, tc.message)
			}
			if len(res.json) != 1 {
				t.Errorf("error body has more than the error object: %s", res.body)
			}
		})
	}
	// disputes take no create: a POST there is not an endpoint (write.go has the writes).
	res := do(t, s, http.MethodPost, "/v1/disputes", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+testKey) })
	if res.status != 404 || !strings.Contains(str(errorOf(t, res), "message"), "POST: /v1/disputes") {
		t.Errorf("POST: status %d %s", res.status, res.body)
	}
}

func TestRateLimit(t *testing.T) {
	s := New(Options{Seed: 1, Scale: 50, RateLimit: 2})
	var statuses []int
	for i := 0; i < 5; i++ {
		statuses = append(statuses, get(t, s, "/v1/charges?limit=1").status)
	}
	limited := 0
	for i, st := range statuses {
		if st == http.StatusTooManyRequests {
			limited++
		} else if st != 200 {
			t.Errorf("request %d: status %d", i, st)
		}
	}
	if statuses[0] != 200 || limited < 2 {
		t.Fatalf("statuses %v: want the burst beyond 2 requests limited", statuses)
	}
	res := get(t, s, "/v1/charges?limit=1")
	if e := res.json["error"]; res.status == 429 && (str(e.(map[string]any), "code") != "rate_limit") {
		t.Errorf("429 error %v", e)
	}
	time.Sleep(600 * time.Millisecond) // refills at 2/s
	if st := get(t, s, "/v1/charges?limit=1").status; st != 200 {
		t.Errorf("after waiting: status %d", st)
	}
}

func TestRequestsAndFaults(t *testing.T) {
	s := New(Options{Seed: 1, Scale: 50})
	get(t, s, "/v1/charges?limit=2&created[gte]=5&expand[]=data.customer")
	get(t, s, "/v1/charges/ch_nope")
	s.SetFault(func(r *http.Request) (bool, int, string) {
		if r.URL.Path == "/v1/customers" {
			return true, 500, `{"error":{"type":"api_error","message":"boom"}}`
		}
		return false, 0, ""
	})
	faulted := get(t, s, "/v1/customers?email=x%40y.z")
	passed := get(t, s, "/v1/products")
	s.SetFault(nil)
	cleared := get(t, s, "/v1/customers")
	if faulted.status != 500 || str(errorOf(t, faulted), "message") != "boom" || passed.status != 200 || cleared.status != 200 {
		t.Fatalf("fault: %d %s, pass-through %d, cleared %d", faulted.status, faulted.body, passed.status, cleared.status)
	}
	want := []Request{
		{"GET", "/v1/charges", url.Values{"limit": {"2"}, "created[gte]": {"5"}, "expand[]": {"data.customer"}}, 200, 2, ""},
		{"GET", "/v1/charges/ch_nope", url.Values{}, 404, 0, ""},
		{"GET", "/v1/customers", url.Values{"email": {"x@y.z"}}, 500, 0, ""},
		{"GET", "/v1/products", url.Values{}, 200, len(s.Objects("products")), ""},
		{"GET", "/v1/customers", url.Values{}, 200, defaultLimit, ""},
	}
	got := s.Requests()
	if len(got) != len(want) {
		t.Fatalf("%d requests recorded, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].Method != want[i].Method || got[i].Path != want[i].Path || got[i].Status != want[i].Status ||
			got[i].Query.Encode() != want[i].Query.Encode() || got[i].Objects != want[i].Objects {
			t.Errorf("request %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	s.ResetRequests()
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests after reset", n)
	}
}

func TestLatency(t *testing.T) {
	s := New(Options{Seed: 1, Scale: 50, Latency: 30 * time.Millisecond})
	start := time.Now()
	get(t, s, "/v1/products?limit=1")
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("answered in %v, before the latency", d)
	}
}
