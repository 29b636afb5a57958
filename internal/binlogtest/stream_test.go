// Package binlogtest tests stripesql's change stream (package binlog)
// over the wire with real consumers: go-mysql's BinlogSyncer in GTID
// mode against a stripesql on the fake Stripe account.
package binlogtest

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// start runs a stripesql with the change stream on, its rows on disk in
// dir (so a restart keeps the log).
func start(t *testing.T, dir string, users []engine.User) *stripesqltest.Env {
	t.Helper()
	return stripesqltest.Start(t, stripesqltest.Options{CacheTTL: time.Hour, Events: 50 * time.Millisecond, Binlog: true,
		CacheDir: dir, Users: users})
}

// fake sends a request to the fake Stripe account and returns its answer.
func fake(t *testing.T, env *stripesqltest.Env, method, path string, form url.Values) map[string]any {
	t.Helper()
	return fakeAs(t, env.Fake, stripesqltest.Key, "", method, path, form)
}

// fakeAs sends a request to a fake Stripe server with key, on behalf of
// connected account acct unless it is "".
func fakeAs(t *testing.T, f http.Handler, key, acct, method, path string, form url.Values) map[string]any {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if acct != "" {
		req.Header.Set("Stripe-Account", acct)
	}
	rec := httptest.NewRecorder()
	f.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body.String())
	}
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// syncer connects a BinlogSyncer to env as user and streams from set.
func syncer(t *testing.T, env *stripesqltest.Env, user, password, set string) (*replication.BinlogStreamer, error) {
	t.Helper()
	return syncerTLS(t, env, user, password, set, nil)
}

// syncerTLS is syncer over TLS with tlsConfig (nil: plain TCP).
func syncerTLS(t *testing.T, env *stripesqltest.Env, user, password, set string, tlsConfig *tls.Config) (*replication.BinlogStreamer, error) {
	t.Helper()
	host, port, _ := net.SplitHostPort(env.Addr)
	p, _ := strconv.Atoi(port)
	s := replication.NewBinlogSyncer(replication.BinlogSyncerConfig{ServerID: 1001, Flavor: "mysql", Host: host, Port: uint16(p),
		User: user, Password: password, MaxReconnectAttempts: 1, DisableRetrySync: true, UseDecimal: true, TLSConfig: tlsConfig})
	t.Cleanup(s.Close)
	gs, err := gomysql.ParseMysqlGTIDSet(set)
	if err != nil {
		t.Fatal(err)
	}
	return s.StartSyncGTID(gs)
}

// change is one row event as a consumer sees it.
type change struct {
	gtid   string
	kind   string // insert, update, delete
	schema string // the database
	table  string
	before map[string]any
	after  map[string]any
}

// next reads row events until it has n, or fails after a while.
func next(t *testing.T, st *replication.BinlogStreamer, n int) []change {
	t.Helper()
	var out []change
	gtid := ""
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for len(out) < n {
		ev, err := st.GetEvent(ctx)
		if err != nil {
			t.Fatalf("after %d changes: %v", len(out), err)
		}
		switch e := ev.Event.(type) {
		case *replication.GTIDEvent:
			sid := fmt.Sprintf("%x-%x-%x-%x-%x", e.SID[0:4], e.SID[4:6], e.SID[6:8], e.SID[8:10], e.SID[10:16])
			gtid = fmt.Sprintf("%s:%d", sid, e.GNO)
		case *replication.RowsEvent:
			names := e.Table.ColumnNameString()
			row := func(r []any) map[string]any {
				m := map[string]any{}
				for i, v := range r {
					if b, ok := v.([]byte); ok { // TEXT columns arrive as bytes
						v = string(b)
					}
					m[names[i]] = v
				}
				return m
			}
			c := change{gtid: gtid, schema: string(e.Table.Schema), table: string(e.Table.Table)}
			switch ev.Header.EventType {
			case replication.WRITE_ROWS_EVENTv2:
				c.kind, c.after = "insert", row(e.Rows[0])
			case replication.UPDATE_ROWS_EVENTv2:
				c.kind, c.before, c.after = "update", row(e.Rows[0]), row(e.Rows[1])
			case replication.DELETE_ROWS_EVENTv2:
				c.kind, c.before = "delete", row(e.Rows[0])
			}
			out = append(out, c)
		}
	}
	return out
}

func num(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	}
	return -1
}

// Charges created and refunded, a customer updated and deleted at the
// fake each arrive as the right row event with the right values, in
// GTID mode from the empty set, numbered uuid:1, 2, ….
func TestStreamCarriesStripeChanges(t *testing.T) {
	env := start(t, t.TempDir(), nil)
	var uuid string
	if err := env.DB.QueryRow("SELECT @@server_uuid").Scan(&uuid); err != nil {
		t.Fatal(err)
	}
	// The lists read are held: updates carry the held row as their before
	// image.
	env.Rows(t, "SELECT id FROM charges")
	env.Rows(t, "SELECT id FROM customers")
	st, err := syncer(t, env, "root", "", "")
	if err != nil {
		t.Fatal(err)
	}
	customer := env.Fake.Objects("customers")[0]["id"].(string)
	ch := fake(t, env, "POST", "/v1/charges", url.Values{"customer": {customer}, "amount": {"4321"}, "currency": {"usd"}, "description": {"binlog"}})
	chargeID := ch["id"].(string)
	got := next(t, st, 1)
	if c := got[0]; c.kind != "insert" || c.table != "charges" || c.after["id"] != chargeID || num(c.after["amount"]) != 4321 ||
		c.after["description"] != "binlog" || c.after["customer"] != customer || c.gtid != uuid+":1" {
		t.Fatalf("charge created: %+v (server uuid %s)", c, uuid)
	}
	if _, err := env.Fake.RefundCharge(chargeID, 1000); err != nil {
		t.Fatal(err)
	}
	got = next(t, st, 1)
	if c := got[0]; c.kind != "update" || c.table != "charges" || c.after["id"] != chargeID || num(c.after["amount_refunded"]) != 1000 ||
		num(c.before["amount_refunded"]) != 0 || c.gtid != uuid+":2" {
		t.Fatalf("charge refunded: %+v", c)
	}
	if err := env.Fake.SetMetadata("customers", customer, "tier", "gold"); err != nil {
		t.Fatal(err)
	}
	got = next(t, st, 1)
	if c := got[0]; c.kind != "update" || c.table != "customers" || c.after["id"] != customer ||
		!strings.Contains(fmt.Sprint(c.after["metadata"]), `"tier":"gold"`) || c.gtid != uuid+":3" {
		t.Fatalf("customer updated: %+v", c)
	}
	fake(t, env, "DELETE", "/v1/customers/"+customer, nil)
	got = next(t, st, 1)
	if c := got[0]; c.kind != "delete" || c.table != "customers" || c.before["id"] != customer || c.gtid != uuid+":4" {
		t.Fatalf("customer deleted: %+v", c)
	}
}
