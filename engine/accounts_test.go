package engine_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/internal/testutil"
)

// twoAccounts serves stripe_eu and stripe_us besides stripe, over fakes
// with different seeds and sizes, sharing one cache; each has its own
// throttle.
func twoAccounts(t *testing.T, cacheTTL time.Duration) (*stripesqltest.Env, *stripesqltest.Account, *stripesqltest.Account) {
	env := stripesqltest.Start(t, stripesqltest.Options{CacheTTL: cacheTTL, RateLimit: 1000, Accounts: []stripesqltest.AccountOptions{
		{Database: "stripe_eu", Fake: fakestripe.Options{Seed: 11, Scale: 60}},
		{Database: "stripe_us", Fake: fakestripe.Options{Seed: 22, Scale: 80}},
	}})
	return env, env.Accounts["stripe_eu"], env.Accounts["stripe_us"]
}

// charges are the ids and amounts of a fake's charges, sorted.
func charges(fake *fakestripe.Server, label string) []string {
	var out []string
	for _, c := range fake.Objects("charges") {
		out = append(out, fmt.Sprintf("%s %v %d", label, c["id"], int64(c["amount"].(float64))))
	}
	sort.Strings(out)
	return out
}

// rowsText renders rows as sorted "a b c" lines.
func rowsText(rows [][]string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = strings.Join(r, " ")
	}
	sort.Strings(out)
	return out
}

// onlyCharges checks that requests are the pages of one full scan of
// /v1/charges holding n objects.
func onlyCharges(t *testing.T, account string, reqs []string, n int) {
	t.Helper()
	if want := (n + 99) / 100; len(reqs) != want {
		t.Errorf("%s received %d requests, want %d pages of /v1/charges:\n%s", account, len(reqs), want, stripesqltest.Join(reqs))
	}
	for _, r := range reqs {
		if !strings.HasPrefix(r, "GET /v1/charges?") || !strings.Contains(r, "limit=100") {
			t.Errorf("%s received %s, want only list pages of /v1/charges", account, r)
		}
	}
}

// Each account is its own database: SHOW DATABASES lists them, USE
// switches between them, and each reads its own fake only.
func TestAccountsAreDatabases(t *testing.T) {
	env, eu, us := twoAccounts(t, 0)
	dbs := stripesqltest.Column(env.Rows(t, "SHOW DATABASES"))
	for _, want := range []string{"stripe", "stripe_eu", "stripe_us", "stripe_meta"} {
		if !contains(dbs, want) {
			t.Errorf("SHOW DATABASES = %v, lacks %s", dbs, want)
		}
	}

	ctx := context.Background()
	conn, err := env.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, a := range []*stripesqltest.Account{eu, us} {
		if _, err := conn.ExecContext(ctx, "USE "+a.Database); err != nil {
			t.Fatal(err)
		}
		var current string
		var n int
		if err := conn.QueryRowContext(ctx, "SELECT DATABASE(), COUNT(*) FROM charges").Scan(&current, &n); err != nil {
			t.Fatal(err)
		}
		if want := len(a.Fake.Objects("charges")); current != a.Database || n != want {
			t.Errorf("USE %s: DATABASE() %s, %d charges, want %s and %d", a.Database, current, n, a.Database, want)
		}
		onlyCharges(t, a.Database, a.Requests(), n)
		if reqs := append(env.Requests(), otherAccount(a, eu, us).Requests()...); len(reqs) > 0 {
			t.Errorf("USE %s: the other accounts received %v", a.Database, reqs)
		}
	}

	// The mysql command-line client, connected to one account's database.
	out, err := testutil.RunMySQL(t, env.Addr, "root", "", "stripe_us", "SELECT id FROM charges ORDER BY created DESC LIMIT 1", "--skip-column-names")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(out), us.Fake.Objects("charges")[0]["id"]; got != want {
		t.Errorf("mysql stripe_us: newest charge %s, want %v", got, want)
	}
	if reqs := eu.Requests(); len(reqs) > 0 {
		t.Errorf("a query on stripe_us sent %v to stripe_eu", reqs)
	}
}

func otherAccount(a, x, y *stripesqltest.Account) *stripesqltest.Account {
	if a == x {
		return y
	}
	return x
}

// A query may read several accounts; with a shared cache, equal requests
// to different accounts are cached apart (keys are per account).
func TestCrossAccountQuery(t *testing.T) {
	env, eu, us := twoAccounts(t, time.Minute)
	const q = "SELECT 'eu', id, amount FROM stripe_eu.charges UNION ALL SELECT 'us', id, amount FROM stripe_us.charges"
	want := append(charges(eu.Fake, "eu"), charges(us.Fake, "us")...)
	sort.Strings(want)
	for run, fresh := range []bool{true, false} {
		got := rowsText(env.Rows(t, q))
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("run %d: %d rows, want %d (each account's own charges)", run+1, len(got), len(want))
		}
		euReqs, usReqs := eu.Requests(), us.Requests()
		if !fresh {
			if len(euReqs)+len(usReqs) > 0 {
				t.Errorf("run %d: requests %v %v, want none (cached)", run+1, euReqs, usReqs)
			}
			continue
		}
		onlyCharges(t, "stripe_eu", euReqs, len(eu.Fake.Objects("charges")))
		onlyCharges(t, "stripe_us", usReqs, len(us.Fake.Objects("charges")))
		if reqs := env.Requests(); len(reqs) > 0 {
			t.Errorf("the stripe account received %v", reqs)
		}
	}
	if eu.Client.Throttle() == nil || eu.Client.Throttle() == us.Client.Throttle() || eu.Client.Throttle() == env.Client.Throttle() {
		t.Error("accounts share a throttle")
	}
	// A join across accounts: the same customer ids never appear in both.
	rows := env.Rows(t, "SELECT COUNT(*) FROM stripe_eu.customers e JOIN stripe_us.customers u ON e.id = u.id")
	if rows[0][0] != "0" {
		t.Errorf("customers in both accounts: %v", rows)
	}
}

// connected_accounts lists GET /v1/accounts: the accounts a Stripe-Account
// header may name.
func TestConnectedAccountsTable(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	want := env.Fake.Objects("connected_accounts")
	got := env.Rows(t, "SELECT id, type, country, default_currency, charges_enabled FROM connected_accounts ORDER BY id")
	if len(got) != len(want) || len(want) < 2 {
		t.Fatalf("%d connected accounts, want the fake's %d (at least 2)", len(got), len(want))
	}
	byID := map[string]map[string]any{}
	for _, o := range want {
		byID[o["id"].(string)] = o
	}
	ids := env.Fake.ConnectedAccounts()
	for _, r := range got {
		o := byID[r[0]]
		enabled := map[bool]string{true: "1", false: "0"}[o["charges_enabled"] == true]
		if o == nil || r[1] != o["type"] || r[2] != o["country"] || r[3] != o["default_currency"] || r[4] != enabled {
			t.Errorf("row %v, want %v", r, o)
		}
		if !contains(ids, r[0]) {
			t.Errorf("%s is not one of the fake's connected accounts %v", r[0], ids)
		}
	}
	if reqs := env.Requests(); len(reqs) != 1 || reqs[0] != "GET /v1/accounts?limit=100" {
		t.Errorf("requests %v, want one GET /v1/accounts?limit=100", reqs)
	}
	id := want[len(want)-1]["id"].(string)
	if rows := env.Rows(t, "SELECT id FROM connected_accounts WHERE id = ?", id); len(rows) != 1 || rows[0][0] != id {
		t.Errorf("by id: %v", rows)
	}
	if reqs := env.Requests(); len(reqs) != 1 || reqs[0] != "GET /v1/accounts/"+id {
		t.Errorf("requests %v, want GET /v1/accounts/%s", reqs, id)
	}
}
