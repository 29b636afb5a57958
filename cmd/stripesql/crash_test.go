package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// TestMain runs the test binary as stripesql itself when a crash test
// starts it as a child (a real process to kill -9).
func TestMain(m *testing.M) {
	if os.Getenv("STRIPESQL_TEST_CHILD") == "1" {
		args := strings.Split(os.Getenv("STRIPESQL_TEST_ARGS"), "\x1f")
		if err := run(context.Background(), args, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "stripesql:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is a stripesql process the test kills.
type child struct {
	cmd  *exec.Cmd
	addr string
	db   *sql.DB
	done chan struct{}
}

// startChild starts stripesql with args and waits until it serves.
func startChild(t *testing.T, key string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "STRIPESQL_TEST_CHILD=1", "STRIPE_API_KEY="+key, "STRIPESQL_TEST_ARGS="+strings.Join(args, "\x1f"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	lines := bufio.NewScanner(out)
	served := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if m := servingAny.FindStringSubmatch(lines.Text()); m != nil {
				served <- m[1]
			}
		}
	}()
	go func() { cmd.Wait(); close(c.done) }()
	select {
	case c.addr = <-served:
	case <-c.done:
		t.Fatalf("stripesql ended before serving:\n%s", stderr.String())
	case <-time.After(60 * time.Second):
		c.kill()
		t.Fatalf("stripesql did not serve within a minute:\n%s", stderr.String())
	}
	db, err := sql.Open("mysql", "root@tcp("+c.addr+")/stripe?parseTime=true&loc=UTC")
	if err != nil {
		t.Fatal(err)
	}
	c.db = db
	t.Cleanup(c.kill)
	return c
}

// kill ends the process at once (SIGKILL: no clean-up of any kind).
func (c *child) kill() {
	if c.db != nil {
		c.db.Close()
	}
	c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
}

// The disk cache survives kill -9 at any moment: between queries, during
// a query reading a list, while events are being applied, during the
// catch-up of a restart. Each restarted server answers like a server
// without a cache (go-sql-driver over the wire, against the same fake
// account, which changes all along).
func TestKillDuringUseAnswersLikeNoCache(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills stripesql a dozen times")
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 11))
	fake := fakestripe.New(fakestripe.Options{Scale: 4000, Seed: 3})
	hs := httptest.NewServer(fake)
	t.Cleanup(hs.Close)
	ref := stripesqltest.Start(t, stripesqltest.Options{StripeURL: hs.URL})
	dir := t.TempDir()
	args := []string{"--listen", "127.0.0.1:0", "--stripe-url", hs.URL, "--cache-dir", dir, "--cache-size", "1MiB",
		"--cache-refresh-events", "200ms", "--log-level", "warn"}
	queries := []string{
		"SELECT COUNT(*), SUM(amount), SUM(amount_refunded) FROM charges",
		"SELECT currency, COUNT(*), SUM(amount) FROM charges GROUP BY currency ORDER BY currency",
		"SELECT COUNT(*), COUNT(email), MAX(name) FROM customers",
		"SELECT id, metadata, refunded FROM charges ORDER BY created DESC, id LIMIT 30",
		"SELECT id, name, email FROM customers ORDER BY created DESC, id LIMIT 30",
		"SELECT c.email, SUM(ch.amount) FROM charges ch JOIN customers c ON c.id = ch.customer GROUP BY c.email ORDER BY 2 DESC, 1 LIMIT 5",
	}
	customers, charges := fake.Objects("customers"), fake.Objects("charges")
	change := func() {
		switch rng.IntN(4) {
		case 0:
			id := charges[rng.IntN(len(charges))]["id"].(string)
			if err := fake.SetMetadata("charges", id, "round", fmt.Sprint(rng.IntN(1000))); err != nil {
				t.Fatal(err)
			}
		case 1:
			stripeWrite(t, fake, "POST", "/v1/customers", url.Values{"email": {fmt.Sprintf("c%d@example.com", rng.IntN(1e6))}})
		case 2:
			id := customers[rng.IntN(len(customers))]["id"].(string)
			stripeWrite(t, fake, "POST", "/v1/customers/"+id, url.Values{"name": {fmt.Sprintf("Name %d", rng.IntN(1000))}})
		case 3:
			c := charges[rng.IntN(len(charges))]
			if c["refunded"] != true && c["status"] == "succeeded" && c["captured"] == true {
				fake.RefundCharge(c["id"].(string), 1) // may fail if refunded meanwhile: a change or none
			}
		}
	}
	// The driver logs every connection the kills cut.
	mysql.SetLogger(log.New(io.Discard, "", 0))
	srv := startChild(t, stripesqltest.Key, args...)
	held := 0 // restarts that found rows on disk
	for round := 0; round < 10; round++ {
		for i := 0; i < 1+rng.IntN(5); i++ {
			change()
		}
		for _, q := range queries {
			sameEventually(t, round, srv.db, ref.DB, q)
		}
		var wg sync.WaitGroup
		switch how := rng.IntN(4); how {
		case 0: // between queries
		case 1: // during a query that reads a list from Stripe
			srv.db.Exec("CALL stripe_flush()")
			wg.Add(1)
			go func() { defer wg.Done(); srv.db.Query(queries[rng.IntN(2)]) }()
			time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		case 2: // while events are applied
			for i := 0; i < 50; i++ {
				change()
			}
			time.Sleep(time.Duration(150+rng.IntN(200)) * time.Millisecond)
		case 3: // during queries reading held blocks back from disk
			for i := 0; i < 3; i++ {
				wg.Add(1)
				go func() { defer wg.Done(); srv.db.Query(queries[rng.IntN(len(queries))]) }()
			}
			time.Sleep(time.Duration(rng.IntN(30)) * time.Millisecond)
		}
		srv.kill()
		wg.Wait()
		if rng.IntN(2) == 0 {
			for i := 0; i < 1+rng.IntN(10); i++ {
				change() // while it is down
			}
		}
		srv = startChild(t, stripesqltest.Key, args...)
		var rows int
		if err := srv.db.QueryRow("SELECT `rows` FROM stripe_meta.cache_stats").Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows > 0 {
			held++
		}
	}
	for _, q := range queries {
		sameEventually(t, -1, srv.db, ref.DB, q)
	}
	if held == 0 {
		t.Error("no restart found rows held on disk")
	}
	t.Logf("%d of 10 restarts found rows held on disk", held)
}

// sameEventually compares a query's answers on db and on ref, allowing
// db a few poll intervals to apply the latest events.
func sameEventually(t *testing.T, round int, db, ref *sql.DB, q string) {
	t.Helper()
	var got, want string
	for deadline := time.Now().Add(5 * time.Second); ; {
		g, err := stripesqltest.Query(context.Background(), db, q)
		if err != nil {
			t.Fatalf("round %d: %s: %v", round, q, err)
		}
		w, err := stripesqltest.Query(context.Background(), ref, q)
		if err != nil {
			t.Fatalf("round %d: reference: %s: %v", round, q, err)
		}
		got, want = fmt.Sprint(g), fmt.Sprint(w)
		if got == want || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got != want {
		t.Errorf("round %d: %s\n got %s\nwant %s", round, q, got, want)
	}
}

// stripeWrite sends a write to the fake account as another Stripe client
// would.
func stripeWrite(t *testing.T, fake *fakestripe.Server, method, path string, form url.Values) {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
	r.Header.Set("Authorization", "Bearer "+stripesqltest.Key)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	fake.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body.String())
	}
}
