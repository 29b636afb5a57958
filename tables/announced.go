package tables

import "strings"

// announced are the object types whose every change Stripe announces
// with an event in API version 2023-10-16 (the spec's list of event types,
// webhook_endpoints' enabled_events): those with a .updated event (or,
// for objects that never change once made, a .created one), and a
// .deleted one where they can be deleted. Held rows of these types are
// kept right by the events alone. The others change silently somewhere:
// a payment intent's or a top-up's metadata (no payment_intent.updated,
// no topup.updated), an invoice item's amount (invoiceitem.created and
// .deleted only), a balance transaction's status (no event at all),
// a checkout session or a quote (state events only), the events list
// itself (new events are not events).
var announced = map[string]bool{
	"account":                           true, // account.updated
	"application_fee":                   true, // application_fee.created, .refunded
	"charge":                            true, // charge.updated and the state events
	"coupon":                            true,
	"credit_note":                       true,
	"customer":                          true,
	"customer_cash_balance_transaction": true, // created, never changed
	"dispute":                           true, // charge.dispute.*
	"file":                              true, // created, never changed
	"invoice":                           true,
	"issuing.authorization":             true,
	"issuing.card":                      true,
	"issuing.cardholder":                true,
	"issuing.dispute":                   true,
	"issuing.token":                     true,
	"issuing.transaction":               true,
	"mandate":                           true,
	"payment_link":                      true,
	"payment_method":                    true,
	"payout":                            true,
	"plan":                              true,
	"price":                             true,
	"product":                           true,
	"promotion_code":                    true,
	"radar.early_fraud_warning":         true,
	"refund":                            true, // refund.created, .updated, charge.refund.updated
	"subscription":                      true, // customer.subscription.*
	"subscription_schedule":             true,
	"tax_id":                            true, // customer.tax_id.*
	"tax_rate":                          true,
	"transfer":                          true,
}

// Announced reports whether Stripe announces every change of the
// table's objects with an event (see announced): its held rows are then
// kept right by the events and need not be read again on a clock.
func (s *Spec) Announced() bool {
	if s.Object == "" {
		return false
	}
	for _, o := range strings.Split(s.Object, unionSep) {
		if !announced[o] {
			return false
		}
	}
	return true
}

// finals say, for object types whose changes Stripe does not announce,
// when an object no longer changes at all (field reads a column of its
// row): such rows, once read, need no reading again on a clock. Objects
// of the other unannounced types (payment intents, top-ups, setup
// intents, invoice items… whose metadata can change at any time) may
// change whenever: their rows expire after the TTL.
var finals = map[string]func(field func(name string) any) bool{
	// A pending balance transaction becomes available (its status, and
	// nothing else, changes); an available one never changes.
	"balance_transaction": func(f func(string) any) bool { return f("status") != "pending" },
	// Events never change.
	"event": func(func(string) any) bool { return true },
	// A session cannot be updated: it only expires, or completes (and an
	// asynchronous payment then settles its payment status).
	"checkout.session": func(f func(string) any) bool {
		return f("status") == "expired" || f("status") == "complete" && f("payment_status") != "unpaid"
	},
	// A quote can be changed while it is a draft or open, not once
	// accepted or canceled.
	"quote": func(f func(string) any) bool { return f("status") == "accepted" || f("status") == "canceled" },
	// A report run that ended keeps its result.
	"reporting.report_run": func(f func(string) any) bool { return f("status") == "succeeded" || f("status") == "failed" },
	// A review that closed stays closed (reviews cannot be updated).
	"review": func(f func(string) any) bool { return f("open") == int8(0) },
	// A treasury transaction that posted or was voided no longer changes.
	"treasury.transaction": func(f func(string) any) bool { return f("status") == "posted" || f("status") == "void" },
}

// Final returns the rule saying when one of the table's objects no
// longer changes (see finals), nil when it has none: its objects are
// announced, or may change at any time.
func (s *Spec) Final() func(field func(name string) any) bool {
	if s.Announced() || strings.Contains(s.Object, unionSep) {
		return nil
	}
	return finals[s.Object]
}
