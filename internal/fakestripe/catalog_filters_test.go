package fakestripe

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// idWithMost returns the id in key shared by the most objects.
func idWithMost(objs []map[string]any, key string) string { return mostCommon(objs, key) }

// paidOutBy keeps the balance transactions the generator assigned to a
// payout (the object does not show it; TestPayoutOfIsThePayoutFilter
// checks PayoutOf against the filter for every payout).
func paidOutBy(s *Server, payout map[string]any) func(map[string]any) bool {
	return func(o map[string]any) bool { return s.PayoutOf(str(o, "id")) == str(payout, "id") }
}

func TestCatalogFilters(t *testing.T) {
	s := shared()
	obj := func(r string) []map[string]any { return s.Objects(r) }
	intents, charges, refunds, disputes := obj("payment_intents"), obj("charges"), obj("refunds"), obj("disputes")
	events, items, notes, sessions := obj("events"), obj("invoice_items"), obj("credit_notes"), obj("checkout_sessions")
	promos, rates, plans, payouts := obj("promotion_codes"), obj("tax_rates"), obj("plans"), obj("payouts")
	transfers, fees, coupons, txns, subItems := obj("transfers"), obj("application_fees"), obj("coupons"), obj("balance_transactions"), obj("subscription_items")

	mid := func(objs []map[string]any, key string) int64 { return num(objs[len(objs)/2], key) }
	failedPayout := ""
	for _, p := range payouts {
		if p["status"] == "failed" {
			failedPayout = str(p, "id")
			break
		}
	}
	var email string
	for _, cs := range sessions {
		if d, ok := cs["customer_details"].(map[string]any); ok && d["email"] != nil {
			email = str(d, "email")
			break
		}
	}
	emailIs := func(o map[string]any) bool {
		d, ok := o["customer_details"].(map[string]any)
		return ok && d["email"] == email
	}
	couponOf := func(o map[string]any) any { return o["coupon"].(map[string]any)["id"] }
	typeIn := func(types ...string) func(map[string]any) bool {
		return func(o map[string]any) bool { return slices.Contains(types, str(o, "type")) }
	}
	typeMatches := func(prefix, suffix string) func(map[string]any) bool {
		return func(o map[string]any) bool {
			return strings.HasPrefix(str(o, "type"), prefix) && strings.HasSuffix(str(o, "type"), suffix)
		}
	}
	since := mid(events, "created")

	runFilterCases(t, s, []filterCase{
		{"payment intents by customer", "payment_intents", url.Values{"customer": {idWithMost(intents, "customer")}}, intents, equals(field("customer"), idWithMost(intents, "customer")), false},
		{"payment intents created lt", "payment_intents", url.Values{"created[lt]": {fmt.Sprint(mid(intents, "created"))}}, intents, between("created", 0, mid(intents, "created")-1), false},
		{"charges by payment intent", "charges", url.Values{"payment_intent": {idWithMost(charges, "payment_intent")}}, charges, equals(field("payment_intent"), idWithMost(charges, "payment_intent")), false},
		{"refunds by payment intent", "refunds", url.Values{"payment_intent": {idWithMost(refunds, "payment_intent")}}, refunds, equals(field("payment_intent"), idWithMost(refunds, "payment_intent")), false},
		{"disputes by charge", "disputes", url.Values{"charge": {str(disputes[1], "charge")}}, disputes, equals(field("charge"), str(disputes[1], "charge")), false},
		{"disputes by payment intent", "disputes", url.Values{"payment_intent": {idWithMost(disputes, "payment_intent")}}, disputes, equals(field("payment_intent"), idWithMost(disputes, "payment_intent")), false},
		{"disputes created gte", "disputes", url.Values{"created[gte]": {fmt.Sprint(mid(disputes, "created"))}}, disputes, between("created", mid(disputes, "created"), 1<<62), false},
		{"events by type", "events", url.Values{"type": {"charge.succeeded"}}, events, equals(field("type"), "charge.succeeded"), false},
		{"events by type prefix", "events", url.Values{"type": {"invoice.*"}}, events, typeMatches("invoice.", ""), false},
		{"events by type suffix", "events", url.Values{"type": {"*.created"}}, events, typeMatches("", ".created"), false},
		{"events by types", "events", url.Values{"types[]": {"customer.created", "payout.paid"}}, events, typeIn("customer.created", "payout.paid"), false},
		{"events undelivered", "events", url.Values{"delivery_success": {"false"}}, events, func(o map[string]any) bool { return num(o, "pending_webhooks") > 0 }, false},
		{"events since", "events", url.Values{"created[gt]": {fmt.Sprint(since)}}, events, between("created", since+1, 1<<62), false},
		{"invoice items by customer", "invoiceitems", url.Values{"customer": {idWithMost(items, "customer")}}, items, equals(field("customer"), idWithMost(items, "customer")), false},
		{"invoice items by invoice", "invoiceitems", url.Values{"invoice": {idWithMost(items, "invoice")}}, items, equals(field("invoice"), idWithMost(items, "invoice")), false},
		{"invoice items pending", "invoiceitems", url.Values{"pending": {"true"}}, items, equals(field("invoice"), nil), false},
		{"invoice items created (date)", "invoiceitems", url.Values{"created[lte]": {fmt.Sprint(mid(items, "date"))}}, items, between("date", 0, mid(items, "date")), false},
		{"credit notes by invoice", "credit_notes", url.Values{"invoice": {idWithMost(notes, "invoice")}}, notes, equals(field("invoice"), idWithMost(notes, "invoice")), false},
		{"credit notes by customer", "credit_notes", url.Values{"customer": {idWithMost(notes, "customer")}}, notes, equals(field("customer"), idWithMost(notes, "customer")), false},
		{"sessions by status", "checkout/sessions", url.Values{"status": {"expired"}}, sessions, equals(field("status"), "expired"), false},
		{"sessions by customer", "checkout/sessions", url.Values{"customer": {idWithMost(sessions, "customer")}}, sessions, equals(field("customer"), idWithMost(sessions, "customer")), false},
		{"sessions by subscription", "checkout/sessions", url.Values{"subscription": {idWithMost(sessions, "subscription")}}, sessions, equals(field("subscription"), idWithMost(sessions, "subscription")), false},
		{"sessions by payment intent", "checkout/sessions", url.Values{"payment_intent": {idWithMost(sessions, "payment_intent")}}, sessions, equals(field("payment_intent"), idWithMost(sessions, "payment_intent")), false},
		{"sessions by email", "checkout/sessions", url.Values{"customer_details[email]": {email}}, sessions, emailIs, false},
		{"sessions by payment link", "checkout/sessions", url.Values{"payment_link": {"plink_123"}}, sessions, equals(field("payment_link"), "plink_123"), true},
		{"promotion codes active", "promotion_codes", url.Values{"active": {"false"}}, promos, equals(field("active"), false), false},
		{"promotion codes by code", "promotion_codes", url.Values{"code": {str(promos[2], "code")}}, promos, equals(field("code"), str(promos[2], "code")), false},
		{"promotion codes by coupon", "promotion_codes", url.Values{"coupon": {fmt.Sprint(couponOf(promos[0]))}}, promos, equals(couponOf, couponOf(promos[0])), false},
		{"promotion codes by customer", "promotion_codes", url.Values{"customer": {idWithMost(promos, "customer")}}, promos, equals(field("customer"), idWithMost(promos, "customer")), false},
		{"tax rates inactive", "tax_rates", url.Values{"active": {"false"}}, rates, equals(field("active"), false), false},
		{"tax rates inclusive", "tax_rates", url.Values{"inclusive": {"true"}}, rates, equals(field("inclusive"), true), false},
		{"plans by product", "plans", url.Values{"product": {idWithMost(plans, "product")}}, plans, equals(field("product"), idWithMost(plans, "product")), false},
		{"plans active", "plans", url.Values{"active": {"true"}}, plans, equals(field("active"), true), false},
		{"payouts failed", "payouts", url.Values{"status": {"failed"}}, payouts, equals(field("status"), "failed"), false},
		{"payouts by destination", "payouts", url.Values{"destination": {str(payouts[0], "destination")}}, payouts, equals(field("destination"), str(payouts[0], "destination")), false},
		{"payouts arriving", "payouts", url.Values{"arrival_date[gt]": {fmt.Sprint(fixedEnd)}}, payouts, between("arrival_date", fixedEnd+1, 1<<62), false},
		{"payouts created", "payouts", url.Values{"created[lt]": {"1704067200"}}, payouts, between("created", 0, 1704067199), false},
		{"transfers by destination", "transfers", url.Values{"destination": {idWithMost(transfers, "destination")}}, transfers, equals(field("destination"), idWithMost(transfers, "destination")), false},
		{"transfers by group", "transfers", url.Values{"transfer_group": {idWithMost(transfers, "transfer_group")}}, transfers, equals(field("transfer_group"), idWithMost(transfers, "transfer_group")), false},
		{"application fees by charge", "application_fees", url.Values{"charge": {str(fees[3], "charge")}}, fees, equals(field("charge"), str(fees[3], "charge")), false},
		{"coupons created", "coupons", url.Values{"created[gte]": {fmt.Sprint(mid(coupons, "created"))}}, coupons, between("created", mid(coupons, "created"), 1<<62), false},
		{"balance transactions by payout", "balance_transactions", url.Values{"payout": {str(payouts[3], "id")}}, txns, paidOutBy(s, payouts[3]), false},
		{"balance transactions of a failed payout", "balance_transactions", url.Values{"source": {failedPayout}}, txns, equals(field("source"), failedPayout), false},
		{"balance transactions of a dispute", "balance_transactions", url.Values{"source": {str(disputes[len(disputes)-1], "id")}}, txns, equals(field("source"), str(disputes[len(disputes)-1], "id")), false},
		{"balance transactions, payouts", "balance_transactions", url.Values{"type": {"payout"}}, txns, equals(field("type"), "payout"), false},
		{"subscription items", "subscription_items", url.Values{"subscription": {str(subItems[0], "subscription")}}, subItems, equals(field("subscription"), str(subItems[0], "subscription")), false},
	})
}
