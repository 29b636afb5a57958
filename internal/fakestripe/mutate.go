package fakestripe

import "fmt"

// Test hooks that change the account the way API writes would, so that
// tests can check how stripesql notices changes (the events poller of
// --cache-refresh-events). The dataset is read without locks: call them
// between requests, never while the server may be answering one.

// RefundCharge refunds amount of charge id as Stripe does: the charge's
// amount_refunded (and refunded, once whole) change, a refund object is
// created, and a charge.refunded event carrying the charge is emitted,
// newer than every other event. It returns the refund's id.
func (s *Server) RefundCharge(id string, amount int64) (string, error) {
	d := s.data
	ci, ok := d.charges.lookup(id)
	if !ok {
		return "", fmt.Errorf("fakestripe: no charge %s", id)
	}
	c := &d.chargeRows[ci]
	if c.status != chargeSucceeded || !c.captured {
		return "", fmt.Errorf("fakestripe: charge %s is not a captured payment", id)
	}
	if amount <= 0 || c.amountRefunded+amount > c.amount {
		return "", fmt.Errorf("fakestripe: cannot refund %d of charge %s (amount %d, refunded %d)", amount, id, c.amount, c.amountRefunded)
	}
	before := d.render(d.charges, ci)
	at := d.advance()
	c.amountRefunded += amount

	d.refundRows = append(d.refundRows, refundRow{created: at, charge: ci, amount: amount, txn: -1})
	refund := d.refunds.appendRow(d.seed, at)
	d.refundsByCharge = newRefIndex(columnOf(d.refundRows, func(x *refundRow) int32 { return x.charge }), len(d.chargeRows))
	d.refundsByPaymentIntent = newRefIndex(columnOf(d.refundRows, func(x *refundRow) int32 { return d.chargeRows[x.charge].paymentIntent }),
		len(d.paymentIntentRows))

	d.keepIndexed(d.charges, ci, at, before)
	d.emit("charge.refunded", ci, at, d.render(d.charges, ci), nil)
	return d.refunds.ids[refund], nil
}

// appendRow adds a row created at the given time, with a fresh id, and
// returns its row number.
func (t *table) appendRow(seed int64, created int64) int32 {
	i := int32(t.len())
	for salt := 0; ; salt++ {
		id := makeID(seed, t.def.prefix, int(i), salt)
		if _, dup := t.byID[id]; !dup {
			t.ids = append(t.ids, id)
			t.byID[id] = i
			break
		}
	}
	if t.created != nil {
		t.created = append(t.created, created)
	}
	return i
}
