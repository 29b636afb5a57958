package binlogtest

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// A connected account's change made after the first read of its rows and
// before the first poll of its events is applied to the held rows and
// streamed: that poll reads the account's events from a second before the
// read, instead of only noting where they stand (which lost the change:
// the rows kept the old value until the TTL, the stream never had it).
func TestConnectedChangeBeforeFirstPoll(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{CacheTTL: time.Hour, Events: time.Hour, Binlog: true, CacheDir: t.TempDir()})
	acct := env.Fake.ConnectedAccounts()[0]
	q := "SELECT id, metadata->>'$.k' FROM customers WHERE stripe_account = ? ORDER BY id"
	env.Requests()
	env.Rows(t, q, acct)
	// The account's events are noted before its rows are read (the fake's
	// log does not show the Stripe-Account header: both are the account's).
	if reqs := env.Requests(); strings.Join(reqs, "\n") != "GET /v1/events?limit=100\nGET /v1/customers?limit=100" {
		t.Fatalf("the first read of a connected account's rows made:\n%s\nwant where its events stand, then its customers", strings.Join(reqs, "\n"))
	}
	id := env.Fake.ConnectedObjects(acct, "customers")[0]["id"].(string)
	fakeAs(t, env.Fake, stripesqltest.Key, acct, "POST", "/v1/customers/"+id, url.Values{"metadata[k]": {"v"}})
	if n, err := env.Client.NewEventWatcher(nil).Poll(t.Context()); err != nil || n != 1 {
		t.Fatalf("poll: %d events, %v; want the connected customer's update", n, err)
	}
	if reqs := env.Requests(); len(reqs) != 2 || !strings.HasPrefix(reqs[0], "GET /v1/events?ending_before=evt_") || !strings.HasPrefix(reqs[1], "GET /v1/events?ending_before=evt_") {
		t.Errorf("poll requests:\n%s\nwant the platform's and the connected account's events after their cursors", strings.Join(reqs, "\n"))
	}
	got, want := env.Rows(t, q, acct), env.CacheOff(t).Rows(t, q, acct)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("held rows after the poll:\n%v\nwant (cache off):\n%v", got, want)
	}
	if reqs := env.Requests(); len(reqs) != 0 {
		t.Errorf("the held rows were read again:\n%s", strings.Join(reqs, "\n"))
	}
	st, err := syncer(t, env, "root", "", "")
	if err != nil {
		t.Fatal(err)
	}
	ch := next(t, st, 1)[0]
	if ch.kind != "update" || ch.table != "customers" || ch.after["id"] != id || ch.after["stripe_account"] != acct ||
		!strings.Contains(strings.ReplaceAll(fmt.Sprint(ch.after["metadata"]), " ", ""), `"k":"v"`) {
		t.Errorf("streamed %s of %s.%s %v (stripe_account %v, metadata %v); want the update of %s with metadata k=v",
			ch.kind, ch.schema, ch.table, ch.after["id"], ch.after["stripe_account"], ch.after["metadata"], id)
	}
}
