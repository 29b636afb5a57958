package engine_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/stripesql/stripesql/cache"
	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/internal/testutil"
)

// The row cache on disk (--cache-dir): what a server held, the next one
// holds; what happened at Stripe while it was down it reads as events,
// not as lists.

// durableQueries are answered from the held lists of charges and
// customers (and compared with a server without a cache).
var durableQueries = []string{
	"SELECT COUNT(*), SUM(amount), SUM(amount_refunded) FROM charges",
	"SELECT currency, COUNT(*), SUM(amount) FROM charges GROUP BY currency ORDER BY currency",
	"SELECT COUNT(*), COUNT(email), MAX(name) FROM customers",
	"SELECT id, amount, refunded, metadata FROM charges ORDER BY created DESC, id LIMIT 20",
	"SELECT id, email, name, metadata FROM customers ORDER BY created DESC, id LIMIT 20",
}

// sameAnswers runs the queries on env and on ref and compares.
func sameAnswers(t *testing.T, env, ref *stripesqltest.Env, queries []string) {
	t.Helper()
	for _, q := range queries {
		got, want := fmt.Sprint(env.Rows(t, q)), fmt.Sprint(ref.Rows(t, q))
		if got != want {
			t.Errorf("%s\n got %s\nwant %s", q, got, want)
		}
	}
}

// After a restart the held rows are there (no list is read again), and
// what changed at Stripe while the server was down — objects created,
// changed and deleted — is seen, read as events: the restart asks Stripe
// for one page of events, nothing else.
func TestRestartCatchesUp(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 3000}, CacheTTL: time.Hour,
		CacheDir: t.TempDir(), Events: time.Hour})
	ref := env.CacheOff(t)
	sameAnswers(t, env, ref, durableQueries) // cold: the lists are read
	env.Requests()

	var refundID string
	env.Restart(t, func() {
		customers := env.Fake.Objects("customers")
		charges := env.Fake.Objects("charges")
		created := env.Stripe(t, "POST", "/v1/customers", url.Values{"email": {"new@example.com"}, "name": {"New Customer"}})
		env.Stripe(t, "POST", "/v1/customers/"+customers[1]["id"].(string), url.Values{"name": {"Renamed"}})
		env.Stripe(t, "DELETE", "/v1/customers/"+customers[2]["id"].(string), nil)
		env.Stripe(t, "POST", "/v1/charges", url.Values{"amount": {"4321"}, "currency": {"usd"}, "customer": {created["id"].(string)}})
		if err := env.Fake.SetMetadata("charges", charges[5]["id"].(string), "order_id", "changed-while-down"); err != nil {
			t.Fatal(err)
		}
		for _, c := range charges {
			if c["status"] == "succeeded" && c["captured"] == true && c["amount_refunded"] == 0.0 {
				var err error
				if refundID, err = env.Fake.RefundCharge(c["id"].(string), int64(c["amount"].(float64))); err != nil {
					t.Fatal(err)
				}
				break
			}
		}
	})
	if refundID == "" {
		t.Fatal("no charge to refund")
	}
	reqs := env.Requests()
	if len(reqs) != 1 || !matchStar(reqs[0], "GET /v1/events?ending_before=evt_*&limit=100") {
		t.Errorf("restart requests:\n%s\nwant one page of the events since the last one seen", stripesqltest.Join(reqs))
	}
	sameAnswers(t, env, ref, durableQueries)
	if reqs := env.Requests(); len(reqs) != 0 {
		t.Errorf("queries after the restart asked Stripe:\n%s", stripesqltest.Join(reqs))
	}
	if got := env.Rows(t, "SELECT last_catch_up_events, row_bytes_disk > 0, events FROM stripe_meta.cache_stats"); fmt.Sprint(got) != "[[6 1 yes]]" {
		t.Errorf("cache_stats after the catch-up: %v, want 6 events applied, rows on disk, events covering", got)
	}
}

// The TTL passing does not expire rows the events keep right: a list of
// an announced table is not read again; a table whose objects change
// without events (balance transactions) is.
func TestTTLWithEventsReadsNoList(t *testing.T) {
	clock := testutil.NewClock()
	c := cache.New(cache.Options{MaxBytes: 64 << 20, TTL: time.Minute, Now: clock.Now})
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 600}, Cache: c, Events: time.Hour})
	queries := []string{"SELECT COUNT(*), SUM(amount) FROM charges", "SELECT COUNT(*) FROM customers"}
	for _, q := range append(queries, "SELECT COUNT(*) FROM balance_transactions") {
		env.Rows(t, q)
	}
	w := env.Client.NewEventWatcher(nil)
	for i := 0; i < 5; i++ {
		clock.Advance(50 * time.Second) // five times the TTL, polled all along
		if _, err := w.Poll(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	env.Requests()
	for _, q := range queries {
		env.Rows(t, q)
	}
	if reqs := env.Requests(); len(reqs) != 0 {
		t.Errorf("after the TTL, with the events polled, the announced lists were read again:\n%s", stripesqltest.Join(reqs))
	}
	env.Rows(t, "SELECT COUNT(*) FROM balance_transactions")
	if reqs := env.Requests(); len(reqs) == 0 || !strings.HasPrefix(reqs[0], "GET /v1/balance_transactions") {
		t.Errorf("balance transactions after the TTL: requests %v, want the list read again (they change without events)", reqs)
	}
	// Polls stop: the TTL applies again from the last one.
	clock.Advance(2 * time.Minute)
	env.Rows(t, queries[0])
	if reqs := env.Requests(); len(reqs) == 0 {
		t.Error("a minute past the TTL after the last poll, the charges were still served from the cache")
	}
}

// A burst of events on a large held list is applied within one poll: the
// rows show every change, and no list is read.
func TestEventBurstOnALargeHeldList(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 8000}, CacheTTL: time.Hour,
		CacheDir: t.TempDir(), CacheBytes: 2 << 20, Events: time.Hour})
	ref := env.CacheOff(t)
	env.Rows(t, "SELECT COUNT(*) FROM charges")
	charges := env.Fake.Objects("charges")
	var ids []string
	for i := 0; i < 400; i++ {
		c := charges[(i*7919)%len(charges)]
		id := c["id"].(string)
		if err := env.Fake.SetMetadata("charges", id, "burst", fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, "'"+id+"'")
	}
	env.Requests()
	n, err := env.Client.NewEventWatcher(nil).Poll(t.Context())
	if err != nil || n != 400 {
		t.Fatalf("poll: %d events, %v; want 400", n, err)
	}
	reqs := env.Requests()
	if len(reqs) < 4 || len(reqs) > 5 {
		t.Errorf("the poll made %d requests, want the 4 pages of 400 events (and the cursor's second):\n%s", len(reqs), stripesqltest.Join(reqs))
	}
	q := "SELECT id, metadata FROM charges WHERE concat(id, '') IN (" + strings.Join(ids, ",") + ") ORDER BY id"
	sameAnswers(t, env, ref, []string{q, "SELECT COUNT(*), SUM(amount) FROM charges"})
	if reqs := env.Requests(); len(reqs) != 0 {
		t.Errorf("after the burst, the queries asked Stripe:\n%s", stripesqltest.Join(reqs))
	}
}

// A list larger than memory is held whole, on disk: repeats and a
// restart read nothing from Stripe, memory stays within its bound.
func TestListLargerThanMemoryServedFromDisk(t *testing.T) {
	const bound = 1 << 20
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 6000}, CacheTTL: time.Hour,
		CacheBytes: bound, CacheDir: t.TempDir(), Events: time.Hour})
	ref := env.CacheOff(t)
	queries := []string{"SELECT COUNT(*), SUM(amount), COUNT(DISTINCT customer) FROM charges",
		"SELECT currency, SUM(amount) FROM charges GROUP BY currency ORDER BY currency",
		"SELECT id, amount FROM charges ORDER BY created DESC, id LIMIT 5"}
	sameAnswers(t, env, ref, queries)
	st := env.Rows(t, "SELECT `rows`, row_bytes_memory, row_bytes_disk, blocks, blocks_in_memory FROM stripe_meta.cache_stats")[0]
	if st[0] != "6000" || atoi(t, st[1]) > bound || atoi(t, st[2]) == 0 || atoi(t, st[3]) < 3 || atoi(t, st[4]) >= atoi(t, st[3]) {
		t.Errorf("cache_stats rows, memory, disk, blocks, in memory = %v: want 6000 rows held, memory within %d, the rest on disk", st, bound)
	}
	env.Requests()
	sameAnswers(t, env, ref, queries)
	if reqs := env.Requests(); len(reqs) != 0 {
		t.Errorf("repeats asked Stripe:\n%s", stripesqltest.Join(reqs))
	}
	env.Restart(t, nil)
	env.Requests()
	sameAnswers(t, env, ref, queries)
	if reqs := env.Requests(); len(reqs) != 0 {
		t.Errorf("after a restart, the queries asked Stripe:\n%s", stripesqltest.Join(reqs))
	}
}

// The disk bound: beyond --disk-cache-size the least recently used rows
// go (and are read again when asked for); answers stay exact.
func TestDiskBoundEvicts(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 6000}, CacheTTL: time.Hour,
		CacheBytes: 1 << 20, CacheDir: t.TempDir(), DiskBytes: 1 << 20, Events: time.Hour})
	ref := env.CacheOff(t)
	sameAnswers(t, env, ref, durableQueries)
	st := env.Rows(t, "SELECT row_bytes_disk, max_disk_bytes, `rows` FROM stripe_meta.cache_stats")[0]
	if atoi(t, st[0]) > atoi(t, st[1]) || atoi(t, st[1]) != 1<<20 || st[2] == "0" {
		t.Errorf("cache_stats disk, max disk, rows = %v: want the disk within its bound and some rows held", st)
	}
	sameAnswers(t, env, ref, durableQueries)
}

// A block on disk that fails its check is never served: it is dropped
// and its rows read from Stripe again (one created slice, not the list).
func TestCorruptBlockIsReadAgain(t *testing.T) {
	var corrupt corruptingKV
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 6000}, CacheTTL: time.Hour,
		CacheBytes: 1, CacheDir: t.TempDir(), Events: time.Hour, WrapStore: corrupt.wrap})
	ref := env.CacheOff(t)
	q := "SELECT COUNT(*), SUM(amount) FROM charges"
	sameAnswers(t, env, ref, []string{q})
	env.Requests()
	corrupt.arm() // the next block read back fails its check
	sameAnswers(t, env, ref, []string{q})
	// The block (about 2,000 charges) is read again: its created range,
	// not the list (60 pages).
	reqs := env.Requests()
	if len(reqs) == 0 || len(reqs) > 25 {
		t.Errorf("after a corrupt block: requests\n%s\nwant that block's range read again (a few pages)", stripesqltest.Join(reqs))
	}
	for _, r := range reqs {
		if !strings.Contains(r, "created[gte]=") {
			t.Errorf("request %s reads more than the corrupt block's range", r)
		}
	}
	if got := env.Rows(t, "SELECT corrupt_blocks FROM stripe_meta.cache_stats")[0][0]; got != "1" {
		t.Errorf("corrupt_blocks = %s, want 1", got)
	}
	sameAnswers(t, env, ref, []string{q})
	if reqs := env.Requests(); len(reqs) != 0 {
		t.Errorf("after the range was read again: requests\n%s", stripesqltest.Join(reqs))
	}
}

// corruptingKV makes the next block read fail its check once armed.
type corruptingKV struct {
	cache.KV
	armed chan struct{}
}

func (k *corruptingKV) wrap(kv cache.KV) cache.KV {
	k.KV, k.armed = kv, make(chan struct{}, 1)
	return k
}

func (k *corruptingKV) arm() { k.armed <- struct{}{} }

func (k *corruptingKV) Get(key []byte) ([]byte, bool, error) {
	if strings.HasPrefix(string(key), "b/") {
		select {
		case <-k.armed:
			return nil, false, cache.ErrCorrupt
		default:
		}
	}
	return k.KV.Get(key)
}

// Customers' data at rest is encrypted: no email or name in the store's
// files; a server with another key cannot read them and starts anew.
func TestStoreHoldsNoClearText(t *testing.T) {
	dir := t.TempDir()
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 300}, CacheTTL: time.Hour, CacheDir: dir, Events: time.Hour})
	rows := env.Rows(t, "SELECT email, name FROM customers WHERE email IS NOT NULL AND name IS NOT NULL LIMIT 3")
	if len(rows) == 0 {
		t.Fatal("no customer with an email and a name")
	}
	env.Rows(t, "SELECT COUNT(*) FROM customers WHERE email = ?", rows[0][0]) // a filtered stream too
	env.Restart(t, nil)                                                       // the store closed: everything is in its files
	needles := []string{}
	for _, r := range rows {
		needles = append(needles, r[0], r[1])
	}
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", path, info.Mode().Perm())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range needles {
			if strings.Contains(string(b), n) {
				t.Errorf("%s holds %q in clear", path, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("the cache directory's mode: %v, %v; want 0700", info.Mode().Perm(), err)
	}
	// Another key: nothing held is read; the customers are read from Stripe.
	env.Restart(t, nil, func(o *stripesqltest.Options) { o.APIKey = stripesqltest.Key + "other" })
	env.Requests()
	env.Rows(t, "SELECT COUNT(*) FROM customers")
	if reqs := env.Requests(); len(reqs) == 0 || !strings.HasPrefix(reqs[0], "GET /v1/customers") {
		t.Errorf("with another key: requests %v, want the customers read from Stripe", reqs)
	}
}

// A restricted key that cannot read events: the rows expire after the
// TTL, and cache_stats says why the events do not keep them right.
func TestEventsUnreadableFallBackToTTL(t *testing.T) {
	clock := testutil.NewClock()
	c := cache.New(cache.Options{MaxBytes: 64 << 20, TTL: time.Minute, Now: clock.Now})
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 300}, Cache: c, APIKey: restrictedKey})
	env.Fake.SetFault(func(r *http.Request) (bool, int, string) {
		if r.URL.Path != "/v1/events" {
			return false, 0, ""
		}
		return true, http.StatusForbidden, `{"error": {"type": "invalid_request_error", "message": "The provided key 'rk_test_` +
			strings.Repeat("*", 22) + `9f3Kq2' does not have the required permissions for this endpoint on account 'acct_1Nv0FGQ9RKHgCVdK'. Having the 'rak_event_read' permission would allow this request to continue."}}`
	})
	w := env.Client.NewEventWatcher(nil)
	if _, err := w.CatchUp(t.Context(), time.Second); err != nil {
		t.Fatalf("catch-up with a key that cannot read events: %v, want no error (the TTL takes over)", err)
	}
	got := env.Rows(t, "SELECT events FROM stripe_meta.cache_stats")[0][0]
	if !strings.Contains(got, "rak_event_read") || !strings.HasPrefix(got, "no:") {
		t.Errorf("cache_stats events = %q, want it to say the key lacks rak_event_read", got)
	}
	env.Rows(t, "SELECT COUNT(*) FROM charges")
	clock.Advance(2 * time.Minute)
	if _, err := w.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	env.Requests()
	env.Rows(t, "SELECT COUNT(*) FROM charges")
	if reqs := env.Requests(); len(reqs) == 0 || !strings.HasPrefix(reqs[0], "GET /v1/charges") {
		t.Errorf("after the TTL, without events: requests %v, want the list read again", reqs)
	}
	for _, r := range env.Requests() {
		if strings.HasPrefix(r, "GET /v1/events") {
			t.Errorf("events asked for again after a 403: %s", r)
		}
	}
}

// Webhooks: a signed delivery is applied at once (no poll, no list read);
// a delivery with a wrong signature or of another API version is refused;
// an older delivery of an object after a newer one is not applied.
func TestWebhookDeliveries(t *testing.T) {
	const secret = "whsec_stripesqltest"
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 300}, CacheTTL: time.Hour,
		CacheDir: t.TempDir(), Events: time.Hour})
	hook := httptest.NewServer(env.Client.NewEventWatcher(nil).WebhookHandler([]string{"whsec_other", secret}))
	defer hook.Close()
	charge := env.Fake.Objects("charges")[7]["id"].(string)
	meta := func() string {
		return env.Rows(t, "SELECT metadata->>'$.hook' FROM charges WHERE concat(id, '') = ?", charge)[0][0]
	}
	meta() // the list is held
	newestEvent := func() []byte {
		evs := env.Stripe(t, "GET", "/v1/events?limit=1", nil)["data"].([]any)
		b, _ := json.Marshal(evs[0])
		return b
	}
	deliver := func(payload []byte, secret string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", hook.URL, bytes.NewReader(payload))
		sig := webhook.ComputeSignature(time.Now(), payload, secret)
		req.Header.Set("Stripe-Signature", fmt.Sprintf("t=%d,v1=%s", time.Now().Unix(), hex.EncodeToString(sig)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if err := env.Fake.SetMetadata("charges", charge, "hook", "first"); err != nil {
		t.Fatal(err)
	}
	first := newestEvent()
	if err := env.Fake.SetMetadata("charges", charge, "hook", "second"); err != nil {
		t.Fatal(err)
	}
	second := newestEvent()
	env.Requests()

	if code := deliver(second, "whsec_wrong"); code != http.StatusBadRequest {
		t.Errorf("a delivery signed with another secret: %d, want 400", code)
	}
	other := bytes.Replace(second, []byte(`"api_version":"2023-10-16"`), []byte(`"api_version":"2024-06-20"`), 1)
	if code := deliver(other, secret); code != http.StatusBadRequest {
		t.Errorf("a delivery of another API version: %d, want 400", code)
	}
	if got := meta(); got != "NULL" {
		t.Errorf("after refused deliveries: metadata.hook = %s, want NULL", got)
	}
	if code := deliver(second, secret); code != http.StatusOK {
		t.Fatalf("a signed delivery: %d", code)
	}
	if got := meta(); got != "second" {
		t.Errorf("after the delivery: metadata.hook = %s, want second", got)
	}
	if code := deliver(first, secret); code != http.StatusOK {
		t.Fatalf("an older delivery: %d", code)
	}
	if got := meta(); got != "second" {
		t.Errorf("after an older delivery: metadata.hook = %s, want second (the older copy is not applied)", got)
	}
	if reqs := env.Requests(); len(reqs) != 0 {
		t.Errorf("deliveries asked Stripe:\n%s", stripesqltest.Join(reqs))
	}
	// The poll, the safety net, finds both events: nothing changes.
	if _, err := env.Client.NewEventWatcher(nil).Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := meta(); got != "second" {
		t.Errorf("after the poll: metadata.hook = %s, want second", got)
	}
}

// CALL stripe_flush() empties the disk cache too: a restart finds
// nothing held.
func TestFlushEmptiesTheDisk(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 300}, CacheTTL: time.Hour,
		CacheDir: t.TempDir(), Events: time.Hour})
	env.Rows(t, "SELECT COUNT(*) FROM charges")
	env.Rows(t, "CALL stripe_flush()")
	env.Restart(t, nil)
	if got := env.Rows(t, "SELECT `rows`, blocks FROM stripe_meta.cache_stats")[0]; got[0] != "0" || got[1] != "0" {
		t.Errorf("after a flush and a restart: rows, blocks = %v, want none", got)
	}
	env.Requests()
	env.Rows(t, "SELECT COUNT(*) FROM charges")
	if reqs := env.Requests(); len(reqs) == 0 {
		t.Error("after a flush and a restart, the charges were not read from Stripe")
	}
}

// Tables whose objects change without events are read again after the
// TTL only where they can still change: events only from a little before
// the last read (events never change), balance transactions from the
// block of the oldest pending one on (an available one never changes;
// the fake account has pending ones all along its history, so here that
// is the whole list).
func TestUnannouncedTablesReadAgainOnlyWhereTheyChange(t *testing.T) {
	clock := testutil.NewClock()
	clock.Advance(2 * 366 * 24 * time.Hour) // after the fake account's data
	c := cache.New(cache.Options{MaxBytes: 64 << 20, TTL: time.Minute, Now: clock.Now})
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 600}, Cache: c, Events: time.Hour})
	ref := env.CacheOff(t)
	queries := []string{"SELECT COUNT(*), SUM(amount), SUM(net) FROM balance_transactions", "SELECT COUNT(*), MAX(id) FROM events"}
	sameAnswers(t, env, ref, queries)
	readAt := clock.Now()
	clock.Advance(2 * time.Minute)
	if _, err := env.Client.NewEventWatcher(nil).Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	env.Requests()
	sameAnswers(t, env, ref, queries)
	reqs := env.Requests()
	wantEvents := fmt.Sprintf("GET /v1/events?created[gte]=%d&limit=*", readAt.Add(-5*time.Minute).Unix())
	var bt, ev int
	for _, r := range reqs {
		switch {
		case strings.HasPrefix(r, "GET /v1/balance_transactions?"):
			bt++
		case matchStar(r, wantEvents):
			ev++
		default:
			t.Errorf("request %s reads more than what can still change", r)
		}
	}
	if bt == 0 || ev != 1 {
		t.Errorf("requests after the TTL:\n%s\nwant the balance transactions, and one page of the newest events", stripesqltest.Join(reqs))
	}
}

// A poll reads on from the newest event seen (ending_before); when Stripe
// no longer has that event, it reads the events of its second on
// instead, skipping those it saw, and misses none.
func TestEventsCursorGoneReadsFromItsSecond(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 300}, CacheTTL: time.Hour, Events: time.Hour})
	charge := env.Fake.Objects("charges")[3]["id"].(string)
	q := "SELECT metadata->>'$.k' FROM charges WHERE concat(id, '') = ?"
	env.Rows(t, q, charge)
	env.Fake.SetFault(func(r *http.Request) (bool, int, string) {
		if r.URL.Path == "/v1/events" && r.URL.Query().Get("ending_before") != "" {
			return true, http.StatusBadRequest, `{"error": {"type": "invalid_request_error", "code": "resource_missing", "param": "ending_before", "message": "No such event: '` +
				r.URL.Query().Get("ending_before") + `'"}}`
		}
		return false, 0, ""
	})
	if err := env.Fake.SetMetadata("charges", charge, "k", "v"); err != nil {
		t.Fatal(err)
	}
	env.Requests()
	if n, err := env.Client.NewEventWatcher(nil).Poll(t.Context()); err != nil || n != 1 {
		t.Fatalf("poll: %d events, %v; want the one change", n, err)
	}
	reqs := env.Requests()
	if len(reqs) != 2 || !matchStar(reqs[0], "GET /v1/events?ending_before=evt_*&limit=100") || !matchStar(reqs[1], "GET /v1/events?created[gte]=*&limit=100") {
		t.Errorf("poll requests:\n%s\nwant the cursor's page refused, then the events of its second on", stripesqltest.Join(reqs))
	}
	if got := env.Rows(t, q, charge)[0][0]; got != "v" {
		t.Errorf("metadata.k = %s, want v", got)
	}
}

// A retrieve from a held list larger than memory reads from disk only
// the block that holds the id (each block's id filter, made the first
// time it is read), not every block; an id not held asks Stripe.
func TestRetrieveReadsOneBlockFromDisk(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{Fake: fakestripe.Options{Scale: 10000}, CacheTTL: time.Hour,
		CacheBytes: 1, CacheDir: t.TempDir(), Events: time.Hour})
	ref := env.CacheOff(t)
	env.Rows(t, "SELECT COUNT(*) FROM charges")
	charges := env.Fake.Objects("charges")
	q := "SELECT id, amount, status FROM charges WHERE id = ?"
	reads := func() int {
		return atoi(t, env.Rows(t, "SELECT disk_reads FROM stripe_meta.cache_stats")[0][0])
	}
	// retrieve checks the answers of retrieves of ids, from held rows: no
	// request, each reading from disk the block holding it at most (and
	// one whose filter may say so wrongly).
	retrieve := func(when string, ids ...any) {
		t.Helper()
		env.Requests()
		for _, id := range ids {
			before := reads()
			if got, want := fmt.Sprint(env.Rows(t, q, id)), fmt.Sprint(ref.Rows(t, q, id)); got != want {
				t.Fatalf("%s, %v: %s, want %s", when, id, got, want)
			}
			if n := reads() - before; n > 2 {
				t.Errorf("%s, the retrieve of %v read %d blocks from disk, want the one holding it", when, id, n)
			}
		}
		if reqs := env.Requests(); len(reqs) != 0 {
			t.Errorf("%s, retrieves of held charges asked Stripe:\n%s", when, stripesqltest.Join(reqs))
		}
	}
	env.Rows(t, q, charges[0]["id"]) // reads every block once, and makes their filters
	var ids []any
	for i := 1; i <= 20; i++ {
		ids = append(ids, charges[i*(len(charges)/21)]["id"])
	}
	retrieve("held", ids...)
	// Events: a charge changed, one created; their blocks' filters follow.
	changed := charges[5]["id"].(string)
	if err := env.Fake.SetMetadata("charges", changed, "k", "v"); err != nil {
		t.Fatal(err)
	}
	created := env.Stripe(t, "POST", "/v1/charges", url.Values{"amount": {"999"}, "currency": {"usd"}, "customer": {charges[0]["customer"].(string)}})
	if _, err := env.Client.NewEventWatcher(nil).Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	retrieve("after the events", changed, created["id"], charges[6]["id"])
	env.Rows(t, q, "ch_not_held")
	if reqs := env.Requests(); len(reqs) != 1 || !strings.HasPrefix(reqs[0], "GET /v1/charges/ch_not_held") {
		t.Errorf("a retrieve of an id not held: requests %v, want it asked of Stripe", reqs)
	}
}
