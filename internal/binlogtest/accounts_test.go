package binlogtest

import (
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// A server of two accounts (databases stripe and stripe_eu, each its own
// Stripe key) streams each account's changes in its own schema under its
// own server uuid, numbered 1, 2, … per uuid; a connected account's
// objects carry its stripe_account, the platforms' own objects NULL. A
// consumer resuming with a set covering both uuids, after a restart and
// changes while stripesql was down, gets exactly the transactions after
// it on each.
func TestAccountsStreamUnderTheirOwnUUIDs(t *testing.T) {
	dir := t.TempDir()
	env := stripesqltest.Start(t, stripesqltest.Options{CacheTTL: time.Hour, Events: 50 * time.Millisecond, Binlog: true,
		CacheDir: filepath.Join(dir, "stripe"), Accounts: []stripesqltest.AccountOptions{
			{Database: "stripe_eu", Fake: fakestripe.Options{Seed: 11, Scale: 60}, CacheDir: filepath.Join(dir, "stripe_eu")}}})
	eu := env.Accounts["stripe_eu"]
	uuid := map[string]string{"stripe": env.Server.BinlogOf("stripe").UUID(), "stripe_eu": env.Server.BinlogOf("stripe_eu").UUID()}
	if uuid["stripe"] == uuid["stripe_eu"] {
		t.Fatalf("both accounts stream under %s", uuid["stripe"])
	}
	acct := eu.Fake.ConnectedAccounts()[0]
	// The connected account's rows are held, so its events are watched
	// (from just before that read: TestConnectedChangeBeforeFirstPoll).
	env.Rows(t, "SELECT id FROM stripe_eu.customers WHERE stripe_account = ?", acct)
	waitEventsPolled(t, eu.Fake, acct)
	connected := eu.Fake.ConnectedObjects(acct, "customers")[0]["id"].(string)
	customers, euCustomers := env.Fake.Objects("customers"), eu.Fake.Objects("customers")
	id := func(objs []map[string]any, i int) string { return objs[i]["id"].(string) }
	setMetadata := func(f *fakestripe.Server, id string) func() {
		return func() {
			if err := f.SetMetadata("customers", id, "k", "v"); err != nil {
				t.Fatal(err)
			}
		}
	}
	type want struct {
		db, id, account string
		gno             int
	}
	check := func(got change, w want) {
		t.Helper()
		wantGTID := fmt.Sprintf("%s:%d", uuid[w.db], w.gno)
		var account any
		if w.account != "" {
			account = w.account
		}
		if got.gtid != wantGTID || got.schema != w.db || got.table != "customers" || got.after["id"] != w.id || got.after["stripe_account"] != account {
			t.Errorf("got %s %s.%s %v stripe_account %v; want %s %s.customers %s stripe_account %v",
				got.gtid, got.schema, got.table, got.after["id"], got.after["stripe_account"], wantGTID, w.db, w.id, account)
		}
	}

	st, err := syncer(t, env, "root", "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		do   func()
		want want
	}{
		{setMetadata(env.Fake, id(customers, 0)), want{"stripe", id(customers, 0), "", 1}},
		{setMetadata(eu.Fake, id(euCustomers, 0)), want{"stripe_eu", id(euCustomers, 0), "", 1}},
		{func() {
			fakeAs(t, eu.Fake, eu.Key, acct, "POST", "/v1/customers/"+connected, url.Values{"metadata[k]": {"v"}})
		}, want{"stripe_eu", connected, acct, 2}},
		{setMetadata(env.Fake, id(customers, 1)), want{"stripe", id(customers, 1), "", 2}},
	} {
		step.do()
		check(next(t, st, 1)[0], step.want)
	}
	if t.Failed() {
		t.FailNow()
	}

	// Changes on both accounts while stripesql is down, and after.
	env.Restart(t, setMetadata(eu.Fake, id(euCustomers, 1)))
	if got := env.Server.BinlogOf("stripe_eu").UUID(); got != uuid["stripe_eu"] {
		t.Fatalf("stripe_eu's uuid after the restart: %s, was %s", got, uuid["stripe_eu"])
	}
	setMetadata(env.Fake, id(customers, 2))()
	executed := fmt.Sprintf("%s:1-2,%s:1-2", uuid["stripe"], uuid["stripe_eu"])
	st, err = syncer(t, env, "root", "", executed)
	if err != nil {
		t.Fatal(err)
	}
	// Each log is read from its first transaction: a repeat would come
	// first.
	got := next(t, st, 2)
	sort.Slice(got, func(i, j int) bool { return got[i].schema < got[j].schema })
	check(got[0], want{"stripe", id(customers, 2), "", 3})
	check(got[1], want{"stripe_eu", id(euCustomers, 1), "", 3})
}

// waitEventsPolled waits until the watcher has read acct's events on f.
func waitEventsPolled(t *testing.T, f *fakestripe.Server, acct string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, r := range f.Requests() {
			if r.Path == "/v1/events" && r.Account == acct && r.Status == 200 {
				return
			}
		}
	}
	t.Fatalf("%s's events were not read", acct)
}
