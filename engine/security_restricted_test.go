package engine_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// restrictedKey is a restricted key, as the fake's 403 quotes it masked.
const restrictedKey = "rk_test_51RestrictedKey9f3Kq2"

// A restricted key without a table's permission: that table fails with
// 1142 naming the table and the missing permission (never the key);
// the other tables keep working.
func TestRestrictedKey(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{APIKey: restrictedKey})
	env.Fake.SetFault(func(r *http.Request) (bool, int, string) {
		perm, ok := map[string]string{"/v1/charges": "rak_charge_read", "/v1/refunds": "rak_refund_read"}[r.URL.Path]
		if !ok {
			return false, 0, ""
		}
		// Stripe's own 403 for a restricted key.
		return true, http.StatusForbidden, `{"error": {"type": "invalid_request_error", "message": "The provided key 'rk_test_` +
			strings.Repeat("*", 22) + `9f3Kq2' does not have the required permissions for this endpoint on account 'acct_1Nv0FGQ9RKHgCVdK'. Having the '` +
			perm + `' permission would allow this request to continue."}}`
	})
	for _, tc := range []struct {
		query, table, perm string
	}{
		{"SELECT id FROM charges", "charges", "rak_charge_read"},
		{"SELECT id, amount FROM refunds WHERE created > '2020-01-01' ORDER BY created DESC LIMIT 3", "refunds", "rak_refund_read"},
	} {
		_, err := env.DB.Query(tc.query)
		if got := mysqlErrNumber(err); got != 1142 {
			t.Fatalf("%s: err = %v, want 1142", tc.query, err)
		}
		msg := err.Error()
		for _, want := range []string{"table '" + tc.table + "'", "'" + tc.perm + "' permission"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: %s\nwant it to say %q", tc.query, msg, want)
			}
		}
		if strings.Contains(msg, "9f3Kq2") {
			t.Errorf("%s: the error shows the key: %s", tc.query, msg)
		}
	}
	reqs := env.Requests()
	if len(reqs) != 2 {
		t.Errorf("requests: %v, want one per refused table (a 403 is not retried)", reqs)
	}

	customers := env.Rows(t, "SELECT id FROM customers ORDER BY id")
	if want := len(env.Fake.Objects("customers")); len(customers) != want {
		t.Errorf("customers: %d rows, want %d", len(customers), want)
	}
	// A join needing a refused table fails as a whole.
	if msg := env.Error(t, "SELECT cu.id, c.id FROM customers cu JOIN charges c ON c.customer = cu.id"); !strings.Contains(msg, "rak_charge_read") {
		t.Errorf("join with charges: %s", msg)
	}
}
