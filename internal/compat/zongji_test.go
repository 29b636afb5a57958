package compat

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// zongjiChange is one line of zongji_client.mjs.
type zongjiChange struct {
	Ready  bool           `json:"ready"`
	Error  string         `json:"error"`
	Code   int            `json:"code"`
	GTID   string         `json:"gtid"`
	Kind   string         `json:"kind"`
	Table  string         `json:"table"`
	Before map[string]any `json:"before"`
	After  map[string]any `json:"after"`
}

// zongji runs zongji_client.mjs against env from set; lines are its
// output, one change each.
func zongji(t *testing.T, env *stripesqltest.Env, set string) <-chan zongjiChange {
	t.Helper()
	requireNodeModules(t, "@vlasky/zongji")
	host, port, err := net.SplitHostPort(env.Addr)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "zongji_client.mjs")
	cmd.Dir = "node"
	cmd.Env = append(os.Environ(), "COMPAT_HOST="+host, "COMPAT_PORT="+port, "COMPAT_GTID_SET="+set, "TZ=UTC")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan zongjiChange, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var c zongjiChange
			if json.Unmarshal(sc.Bytes(), &c) == nil {
				lines <- c
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	return lines
}

// nextChange reads zongji's next line, failing after a while.
func nextChange(t *testing.T, lines <-chan zongjiChange) zongjiChange {
	t.Helper()
	select {
	case c, ok := <-lines:
		if !ok {
			t.Fatal("zongji exited")
		}
		if c.Error != "" {
			t.Fatalf("zongji: %s (%d)", c.Error, c.Code)
		}
		return c
	case <-time.After(30 * time.Second):
		t.Fatal("zongji printed nothing for 30s")
	}
	return zongjiChange{}
}

// @vlasky/zongji, a Node.js binlog consumer, streams stripesql's change
// stream in GTID mode (its TABLE_MAP metadata, binary JSON, DECIMAL and
// DATETIME decoders are its own): a customer updated, a charge refunded
// and a customer deleted at the fake arrive as the right rows.
func TestZongjiStreamsChanges(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{CacheTTL: time.Hour, Events: 50 * time.Millisecond, Binlog: true, CacheDir: t.TempDir()})
	env.Rows(t, "SELECT id FROM customers")
	var uuid string
	if err := env.DB.QueryRow("SELECT @@server_uuid").Scan(&uuid); err != nil {
		t.Fatal(err)
	}
	lines := zongji(t, env, "")
	if c := nextChange(t, lines); !c.Ready {
		t.Fatalf("zongji's first line %+v, want ready", c)
	}
	customers := env.Fake.Objects("customers")
	cus := customers[3]["id"].(string)
	if err := env.Fake.SetMetadata("customers", cus, "plan", "pro"); err != nil {
		t.Fatal(err)
	}
	c := nextChange(t, lines)
	if c.Kind != "update" || c.Table != "customers" || c.After["id"] != cus || c.GTID != uuid+":1" ||
		fmt.Sprint(c.After["metadata"]) != "map[plan:pro]" || fmt.Sprint(c.Before["metadata"]) != "map[]" {
		t.Fatalf("customer updated: %+v", c)
	}
	var charge map[string]any
	for _, ch := range env.Fake.Objects("charges") {
		if ch["status"] == "succeeded" && ch["captured"] == true && ch["amount_refunded"] == float64(0) {
			charge = ch
			break
		}
	}
	if charge == nil {
		t.Fatal("no refundable charge")
	}
	if _, err := env.Fake.RefundCharge(charge["id"].(string), 100); err != nil {
		t.Fatal(err)
	}
	c = nextChange(t, lines)
	if c.Kind != "update" || c.Table != "charges" || c.After["id"] != charge["id"] || c.After["amount_refunded"] != float64(100) ||
		c.GTID != uuid+":2" || !strings.HasPrefix(fmt.Sprint(c.After["created"]), "20") {
		t.Fatalf("charge refunded: %+v", c)
	}
	if want := fmt.Sprintf("%.3f", charge["amount"].(float64)/100); c.After["amount_major"] != want && !strings.EqualFold(fmt.Sprint(charge["currency"]), "jpy") {
		t.Errorf("amount_major %v, want %s (amount %v %v)", c.After["amount_major"], want, charge["amount"], charge["currency"])
	}
	fake(t, env, "DELETE", "/v1/customers/"+customers[4]["id"].(string))
	c = nextChange(t, lines)
	if c.Kind != "delete" || c.Table != "customers" || c.Before["id"] != customers[4]["id"] || c.GTID != uuid+":3" {
		t.Fatalf("customer deleted: %+v", c)
	}
}

// fake sends a request to the fake Stripe account.
func fake(t *testing.T, env *stripesqltest.Env, method, path string) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	req.Header.Set("Authorization", "Bearer "+stripesqltest.Key)
	rec := httptest.NewRecorder()
	env.Fake.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body.String())
	}
}
