package fakestripe

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// send makes a write: form is the body, key the Idempotency-Key ("" none).
func send(t *testing.T, s http.Handler, method, path string, form url.Values, key string) response {
	t.Helper()
	return do(t, s, method, path, func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+testKey)
		if key != "" {
			r.Header.Set("Idempotency-Key", key)
		}
		if form != nil {
			r.Body = io.NopCloser(strings.NewReader(form.Encode()))
			r.ContentLength = int64(len(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	})
}

func mustSend(t *testing.T, s http.Handler, method, path string, form url.Values) map[string]any {
	t.Helper()
	res := send(t, s, method, path, form, "")
	if res.status != http.StatusOK {
		t.Fatalf("%s %s %v: status %d: %s", method, path, form, res.status, res.body)
	}
	return res.json
}

// capturedCharge is a succeeded, captured charge with nothing refunded.
func capturedCharge(t *testing.T, s *Server) map[string]any {
	t.Helper()
	for _, c := range s.Objects("charges") {
		if c["status"] == "succeeded" && c["captured"] == true && num(c, "amount_refunded") == 0 {
			return c
		}
	}
	t.Fatal("no unrefunded captured charge")
	return nil
}

// A created object is served like a generated one: first in its list
// (newest), by retrieve, and by the list filters its fields feed.
func TestCreateShowsInListsAndRetrieves(t *testing.T) {
	s := New(Options{Seed: 3, Scale: 200})
	customer := str(s.Objects("customers")[0], "id")
	product := str(s.Objects("products")[0], "id")
	charge := capturedCharge(t, s)
	tests := []struct {
		path   string
		form   url.Values
		fields map[string]any // expected in the created object
		filter url.Values     // a list filter that must include it
	}{
		{"/v1/customers", url.Values{"email": {"new@example.com"}, "name": {"New"}, "metadata[plan]": {"pro"}, "preferred_locales[0]": {"fr"}},
			map[string]any{"email": "new@example.com", "name": "New", "metadata": map[string]any{"plan": "pro"}, "phone": nil,
				"preferred_locales": []any{"fr"}},
			url.Values{"email": {"new@example.com"}}},
		{"/v1/products", url.Values{"name": {"Widget"}, "active": {"false"}, "id": {"prod_custom"}},
			map[string]any{"id": "prod_custom", "name": "Widget", "active": false, "description": nil},
			url.Values{"active": {"false"}}},
		{"/v1/prices", url.Values{"product": {product}, "currency": {"eur"}, "unit_amount": {"1234"}, "recurring[interval]": {"year"}},
			map[string]any{"product": product, "currency": "eur", "unit_amount": float64(1234), "type": "recurring"},
			url.Values{"product": {product}}},
		{"/v1/coupons", url.Values{"percent_off": {"12.5"}, "duration": {"repeating"}, "duration_in_months": {"3"}, "id": {"SQL12"}},
			map[string]any{"id": "SQL12", "percent_off": 12.5, "duration": "repeating", "duration_in_months": float64(3), "name": nil},
			nil},
		{"/v1/tax_rates", url.Values{"display_name": {"BTW"}, "inclusive": {"true"}, "percentage": {"21"}, "country": {"NL"}},
			map[string]any{"display_name": "BTW", "inclusive": true, "percentage": float64(21), "country": "NL", "active": true},
			url.Values{"inclusive": {"true"}}},
		{"/v1/invoiceitems", url.Values{"customer": {customer}, "amount": {"500"}, "currency": {"usd"}, "description": {"Setup"}},
			map[string]any{"customer": customer, "amount": float64(500), "description": "Setup", "invoice": nil},
			url.Values{"customer": {customer}, "pending": {"true"}}},
		{"/v1/refunds", url.Values{"charge": {str(charge, "id")}, "amount": {"1"}, "metadata[why]": {"test"}},
			map[string]any{"charge": str(charge, "id"), "amount": float64(1), "metadata": map[string]any{"why": "test"}},
			url.Values{"charge": {str(charge, "id")}}},
		{"/v1/charges", url.Values{"customer": {customer}, "amount": {"2000"}, "currency": {"usd"}, "description": {"SQL"}},
			map[string]any{"customer": customer, "amount": float64(2000), "currency": "usd", "description": "SQL", "status": "succeeded"},
			url.Values{"customer": {customer}}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			obj := mustSend(t, s, http.MethodPost, tt.path, tt.form)
			id := str(obj, "id")
			for k, want := range tt.fields {
				if got := obj[k]; fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s = %v, want %v", k, got, want)
				}
			}
			first := mustGet(t, s, tt.path+"?limit=1")["data"].([]any)[0].(map[string]any)
			if str(first, "id") != id {
				t.Errorf("newest of %s is %s, want the created %s", tt.path, str(first, "id"), id)
			}
			if got := mustGet(t, s, tt.path+"/"+id); fmt.Sprint(got) != fmt.Sprint(obj) {
				t.Errorf("retrieve differs from the create's answer:\n%v\n%v", got, obj)
			}
			if tt.filter != nil && !contains(ids(listAll(t, s, tt.path, tt.filter)), id) {
				t.Errorf("%s?%s does not list %s", tt.path, tt.filter.Encode(), id)
			}
		})
	}
	if got := num(mustGet(t, s, "/v1/charges/"+str(charge, "id")), "amount_refunded"); got != 1 {
		t.Errorf("refunded charge's amount_refunded = %d, want 1", got)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Parameters are checked as Stripe checks them, from the spec.
func TestWriteValidation(t *testing.T) {
	s := New(Options{Seed: 3, Scale: 200})
	customer := str(s.Objects("customers")[0], "id")
	tests := []struct {
		method, path string
		form         url.Values
		status       int
		param, msg   string
	}{
		{"POST", "/v1/customers", url.Values{"nickname": {"x"}}, 400, "nickname", "Received unknown parameter: nickname"},
		{"POST", "/v1/customers", url.Values{"address[planet]": {"Mars"}}, 400, "address[planet]", "Received unknown parameter: address[planet]"},
		{"POST", "/v1/customers", url.Values{"balance": {"lots"}}, 400, "balance", "Invalid integer: lots"},
		{"POST", "/v1/customers", url.Values{"tax_exempt": {"maybe"}}, 400, "tax_exempt", "Invalid tax_exempt: must be one of"},
		{"POST", "/v1/customers", url.Values{"shipping[address][line1]": {"1 Main"}}, 400, "shipping[name]", "Missing required param: shipping[name]."},
		{"POST", "/v1/products", url.Values{"active": {"yes"}}, 400, "active", "Invalid boolean: yes"},
		{"POST", "/v1/products", url.Values{"active": {"true"}}, 400, "name", "Missing required param: name."},
		{"POST", "/v1/tax_rates", url.Values{"display_name": {"VAT"}}, 400, "inclusive", "Missing required param: inclusive."},
		{"POST", "/v1/charges", url.Values{"amount": {"100"}, "currency": {"usd"}}, 400, "", "Must provide source or customer."},
		{"POST", "/v1/charges", url.Values{"amount": {"100"}, "currency": {"usd"}, "customer": {"cus_nope"}}, 400, "customer", "No such customer: 'cus_nope'"},
		{"POST", "/v1/invoiceitems", url.Values{"customer": {customer}, "amount": {"1"}, "currency": {"xyz"}}, 400, "currency", "Invalid currency: xyz"},
		{"POST", "/v1/customers/cus_nope", url.Values{"name": {"x"}}, 404, "id", "No such customer: 'cus_nope'"},
		{"DELETE", "/v1/prices/price_x", nil, 404, "", "Unrecognized request URL"},
		{"POST", "/v1/disputes", url.Values{}, 404, "", "Unrecognized request URL"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path+" "+tt.form.Encode(), func(t *testing.T) {
			res := send(t, s, tt.method, tt.path, tt.form, "")
			e := errorOf(t, res)
			if res.status != tt.status || str(e, "param") != tt.param || !strings.HasPrefix(str(e, "message"), tt.msg) {
				t.Errorf("status %d %v, want %d param %q message %q…", res.status, e, tt.status, tt.param, tt.msg)
			}
		})
	}
	if n := len(s.Objects("customers")); n != len(New(Options{Seed: 3, Scale: 200}).Objects("customers")) {
		t.Errorf("refused writes created customers: %d", n)
	}
}

// An Idempotency-Key seen before gets the first answer again and creates
// nothing; with other parameters it is refused.
func TestIdempotencyKeys(t *testing.T) {
	s := New(Options{Seed: 3, Scale: 200})
	before := len(listAll(t, s, "/v1/customers", nil))
	form := url.Values{"email": {"once@example.com"}}
	first := send(t, s, "POST", "/v1/customers", form, "key-1")
	again := send(t, s, "POST", "/v1/customers", form, "key-1")
	if first.status != 200 || again.status != 200 || str(first.json, "id") != str(again.json, "id") {
		t.Fatalf("retry with the same key: %d %s then %d %s, want the same object", first.status, first.body, again.status, again.body)
	}
	other := send(t, s, "POST", "/v1/customers", url.Values{"email": {"twice@example.com"}}, "key-1")
	if e := errorOf(t, other); other.status != 400 || e["type"] != "idempotency_error" || !strings.Contains(str(e, "message"), "'key-1'") {
		t.Errorf("same key, other parameters: %d %v, want a 400 idempotency_error", other.status, e)
	}
	fresh := send(t, s, "POST", "/v1/customers", form, "key-2")
	if fresh.status != 200 || str(fresh.json, "id") == str(first.json, "id") {
		t.Errorf("a new key made no new object: %s", fresh.body)
	}
	if n := len(listAll(t, s, "/v1/customers", nil)); n != before+2 {
		t.Errorf("%d customers, want %d (+2: the retry created nothing)", n, before+2)
	}
	var keys []string
	for _, w := range s.Writes() {
		keys = append(keys, fmt.Sprintf("%s %s %d", w.IdempotencyKey, w.Form.Get("email"), w.Status))
	}
	want := "[key-1 once@example.com 200 key-1 once@example.com 200 key-1 twice@example.com 400 key-2 once@example.com 200]"
	if fmt.Sprint(keys) != want {
		t.Errorf("Writes() = %v, want %s", keys, want)
	}
}

// An update changes what later reads and filters see; metadata merges.
func TestUpdate(t *testing.T) {
	s := New(Options{Seed: 3, Scale: 200})
	c := mustSend(t, s, "POST", "/v1/customers", url.Values{"email": {"old@example.com"}, "metadata[a]": {"1"}, "metadata[b]": {"2"}})
	id := str(c, "id")
	got := mustSend(t, s, "POST", "/v1/customers/"+id, url.Values{"email": {"new@example.com"}, "metadata[b]": {""}, "metadata[c]": {"3"}, "description": {""}})
	if str(got, "email") != "new@example.com" || fmt.Sprint(got["metadata"]) != "map[a:1 c:3]" || got["description"] != nil {
		t.Errorf("updated customer %v", got)
	}
	if l := listAll(t, s, "/v1/customers", url.Values{"email": {"old@example.com"}}); len(l) != 0 {
		t.Errorf("the old email still finds %v", ids(l))
	}
	if l := listAll(t, s, "/v1/customers", url.Values{"email": {"new@example.com"}}); len(l) != 1 || str(l[0], "id") != id {
		t.Errorf("the new email finds %v", ids(l))
	}
	price := str(s.Objects("prices")[0], "id")
	mustSend(t, s, "POST", "/v1/prices/"+price, url.Values{"active": {"false"}})
	if !contains(ids(listAll(t, s, "/v1/prices", url.Values{"active": {"false"}})), price) {
		t.Errorf("archived price %s is not among active=false", price)
	}
}

// A deleted object leaves its list; a customer's retrieve says it was
// deleted, other objects are gone; Stripe's refusals hold.
func TestDelete(t *testing.T) {
	s := New(Options{Seed: 3, Scale: 200})
	c := mustSend(t, s, "POST", "/v1/customers", url.Values{"email": {"gone@example.com"}})
	id := str(c, "id")
	stub := mustSend(t, s, "DELETE", "/v1/customers/"+id, nil)
	if fmt.Sprint(stub) != fmt.Sprintf("map[deleted:true id:%s object:customer]", id) {
		t.Errorf("DELETE answered %v", stub)
	}
	if got := mustGet(t, s, "/v1/customers/"+id); got["deleted"] != true {
		t.Errorf("retrieve of a deleted customer: %v", got)
	}
	if contains(ids(listAll(t, s, "/v1/customers", nil)), id) {
		t.Errorf("deleted customer %s still listed", id)
	}
	if res := send(t, s, "DELETE", "/v1/customers/"+id, nil, ""); res.status != 404 {
		t.Errorf("second delete: %d %s", res.status, res.body)
	}
	withPrices := str(s.Objects("products")[0], "id")
	if res := send(t, s, "DELETE", "/v1/products/"+withPrices, nil, ""); res.status != 400 {
		t.Errorf("deleting a product with prices: %d %s", res.status, res.body)
	}
	p := mustSend(t, s, "POST", "/v1/products", url.Values{"name": {"Temp"}})
	mustSend(t, s, "DELETE", "/v1/products/"+str(p, "id"), nil)
	if res := get(t, s, "/v1/products/"+str(p, "id")); res.status != 404 {
		t.Errorf("deleted product retrieve: %d %s", res.status, res.body)
	}
}

// Writes and reads may run at once (the server serves concurrent
// requests); go test -race checks the lock.
func TestConcurrentWritesAndReads(t *testing.T) {
	s := New(Options{Seed: 3, Scale: 200})
	before := len(listAll(t, s, "/v1/customers", nil))
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				send(t, s, "POST", "/v1/customers", url.Values{"email": {fmt.Sprintf("c%d@example.com", i)}}, "")
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				get(t, s, "/v1/customers?limit=100")
			}
		}()
	}
	wg.Wait()
	if n := len(listAll(t, s, "/v1/customers", nil)); n != before+40 {
		t.Errorf("%d customers, want %d", n, before+40)
	}
}
