package tables

import (
	"slices"
	"strings"
	"testing"
)

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
		{Name: "x", Object: "charge", Path: "/v1/charges", Filters: []Filter{{Column: "customer", Only: true}}},
		{Name: "x", Object: "payout", Path: "/v1/payouts", Ranges: []Range{{Column: "amount", Param: "arrival_date"}}},
		{Name: "x", Object: "payout", Path: "/v1/payouts", Ranges: []Range{{Column: "destination"}}},
		{Name: "x", Object: "payout", Path: "/v1/payouts"}, // created filtered, not declared
		{Name: "x", Object: "charge", Path: "/v1/charges", Created: true, NotPushed: []string{"nope"}},
		{Name: "x", Object: "apps.secret", Path: "/v1/apps/secrets", Requires: []string{"name"}},
		// Search: a field that is no column, one of another type, no events
		{Name: "x", Object: "charge", Path: "/v1/charges", Created: true, Search: &Search{Token: []string{"nope"}, Events: []string{"charge.updated"}}},
		{Name: "x", Object: "charge", Path: "/v1/charges", Created: true, Search: &Search{Number: []string{"currency"}, Events: []string{"charge.updated"}}},
		{Name: "x", Object: "charge", Path: "/v1/charges", Created: true, Search: &Search{Token: []string{"status"}}},
	}
	for _, c := range cases {
		if err := c.check(); err == nil {
			t.Errorf("check(%+v) = nil, want an error", c)
		}
	}
}

// register derives from the OpenAPI spec what a table file does not
// declare: equality parameters on a field become filters, range
// parameters ranges of the field they filter, and parameters that are no
// field filter-only columns. Parameters taking a hash or an array (prices'
// recurring, a JSON field too) and one named like a field of another
// shape (promotion codes' coupon) are no filters.
func TestDerivedFilters(t *testing.T) {
	tests := []struct {
		table      string
		only       []string // filter-only columns
		filters    []string // every filter column, declared and derived
		ranges     []Range
		notColumns []string
	}{
		{table: "balance_transactions", only: []string{"payout"}, filters: []string{"type", "source", "currency", "payout"}},
		{table: "events", only: []string{"delivery_success"}, filters: []string{"type", "delivery_success"}, notColumns: []string{"types"}},
		{table: "invoice_items", only: []string{"pending"}, filters: []string{"customer", "invoice", "pending"},
			ranges: []Range{{Column: "date", Param: "created"}}},
		{table: "subscriptions", only: []string{"price"}, filters: []string{"customer", "status", "collection_method", "price", "test_clock"},
			ranges: []Range{{Column: "current_period_end"}, {Column: "current_period_start"}}},
		{table: "customers", filters: []string{"email", "test_clock"}},
		{table: "promotion_codes", filters: []string{"active", "code", "customer"}},
		{table: "prices", filters: []string{"active", "currency", "product", "type"}, notColumns: []string{"lookup_keys"}},
		{table: "payouts", filters: []string{"destination", "status"}, ranges: []Range{{Column: "arrival_date"}}},
		{table: "checkout_sessions", filters: []string{"customer", "payment_intent", "payment_link", "status", "subscription"}},
		{table: "cards", filters: nil},
		{table: "invoice_line_items", filters: nil},
		// tables declared from the catalog alone
		{table: "issuing_cards", filters: []string{"last4", "status", "type"}, notColumns: []string{"exp_month_filter"}},
		{table: "treasury_transactions", filters: []string{"status"}}, // order_by is always created
		{table: "terminal_readers", filters: []string{"device_type", "location", "serial_number", "status"}},
		{table: "subscription_schedules", only: []string{"scheduled"}, filters: []string{"customer", "scheduled"},
			ranges: []Range{{Column: "canceled_at"}, {Column: "completed_at"}, {Column: "released_at"}}},
		{table: "apps_secrets", only: []string{"scope_type", "scope_user"}, filters: []string{"scope_type", "scope_user"}},
	}
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			s, ok := Lookup(tt.table)
			if !ok {
				t.Fatal("no such table")
			}
			var only, filters []string
			for _, f := range s.Filters {
				filters = append(filters, f.Column)
				if f.Only {
					only = append(only, f.Column)
				}
			}
			if !slices.Equal(only, tt.only) || !slices.Equal(filters, tt.filters) {
				t.Errorf("filters %v, filter-only %v; want %v, %v", filters, only, tt.filters, tt.only)
			}
			if !slices.Equal(s.Ranges, tt.ranges) {
				t.Errorf("ranges %v, want %v", s.Ranges, tt.ranges)
			}
			cols, err := s.AllColumns()
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cols {
				if slices.Contains(tt.notColumns, c.Name) {
					t.Errorf("%s is a column", c.Name)
				}
				if s.FilterOnly(c.Name) != slices.Contains(tt.only, c.Name) {
					t.Errorf("FilterOnly(%s) = %v", c.Name, s.FilterOnly(c.Name))
				}
				if f, _ := s.FilterOf(c.Name); f.Only && (!c.Nullable || !strings.HasPrefix(c.Comment, "Filter-only: the list parameter "+f.ParamName()+" of GET "+s.Path) ||
					strings.Contains(c.Comment, "()")) {
					t.Errorf("filter-only column %+v", c)
				}
			}
		})
	}
}

// A filter-only column is VARCHAR, or BOOLEAN for a boolean parameter.
func TestFilterOnlyColumnKinds(t *testing.T) {
	for table, want := range map[string]Kind{"balance_transactions": KindString, "subscriptions": KindString, "events": KindBool, "invoice_items": KindBool} {
		s, _ := Lookup(table)
		cols, _ := s.AllColumns()
		for _, c := range cols {
			if s.FilterOnly(c.Name) && c.Kind != want {
				t.Errorf("%s.%s is kind %v, want %v", table, c.Name, c.Kind, want)
			}
		}
	}
}

// Narrows says which list parameters the unfiltered list's rows can stand
// in for (the row cache answers those from the rows it holds).
func TestNarrows(t *testing.T) {
	tests := []struct {
		table, param string
		want         bool
	}{
		{"balance_transactions", "type", true},
		{"balance_transactions", "payout", false}, // filter-only: NULL on the unfiltered list's rows
		{"events", "types[]", true},
		{"events", "delivery_success", false},
		{"customers", "email", true},
		{"customers", "test_clock", false}, // the unfiltered list leaves test clocks' customers out
		{"subscriptions", "price", false},
		{"charges", "nope", false},
	}
	for _, tt := range tests {
		s, _ := Lookup(tt.table)
		if got := s.Narrows(tt.param); got != tt.want {
			t.Errorf("%s: Narrows(%q) = %v, want %v", tt.table, tt.param, got, tt.want)
		}
	}
}
