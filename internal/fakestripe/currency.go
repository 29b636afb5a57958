package fakestripe

// currency describes one settlement currency of the fake account. Amounts
// are in minor units: cents, yen (zero-decimal), fils (three-decimal).
type currency struct {
	code   string
	weight int // share of customers using it
	// rateNum/rateDen convert US cents into this currency's minor units.
	rateNum, rateDen int64
	// step is the granularity of amounts: Stripe requires three-decimal
	// currencies' amounts to end in 0.
	step int64
	// Stripe's processing fee: feePermille of the amount plus fixedFee.
	feePermille, fixedFee int64
}

var currencies = []currency{
	{code: "usd", weight: 55, rateNum: 1, rateDen: 1, step: 1, feePermille: 29, fixedFee: 30},
	{code: "eur", weight: 20, rateNum: 92, rateDen: 100, step: 1, feePermille: 25, fixedFee: 25},
	{code: "gbp", weight: 12, rateNum: 79, rateDen: 100, step: 1, feePermille: 25, fixedFee: 20},
	{code: "jpy", weight: 8, rateNum: 3, rateDen: 2, step: 1, feePermille: 36, fixedFee: 0},
	{code: "kwd", weight: 5, rateNum: 307, rateDen: 100, step: 10, feePermille: 29, fixedFee: 100},
}

// currencyID indexes currencies; rows store it instead of the code.
type currencyID uint8

func (c currencyID) String() string { return currencies[c].code }

func pickCurrency(r *rng) currencyID {
	total := 0
	for _, c := range currencies {
		total += c.weight
	}
	n := r.intn(total)
	for i, c := range currencies {
		if n < c.weight {
			return currencyID(i)
		}
		n -= c.weight
	}
	return 0
}

// fromUSDCents converts an amount, rounded to the currency's step and never
// below one step.
func (c currencyID) fromUSDCents(cents int64) int64 {
	cur := currencies[c]
	v := cents * cur.rateNum / cur.rateDen
	v -= v % cur.step
	return max(v, cur.step)
}

// roundDown rounds an amount to the currency's step.
func (c currencyID) roundDown(v int64) int64 { return v - v%currencies[c].step }

// fee is Stripe's processing fee on a charge of amount.
func (c currencyID) fee(amount int64) int64 {
	cur := currencies[c]
	return amount*cur.feePermille/1000 + cur.fixedFee
}

// randomAmount draws a payment amount: mostly $3-$200, sometimes up to $5,000.
func randomAmount(r *rng, c currencyID) int64 {
	cents := r.between(300, 20000)
	if r.chance(0.1) {
		cents = r.between(20000, 500000)
	}
	return c.fromUSDCents(cents)
}
