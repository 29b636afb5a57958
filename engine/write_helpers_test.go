package engine_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// writeEnv is a server allowing writes over a fake account, with the cache.
func writeEnv(t *testing.T, opts stripesqltest.Options) *stripesqltest.Env {
	t.Helper()
	opts.AllowWrites = true
	return stripesqltest.Start(t, opts)
}

// takeWrites returns the writes the fake received since the last call,
// as "POST /v1/customers email=a@example.com&name=Ann" (form unescaped,
// keys sorted), and their idempotency keys; it checks that every write
// carried one.
func takeWrites(t *testing.T, env *stripesqltest.Env) (lines, keys []string) {
	t.Helper()
	for _, w := range env.Fake.Writes() {
		lines = append(lines, formatWrite(w))
		keys = append(keys, w.IdempotencyKey)
		if !strings.HasPrefix(w.IdempotencyKey, "stripesql-") {
			t.Errorf("%s: Idempotency-Key %q", formatWrite(w), w.IdempotencyKey)
		}
	}
	env.Fake.ResetWrites()
	return lines, keys
}

func formatWrite(w fakestripe.WriteRequest) string {
	s := w.Method + " " + w.Path
	if w.Account != "" {
		s += " (Stripe-Account: " + w.Account + ")"
	}
	if len(w.Form) > 0 {
		form, _ := url.QueryUnescape(w.Form.Encode())
		s += " " + form
	}
	return s
}

// lastCreated reads stripe_meta.last_created: "table id" per row.
func lastCreated(t *testing.T, env *stripesqltest.Env) []string {
	t.Helper()
	var out []string
	for i, r := range env.Rows(t, "SELECT insert_row, table_name, id FROM stripe_meta.last_created") {
		if r[0] != strconv.Itoa(i+1) {
			t.Errorf("last_created row %d has insert_row %s", i+1, r[0])
		}
		out = append(out, r[1]+" "+r[2])
	}
	return out
}

// unrefundedCharge is a captured, succeeded charge with nothing refunded.
func unrefundedCharge(t *testing.T, env *stripesqltest.Env) map[string]any {
	t.Helper()
	for _, c := range env.Fake.Objects("charges") {
		if c["status"] == "succeeded" && c["captured"] == true && c["amount_refunded"] == float64(0) {
			return c
		}
	}
	t.Fatal("no unrefunded captured charge in the fake account")
	return nil
}
