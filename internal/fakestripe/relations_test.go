package fakestripe

import (
	"encoding/json"
	"reflect"
	"regexp"
	"sort"
	"testing"
)

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// byID indexes a resource's objects.
func byID(objs []map[string]any) map[string]map[string]any {
	m := make(map[string]map[string]any, len(objs))
	for _, o := range objs {
		m[str(o, "id")] = o
	}
	return m
}

// servers are the fake accounts whose data the invariants are checked on:
// the tests' (ending at FixedEnd) and one ending at another instant (not
// at midnight nor on a month's or week's edge), as `stripesql demo` ends
// now.
func servers() map[string]*Server {
	return map[string]*Server{"fixed end": shared(), "ending 2026-03-17T15:42:09Z": sharedLater()}
}

func TestRelationsConsistent(t *testing.T) {
	for name, s := range servers() {
		t.Run(name, func(t *testing.T) { checkRelations(t, s) })
	}
}

func checkRelations(t *testing.T, s *Server) {
	customers, charges := byID(s.Objects("customers")), byID(s.Objects("charges"))
	refunds, invoices := byID(s.Objects("refunds")), byID(s.Objects("invoices"))
	subs, txns := byID(s.Objects("subscriptions")), byID(s.Objects("balance_transactions"))
	prices, products := byID(s.Objects("prices")), byID(s.Objects("products"))

	exists := func(where string, m map[string]map[string]any, id any, nullable bool) {
		t.Helper()
		if id == nil {
			if !nullable {
				t.Errorf("%s: null reference", where)
			}
			return
		}
		if m[id.(string)] == nil {
			t.Errorf("%s: %v does not exist", where, id)
		}
	}
	refundedSum := map[string]int64{}
	for id, r := range refunds {
		exists("refund "+id+".charge", charges, r["charge"], false)
		exists("refund "+id+".balance_transaction", txns, r["balance_transaction"], false)
		refundedSum[str(r, "charge")] += num(r, "amount")
		if ch := charges[str(r, "charge")]; num(r, "created") < num(ch, "created") || r["currency"] != ch["currency"] {
			t.Errorf("refund %s precedes or differs in currency from its charge", id)
		}
	}
	nullCustomer, nullDescription := 0, 0
	for id, c := range charges {
		exists("charge "+id+".customer", customers, c["customer"], true)
		exists("charge "+id+".invoice", invoices, c["invoice"], true)
		exists("charge "+id+".balance_transaction", txns, c["balance_transaction"], true)
		if c["customer"] == nil {
			nullCustomer++
		} else if num(c, "created") < num(customers[str(c, "customer")], "created") {
			t.Errorf("charge %s precedes its customer", id)
		}
		if c["description"] == nil {
			nullDescription++
		}
		if num(c, "amount_refunded") != refundedSum[id] || num(c, "amount_refunded") > num(c, "amount") {
			t.Errorf("charge %s: amount_refunded %d, refunds sum %d", id, num(c, "amount_refunded"), refundedSum[id])
		}
		if c["currency"] == "kwd" && num(c, "amount")%10 != 0 {
			t.Errorf("charge %s: kwd amount %d not a multiple of 10", id, num(c, "amount"))
		}
		if inv := c["invoice"]; inv != nil && c["status"] == "succeeded" {
			if invoices[inv.(string)]["charge"] != c["id"] || num(c, "amount") != num(invoices[inv.(string)], "amount_paid") {
				t.Errorf("charge %s pays invoice %v, which does not point back or differs in amount", id, inv)
			}
		}
	}
	if nullCustomer == 0 || nullDescription == 0 {
		t.Errorf("%d charges without customer, %d without description: want some of each", nullCustomer, nullDescription)
	}
	checkBalanceTransactions(t, s, txns)
	for id, inv := range invoices {
		exists("invoice "+id+".customer", customers, inv["customer"], false)
		exists("invoice "+id+".subscription", subs, inv["subscription"], true)
		exists("invoice "+id+".charge", charges, inv["charge"], true)
		var subtotal, discount, lineDiscounts int64
		for _, a := range inv["total_discount_amounts"].([]any) {
			discount += num(a.(map[string]any), "amount")
		}
		for _, l := range inv["lines"].(map[string]any)["data"].([]any) {
			line := l.(map[string]any)
			subtotal += num(line, "amount")
			for _, a := range line["discount_amounts"].([]any) {
				lineDiscounts += num(a.(map[string]any), "amount")
			}
			exists("line of "+id+" price", prices, str(line["price"].(map[string]any), "id"), false)
			if line["subscription"] != inv["subscription"] {
				t.Errorf("line %s of invoice %s: subscription %v", line["id"], id, line["subscription"])
			}
		}
		if inv["lines"].(map[string]any)["has_more"] == false && (subtotal != num(inv, "subtotal") || lineDiscounts != discount) {
			t.Errorf("invoice %s: lines sum to %d (discounts %d), subtotal %d (discounts %d)", id, subtotal, lineDiscounts, num(inv, "subtotal"), discount)
		}
		if num(inv, "total") != num(inv, "subtotal")-discount || num(inv, "amount_due") != num(inv, "total") {
			t.Errorf("invoice %s: total %d, subtotal %d, discount %d, amount_due %d", id, num(inv, "total"), num(inv, "subtotal"), discount, num(inv, "amount_due"))
		}
	}
	for id, sub := range subs {
		exists("subscription "+id+".customer", customers, sub["customer"], false)
		exists("subscription "+id+".latest_invoice", invoices, sub["latest_invoice"], true)
		for _, it := range sub["items"].(map[string]any)["data"].([]any) {
			price := it.(map[string]any)["price"].(map[string]any)
			if price["currency"] != sub["currency"] || price["type"] != "recurring" {
				t.Errorf("subscription %s: item price %v in %v", id, price["id"], price["currency"])
			}
		}
	}
	for id, p := range prices {
		exists("price "+id+".product", products, p["product"], false)
	}
	for id, p := range products {
		exists("product "+id+".default_price", prices, p["default_price"], true)
	}
}

var idPattern = regexp.MustCompile(`^((ch|cus|re|in|sub|txn|prod|price|si|il|ii|cbtxn|pi|dp|po|tr|fee|cn|cs_test|evt|promo|txr|di|card|ba)_[0-9A-Za-z]{24}|acct_[0-9A-Za-z]{16}|[0-9A-Z]{8})$`)

func TestIDsAndTimes(t *testing.T) {
	for name, s := range servers() {
		t.Run(name, func(t *testing.T) { checkIDsAndTimes(t, s) })
	}
}

func checkIDsAndTimes(t *testing.T, s *Server) {
	for _, resource := range s.Resources() {
		objs := s.Objects(resource)
		if len(objs) == 0 {
			t.Errorf("%s: empty", resource)
			continue
		}
		sortedByID := true
		for i, o := range objs {
			if !idPattern.MatchString(str(o, "id")) {
				t.Errorf("%s: id %q", resource, o["id"])
			}
			created, ok := o[s.data.tables[resource].def.createdField()].(float64)
			if ok && (int64(created) < s.data.start || int64(created) > s.data.end) {
				t.Errorf("%s %s: created %v outside the window", resource, o["id"], created)
			}
			if ok != (s.data.tables[resource].created != nil) {
				t.Errorf("%s %s: created %v, but the table has no creation times", resource, o["id"], o["created"])
			}
			if resource == "events" && ok && int64(created) < s.data.end-eventRetention {
				t.Errorf("event %s: created %v, before the 30 days Stripe keeps", o["id"], created)
			}
			if i > 0 && str(objs[i-1], "id") < str(o, "id") {
				sortedByID = false
			}
		}
		if sortedByID && len(objs) > 3 {
			t.Errorf("%s: ids are monotonic with creation order", resource)
		}
	}
}

func TestCurrenciesAndCounts(t *testing.T) {
	s := shared()
	seen := map[string]bool{}
	for _, c := range s.Objects("charges") {
		seen[str(c, "currency")] = true
	}
	got := make([]string, 0, len(seen))
	for c := range seen {
		got = append(got, c)
	}
	sort.Strings(got)
	if want := []string{"eur", "gbp", "jpy", "kwd", "usd"}; !reflect.DeepEqual(got, want) {
		t.Errorf("charge currencies %v, want %v", got, want)
	}
	counts := map[string]int{"charges": 1000, "customers": 200, "subscriptions": 100, "products": 20}
	for resource, want := range counts {
		if n := len(s.Objects(resource)); n != want {
			t.Errorf("%s: %d, want %d", resource, n, want)
		}
	}
	if n := len(s.Objects("refunds")); n < 50 || n > 150 {
		t.Errorf("%d refunds, want about 100", n)
	}
}

func TestLargeScale(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 200,000 charges")
	}
	s := New(Options{Seed: 3, Scale: 200000})
	if n := s.data.charges.len(); n != 200000 {
		t.Fatalf("%d charges", n)
	}
	page := mustGet(t, s, "/v1/charges?limit=100&created[lt]=1700000000")
	if len(page["data"].([]any)) != 100 {
		t.Error("short page")
	}
}
