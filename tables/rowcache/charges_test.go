package rowcache

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/shopspring/decimal"
)

// A realistic table for the benchmarks and the randomized tests: the
// columns of a Stripe charge as the decoder makes them (strings, int64
// amounts, int8 booleans, UTC times, decimals, JSON documents), with the
// repetition and the NULLs of a real account's charges.

// chargeColumns are the columns of the charge table, in order.
var chargeColumns = []struct {
	name string
	kind chargeKind
}{
	{"id", kString}, {"amount", kInt}, {"amount_captured", kInt}, {"amount_refunded", kInt},
	{"application", kString}, {"application_fee", kString}, {"application_fee_amount", kInt},
	{"balance_transaction", kString}, {"billing_details", kJSON}, {"calculated_statement_descriptor", kString},
	{"captured", kBool}, {"created", kTime}, {"currency", kString}, {"customer", kString},
	{"description", kString}, {"disputed", kBool}, {"failure_balance_transaction", kString},
	{"failure_code", kString}, {"failure_message", kString}, {"fraud_details", kJSON}, {"invoice", kString},
	{"livemode", kBool}, {"metadata", kJSON}, {"on_behalf_of", kString}, {"outcome", kJSON}, {"paid", kBool},
	{"payment_intent", kString}, {"payment_method", kString}, {"payment_method_details", kJSON},
	{"radar_options", kJSON}, {"receipt_email", kString}, {"receipt_number", kString}, {"receipt_url", kString},
	{"refunded", kBool}, {"refunds", kJSON}, {"review", kString}, {"shipping", kJSON}, {"source_transfer", kString},
	{"statement_descriptor", kString}, {"statement_descriptor_suffix", kString}, {"status", kString},
	{"transfer", kString}, {"transfer_data", kJSON}, {"transfer_group", kString},
	{"fee_rate", kDecimal}, {"risk", kFloat}, {"amount_major", kDerived}, {"amount_refunded_major", kDerived},
	{"account", kString},
}

type chargeKind int

const (
	kString chargeKind = iota
	kInt
	kBool
	kTime
	kJSON
	kDecimal
	kFloat
	kDerived
)

// chargeCol is a column's position by name.
func chargeCol(name string) int {
	for i, c := range chargeColumns {
		if c.name == name {
			return i
		}
	}
	panic("no charge column " + name)
}

func chargeLayout() *Layout {
	n := len(chargeColumns)
	l := &Layout{Cols: n, IDOrd: chargeCol("id"), CreatedOrd: chargeCol("created"), Skip: make([]bool, n), JSON: make([]bool, n)}
	for i, c := range chargeColumns {
		l.Skip[i] = c.kind == kDerived
		l.JSON[i] = c.kind == kJSON
	}
	return l
}

// chargeGen makes charges: newest first, a few per second, from a few
// hundred customers.
type chargeGen struct {
	rnd     *rand.Rand
	created int64
	n       int
}

func newChargeGen(seed uint64) *chargeGen {
	return &chargeGen{rnd: rand.New(rand.NewPCG(seed, 42)), created: 1_700_000_000}
}

const idChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func (g *chargeGen) token(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = idChars[g.rnd.IntN(len(idChars))]
	}
	return string(b)
}

var (
	statuses     = []string{"succeeded", "succeeded", "succeeded", "succeeded", "failed", "pending"}
	currencies   = []string{"usd", "usd", "usd", "eur", "eur", "gbp", "cad", "jpy"}
	descriptions = []string{"Subscription creation", "Subscription update", "Payment for invoice", "Order"}
	brands       = []string{"visa", "visa", "mastercard", "amex"}
)

func (g *chargeGen) next() sql.Row {
	g.n++
	if g.rnd.IntN(3) == 0 {
		g.created -= int64(g.rnd.IntN(20))
	}
	cust := g.rnd.IntN(300)
	custID := fmt.Sprintf("cus_Q%013d", cust*7919)
	amount := int64(100 * (1 + g.rnd.IntN(200)))
	status := statuses[g.rnd.IntN(len(statuses))]
	id := "ch_3Q" + g.token(22)
	row := make(sql.Row, len(chargeColumns))
	set := func(name string, v any) { row[chargeCol(name)] = v }
	json := func(name, text string) { set(name, types.NewLazyJSONDocument([]byte(text))) }
	bit := func(b bool) int8 {
		if b {
			return 1
		}
		return 0
	}
	set("id", id)
	set("amount", amount)
	set("amount_captured", amount)
	set("amount_refunded", int64(0))
	set("balance_transaction", "txn_3Q"+g.token(22))
	json("billing_details", fmt.Sprintf(`{"address":{"city":"Paris","country":"FR","line1":"%d rue de la Paix","line2":null,"postal_code":"750%02d","state":null},"email":"customer%d@example.com","name":"Customer %d","phone":null}`, cust%97, cust%20, cust, cust))
	set("calculated_statement_descriptor", "STRIPESQL")
	set("captured", bit(status == "succeeded"))
	set("created", time.Unix(g.created, 0).UTC())
	set("currency", currencies[g.rnd.IntN(len(currencies))])
	set("customer", custID)
	set("description", descriptions[g.rnd.IntN(len(descriptions))])
	set("disputed", int8(0))
	if status == "failed" {
		set("failure_code", "card_declined")
		set("failure_message", "Your card was declined.")
	}
	json("fraud_details", `{}`)
	if g.rnd.IntN(2) == 0 {
		set("invoice", "in_1Q"+g.token(22))
	}
	set("livemode", int8(1))
	json("metadata", fmt.Sprintf(`{"order_id":"order_%06d"}`, g.n))
	json("outcome", fmt.Sprintf(`{"network_status":"approved_by_network","reason":null,"risk_level":"normal","risk_score":%d,"seller_message":"Payment complete.","type":"authorized"}`, g.rnd.IntN(100)))
	set("paid", bit(status != "failed"))
	set("payment_intent", "pi_3Q"+g.token(22))
	set("payment_method", fmt.Sprintf("pm_1Q%020d", cust*104729))
	brand := brands[cust%len(brands)]
	json("payment_method_details", fmt.Sprintf(`{"card":{"amount_authorized":%d,"authorization_code":"%06d","brand":"%s","checks":{"address_line1_check":null,"address_postal_code_check":"pass","cvc_check":"pass"},"country":"FR","exp_month":%d,"exp_year":%d,"extended_authorization":{"status":"disabled"},"fingerprint":"%s","funding":"credit","incremental_authorization":{"status":"unavailable"},"installments":null,"last4":"%04d","mandate":null,"multicapture":{"status":"unavailable"},"network":"%s","network_token":{"used":false},"network_transaction_id":"%s","overcapture":{"maximum_amount_capturable":%d,"status":"unavailable"},"regulated_status":"unregulated","three_d_secure":null,"wallet":null},"type":"card"}`,
		amount, g.rnd.IntN(1000000), brand, 1+cust%12, 2026+cust%5, fmt.Sprintf("fp%014d", cust*31), cust%10000, brand, g.token(15), amount))
	if g.rnd.IntN(4) == 0 {
		json("radar_options", `{}`)
	}
	set("receipt_email", fmt.Sprintf("customer%d@example.com", cust))
	set("receipt_url", "https://pay.stripe.com/receipts/payment/CAcaFwoVYWNjdF8xUDRhbXBsZUFjY291bnQo"+g.token(60))
	set("refunded", int8(0))
	json("refunds", fmt.Sprintf(`{"data":[],"has_more":false,"object":"list","total_count":0,"url":"/v1/charges/%s/refunds"}`, id))
	set("status", status)
	set("fee_rate", decimal.New(int64(290+g.rnd.IntN(3)), -4))
	set("risk", float64(g.rnd.IntN(1000))/10)
	return row
}

// charges returns n charges, newest first.
func charges(seed uint64, n int) []sql.Row {
	g := newChargeGen(seed)
	out := make([]sql.Row, n)
	for i := range out {
		out[i] = g.next()
	}
	return out
}

func buildRows(l *Layout, rows []sql.Row) *Block {
	b := NewBuilder(l)
	for _, row := range rows {
		b.Add(row)
	}
	return b.Build(minInt64, maxInt64)
}
