package tables

func init() {
	register(&Spec{
		Name:    "promotion_codes",
		Object:  "promotion_code",
		Path:    "/v1/promotion_codes",
		Created: true,
		// coupon is embedded as an object here: JSON, not an id to match.
		Filters: []Filter{{Column: "active"}, {Column: "code"}, {Column: "customer"}},
		Comment: "Promotion codes: customer-facing codes for coupons (GET /v1/promotion_codes)",
	})
}
