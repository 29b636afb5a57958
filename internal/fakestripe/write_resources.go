package fakestripe

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// resourceWriter is how the fake writes one resource. Parameters are
// checked against the spec before; a writer adds what Stripe checks
// beyond the spec (a charge needs an amount) and keeps the compact rows
// that filters and renderers read up to date. Everything else a request
// sets is shown over the rendered object (dataset.show).
type resourceWriter struct {
	// create appends the row of a create request.
	create func(s *Server, d *dataset, t *table, v map[string]any) (int32, *apiError)
	// update changes the row fields an update sets; nil when filters and
	// renderers read none of them.
	update func(d *dataset, row int32, v map[string]any) *apiError
	// canDelete refuses deleting some objects, as Stripe does; nil allows
	// every delete.
	canDelete func(d *dataset, row int32) *apiError
	// blank are a created object's values where the renderer would make
	// some up for a generated one (a customer's phone, a description).
	blank map[string]any
}

// resourceWriters by the URL's resource segment.
var resourceWriters = map[string]*resourceWriter{
	"customers": {
		create: createCustomer,
		update: func(d *dataset, row int32, v map[string]any) *apiError {
			c := &d.customerRows[row]
			setString(v, "email", &c.email)
			setInt(v, "balance", &c.balance)
			return nil
		},
		blank: map[string]any{"address": nil, "description": nil, "metadata": map[string]any{}, "name": nil, "phone": nil,
			"preferred_locales": []any{}, "shipping": nil, "tax_exempt": "none"},
	},
	"products": {
		create: createProduct,
		update: func(d *dataset, row int32, v map[string]any) *apiError {
			p := &d.productRows[row]
			setBool(v, "active", &p.active)
			setString(v, "name", &p.name)
			setString(v, "url", &p.url)
			if b, ok := v["shippable"].(bool); ok {
				p.shippable = boolInt8(b)
			}
			p.updated = d.now() // the update's instant: write.go advances the clock first
			return nil
		},
		canDelete: func(d *dataset, row int32) *apiError {
			if len(d.pricesByProduct.of(row)) > 0 {
				return badParam("", "This product cannot be deleted because it has one or more user-created prices.")
			}
			return nil
		},
		blank: map[string]any{"description": nil, "features": []any{}, "images": []any{}, "metadata": map[string]any{}, "unit_label": nil},
	},
	"prices": {
		create: createPrice,
		update: func(d *dataset, row int32, v map[string]any) *apiError {
			p := &d.priceRows[row]
			setBool(v, "active", &p.active)
			setString(v, "lookup_key", &p.lookupKey)
			return nil
		},
		blank: map[string]any{"metadata": map[string]any{}, "nickname": nil, "tax_behavior": "unspecified"},
	},
	"coupons": {
		create: createCoupon,
		update: func(d *dataset, row int32, v map[string]any) *apiError {
			setString(v, "name", &d.couponRows[row].name)
			return nil
		},
		blank: map[string]any{"metadata": map[string]any{}, "name": nil},
	},
	"tax_rates": {
		create: createTaxRate,
		update: func(d *dataset, row int32, v map[string]any) *apiError {
			setBool(v, "active", &d.taxRateRows[row].active)
			return nil
		},
		blank: map[string]any{"country": nil, "description": nil, "jurisdiction": nil, "metadata": map[string]any{}, "state": nil, "tax_type": nil},
	},
	"invoiceitems": {
		create: createInvoiceItem,
		update: func(d *dataset, row int32, v map[string]any) *apiError {
			x := &d.invoiceItemRows[row]
			if n, ok := v["quantity"].(int64); ok {
				x.quantity = int32(n)
			}
			setInt(v, "amount", &x.amount)
			return nil
		},
		canDelete: func(d *dataset, row int32) *apiError {
			if d.invoiceItemRows[row].invoice >= 0 {
				return badParam("", "You can only delete invoice items that are not attached to an invoice, or attached to a draft invoice.")
			}
			return nil
		},
		blank: map[string]any{"description": nil, "metadata": map[string]any{}},
	},
	"refunds": {
		create: createRefund,
	},
	"charges": {
		create: createCharge,
		update: func(d *dataset, row int32, v map[string]any) *apiError {
			id, ok := v["customer"].(string)
			if !ok {
				return nil
			}
			customer, err := d.customerParam(id)
			if err != nil {
				return err
			}
			d.chargeRows[row].customer = customer
			d.reindexCharges()
			return nil
		},
		blank: map[string]any{"description": nil, "metadata": map[string]any{}, "receipt_email": nil},
	},
}

func createCustomer(_ *Server, d *dataset, t *table, v map[string]any) (int32, *apiError) {
	c := customerRow{defaultCard: -1, defaultBank: -1, discount: -1}
	setString(v, "email", &c.email)
	setInt(v, "balance", &c.balance)
	return d.newRow(t, "", func(at int64) {
		c.created = at
		d.customerRows = append(d.customerRows, c)
	})
}

func createProduct(_ *Server, d *dataset, t *table, v map[string]any) (int32, *apiError) {
	p := productRow{active: true, shippable: -1, defaultPrice: -1}
	setBool(v, "active", &p.active)
	setString(v, "name", &p.name)
	setString(v, "url", &p.url)
	if b, ok := v["shippable"].(bool); ok {
		p.shippable = boolInt8(b)
	}
	id, _ := v["id"].(string)
	return d.newRow(t, id, func(at int64) {
		p.created, p.updated = at, at
		d.productRows = append(d.productRows, p)
	})
}

func createPrice(_ *Server, d *dataset, t *table, v map[string]any) (int32, *apiError) {
	productID, _ := v["product"].(string)
	if productID == "" {
		return 0, badParam("product", "You must specify either `product` or `product_data` when creating a price (this fake Stripe account takes product).")
	}
	product, ok := d.products.lookup(productID)
	if !ok || d.edits.deleted[d.products][product] {
		return 0, noSuchObject(http.StatusBadRequest, "product", productID, "product")
	}
	cur, err := currencyParam(v)
	if err != nil {
		return 0, err
	}
	p := priceRow{product: product, currency: cur, active: true}
	if p.unitAmount, err = unitAmount(v); err != nil {
		return 0, err
	}
	if rec, ok := v["recurring"].(map[string]any); ok {
		p.recurring = true
		if rec["interval"] == "year" {
			p.interval = yearly
		}
	}
	setBool(v, "active", &p.active)
	setString(v, "lookup_key", &p.lookupKey)
	return d.newRow(t, "", func(at int64) {
		p.created = at
		d.priceRows = append(d.priceRows, p)
		d.priceToPlan = append(d.priceToPlan, -1) // plans are the generated recurring prices
		d.pricesByProduct = newRefIndex(columnOf(d.priceRows, func(p *priceRow) int32 { return p.product }), len(d.productRows))
	})
}

// unitAmount reads unit_amount, or unit_amount_decimal in whole units.
func unitAmount(v map[string]any) (int64, *apiError) {
	if n, ok := v["unit_amount"].(int64); ok {
		return n, nil
	}
	if s, ok := v["unit_amount_decimal"].(string); ok {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, badParam("unit_amount_decimal", "Invalid decimal: %s", s)
		}
		return int64(f), nil
	}
	return 0, badParam("unit_amount", "Missing required param: unit_amount.")
}

func createCoupon(_ *Server, d *dataset, t *table, v map[string]any) (int32, *apiError) {
	c := couponRow{duration: durationOnce}
	pct, hasPct := v["percent_off"].(float64)
	amount, hasAmount := v["amount_off"].(int64)
	switch {
	case hasPct == hasAmount:
		return 0, badParam("percent_off", "You must pass exactly one of percent_off or amount_off.")
	case hasPct:
		c.percentOff = max(1, int64(pct))
	default:
		c.amountOff = amount
		cur, err := currencyParam(v)
		if err != nil {
			return 0, err
		}
		c.currency = cur
	}
	switch v["duration"] {
	case "repeating":
		months, ok := v["duration_in_months"].(int64)
		if !ok {
			return 0, badParam("duration_in_months", "Missing required param: duration_in_months.")
		}
		c.duration, c.months = durationRepeating, int32(months)
	case "forever":
		c.duration = durationForever
	}
	if n, ok := v["max_redemptions"].(int64); ok {
		c.maxRedemptions = int32(n)
	}
	setInt(v, "redeem_by", &c.redeemBy)
	setString(v, "name", &c.name)
	id, _ := v["id"].(string)
	return d.newRow(t, id, func(at int64) {
		c.created = at
		d.couponRows = append(d.couponRows, c)
	})
}

func createTaxRate(_ *Server, d *dataset, t *table, v map[string]any) (int32, *apiError) {
	inclusive, _ := v["inclusive"].(bool)
	x := taxRateRow{active: true}
	// The row's spec decides the inclusive filter; the request's values
	// are shown over the rest.
	for k, s := range taxRateSpecs {
		if s.inclusive == inclusive {
			x.spec = k
			break
		}
	}
	setBool(v, "active", &x.active)
	return d.newRow(t, "", func(at int64) {
		x.created = at
		d.taxRateRows = append(d.taxRateRows, x)
	})
}

func createInvoiceItem(_ *Server, d *dataset, t *table, v map[string]any) (int32, *apiError) {
	customer, err := d.customerParam(v["customer"].(string))
	if err != nil {
		return 0, err
	}
	x := invoiceItemRow{customer: customer, invoice: -1, line: -1, quantity: 1}
	if n, ok := v["quantity"].(int64); ok {
		x.quantity = int32(n)
	}
	if id, ok := v["invoice"].(string); ok {
		inv, found := d.invoices.lookup(id)
		if !found {
			return 0, noSuchObject(http.StatusBadRequest, "invoice", id, "invoice")
		}
		x.invoice = inv
	}
	if id, ok := v["price"].(string); ok {
		price, found := d.prices.lookup(id)
		if !found {
			return 0, noSuchObject(http.StatusBadRequest, "price", id, "price")
		}
		x.price, x.amount = price, d.priceRows[price].unitAmount*int64(x.quantity)
	} else {
		amount, ok := v["amount"].(int64)
		if !ok {
			if amount, err = unitAmount(v); err != nil {
				return 0, badParam("amount", "Missing required param: amount (or price).")
			}
			amount *= int64(x.quantity)
		}
		cur, err := currencyParam(v)
		if err != nil {
			return 0, err
		}
		// The item's price object is one of the currency's: an ad-hoc
		// price the fake does not make.
		x.price, x.amount = d.priceInCurrency(cur), amount
		d.edits.set(t, int32(t.len()), map[string]any{"unit_amount": amount / int64(x.quantity),
			"unit_amount_decimal": strconv.FormatInt(amount/int64(x.quantity), 10)})
	}
	return d.newRow(t, "", func(at int64) {
		x.created = at
		d.invoiceItemRows = append(d.invoiceItemRows, x)
		d.invoiceItemsByCustomer = newRefIndex(columnOf(d.invoiceItemRows, func(x *invoiceItemRow) int32 { return x.customer }), len(d.customerRows))
		d.invoiceItemsByInvoice = newRefIndex(columnOf(d.invoiceItemRows, func(x *invoiceItemRow) int32 { return x.invoice }), len(d.invoiceRows))
	})
}

// priceInCurrency is the first price in a currency.
func (d *dataset) priceInCurrency(cur currencyID) int32 {
	for i, p := range d.priceRows {
		if p.currency == cur {
			return int32(i)
		}
	}
	return 0
}

// createRefund refunds a charge as the RefundCharge test hook does, with
// Stripe's errors for a charge that cannot be refunded.
func createRefund(s *Server, d *dataset, t *table, v map[string]any) (int32, *apiError) {
	if d != s.data {
		return 0, badParam("", "This fake Stripe account refunds only the platform's charges.")
	}
	ci, err := d.refundedCharge(v)
	if err != nil {
		return 0, err
	}
	c := &d.chargeRows[ci]
	left := c.amount - c.amountRefunded
	amount, given := v["amount"].(int64)
	switch {
	case c.status != chargeSucceeded || !c.captured:
		return 0, badParam("charge", "Charge %s has not been captured, or has failed: there is nothing to refund.", d.charges.ids[ci])
	case left == 0:
		return 0, &apiError{status: http.StatusBadRequest, Type: "invalid_request_error", Code: "charge_already_refunded",
			Param: "charge", Message: fmt.Sprintf("Charge %s has already been refunded.", d.charges.ids[ci])}
	case !given:
		amount = left
	case amount <= 0 || amount > left:
		return 0, badParam("amount", "Refund amount (%s) is greater than unrefunded amount on charge (%s)",
			formatAmount(amount, c.currency), formatAmount(left, c.currency))
	}
	id, rerr := s.RefundCharge(d.charges.ids[ci], amount)
	if rerr != nil {
		return 0, badParam("charge", "%s", strings.TrimPrefix(rerr.Error(), "fakestripe: "))
	}
	row, _ := t.lookup(id)
	if reason, ok := v["reason"].(string); ok {
		for k, r := range refundReasons {
			if r == reason {
				d.refundRows[row].reason = uint8(k)
			}
		}
	}
	return row, nil
}

// refundedCharge is the charge a refund names, directly or by its
// payment intent.
func (d *dataset) refundedCharge(v map[string]any) (int32, *apiError) {
	if id, ok := v["charge"].(string); ok {
		ci, found := d.charges.lookup(id)
		if !found {
			return 0, noSuchObject(http.StatusBadRequest, "charge", id, "charge")
		}
		return ci, nil
	}
	id, ok := v["payment_intent"].(string)
	if !ok {
		return 0, badParam("charge", "One of the following params should be provided for this request: payment_intent or charge.")
	}
	pi, found := d.paymentIntents.lookup(id)
	if !found {
		return 0, noSuchObject(http.StatusBadRequest, "payment_intent", id, "payment_intent")
	}
	for _, ci := range d.chargesByPaymentIntent.of(pi) {
		if d.chargeRows[ci].status == chargeSucceeded {
			return ci, nil
		}
	}
	return 0, badParam("payment_intent", "PaymentIntent %s does not have a successful charge to refund.", id)
}

func createCharge(_ *Server, d *dataset, t *table, v map[string]any) (int32, *apiError) {
	amount, ok := v["amount"].(int64)
	if !ok {
		return 0, missingParam("amount")
	}
	cur, err := currencyParam(v)
	if err != nil {
		return 0, err
	}
	c := chargeRow{customer: -1, invoice: -1, currency: cur, status: chargeSucceeded, captured: true, amount: amount,
		transferGroup: -1, txn: -1, paymentIntent: -1}
	id, hasCustomer := v["customer"].(string)
	if _, hasSource := v["source"].(string); !hasCustomer && !hasSource {
		return 0, badParam("", "Must provide source or customer.")
	}
	if hasCustomer {
		if c.customer, err = d.customerParam(id); err != nil {
			return 0, err
		}
	}
	setBool(v, "capture", &c.captured)
	return d.newRow(t, "", func(at int64) {
		c.created = at
		d.chargeRows = append(d.chargeRows, c)
		d.reindexCharges()
	})
}

func (d *dataset) reindexCharges() {
	d.chargesByCustomer = newRefIndex(columnOf(d.chargeRows, func(c *chargeRow) int32 { return c.customer }), len(d.customerRows))
}

// customerParam finds the customer a parameter names.
func (d *dataset) customerParam(id string) (int32, *apiError) {
	row, ok := d.customers.lookup(id)
	if !ok || d.edits.deleted[d.customers][row] {
		return 0, noSuchObject(http.StatusBadRequest, "customer", id, "customer")
	}
	return row, nil
}

// currencyParam reads the currency parameter: one of the fake's.
func currencyParam(v map[string]any) (currencyID, *apiError) {
	code, ok := v["currency"].(string)
	if !ok {
		return 0, missingParam("currency")
	}
	for i, c := range currencies {
		if c.code == strings.ToLower(code) {
			return currencyID(i), nil
		}
	}
	codes := make([]string, len(currencies))
	for i, c := range currencies {
		codes[i] = c.code
	}
	return 0, badParam("currency", "Invalid currency: %s. This fake Stripe account settles in %s.", code, strings.Join(codes, ", "))
}

func setString(v map[string]any, key string, dst *string) {
	if _, given := v[key]; given {
		s, _ := v[key].(string) // nil: cleared
		*dst = s
	}
}

func setInt(v map[string]any, key string, dst *int64) {
	if n, ok := v[key].(int64); ok {
		*dst = n
	}
}

func setBool(v map[string]any, key string, dst *bool) {
	if b, ok := v[key].(bool); ok {
		*dst = b
	}
}

func boolInt8(b bool) int8 {
	if b {
		return 1
	}
	return 0
}
