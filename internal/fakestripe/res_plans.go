package fakestripe

import "strconv"

// Plans are the legacy view of recurring prices: Stripe serves every
// recurring price under /v1/plans too, with the price's id.

var plansDef = &resourceDef{
	name: "plans", object: "plan", // ids are the prices'
	listPath: "/v1/plans", retrieve: true,
	filters: []filterDef{
		boolFilter("active", func(d *dataset, i int32) (bool, bool) { return d.priceRows[d.planPrices[i]].active, true }),
		createdFilter(),
		refFilter("product", "products", func(d *dataset) refIndex { return d.plansByProduct }),
	},
	expandable: []string{"product"},
	render:     renderPlan,
}

// genPlans registers the recurring prices as plans, in creation order as
// the prices are.
func (d *dataset) genPlans() {
	d.priceToPlan = make([]int32, len(d.priceRows))
	var ids []string
	var created []int64
	for i, p := range d.priceRows {
		d.priceToPlan[i] = -1
		if p.recurring {
			d.priceToPlan[i] = int32(len(d.planPrices))
			d.planPrices = append(d.planPrices, int32(i))
			ids = append(ids, d.prices.ids[i])
			created = append(created, p.created)
		}
	}
	d.plans = d.registerTableWithIDs(plansDef, ids, created)
	d.plansByProduct = newRefIndex(columnOf(d.planPrices, func(p *int32) int32 { return d.priceRows[*p].product }), len(d.productRows))
}

func renderPlan(d *dataset, obj map[string]any, i int32) {
	p := &d.priceRows[d.planPrices[i]]
	obj["active"] = p.active
	obj["aggregate_usage"] = nil
	obj["amount"] = p.unitAmount
	obj["amount_decimal"] = strconv.FormatInt(p.unitAmount, 10)
	obj["billing_scheme"] = "per_unit"
	obj["currency"] = p.currency.String()
	obj["interval"] = p.interval.String()
	obj["interval_count"] = 1
	obj["metadata"] = map[string]any{}
	obj["nickname"] = priceNickname(d, p)
	obj["product"] = d.products.ids[p.product]
	obj["tiers"] = nil
	obj["tiers_mode"] = nil
	obj["transform_usage"] = nil
	obj["trial_period_days"] = nil
	obj["usage_type"] = "licensed"
}
