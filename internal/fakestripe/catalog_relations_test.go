package fakestripe

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// checkBalanceTransactions: every balance transaction matches its source
// (which points back), with the sign and amount its type implies.
func checkBalanceTransactions(t *testing.T, s *Server, txns map[string]map[string]any) {
	t.Helper()
	sources := map[string]map[string]map[string]any{}
	for _, r := range []string{"charges", "refunds", "disputes", "transfers", "application_fees", "payouts"} {
		sources[r] = byID(s.Objects(r))
	}
	types := map[string]int{}
	for id, x := range txns {
		src, amount := str(x, "source"), num(x, "amount")
		category := str(x, "reporting_category")
		types[str(x, "type")]++
		var ok bool
		switch str(x, "type") {
		case "charge":
			o := sources["charges"][src]
			ok = o != nil && o["balance_transaction"] == id && amount == num(o, "amount") && x["currency"] == o["currency"]
		case "refund":
			o := sources["refunds"][src]
			ok = o != nil && o["balance_transaction"] == id && amount == -num(o, "amount")
		case "transfer":
			o := sources["transfers"][src]
			ok = o != nil && o["balance_transaction"] == id && amount == -num(o, "amount")
		case "application_fee":
			o := sources["application_fees"][src]
			ok = o != nil && o["balance_transaction"] == id && amount == num(o, "amount")
		case "payout":
			o := sources["payouts"][src]
			ok = o != nil && o["balance_transaction"] == id && amount == -num(o, "amount")
		case "payout_failure":
			o := sources["payouts"][src]
			ok = o != nil && o["failure_balance_transaction"] == id && amount == num(o, "amount") && o["status"] == "failed"
		case "adjustment":
			o := sources["disputes"][src]
			ok = o != nil && (category == "dispute" && amount == -num(o, "amount") || category == "dispute_reversal" && amount == num(o, "amount"))
			if ok {
				found := false
				for _, b := range o["balance_transactions"].([]any) {
					found = found || str(b.(map[string]any), "id") == id
				}
				ok = found
			}
		}
		if !ok {
			t.Errorf("balance transaction %s (%v, %v) does not match its source %s", id, x["type"], category, src)
		}
		if num(x, "net") != amount-num(x, "fee") {
			t.Errorf("balance transaction %s: net != amount - fee", id)
		}
	}
	for _, typ := range []string{"charge", "refund", "adjustment", "transfer", "application_fee", "payout"} {
		if types[typ] == 0 {
			t.Errorf("no balance transaction of type %s (have %v)", typ, types)
		}
	}
}

func TestPaymentIntentRelations(t *testing.T) {
	s := shared()
	charges, intents := byID(s.Objects("charges")), byID(s.Objects("payment_intents"))
	invoices, refunds := byID(s.Objects("invoices")), s.Objects("refunds")
	chargesOf := map[string][]string{}
	legacy := 0
	for id, c := range charges {
		pi := c["payment_intent"]
		if pi == nil {
			legacy++
			if c["invoice"] != nil {
				t.Errorf("invoice charge %s has no payment intent", id)
			}
			continue
		}
		intent := intents[pi.(string)]
		if intent == nil || intent["customer"] != c["customer"] || intent["currency"] != c["currency"] || intent["invoice"] != c["invoice"] {
			t.Errorf("charge %s: payment intent %v differs in customer, currency or invoice", id, pi)
			continue
		}
		chargesOf[pi.(string)] = append(chargesOf[pi.(string)], id)
	}
	multi, none := 0, 0
	for id, pi := range intents {
		got := chargesOf[id]
		switch {
		case len(got) == 0:
			none++
			if pi["latest_charge"] != nil || pi["status"] == "succeeded" {
				t.Errorf("payment intent %s without charges: latest_charge %v, status %v", id, pi["latest_charge"], pi["status"])
			}
			continue
		case len(got) > 1:
			multi++
		}
		latest := charges[str(pi, "latest_charge")]
		if latest == nil || latest["payment_intent"] != id {
			t.Errorf("payment intent %s: latest_charge %v is not one of its charges", id, pi["latest_charge"])
		}
		succeeded := false
		for _, ch := range got {
			succeeded = succeeded || charges[ch]["status"] == "succeeded" && charges[ch]["captured"] == true
		}
		if succeeded != (pi["status"] == "succeeded") || succeeded && num(pi, "amount_received") != num(pi, "amount") {
			t.Errorf("payment intent %s: status %v, a captured charge: %v", id, pi["status"], succeeded)
		}
		if inv := pi["invoice"]; inv != nil && invoices[inv.(string)]["payment_intent"] != id {
			t.Errorf("payment intent %s: invoice %v does not point back", id, inv)
		}
	}
	if legacy == 0 || multi == 0 || none == 0 {
		t.Errorf("%d charges without payment intent, %d intents with several charges, %d without: want some of each", legacy, multi, none)
	}
	for _, r := range refunds {
		if r["payment_intent"] != charges[str(r, "charge")]["payment_intent"] {
			t.Errorf("refund %s: payment_intent %v, its charge's %v", r["id"], r["payment_intent"], charges[str(r, "charge")]["payment_intent"])
		}
	}
}

func TestDisputeRelations(t *testing.T) {
	s := shared()
	charges := byID(s.Objects("charges"))
	disputes := s.Objects("disputes")
	disputed := 0
	for _, c := range charges {
		if c["disputed"] == true {
			disputed++
		}
	}
	if len(disputes) < 3 || disputed != len(disputes) {
		t.Fatalf("%d disputes, %d disputed charges", len(disputes), disputed)
	}
	statuses := map[string]bool{}
	for _, x := range disputes {
		statuses[str(x, "status")] = true
		c := charges[str(x, "charge")]
		if c == nil || c["disputed"] != true || num(x, "amount") != num(c, "amount") || x["payment_intent"] != c["payment_intent"] ||
			num(x, "created") <= num(c, "created") {
			t.Errorf("dispute %s does not match its charge %v", x["id"], x["charge"])
		}
		txns := x["balance_transactions"].([]any)
		inquiry := strings.HasPrefix(str(x, "status"), "warning_")
		if inquiry != (len(txns) == 0) || x["status"] == "won" && len(txns) != 2 {
			t.Errorf("dispute %s (%v): %d balance transactions", x["id"], x["status"], len(txns))
		}
	}
	if !statuses["won"] || !statuses["lost"] {
		t.Errorf("dispute statuses %v: want won and lost ones", statuses)
	}
}

// Each payout pays out exactly the balance transactions listed with its
// id (they net to zero with its own), and the balance is what no payout
// has swept yet.
func TestPayoutsSweepTheBalance(t *testing.T) {
	s := shared()
	payouts := s.Objects("payouts")
	if len(payouts) < 100 {
		t.Fatalf("%d payouts", len(payouts))
	}
	failed := 0
	for _, p := range payouts[:40] {
		listed := listAll(t, s, "/v1/balance_transactions", url.Values{"payout": {str(p, "id")}})
		var net int64
		own := false
		for _, x := range listed {
			net += num(x, "net")
			own = own || x["id"] == p["balance_transaction"]
			if x["currency"] != p["currency"] || x["status"] != "available" {
				t.Errorf("payout %s lists %s in %v, %v", p["id"], x["id"], x["currency"], x["status"])
			}
		}
		if net != 0 || !own || len(listed) < 2 {
			t.Errorf("payout %s: %d transactions netting %d (own listed: %v)", p["id"], len(listed), net, own)
		}
	}
	for _, p := range payouts {
		if p["status"] == "failed" {
			failed++
		}
	}
	if failed == 0 {
		t.Error("no failed payout")
	}
	available, pending := map[string]int64{}, map[string]int64{}
	for _, x := range s.Objects("balance_transactions") {
		if x["status"] == "available" {
			available[str(x, "currency")] += num(x, "net")
		} else {
			pending[str(x, "currency")] += num(x, "net")
		}
	}
	balance := mustGet(t, s, "/v1/balance")
	for kind, want := range map[string]map[string]int64{"available": available, "pending": pending} {
		funds := balance[kind].([]any)
		if len(funds) != len(currencies) {
			t.Errorf("balance %s: %v", kind, funds)
		}
		for _, f := range funds {
			f := f.(map[string]any)
			if num(f, "amount") != want[str(f, "currency")] {
				t.Errorf("balance %s %v: %d, transactions sum to %d", kind, f["currency"], num(f, "amount"), want[str(f, "currency")])
			}
		}
	}
}

func TestDiscountRelations(t *testing.T) {
	s := shared()
	discounts := byID(s.Objects("discounts"))
	coupons, promos := byID(s.Objects("coupons")), byID(s.Objects("promotion_codes"))
	redeemed, promoRedeemed := map[string]int64{}, map[string]int64{}
	for id, disc := range discounts {
		coupon := disc["coupon"].(map[string]any)
		if !jsonEqual(coupon, coupons[str(coupon, "id")]) {
			t.Errorf("discount %s: coupon %v differs from the coupon served", id, coupon["id"])
		}
		redeemed[str(coupon, "id")]++
		if p := disc["promotion_code"]; p != nil {
			promoRedeemed[p.(string)]++
			if str(promos[p.(string)]["coupon"].(map[string]any), "id") != str(coupon, "id") {
				t.Errorf("discount %s: promotion code %v is for another coupon", id, p)
			}
		}
	}
	for id, c := range coupons {
		if num(c, "times_redeemed") != redeemed[id] {
			t.Errorf("coupon %s: times_redeemed %d, %d discounts", id, num(c, "times_redeemed"), redeemed[id])
		}
		if m := num(c, "max_redemptions"); m > 0 && redeemed[id] > m {
			t.Errorf("coupon %s redeemed %d times, max %d", id, redeemed[id], m)
		}
	}
	for id, p := range promos {
		if num(p, "times_redeemed") != promoRedeemed[id] {
			t.Errorf("promotion code %s: times_redeemed %d, %d discounts", id, num(p, "times_redeemed"), promoRedeemed[id])
		}
	}
	owners := map[string]int{}
	check := func(kind string, objs []map[string]any, field string) {
		for _, o := range objs {
			disc, _ := o["discount"].(map[string]any)
			if disc == nil {
				continue
			}
			owners[kind]++
			if !jsonEqual(disc, discounts[str(disc, "id")]) || (field != "" && disc[field] != o[field]) {
				t.Errorf("%s %s: discount %v differs from the discount or owner", kind, o["id"], disc["id"])
			}
		}
	}
	check("customer", s.Objects("customers"), "")
	check("subscription", s.Objects("subscriptions"), "customer")
	check("invoice", s.Objects("invoices"), "subscription")
	for kind, n := range map[string]int{"customer": owners["customer"], "subscription": owners["subscription"], "invoice": owners["invoice"]} {
		if n == 0 {
			t.Errorf("no %s carries a discount", kind)
		}
	}
	if len(promoRedeemed) == 0 {
		t.Error("no discount through a promotion code")
	}
}

func TestInvoiceItemsAndUpcomingInvoices(t *testing.T) {
	s := shared()
	items := byID(s.Objects("invoice_items"))
	pendingOf := map[string][]string{}
	for id, it := range items {
		if it["invoice"] == nil {
			pendingOf[str(it, "customer")] = append(pendingOf[str(it, "customer")], id)
		}
	}
	invoiced := 0
	for _, line := range s.Objects("line_items") {
		if line["type"] != "invoiceitem" {
			continue
		}
		invoiced++
		it := items[str(line, "invoice_item")]
		if it == nil || num(it, "amount") != num(line, "amount") || str(line["price"].(map[string]any), "id") != str(it["price"].(map[string]any), "id") {
			t.Errorf("line %s: invoice item %v differs", line["id"], line["invoice_item"])
		}
	}
	if invoiced == 0 || invoiced+countPending(pendingOf) != len(items) || len(pendingOf) == 0 {
		t.Errorf("%d invoiced items, %d pending, %d items", invoiced, countPending(pendingOf), len(items))
	}

	billing := map[string]bool{} // customers with a subscription that bills again
	for _, sub := range s.Objects("subscriptions") {
		if slices.Contains([]string{"active", "trialing", "past_due"}, str(sub, "status")) && sub["cancel_at_period_end"] == false {
			billing[str(sub, "customer")] = true
		}
	}
	want := sortedKeys(s.data.fixtures["invoice"])
	want = slices.DeleteFunc(want, func(k string) bool { return k == "id" })
	upcoming, withPending := 0, 0
	for _, c := range s.Objects("customers") {
		id := str(c, "id")
		res := get(t, s, "/v1/invoices/upcoming?customer="+id)
		if (res.status == 200) != billing[id] {
			t.Fatalf("customer %s: upcoming status %d, billing %v", id, res.status, billing[id])
		}
		if res.status != 200 {
			if e := errorOf(t, res); str(e, "code") != "invoice_upcoming_none" || res.status != 404 {
				t.Errorf("customer %s: %d %v", id, res.status, e)
			}
			continue
		}
		upcoming++
		inv := res.json
		if got := sortedKeys(inv); !slices.Equal(got, want) {
			t.Fatalf("upcoming invoice keys differ from an invoice's without id: extra %v, missing %v", minus(got, want), minus(want, got))
		}
		var subtotal int64
		var lineItems []string
		for _, l := range inv["lines"].(map[string]any)["data"].([]any) {
			line := l.(map[string]any)
			subtotal += num(line, "amount")
			if it := line["invoice_item"]; it != nil {
				lineItems = append(lineItems, it.(string))
			}
		}
		slices.Sort(lineItems)
		pending := slices.Sorted(slices.Values(pendingOf[id]))
		if len(pending) > 0 {
			withPending++
		}
		if inv["customer"] != id || inv["status"] != "draft" || subtotal != num(inv, "subtotal") || !slices.Equal(lineItems, pending) ||
			num(inv, "amount_due") != max(0, num(inv, "total")+num(c, "balance")) {
			t.Errorf("customer %s: upcoming invoice lines %v (pending %v), subtotal %d/%d, amount_due %d", id, lineItems, pending,
				subtotal, num(inv, "subtotal"), num(inv, "amount_due"))
		}
	}
	if upcoming == 0 || withPending == 0 {
		t.Errorf("%d upcoming invoices, %d with pending items", upcoming, withPending)
	}
}

func countPending(m map[string][]string) int {
	n := 0
	for _, v := range m {
		n += len(v)
	}
	return n
}

func TestCreditNotesAndCheckoutSessions(t *testing.T) {
	s := shared()
	invoices, refunds, charges := byID(s.Objects("invoices")), byID(s.Objects("refunds")), byID(s.Objects("charges"))
	credited := map[string]int64{}
	byRefund := 0
	for _, cn := range s.Objects("credit_notes") {
		inv := invoices[str(cn, "invoice")]
		if inv == nil || inv["customer"] != cn["customer"] || inv["currency"] != cn["currency"] {
			t.Errorf("credit note %s: invoice %v", cn["id"], cn["invoice"])
			continue
		}
		if cn["status"] == "issued" {
			credited[str(cn, "invoice")] += num(cn, "amount")
		}
		if r := cn["refund"]; r != nil {
			byRefund++
			re := refunds[r.(string)]
			if re == nil || charges[str(re, "charge")]["invoice"] != cn["invoice"] || num(re, "amount") != num(cn, "amount") {
				t.Errorf("credit note %s: refund %v is not of its invoice's payment", cn["id"], r)
			}
		}
	}
	if byRefund == 0 {
		t.Error("no credit note documents a refund")
	}
	for id, inv := range invoices {
		if num(inv, "post_payment_credit_notes_amount") != credited[id] {
			t.Errorf("invoice %s: post_payment_credit_notes_amount %d, credit notes %d", id, num(inv, "post_payment_credit_notes_amount"), credited[id])
		}
	}

	subs, intents := byID(s.Objects("subscriptions")), byID(s.Objects("payment_intents"))
	modes := map[string]int{}
	for _, cs := range s.Objects("checkout_sessions") {
		modes[str(cs, "mode")+" "+str(cs, "status")]++
		if sub := cs["subscription"]; sub != nil && subs[sub.(string)]["customer"] != cs["customer"] {
			t.Errorf("session %s: subscription %v of another customer", cs["id"], sub)
		}
		if pi := cs["payment_intent"]; pi != nil {
			intent := intents[pi.(string)]
			if intent == nil || intent["customer"] != cs["customer"] || num(intent, "amount") != num(cs, "amount_total") {
				t.Errorf("session %s: payment intent %v differs", cs["id"], pi)
			}
		}
	}
	for _, k := range []string{"subscription complete", "payment complete", "payment expired"} {
		if modes[k] == 0 {
			t.Errorf("no %s checkout session (have %v)", k, modes)
		}
	}
}

func TestPlansSourcesConnectAndEvents(t *testing.T) {
	s := shared()
	prices := byID(s.Objects("prices"))
	recurring := 0
	for _, p := range prices {
		if p["type"] == "recurring" {
			recurring++
		}
	}
	plans := s.Objects("plans")
	if len(plans) != recurring {
		t.Errorf("%d plans, %d recurring prices", len(plans), recurring)
	}
	for _, p := range plans {
		price := prices[str(p, "id")]
		if price == nil || num(p, "amount") != num(price, "unit_amount") || p["product"] != price["product"] ||
			p["interval"] != price["recurring"].(map[string]any)["interval"] || p["active"] != price["active"] {
			t.Errorf("plan %s differs from its price", p["id"])
		}
	}

	customers := byID(s.Objects("customers"))
	for _, resource := range []string{"cards", "bank_accounts"} {
		objs := s.Objects(resource)
		if len(objs) == 0 {
			t.Fatalf("no %s", resource)
		}
		for _, src := range objs[:min(len(objs), 20)] {
			cus := str(src, "customer")
			listed := ids(listAll(t, s, "/v1/customers/"+cus+"/sources", url.Values{"object": {str(src, "object")}}))
			if !slices.Contains(listed, str(src, "id")) || customers[cus]["default_source"] == nil {
				t.Errorf("%s %s: not listed by its customer %s (%v), or no default source", resource, src["id"], cus, listed)
			}
			if got := mustGet(t, s, "/v1/customers/"+cus+"/sources/"+str(src, "id")); !jsonEqual(got, src) {
				t.Errorf("%s %s: retrieved differs", resource, src["id"])
			}
		}
	}

	charges := byID(s.Objects("charges"))
	accounts := map[string]bool{}
	for _, tr := range s.Objects("transfers") {
		accounts[str(tr, "destination")] = true
		c := charges[str(tr, "source_transaction")]
		if c == nil || c["transfer_group"] != tr["transfer_group"] || num(tr, "amount") > num(c, "amount") || tr["currency"] != c["currency"] {
			t.Errorf("transfer %s: source charge %v", tr["id"], tr["source_transaction"])
		}
	}
	for _, fee := range s.Objects("application_fees") {
		if !strings.HasPrefix(str(fee, "account"), "acct_") || !strings.HasPrefix(str(fee, "charge"), "ch_") || charges[str(fee, "charge")] != nil {
			t.Errorf("application fee %s: account %v, charge %v (a connected account's)", fee["id"], fee["account"], fee["charge"])
		}
	}
	if len(accounts) < 2 {
		t.Errorf("transfers go to %d accounts", len(accounts))
	}

	types := map[string]int{}
	served := map[string]map[string]map[string]any{} // resource → id → object
	for _, e := range s.Objects("events")[:200] {
		types[str(e, "type")]++
		obj := e["data"].(map[string]any)["object"].(map[string]any)
		resource := eventKinds[eventKindOf(str(e, "type"))].resource
		if served[resource] == nil {
			served[resource] = byID(s.Objects(resource))
		}
		if !jsonEqual(obj, served[resource][str(obj, "id")]) {
			t.Errorf("event %s (%v): data.object %v differs from the object served", e["id"], e["type"], obj["id"])
		}
	}
	for _, typ := range []string{"charge.succeeded", "customer.created", "invoice.paid", "payment_intent.succeeded", "invoice.created"} {
		if types[typ] == 0 {
			t.Errorf("no %s event among the latest (have %v)", typ, types)
		}
	}
}

func TestAccountAndBalanceObjects(t *testing.T) {
	s := shared()
	for _, tc := range []struct{ path, object string }{{"/v1/account", "account"}, {"/v1/balance", "balance"}} {
		obj := mustGet(t, s, tc.path)
		if got, want := sortedKeys(obj), sortedKeys(s.data.fixtures[tc.object]); !slices.Equal(got, want) {
			t.Errorf("%s: keys %v, fixture %v", tc.path, got, want)
		}
		if obj["object"] != tc.object {
			t.Errorf("%s: object %v", tc.path, obj["object"])
		}
	}
	account := mustGet(t, s, "/v1/account")
	banks := account["external_accounts"].(map[string]any)["data"].([]any)
	destinations := map[string]bool{}
	for _, b := range banks {
		destinations[str(b.(map[string]any), "id")] = true
	}
	for _, p := range s.Objects("payouts") {
		if !destinations[str(p, "destination")] {
			t.Fatalf("payout %s: destination %v is not an external account", p["id"], p["destination"])
		}
	}
	balance := mustGet(t, s, "/v1/balance")
	if len(balance["instant_available"].([]any)) != 1 || len(balance["connect_reserved"].([]any)) != len(currencies) {
		t.Errorf("balance: %v", balance)
	}
}

// Expansions reach the new resources: each expanded field is the object
// as served on its own.
func TestExpandCatalog(t *testing.T) {
	s := shared()
	var withCard, withPromo, billing string
	for _, c := range s.Objects("customers") {
		if d, ok := c["default_source"].(string); ok && strings.HasPrefix(d, "card_") && withCard == "" {
			withCard = str(c, "id")
		}
	}
	for _, sub := range s.Objects("subscriptions") {
		if d, ok := sub["discount"].(map[string]any); ok && d["promotion_code"] != nil && withPromo == "" {
			withPromo = str(sub, "id")
		}
	}
	for si := range s.data.subscriptionRows {
		if sr := &s.data.subscriptionRows[si]; sr.billsAgain() && billing == "" {
			billing = s.data.customers.ids[sr.customer]
		}
	}
	var session map[string]any
	for _, cs := range s.Objects("checkout_sessions") {
		if cs["subscription"] != nil && session == nil {
			session = cs
		}
	}
	cases := []struct {
		path, field string // field: dotted path to the expanded object
		resource    string
	}{
		{"/v1/customers/" + withCard + "?expand[]=default_source", "default_source", "cards"},
		{"/v1/subscriptions/" + withPromo + "?expand[]=discount.promotion_code", "discount.promotion_code", "promotion_codes"},
		{"/v1/invoices/upcoming?customer=" + billing + "&expand[]=customer", "customer", "customers"},
		{"/v1/payment_intents/" + str(s.Objects("payment_intents")[0], "id") + "?expand[]=latest_charge", "latest_charge", "charges"},
		{"/v1/checkout/sessions/" + str(session, "id") + "?expand[]=customer&expand[]=subscription", "subscription", "subscriptions"},
		{"/v1/balance_transactions?limit=1&type=payout&expand[]=data.source", "data.source", "payouts"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			var v any = mustGet(t, s, tc.path)
			for _, k := range strings.Split(tc.field, ".") {
				v = v.(map[string]any)[k]
				if k == "data" { // a list: its first object
					v = v.([]any)[0]
				}
			}
			got, ok := v.(map[string]any)
			if !ok || !jsonEqual(got, byID(s.Objects(tc.resource))[str(got, "id")]) {
				t.Errorf("%s: %v not expanded to the %s served", tc.path, tc.field, tc.resource)
			}
		})
	}
}

// PayoutOf, the reference tests outside the package compare SQL answers
// with, names for every balance transaction the payout whose list
// (?payout=…) holds it, and "" for those no list holds.
func TestPayoutOfIsThePayoutFilter(t *testing.T) {
	s := shared()
	want := map[string][]string{} // payout → its transactions, by PayoutOf
	for _, x := range s.Objects("balance_transactions") {
		want[s.PayoutOf(str(x, "id"))] = append(want[s.PayoutOf(str(x, "id"))], str(x, "id"))
	}
	if len(want[""]) == 0 {
		t.Error("every balance transaction is paid out: none pending")
	}
	for _, p := range s.Objects("payouts") {
		var got []string
		for _, x := range listAll(t, s, "/v1/balance_transactions", url.Values{"payout": {str(p, "id")}}) {
			got = append(got, str(x, "id"))
		}
		if !slices.Equal(got, want[str(p, "id")]) {
			t.Errorf("payout %s lists %v, PayoutOf names %v", p["id"], got, want[str(p, "id")])
		}
	}
	if s.PayoutOf("txn_nope") != "" {
		t.Error("an unknown transaction has a payout")
	}
}
