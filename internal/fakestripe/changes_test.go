package fakestripe

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"testing"
)

// eventsAfter returns the events created after the instant since, newest
// first.
func eventsAfter(t *testing.T, s http.Handler, since int64) []map[string]any {
	t.Helper()
	return listAll(t, s, "/v1/events", url.Values{"created[gt]": {fmt.Sprint(since)}})
}

// Every change to an object emits Stripe's event, newer than every other,
// carrying the object as of the change (and, for an update, what it was).
func TestChangesEmitEvents(t *testing.T) {
	s := New(Options{Seed: 6, Scale: 200})
	customer := s.Objects("customers")[2]
	product := s.Objects("products")[0]
	price := s.Objects("prices")[0]
	charge := capturedCharge(t, s)
	pi := s.Objects("payment_intents")[0]
	sub := s.Objects("subscriptions")[0]
	oldPlan, hadPlan := metaOf(customer, "plan")
	var oldPlanValue any
	if hadPlan {
		oldPlanValue = oldPlan
	}

	type event struct {
		typ, id  string
		previous map[string]any // nil: none sent
	}
	cases := []struct {
		name   string
		change func() string // returns the id of the object changed
		want   []event       // newest first
		check  func(obj map[string]any) bool
	}{
		{"create customer", func() string {
			return str(mustSend(t, s, "POST", "/v1/customers", url.Values{"email": {"ev@example.com"}}), "id")
		}, []event{{typ: "customer.created"}}, func(o map[string]any) bool { return o["email"] == "ev@example.com" }},
		{"update customer", func() string {
			mustSend(t, s, "POST", "/v1/customers/"+str(customer, "id"), url.Values{"metadata[plan]": {"gold"}, "email": {"upd@example.com"}})
			return str(customer, "id")
		}, []event{{typ: "customer.updated", previous: map[string]any{"email": customer["email"], "metadata": map[string]any{"plan": oldPlanValue}}}},
			func(o map[string]any) bool {
				v, _ := metaOf(o, "plan")
				return v == "gold" && o["email"] == "upd@example.com"
			}},
		{"update changing nothing", func() string {
			mustSend(t, s, "POST", "/v1/customers/"+str(customer, "id"), url.Values{"email": {"upd@example.com"}})
			return str(customer, "id")
		}, nil, nil},
		{"delete customer", func() string {
			mustSend(t, s, "DELETE", "/v1/customers/"+str(customer, "id"), nil)
			return str(customer, "id")
		}, []event{{typ: "customer.deleted"}}, func(o map[string]any) bool { return o["email"] == "upd@example.com" }},
		{"update product", func() string {
			mustSend(t, s, "POST", "/v1/products/"+str(product, "id"), url.Values{"url": {"https://example.com/new"}})
			return str(product, "id")
		}, []event{{typ: "product.updated", previous: map[string]any{"url": product["url"], "updated": product["updated"]}}},
			func(o map[string]any) bool { return o["url"] == "https://example.com/new" }},
		{"create price", func() string {
			return str(mustSend(t, s, "POST", "/v1/prices", url.Values{"product": {str(product, "id")}, "currency": {"usd"}, "unit_amount": {"700"}}), "id")
		}, []event{{typ: "price.created"}}, func(o map[string]any) bool { return num(o, "unit_amount") == 700 }},
		{"update price", func() string {
			mustSend(t, s, "POST", "/v1/prices/"+str(price, "id"), url.Values{"active": {"false"}})
			return str(price, "id")
		}, []event{{typ: "price.updated", previous: map[string]any{"active": true}}}, func(o map[string]any) bool { return o["active"] == false }},
		{"create charge", func() string {
			return str(mustSend(t, s, "POST", "/v1/charges", url.Values{"amount": {"1234"}, "currency": {"usd"}, "source": {"tok_visa"}}), "id")
		}, []event{{typ: "charge.succeeded"}}, func(o map[string]any) bool { return num(o, "amount") == 1234 }},
		{"charge metadata hook", func() string {
			if err := s.SetMetadata("charges", str(charge, "id"), "order_id", "A-1"); err != nil {
				t.Fatal(err)
			}
			return str(charge, "id")
		}, []event{{typ: "charge.updated", previous: map[string]any{"metadata": map[string]any{"order_id": charge["metadata"].(map[string]any)["order_id"]}}}},
			func(o map[string]any) bool { v, _ := metaOf(o, "order_id"); return v == "A-1" }},
		{"refund", func() string {
			if _, err := s.RefundCharge(str(charge, "id"), 1); err != nil {
				t.Fatal(err)
			}
			return str(charge, "id")
		}, []event{{typ: "charge.refunded"}}, func(o map[string]any) bool { return num(o, "amount_refunded") == 1 }},
		{"subscription metadata hook", func() string {
			if err := s.SetMetadata("subscriptions", str(sub, "id"), "k", "v"); err != nil {
				t.Fatal(err)
			}
			return str(sub, "id")
		}, []event{{typ: "customer.subscription.updated", previous: map[string]any{"metadata": map[string]any{"k": nil}}}},
			func(o map[string]any) bool { v, _ := metaOf(o, "k"); return v == "v" }},
		// Stripe has no payment_intent.updated: the change is silent.
		{"payment intent metadata hook", func() string {
			if err := s.SetMetadata("payment_intents", str(pi, "id"), "order_id", "A-2"); err != nil {
				t.Fatal(err)
			}
			return str(pi, "id")
		}, nil, nil},
	}
	for _, c := range cases {
		before := s.Now().Unix()
		id := c.change()
		evs := eventsAfter(t, s, before)
		if len(evs) != len(c.want) {
			t.Errorf("%s: %d events, want %d", c.name, len(evs), len(c.want))
			continue
		}
		newest := mustGet(t, s, "/v1/events?limit=1")["data"].([]any)[0].(map[string]any)
		for k, want := range c.want {
			e := evs[k]
			data := e["data"].(map[string]any)
			obj := data["object"].(map[string]any)
			if e["type"] != want.typ || obj["id"] != id || !c.check(obj) {
				t.Errorf("%s: event %v about %v, want %s about %s as changed", c.name, e["type"], obj["id"], want.typ, id)
			}
			if k == 0 && newest["id"] != e["id"] {
				t.Errorf("%s: %s is not the newest event", c.name, e["id"])
			}
			if got, ok := data["previous_attributes"]; ok != (want.previous != nil) || ok && !reflect.DeepEqual(got, want.previous) {
				t.Errorf("%s: previous_attributes %v, want %v", c.name, got, want.previous)
			}
			if num(e, "created") <= before {
				t.Errorf("%s: event at %v, not after %d", c.name, e["created"], before)
			}
		}
	}
	// An event keeps the object as of its change.
	evs := listAll(t, s, "/v1/events", url.Values{"type": {"customer.updated"}})
	if obj := evs[0]["data"].(map[string]any)["object"].(map[string]any); obj["deleted"] != nil || obj["email"] != "upd@example.com" {
		t.Errorf("customer.updated carries %v, want the customer as updated", obj)
	}
	if err := s.SetMetadata("customers", str(customer, "id"), "k", "v"); err == nil {
		t.Errorf("SetMetadata of a deleted customer succeeded")
	}
	if err := s.SetMetadata("nope", "x", "k", "v"); err == nil {
		t.Errorf("SetMetadata of an unknown table succeeded")
	}
}
