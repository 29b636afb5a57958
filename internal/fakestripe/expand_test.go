package fakestripe

import (
	"testing"
)

func TestExpand(t *testing.T) {
	s := shared()
	var withCustomer, guest map[string]any
	for _, c := range s.Objects("charges") {
		if c["customer"] != nil && c["balance_transaction"] != nil && withCustomer == nil {
			withCustomer = c
		}
		if c["customer"] == nil && c["payment_intent"] == nil && guest == nil {
			guest = c
		}
	}
	var refund = s.Objects("refunds")[0]
	var sub = s.Objects("subscriptions")[0]

	t.Run("list data.customer", func(t *testing.T) {
		page := mustGet(t, s, "/v1/charges?limit=100&expand[]=data.customer")
		expanded := 0
		for _, item := range page["data"].([]any) {
			c := item.(map[string]any)
			switch cus := c["customer"].(type) {
			case nil:
			case map[string]any:
				expanded++
				if cus["object"] != "customer" || str(cus, "id") == "" {
					t.Errorf("charge %s: customer %v", c["id"], cus)
				}
			default:
				t.Errorf("charge %s: customer not expanded: %v", c["id"], cus)
			}
		}
		if expanded == 0 {
			t.Error("no customer expanded")
		}
	})
	t.Run("retrieve customer", func(t *testing.T) {
		c := mustGet(t, s, "/v1/charges/"+str(withCustomer, "id")+"?expand[]=customer&expand[]=balance_transaction")
		cus := c["customer"].(map[string]any)
		if cus["id"] != withCustomer["customer"] {
			t.Errorf("expanded customer %v, want %v", cus["id"], withCustomer["customer"])
		}
		if txn := c["balance_transaction"].(map[string]any); txn["source"] != withCustomer["id"] {
			t.Errorf("expanded balance transaction source %v", txn["source"])
		}
		// The expansion is the customer as served on its own.
		if own := mustGet(t, s, "/v1/customers/"+str(cus, "id")); !jsonEqual(own, cus) {
			t.Error("expanded customer differs from the retrieved one")
		}
	})
	t.Run("null stays null", func(t *testing.T) {
		c := mustGet(t, s, "/v1/charges/"+str(guest, "id")+"?expand[]=customer&expand[]=payment_intent")
		if c["customer"] != nil || c["payment_intent"] != nil {
			t.Errorf("customer %v, payment_intent %v", c["customer"], c["payment_intent"])
		}
	})
	t.Run("nested path", func(t *testing.T) {
		r := mustGet(t, s, "/v1/refunds/"+str(refund, "id")+"?expand[]=charge.customer")
		ch := r["charge"].(map[string]any)
		if _, isObj := ch["customer"].(map[string]any); ch["customer"] != nil && !isObj {
			t.Errorf("charge.customer not expanded: %v", ch["customer"])
		}
	})
	t.Run("through embedded lists", func(t *testing.T) {
		got := mustGet(t, s, "/v1/subscriptions/"+str(sub, "id")+"?expand[]=items.data.price.product&expand[]=latest_invoice")
		for _, it := range got["items"].(map[string]any)["data"].([]any) {
			prod := it.(map[string]any)["price"].(map[string]any)["product"]
			if p, ok := prod.(map[string]any); !ok || p["object"] != "product" {
				t.Errorf("items.data.price.product: %v", prod)
			}
		}
		if inv, ok := got["latest_invoice"].(map[string]any); !ok || inv["subscription"] != sub["id"] {
			t.Errorf("latest_invoice: %v", got["latest_invoice"])
		}
	})
	t.Run("polymorphic source", func(t *testing.T) {
		page := mustGet(t, s, "/v1/balance_transactions?type=refund&limit=3&expand[]=data.source")
		for _, item := range page["data"].([]any) {
			src := item.(map[string]any)["source"].(map[string]any)
			if src["object"] != "refund" {
				t.Errorf("source %v", src["object"])
			}
		}
	})
}
