package fakestripe

import (
	"reflect"
	"slices"
	"testing"

	stripe "github.com/stripe/stripe-go/v76"
)

// iterator is what every stripe-go list iterator offers.
type iterator interface {
	Next() bool
	Current() interface{}
	Err() error
}

// The official client decodes every list of the catalog, page after page,
// into its types, and the single-object endpoints too.
func TestStripeGoDecodesTheCatalog(t *testing.T) {
	s := New(Options{Seed: 42, Scale: 300})
	sc := stripeClient(t, s)
	page := stripe.ListParams{Limit: stripe.Int64(100)}
	sub := str(s.Objects("subscription_items")[0], "subscription")
	cus := str(s.Objects("cards")[0], "customer")
	lists := []struct {
		resource string
		iter     iterator
		keep     func(map[string]any) bool
	}{
		{"payment_intents", sc.PaymentIntents.List(&stripe.PaymentIntentListParams{ListParams: page}), nil},
		{"disputes", sc.Disputes.List(&stripe.DisputeListParams{ListParams: page}), nil},
		{"events", sc.Events.List(&stripe.EventListParams{ListParams: page}), nil},
		{"invoice_items", sc.InvoiceItems.List(&stripe.InvoiceItemListParams{ListParams: page}), nil},
		{"credit_notes", sc.CreditNotes.List(&stripe.CreditNoteListParams{ListParams: page}), nil},
		{"checkout_sessions", sc.CheckoutSessions.List(&stripe.CheckoutSessionListParams{ListParams: page}), nil},
		{"coupons", sc.Coupons.List(&stripe.CouponListParams{ListParams: page}), nil},
		{"promotion_codes", sc.PromotionCodes.List(&stripe.PromotionCodeListParams{ListParams: page}), nil},
		{"tax_rates", sc.TaxRates.List(&stripe.TaxRateListParams{ListParams: page}), nil},
		{"plans", sc.Plans.List(&stripe.PlanListParams{ListParams: page}), nil},
		{"payouts", sc.Payouts.List(&stripe.PayoutListParams{ListParams: page}), nil},
		{"transfers", sc.Transfers.List(&stripe.TransferListParams{ListParams: page}), nil},
		{"application_fees", sc.ApplicationFees.List(&stripe.ApplicationFeeListParams{ListParams: page}), nil},
		{"subscription_items", sc.SubscriptionItems.List(&stripe.SubscriptionItemListParams{ListParams: page, Subscription: stripe.String(sub)}),
			equals(field("subscription"), sub)},
		{"cards", sc.PaymentSources.List(&stripe.PaymentSourceListParams{ListParams: page, Customer: stripe.String(cus), Object: stripe.String("card")}),
			equals(field("customer"), cus)},
	}
	for _, l := range lists {
		t.Run(l.resource, func(t *testing.T) {
			var got []string
			for l.iter.Next() {
				got = append(got, reflect.ValueOf(l.iter.Current()).Elem().FieldByName("ID").String())
			}
			if err := l.iter.Err(); err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, o := range s.Objects(l.resource) {
				if l.keep == nil || l.keep(o) {
					want = append(want, str(o, "id"))
				}
			}
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("decoded %d objects, want %d", len(got), len(want))
			}
		})
	}

	t.Run("upcoming invoice, balance, account", func(t *testing.T) {
		var customer string
		for _, sr := range s.data.subscriptionRows {
			if sr.billsAgain() {
				customer = s.data.customers.ids[sr.customer]
				break
			}
		}
		inv, err := sc.Invoices.Upcoming(&stripe.InvoiceUpcomingParams{Customer: stripe.String(customer)})
		if err != nil || inv.Customer.ID != customer || inv.ID != "" || len(inv.Lines.Data) == 0 {
			t.Errorf("upcoming invoice %+v, %v", inv, err)
		}
		bal, err := sc.Balance.Get(nil)
		if err != nil || len(bal.Available) != len(currencies) || len(bal.Pending) != len(currencies) {
			t.Errorf("balance %+v, %v", bal, err)
		}
		acct, err := sc.Accounts.Get()
		if err != nil || acct.ID != s.data.accountID() || acct.ExternalAccounts == nil || len(acct.ExternalAccounts.Data) != len(currencies) {
			t.Errorf("account %+v, %v", acct, err)
		}
	})
}
