package fakestripe

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
)

// stripeClient is the official Go client pointed at the fake.
func stripeClient(t *testing.T, s *Server) *client.API {
	t.Helper()
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	backends := stripe.NewBackendsWithConfig(&stripe.BackendConfig{
		URL:               stripe.String(ts.URL),
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
		MaxNetworkRetries: stripe.Int64(0),
	})
	return client.New(testKey, backends)
}

func TestStripeGoDecodesResponses(t *testing.T) {
	s := New(Options{Seed: 42})
	sc := stripeClient(t, s)
	objs := s.Objects("charges")
	customer := mostCommon(objs, "customer")

	t.Run("charges of a customer", func(t *testing.T) {
		params := &stripe.ChargeListParams{Customer: stripe.String(customer)}
		params.Limit = stripe.Int64(2) // several pages
		var got []string
		iter := sc.Charges.List(params)
		for iter.Next() {
			ch := iter.Charge()
			if ch.Customer == nil || ch.Customer.ID != customer || ch.Amount <= 0 || ch.Currency == "" || ch.Created == 0 {
				t.Errorf("charge %s decoded as customer %v amount %d currency %q", ch.ID, ch.Customer, ch.Amount, ch.Currency)
			}
			if ch.Status == stripe.ChargeStatusSucceeded && ch.Captured && ch.BalanceTransaction == nil {
				t.Errorf("charge %s: no balance transaction", ch.ID)
			}
			got = append(got, ch.ID)
		}
		if err := iter.Err(); err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, o := range objs {
			if o["customer"] == customer {
				want = append(want, str(o, "id"))
			}
		}
		if len(want) < 3 || !slices.Equal(got, want) {
			t.Errorf("listed %v, want %v", got, want)
		}
	})
	t.Run("subscriptions with expanded customers", func(t *testing.T) {
		params := &stripe.SubscriptionListParams{Status: stripe.String("all")}
		params.AddExpand("data.customer")
		params.Filters.AddFilter("limit", "", "100")
		iter := sc.Subscriptions.List(params)
		n := 0
		for iter.Next() {
			sub := iter.Subscription()
			n++
			if sub.Customer == nil || sub.Customer.Created == 0 || len(sub.Items.Data) == 0 || sub.Items.Data[0].Price.UnitAmount <= 0 {
				t.Fatalf("subscription %s decoded badly: %+v", sub.ID, sub)
			}
		}
		if err := iter.Err(); err != nil || n != len(s.Objects("subscriptions")) {
			t.Errorf("%d subscriptions, err %v", n, err)
		}
	})
	t.Run("invoice with lines", func(t *testing.T) {
		id := str(s.Objects("invoices")[0], "id")
		inv, err := sc.Invoices.Get(id, &stripe.InvoiceParams{Params: stripe.Params{Expand: []*string{stripe.String("customer")}}})
		if err != nil {
			t.Fatal(err)
		}
		if inv.ID != id || inv.Customer == nil || inv.Customer.Email == "" && inv.CustomerEmail != "" || len(inv.Lines.Data) == 0 {
			t.Errorf("invoice decoded badly: %+v", inv)
		}
		lines := sc.Invoices.ListLines(&stripe.InvoiceListLinesParams{Invoice: stripe.String(id)})
		count := 0
		for lines.Next() {
			count++
			if lines.InvoiceLineItem().Price == nil {
				t.Error("line without price")
			}
		}
		if lines.Err() != nil || count != len(inv.Lines.Data) {
			t.Errorf("%d lines, err %v", count, lines.Err())
		}
	})
	t.Run("balance transactions and refunds", func(t *testing.T) {
		params := &stripe.BalanceTransactionListParams{Type: stripe.String("refund")}
		params.Limit = stripe.Int64(5)
		params.Single = true
		iter := sc.BalanceTransactions.List(params)
		for iter.Next() {
			txn := iter.BalanceTransaction()
			if txn.Type != stripe.BalanceTransactionTypeRefund || txn.Amount >= 0 || txn.Source == nil || txn.Source.ID == "" {
				t.Errorf("balance transaction decoded badly: %+v", txn)
			}
			re, err := sc.Refunds.Get(txn.Source.ID, nil)
			if err != nil || re.Amount != -txn.Amount {
				t.Errorf("refund %s: %v %v", txn.Source.ID, re, err)
			}
		}
		if iter.Err() != nil {
			t.Fatal(iter.Err())
		}
	})
	t.Run("errors", func(t *testing.T) {
		_, err := sc.Charges.Get("ch_missing", nil)
		var se *stripe.Error
		if !errors.As(err, &se) || se.HTTPStatusCode != http.StatusNotFound || se.Code != stripe.ErrorCodeResourceMissing || se.RequestID == "" {
			t.Errorf("error %#v", err)
		}
	})
}
