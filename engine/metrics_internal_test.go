package engine

import "testing"

func TestEndpointLabel(t *testing.T) {
	for path, want := range map[string]string{
		"/v1/charges":                "/v1/charges",
		"/v1/charges/ch_123":         "/v1/charges/{id}",
		"/v1/charges/ch_123/refunds": "/v1/charges/{id}/refunds",
		"/v1/customers/cus_1/balance_transactions/cbtxn_2": "/v1/customers/{id}/balance_transactions/{id}",
		"/v1/customers/search":                             "/v1/customers/search",
		"/v1/invoices/upcoming":                            "/v1/invoices/upcoming",
		"/v1/balance_transactions":                         "/v1/balance_transactions",
	} {
		if got := endpoint(path); got != want {
			t.Errorf("endpoint(%s) = %s, want %s", path, got, want)
		}
	}
}
