package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// stripe_account = 'acct_…' reads a connected account's data through the
// Stripe-Account header; without it the platform's own data is read.
func TestConnectedAccountsThroughStripeAccount(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	accts := env.Fake.ConnectedAccounts()
	a, b := accts[0], accts[1]
	idsOf := func(acct string) [][]string {
		var out [][]string
		for _, o := range env.Fake.ConnectedObjects(acct, "charges") {
			out = append(out, []string{fmt.Sprint(o["id"]), acct})
		}
		return out
	}

	rows := env.Rows(t, "SELECT id, stripe_account FROM charges WHERE stripe_account = ?", a)
	if want := idsOf(a); len(want) == 0 || checksum(rows) != checksum(want) || len(rows) != len(want) {
		t.Errorf("account %s: %d rows, want %d", a, len(rows), len(want))
	}
	for _, r := range env.Fake.Requests() {
		if r.Account != a {
			t.Errorf("request %s %s sent Stripe-Account %q, want %q", r.Method, r.Path, r.Account, a)
		}
		if _, ok := r.Query["stripe_account"]; ok {
			t.Errorf("stripe_account sent as a query parameter: %v", r.Query)
		}
	}
	env.Requests()

	both := env.Rows(t, "SELECT id, stripe_account FROM charges WHERE stripe_account IN (?, ?)", a, b)
	if want := append(idsOf(a), idsOf(b)...); checksum(both) != checksum(want) {
		t.Errorf("IN: %d rows, want %d", len(both), len(want))
	}
	env.Requests()

	// The platform's own data has no account.
	platform := env.Rows(t, "SELECT COUNT(*), COUNT(stripe_account) FROM charges")
	if platform[0][0] != fmt.Sprint(len(env.Fake.Objects("charges"))) || platform[0][1] != "0" {
		t.Errorf("platform rows: %v", platform)
	}
	for _, r := range env.Fake.Requests() {
		if r.Account != "" {
			t.Errorf("platform query sent Stripe-Account %q", r.Account)
		}
	}
	env.Requests()

	// A retrieve and a filtered list of a connected account.
	first := env.Fake.ConnectedObjects(a, "charges")[0]
	got := env.Rows(t, "SELECT id, amount FROM charges WHERE id = ? AND stripe_account = ?", first["id"], a)
	if len(got) != 1 || got[0][0] != first["id"] {
		t.Errorf("retrieve from %s: %v", a, got)
	}
	reqs := env.Fake.Requests()
	if len(reqs) != 1 || reqs[0].Account != a || !strings.HasSuffix(reqs[0].Path, fmt.Sprint(first["id"])) {
		t.Errorf("retrieve requests %+v", reqs)
	}
	env.Requests()

	for q, want := range map[string]string{
		"SELECT id FROM charges WHERE stripe_account = 'acct_unknown'": "does not have access to account 'acct_unknown'",
		"SELECT id FROM charges WHERE stripe_account IS NOT NULL":      "compare stripe_account with = or IN",
		"SELECT id FROM charges WHERE stripe_account > 'acct_'":        "compare stripe_account with = or IN",
	} {
		if msg := env.Error(t, q); !strings.Contains(msg, want) {
			t.Errorf("%s: error %q lacks %q", q, msg, want)
		}
	}
}
