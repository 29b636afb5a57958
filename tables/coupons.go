package tables

func init() {
	register(&Spec{
		Name:    "coupons",
		Object:  "coupon",
		Path:    "/v1/coupons",
		Created: true,
		Comment: "Coupons: percent or amount off that discounts apply to customers, subscriptions and invoices (GET /v1/coupons)",
	})
}
