package fakestripe

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
)

// mostCommon returns the value of key (a string) shared by the most
// objects, so filter tests have several matches.
func mostCommon(objs []map[string]any, key string) string {
	counts := map[string]int{}
	best := ""
	for _, o := range objs {
		v := str(o, key)
		if v == "" {
			continue
		}
		counts[v]++
		if counts[v] > counts[best] || counts[v] == counts[best] && v < best {
			best = v
		}
	}
	return best
}

func field(key string) func(map[string]any) any { return func(o map[string]any) any { return o[key] } }

func nested(keys ...string) func(map[string]any) any {
	return func(o map[string]any) any {
		var v any = o
		for _, k := range keys {
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		}
		return v
	}
}

func equals(get func(map[string]any) any, want any) func(map[string]any) bool {
	return func(o map[string]any) bool { return get(o) == want }
}

func between(key string, lo, hi int64) func(map[string]any) bool {
	return func(o map[string]any) bool {
		v, ok := o[key].(float64)
		return ok && int64(v) >= lo && int64(v) <= hi
	}
}

func TestFilters(t *testing.T) {
	s := shared()
	charges, customers, refunds := s.Objects("charges"), s.Objects("customers"), s.Objects("refunds")
	invoices, subs, txns := s.Objects("invoices"), s.Objects("subscriptions"), s.Objects("balance_transactions")
	prices, products := s.Objects("prices"), s.Objects("products")

	chargeCustomer := mostCommon(charges, "customer")
	group := mostCommon(charges, "transfer_group")
	email := mostCommon(customers, "email")
	refundedCharge := mostCommon(refunds, "charge")
	invoiceCustomer := mostCommon(invoices, "customer")
	invoiceSub := mostCommon(invoices, "subscription")
	subCustomer := mostCommon(subs, "customer")
	product := mostCommon(prices, "product")
	someTxn := txns[len(txns)/2]
	mid := num(charges[len(charges)/2], "created")
	// price held by most subscriptions
	subPrices := map[string]int{}
	for _, sub := range subs {
		for _, it := range sub["items"].(map[string]any)["data"].([]any) {
			subPrices[str(it.(map[string]any)["price"].(map[string]any), "id")]++
		}
	}
	subPrice := ""
	for p, n := range subPrices {
		if n > subPrices[subPrice] || n == subPrices[subPrice] && p < subPrice {
			subPrice = p
		}
	}
	hasPrice := func(o map[string]any) bool {
		for _, it := range o["items"].(map[string]any)["data"].([]any) {
			if str(it.(map[string]any)["price"].(map[string]any), "id") == subPrice {
				return true
			}
		}
		return false
	}
	statusIs := func(statuses ...string) func(map[string]any) bool {
		return func(o map[string]any) bool { return slices.Contains(statuses, str(o, "status")) }
	}
	productIDs := []string{str(products[0], "id"), str(products[3], "id")}
	lookupKey := ""
	for _, p := range prices {
		if k := str(p, "lookup_key"); k != "" {
			lookupKey = k
			break
		}
	}

	cases := []filterCase{
		{"charges by customer", "charges", url.Values{"customer": {chargeCustomer}}, charges, equals(field("customer"), chargeCustomer), false},
		{"charges by unknown customer", "charges", url.Values{"customer": {"cus_doesnotexist"}}, charges, equals(field("customer"), "cus_doesnotexist"), true},
		{"charges by transfer_group", "charges", url.Values{"transfer_group": {group}}, charges, equals(field("transfer_group"), group), false},
		{"charges by payment_intent", "charges", url.Values{"payment_intent": {"pi_123"}}, charges, equals(field("payment_intent"), "pi_123"), true},
		{"charges created exactly", "charges", url.Values{"created": {fmt.Sprint(mid)}}, charges, between("created", mid, mid), false},
		{"charges created gt", "charges", url.Values{"created[gt]": {fmt.Sprint(mid)}}, charges, between("created", mid+1, 1<<62), false},
		{"charges created gte lte", "charges", url.Values{"created[gte]": {fmt.Sprint(mid - 30*day)}, "created[lte]": {fmt.Sprint(mid)}}, charges, between("created", mid-30*day, mid), false},
		{"charges created lt", "charges", url.Values{"created[lt]": {fmt.Sprint(mid)}}, charges, between("created", -1<<62, mid-1), false},
		{"charges created, empty range", "charges", url.Values{"created[gt]": {fmt.Sprint(mid)}, "created[lt]": {fmt.Sprint(mid)}}, charges, func(map[string]any) bool { return false }, true},
		{"charges by customer in a range", "charges", url.Values{"customer": {chargeCustomer}, "created[lt]": {fmt.Sprint(mid)}}, charges,
			func(o map[string]any) bool { return str(o, "customer") == chargeCustomer && num(o, "created") < mid }, true},
		{"customers by email", "customers", url.Values{"email": {email}}, customers, equals(field("email"), email), false},
		{"refunds by charge", "refunds", url.Values{"charge": {refundedCharge}}, refunds, equals(field("charge"), refundedCharge), false},
		{"refunds by payment_intent", "refunds", url.Values{"payment_intent": {"pi_123"}}, refunds, equals(field("payment_intent"), "pi_123"), true},
		{"invoices by customer", "invoices", url.Values{"customer": {invoiceCustomer}}, invoices, equals(field("customer"), invoiceCustomer), false},
		{"invoices by subscription", "invoices", url.Values{"subscription": {invoiceSub}}, invoices, equals(field("subscription"), invoiceSub), false},
		{"invoices by collection_method", "invoices", url.Values{"collection_method": {"send_invoice"}}, invoices, equals(field("collection_method"), "send_invoice"), false},
		{"invoices due in 2024", "invoices", url.Values{"due_date[gte]": {"1704067200"}, "due_date[lt]": {"1735689600"}}, invoices, between("due_date", 1704067200, 1735689599), false},
		{"subscriptions by customer", "subscriptions", url.Values{"customer": {subCustomer}, "status": {"all"}}, subs, equals(field("customer"), subCustomer), false},
		{"subscriptions by price", "subscriptions", url.Values{"price": {subPrice}, "status": {"all"}}, subs, hasPrice, false},
		{"subscriptions, default hides canceled", "subscriptions", nil, subs, func(o map[string]any) bool { return str(o, "status") != "canceled" }, false},
		{"subscriptions, all", "subscriptions", url.Values{"status": {"all"}}, subs, func(map[string]any) bool { return true }, false},
		{"subscriptions, ended", "subscriptions", url.Values{"status": {"ended"}}, subs, statusIs("canceled", "incomplete_expired"), false},
		{"subscriptions by collection_method", "subscriptions", url.Values{"collection_method": {"charge_automatically"}, "status": {"all"}}, subs, equals(field("collection_method"), "charge_automatically"), false},
		{"subscriptions by current_period_end", "subscriptions", url.Values{"current_period_end[gt]": {fmt.Sprint(fixedEnd)}}, subs,
			func(o map[string]any) bool {
				return str(o, "status") != "canceled" && num(o, "current_period_end") > fixedEnd
			}, false},
		{"subscriptions by current_period_start", "subscriptions", url.Values{"current_period_start[lte]": {"1704067200"}, "status": {"all"}}, subs, between("current_period_start", 0, 1704067200), false},
		{"subscriptions with automatic tax", "subscriptions", url.Values{"automatic_tax[enabled]": {"true"}, "status": {"all"}}, subs, equals(nested("automatic_tax", "enabled"), true), false},
		{"balance transactions by type", "balance_transactions", url.Values{"type": {"refund"}}, txns, equals(field("type"), "refund"), false},
		{"balance transactions by source", "balance_transactions", url.Values{"source": {str(someTxn, "source")}}, txns, equals(field("source"), str(someTxn, "source")), false},
		{"balance transactions by currency", "balance_transactions", url.Values{"currency": {"jpy"}}, txns, equals(field("currency"), "jpy"), false},
		{"balance transactions by payout", "balance_transactions", url.Values{"payout": {"po_123"}}, txns, equals(field("payout"), "po_123"), true},
		{"prices by product", "prices", url.Values{"product": {product}}, prices, equals(field("product"), product), false},
		{"prices active", "prices", url.Values{"active": {"false"}}, prices, equals(field("active"), false), false},
		{"prices by type", "prices", url.Values{"type": {"one_time"}}, prices, equals(field("type"), "one_time"), false},
		{"prices by currency", "prices", url.Values{"currency": {"kwd"}}, prices, equals(field("currency"), "kwd"), false},
		{"prices by lookup_keys", "prices", url.Values{"lookup_keys[]": {lookupKey, "nope"}}, prices, equals(field("lookup_key"), lookupKey), false},
		{"prices by recurring interval", "prices", url.Values{"recurring[interval]": {"year"}}, prices, equals(nested("recurring", "interval"), "year"), false},
		{"products active", "products", url.Values{"active": {"true"}}, products, equals(field("active"), true), false},
		{"products by ids", "products", url.Values{"ids[0]": {productIDs[0]}, "ids[1]": {productIDs[1]}}, products,
			func(o map[string]any) bool { return slices.Contains(productIDs, str(o, "id")) }, false},
		{"products shippable", "products", url.Values{"shippable": {"true"}}, products, equals(field("shippable"), true), false},
		{"products by url", "products", url.Values{"url": {mostCommon(products, "url")}}, products, equals(field("url"), mostCommon(products, "url")), false},
	}
	runFilterCases(t, s, cases)
}

// filterCase lists path (a resource's list under /v1/) with query and
// expects exactly the objects of all that keep keeps, in order.
type filterCase struct {
	name       string
	path       string
	query      url.Values
	all        []map[string]any
	keep       func(map[string]any) bool
	mayBeEmpty bool // the filter legitimately matches nothing
}

func runFilterCases(t *testing.T, s *Server, cases []filterCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, o := range tc.all {
				if tc.keep(o) {
					want = append(want, str(o, "id"))
				}
			}
			if len(want) == 0 && !tc.mayBeEmpty {
				t.Fatalf("the data has %d matches: the case tests nothing", len(want))
			}
			if len(want) == len(tc.all) && tc.query.Get("status") != "all" {
				t.Fatalf("every object matches: the case tests nothing")
			}
			got := ids(listAll(t, s, "/v1/"+tc.path, tc.query))
			if !slices.Equal(got, want) {
				t.Errorf("%s?%s: got %d objects, want %d", tc.path, tc.query.Encode(), len(got), len(want))
			}
		})
	}
}

func TestSubscriptionStatuses(t *testing.T) {
	s := shared()
	counts := map[string]int{}
	for _, sub := range s.Objects("subscriptions") {
		counts[str(sub, "status")]++
	}
	for _, status := range []string{"active", "past_due", "trialing", "canceled", "incomplete", "unpaid", "incomplete_expired"} {
		if counts[status] == 0 {
			t.Errorf("no %s subscription (have %v)", status, counts)
			continue
		}
		got := listAll(t, s, "/v1/subscriptions", url.Values{"status": {status}})
		if len(got) != counts[status] {
			t.Errorf("status=%s: %d, want %d", status, len(got), counts[status])
		}
	}
}

func TestInvoiceStatuses(t *testing.T) {
	s := shared()
	counts := map[string]int{}
	for _, inv := range s.Objects("invoices") {
		counts[str(inv, "status")]++
	}
	for _, status := range invoiceStatusNames {
		got := listAll(t, s, "/v1/invoices", url.Values{"status": {status}})
		if counts[status] == 0 || len(got) != counts[status] {
			t.Errorf("status=%s: %d listed, %d exist", status, len(got), counts[status])
		}
	}
}
