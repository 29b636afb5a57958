package tables

import "testing"

// Every table's spec agrees with the 2023-10-16 OpenAPI spec.
func TestSpecsMatchTheAPI(t *testing.T) {
	if len(Specs()) == 0 {
		t.Fatal("no tables registered")
	}
	for _, s := range Specs() {
		if err := s.check(); err != nil {
			t.Error(err)
		}
	}
}

func TestSpecCheckCatchesMistakes(t *testing.T) {
	cases := []Spec{
		{Name: "x", Object: "nope", Path: "/v1/charges"},
		{Name: "x", Object: "charge", Path: "/v1/nope"},
		{Name: "x", Object: "charge", Path: "/v1/charges", Filters: []Filter{{Column: "status"}}},
		{Name: "x", Object: "charge", Path: "/v1/charges", Filters: []Filter{{Column: "nope", Param: "customer"}}},
		{Name: "x", Object: "coupon", Path: "/v1/coupons", Defaults: map[string]string{"status": "all"}},
	}
	for _, c := range cases {
		if err := c.check(); err == nil {
			t.Errorf("check(%+v) = nil, want an error", c)
		}
	}
}
