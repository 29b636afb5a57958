package engine_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// failPosts makes the fake answer the n-th POST (from 1) with a 500, and
// records every POST's idempotency key, the failed one's included.
type failPosts struct {
	mu   sync.Mutex
	n    int // 0: fail none
	seen int
	keys []string
}

func (f *failPosts) fault(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen++
	f.keys = append(f.keys, r.Header.Get("Idempotency-Key"))
	if f.seen != f.n {
		return false
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte(`{"error": {"type": "api_error", "message": "boom"}}`))
	return true
}

func (f *failPosts) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := f.keys
	f.keys, f.seen = nil, 0
	return k
}

func countCustomers(t *testing.T, env *stripesqltest.Env) int {
	t.Helper()
	env.Rows(t, "SET stripe_cache = OFF")
	defer env.Rows(t, "SET stripe_cache = ON")
	return len(env.Rows(t, "SELECT id FROM customers"))
}

// A multi-row INSERT failing part-way says which rows Stripe created; run
// again, its rows have the same idempotency keys, so the rows created the
// first time are not created twice. Run again after it succeeded, it is a
// new write.
func TestPartialInsertThenRetry(t *testing.T) {
	env := writeEnv(t, stripesqltest.Options{})
	f := &failPosts{n: 2}
	env.SetFault(f.fault)
	before := countCustomers(t, env)
	insert := "INSERT INTO customers (email) VALUES ('r1@example.com'), ('r2@example.com'), ('r3@example.com')"

	msg := env.Error(t, insert)
	first := lastCreated(t, env)
	if len(first) != 1 {
		t.Fatalf("last_created after the failure: %v, want the one row created", first)
	}
	id1 := strings.Fields(first[0])[1]
	want := "Error 1430 (HY000): INSERT of table customers failed at row 2: stripe: table customers: POST /v1/customers: 500 api_error: boom; " +
		"the 1 row(s) before it were created in Stripe and stay so: " + id1 + " (SELECT * FROM stripe_meta.last_created)"
	if msg != want {
		t.Errorf("error\n%s\nwant\n%s", msg, want)
	}
	failedKeys := f.take()
	if len(failedKeys) != 2 || failedKeys[0] == failedKeys[1] {
		t.Fatalf("keys of the failed run: %v", failedKeys)
	}

	f.n = 0 // Stripe is fine again: the client retries the statement
	if _, err := env.DB.Exec(insert); err != nil {
		t.Fatal(err)
	}
	retryKeys := f.take()
	if len(retryKeys) != 3 || retryKeys[0] != failedKeys[0] || retryKeys[1] != failedKeys[1] || retryKeys[2] == retryKeys[1] {
		t.Errorf("keys of the retry %v, want the failed run's %v then a new one", retryKeys, failedKeys)
	}
	second := lastCreated(t, env)
	if len(second) != 3 || second[0] != first[0] {
		t.Errorf("last_created after the retry: %v, want %s (the same object) first", second, first[0])
	}
	if n := countCustomers(t, env); n != before+3 {
		t.Errorf("%d customers, want %d: the retry created row 1 again", n, before+3)
	}

	if _, err := env.DB.Exec(insert); err != nil {
		t.Fatal(err)
	}
	for i, k := range f.take() {
		if k == retryKeys[i] {
			t.Errorf("row %d: the statement run again after it succeeded reused key %s", i+1, k)
		}
	}
	if n := countCustomers(t, env); n != before+6 {
		t.Errorf("%d customers, want %d", n, before+6)
	}
}

// The client's own retry of a write that got a 5xx sends the same key.
func TestServerErrorRetryKeepsTheKey(t *testing.T) {
	env := writeEnv(t, stripesqltest.Options{MaxRetries: 1})
	f := &failPosts{n: 1}
	env.SetFault(f.fault)
	before := countCustomers(t, env)
	if _, err := env.DB.Exec("INSERT INTO customers (email) VALUES ('once@example.com')"); err != nil {
		t.Fatal(err)
	}
	if keys := f.take(); len(keys) != 2 || keys[0] != keys[1] {
		t.Errorf("keys %v, want one key sent twice", keys)
	}
	if n := countCustomers(t, env); n != before+1 {
		t.Errorf("%d customers, want %d", n, before+1)
	}
}

// A prepared INSERT's keys include its arguments: two executions with
// other values are two writes.
func TestPreparedWritesKeys(t *testing.T) {
	env := writeEnv(t, stripesqltest.Options{})
	stmt, err := env.DB.Prepare("INSERT INTO customers (email) VALUES (?)")
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	for _, email := range []string{"p1@example.com", "p2@example.com", "p2@example.com"} {
		if _, err := stmt.Exec(email); err != nil {
			t.Fatalf("%s: %v", email, err)
		}
	}
	got, keys := takeWrites(t, env)
	want := []string{"POST /v1/customers email=p1@example.com", "POST /v1/customers email=p2@example.com", "POST /v1/customers email=p2@example.com"}
	if !sameStrings(got, want) || keys[0] == keys[1] || keys[1] == keys[2] {
		t.Errorf("writes %v keys %v", got, keys)
	}
}

// An UPDATE of several ids failing part-way names the ids it updated.
func TestPartialUpdate(t *testing.T) {
	env := writeEnv(t, stripesqltest.Options{})
	custs := env.Fake.Objects("customers")
	a, b := custs[0]["id"].(string), custs[1]["id"].(string)
	f := &failPosts{n: 2}
	env.SetFault(f.fault)
	update := "UPDATE customers SET description = 'retried' WHERE id IN (?, ?)"
	msg := env.Error(t, update, a, b)
	if !strings.Contains(msg, "UPDATE of table customers failed at row 2 (") || !strings.Contains(msg, "were updated in Stripe and stay so: ") {
		t.Fatalf("error %q", msg)
	}
	updated, _, _ := strings.Cut(msg[strings.Index(msg, "stay so: ")+len("stay so: "):], " ")
	if updated != a && updated != b {
		t.Errorf("error names %q as updated, want one of %s %s", updated, a, b)
	}
	failedKeys := f.take()
	takeWrites(t, env)

	// Run again: the row updated already is unchanged now (no request);
	// the other one is sent with the key it failed with (keys of an
	// UPDATE follow the object, not its place in the statement).
	f.n = 0
	if _, err := env.DB.Exec(update, a, b); err != nil {
		t.Fatal(err)
	}
	got, keys := takeWrites(t, env)
	if len(got) != 1 || strings.Contains(got[0], updated) || keys[0] != failedKeys[1] {
		t.Errorf("retry wrote %v with keys %v, want the other customer with key %s", got, keys, failedKeys[1])
	}
	for _, r := range env.Rows(t, "SELECT description FROM customers WHERE id IN (?, ?)", a, b) {
		if r[0] != "retried" {
			t.Errorf("description %q after the retry", r[0])
		}
	}
}
