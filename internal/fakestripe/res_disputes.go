package fakestripe

// Disputes: about 1.2% of captured, unrefunded charges are disputed weeks
// later. A dispute withdraws the amount and a fee (a balance transaction);
// a won one returns the amount; inquiries (warning_*) move no money.

type disputeStatus uint8

const (
	disputeNeedsResponse disputeStatus = iota
	disputeUnderReview
	disputeWon
	disputeLost
	disputeWarningNeedsResponse
	disputeWarningClosed
)

func (s disputeStatus) String() string {
	return [...]string{"needs_response", "under_review", "won", "lost", "warning_needs_response", "warning_closed"}[s]
}

func (s disputeStatus) inquiry() bool { return s >= disputeWarningNeedsResponse }

var disputeReasons = []weighted[string]{{"fraudulent", 35}, {"product_not_received", 20}, {"duplicate", 8},
	{"subscription_canceled", 12}, {"general", 10}, {"product_unacceptable", 8}, {"credit_not_processed", 7}}

type disputeRow struct {
	created  int64
	charge   int32
	amount   int64
	reason   string
	status   disputeStatus
	closedAt int64    // when a won dispute returned the funds; 0 otherwise
	txns     [2]int32 // withdrawal and reinstatement, -1 when none
}

var disputesDef = &resourceDef{
	name: "disputes", object: "dispute", prefix: "dp",
	listPath: "/v1/disputes", retrieve: true,
	filters: []filterDef{
		refFilter("charge", "charges", func(d *dataset) refIndex { return d.disputesByCharge }),
		createdFilter(),
		refFilter("payment_intent", "payment_intents", func(d *dataset) refIndex { return d.disputesByPaymentIntent }),
	},
	expandable: []string{"charge", "payment_intent"},
	render:     renderDispute,
}

func (d *dataset) genDisputes() {
	r := d.genRNG("disputes")
	var rows []disputeRow
	for ci := range d.chargeRows {
		c := &d.chargeRows[ci]
		if c.status != chargeSucceeded || !c.captured || c.amountRefunded > 0 || !r.chance(0.012) {
			continue
		}
		x := disputeRow{created: c.created + r.between(3*day, 60*day), charge: int32(ci), amount: c.amount,
			reason: pickWeighted(r, disputeReasons), txns: [2]int32{-1, -1}}
		if x.created > d.end {
			continue
		}
		recent := x.created > d.end-21*day
		switch {
		case r.chance(0.1) && recent:
			x.status = disputeWarningNeedsResponse
		case r.chance(0.1):
			x.status = disputeWarningClosed
		case recent:
			x.status = pick(r, []disputeStatus{disputeNeedsResponse, disputeUnderReview})
		case r.chance(0.45):
			x.status, x.closedAt = disputeWon, x.created+r.between(30*day, 75*day)
			if x.closedAt > d.end {
				x.status, x.closedAt = disputeUnderReview, 0
			}
		default:
			x.status = disputeLost
		}
		c.disputed = true
		rows = append(rows, x)
	}
	sortByCreated(rows, func(x *disputeRow) int64 { return x.created })
	d.disputeRows = rows
	d.disputes = d.registerTable(disputesDef, len(rows), createdColumn(rows, func(x *disputeRow) int64 { return x.created }), nil)
	d.disputesByCharge = newRefIndex(columnOf(rows, func(x *disputeRow) int32 { return x.charge }), len(d.chargeRows))
	d.disputesByPaymentIntent = newRefIndex(columnOf(rows, func(x *disputeRow) int32 { return d.chargeRows[x.charge].paymentIntent }),
		len(d.paymentIntentRows))
}

// disputeFee is what Stripe charges for a dispute, in the charge's currency.
func disputeFee(c currencyID) int64 { return c.fromUSDCents(1500) }

func renderDispute(d *dataset, obj map[string]any, i int32) {
	x := &d.disputeRows[i]
	c := &d.chargeRows[x.charge]
	obj["amount"] = x.amount
	txns := []any{}
	for _, t := range x.txns {
		if t >= 0 {
			txns = append(txns, d.render(d.balanceTransactions, t))
		}
	}
	obj["balance_transactions"] = txns
	obj["charge"] = d.charges.ids[x.charge]
	obj["currency"] = c.currency.String()
	answered := x.status == disputeUnderReview || x.status == disputeWon || x.status == disputeLost
	details := fixtureObject(d, "dispute", "evidence_details")
	details["due_by"] = x.created + 21*day
	details["has_evidence"] = answered
	details["past_due"] = false
	details["submission_count"] = boolIndex(answered)
	obj["evidence_details"] = details
	obj["is_charge_refundable"] = x.status.inquiry()
	obj["metadata"] = map[string]any{}
	obj["payment_intent"] = d.paymentIntents.ref(c.paymentIntent)
	obj["reason"] = x.reason
	obj["status"] = x.status.String()
}
