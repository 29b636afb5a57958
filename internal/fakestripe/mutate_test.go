package fakestripe

import (
	"net/url"
	"strconv"
	"testing"
)

// RefundCharge changes what every endpoint serves the way a refund does,
// and emits the newest event.
func TestRefundCharge(t *testing.T) {
	s := New(Options{Seed: 7, Scale: 200})
	var charge map[string]any
	for _, c := range s.Objects("charges") {
		if c["status"] == "succeeded" && c["captured"] == true && num(c, "amount_refunded") == 0 {
			charge = c
			break
		}
	}
	if charge == nil {
		t.Fatal("no unrefunded captured charge in the account")
	}
	id, amount := str(charge, "id"), num(charge, "amount")
	refundsBefore := len(listAll(t, s, "/v1/refunds", nil))

	refundID, err := s.RefundCharge(id, amount)
	if err != nil {
		t.Fatal(err)
	}

	got := mustGet(t, s, "/v1/charges/"+id)
	if num(got, "amount_refunded") != amount || got["refunded"] != true {
		t.Errorf("charge after refund: amount_refunded %v refunded %v, want %d true", got["amount_refunded"], got["refunded"], amount)
	}
	byCharge := listAll(t, s, "/v1/refunds", url.Values{"charge": {id}})
	if len(byCharge) != 1 || str(byCharge[0], "id") != refundID || num(byCharge[0], "amount") != amount {
		t.Errorf("refunds of %s: %v, want one refund %s of %d", id, ids(byCharge), refundID, amount)
	}
	if n := len(listAll(t, s, "/v1/refunds", nil)); n != refundsBefore+1 {
		t.Errorf("%d refunds after the refund, want %d", n, refundsBefore+1)
	}
	newest := mustGet(t, s, "/v1/events?limit=1")["data"].([]any)[0].(map[string]any)
	obj := newest["data"].(map[string]any)["object"].(map[string]any)
	if newest["type"] != "charge.refunded" || str(obj, "id") != id || num(obj, "amount_refunded") != amount {
		t.Errorf("newest event %v %v (amount_refunded %v), want charge.refunded of %s", newest["type"], obj["id"], obj["amount_refunded"], id)
	}
	since := url.Values{"created[gte]": {strconv.FormatInt(num(newest, "created"), 10)}}
	if evs := listAll(t, s, "/v1/events", since); len(evs) != 1 {
		t.Errorf("events created at or after the refund: %d, want 1", len(evs))
	}

	for _, bad := range []struct {
		id     string
		amount int64
	}{
		{id, 1},        // nothing left to refund
		{"ch_nope", 1}, // no such charge
		{id, 0},
	} {
		if _, err := s.RefundCharge(bad.id, bad.amount); err == nil {
			t.Errorf("RefundCharge(%s, %d) succeeded", bad.id, bad.amount)
		}
	}
}
