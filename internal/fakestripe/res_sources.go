package fakestripe

import "fmt"

// Payment sources saved on customers: cards on about two thirds of them
// (a few have two), US bank accounts on a few usd customers. Both are
// listed by /v1/customers/{customer}/sources?object=card|bank_account.

type cardRow struct{ customer int32 }

type bankAccountRow struct {
	customer int32
	verified bool
}

// sourcesPath is the one list endpoint both resources share.
const sourcesPath = "/v1/customers/{customer}/sources"

var cardsDef = &resourceDef{
	name: "cards", object: "card", prefix: "card", sourceObject: "card",
	listPath: sourcesPath, parent: "customers", retrieve: true,
	filters:    []filterDef{sourceObjectFilter()},
	expandable: []string{"account", "customer"},
	render:     renderCard,
}

var bankAccountsDef = &resourceDef{
	name: "bank_accounts", object: "bank_account", prefix: "ba", sourceObject: "bank_account",
	listPath: sourcesPath, parent: "customers", retrieve: true,
	filters:    []filterDef{sourceObjectFilter()},
	expandable: []string{"account", "customer"},
	render:     renderBankAccount,
}

// sourceObjectFilter is the object parameter, which chose the resource
// before the list is served (see serveSources): it restricts no further.
func sourceObjectFilter() filterDef {
	return filterDef{name: "object", compile: func(_ *dataset, t *table, p param) (rowFilter, *apiError) {
		if v, err := p.scalar("string"); err != nil || v != t.def.sourceObject {
			return rowFilter{}, badSourceObject(p.describe())
		}
		return rowFilter{}, nil
	}}
}

func badSourceObject(v string) *apiError {
	return badParam("object", "Invalid object: %s. This fake Stripe account lists sources with object=card, object=bank_account or object=source.", v)
}

func (d *dataset) genSources() {
	r := d.genRNG("sources")
	var cards []cardRow
	var banks []bankAccountRow
	for ci := range d.customerRows {
		c := &d.customerRows[ci]
		c.defaultCard, c.defaultBank = -1, -1
		if r.chance(0.65) {
			c.defaultCard = int32(len(cards))
			cards = append(cards, cardRow{customer: int32(ci)})
			if r.chance(0.1) {
				cards = append(cards, cardRow{customer: int32(ci)})
			}
		}
		if c.currency == 0 && r.chance(0.08) {
			c.defaultBank = int32(len(banks))
			banks = append(banks, bankAccountRow{customer: int32(ci), verified: r.chance(0.8)})
		}
	}
	d.cardRows, d.bankAccountRows = cards, banks
	d.cards = d.registerTable(cardsDef, len(cards), nil, columnOf(cards, func(c *cardRow) int32 { return c.customer }))
	d.bankAccounts = d.registerTable(bankAccountsDef, len(banks), nil, columnOf(banks, func(b *bankAccountRow) int32 { return b.customer }))
}

// defaultSource is the id of the customer's default source, or nil.
func (d *dataset) defaultSource(c *customerRow) any {
	if c.defaultCard >= 0 {
		return d.cards.ids[c.defaultCard]
	}
	return d.bankAccounts.ref(c.defaultBank)
}

var cardBrandNames = map[string]string{"visa": "Visa", "mastercard": "MasterCard", "amex": "American Express", "discover": "Discover", "jcb": "JCB"}

func renderCard(d *dataset, obj map[string]any, i int32) {
	c := &d.customerRows[d.cardRows[i].customer]
	r := d.rowRNG(d.cards, i, "cosmetic")
	for _, k := range []string{"address_city", "address_country", "address_line1", "address_line1_check", "address_line2",
		"address_state", "address_zip", "address_zip_check"} {
		obj[k] = nil
	}
	obj["account"] = nil
	obj["brand"] = cardBrandNames[pickWeighted(r, cardBrands)]
	obj["country"] = pick(r, []string{"US", "US", "GB", "DE", "FR", "JP"})
	obj["currency"] = nil
	obj["customer"] = d.customers.ids[d.cardRows[i].customer]
	obj["cvc_check"] = "pass"
	obj["exp_month"] = r.between(1, 12)
	obj["exp_year"] = r.between(2025, 2030)
	obj["fingerprint"] = randomChars(r, 16)
	obj["funding"] = pickWeighted(r, []weighted[string]{{"credit", 70}, {"debit", 25}, {"prepaid", 5}})
	obj["last4"] = fmt.Sprintf("%04d", r.intn(10000))
	obj["metadata"] = map[string]any{}
	obj["name"] = nullableString(c.name())
	obj["status"] = nil
	obj["tokenization_method"] = nil
}

func renderBankAccount(d *dataset, obj map[string]any, i int32) {
	b := &d.bankAccountRows[i]
	c := &d.customerRows[b.customer]
	r := d.rowRNG(d.bankAccounts, i, "cosmetic")
	obj["account"] = nil
	obj["account_holder_name"] = nullableString(c.name())
	obj["account_holder_type"] = pick(r, []string{"individual", "company"})
	obj["account_type"] = nil
	obj["bank_name"] = "STRIPE TEST BANK"
	obj["country"] = "US"
	obj["currency"] = "usd"
	obj["customer"] = d.customers.ids[b.customer]
	obj["fingerprint"] = randomChars(r, 16)
	obj["last4"] = fmt.Sprintf("%04d", r.intn(10000))
	obj["metadata"] = map[string]any{}
	obj["routing_number"] = "110000000"
	obj["status"] = "new"
	if b.verified {
		obj["status"] = "verified"
	}
}
