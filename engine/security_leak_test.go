package engine_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// leakKey is distinctive: neither it, its body nor its last four
// characters occur in the fake account's data.
const leakKey = "sk_test_LeakCanary7Qz9Xw2Vb5Zq8W"

// leakForms are the ways the key could show: whole, without its prefix,
// masked as Stripe masks it in errors (last four kept), and those four.
var leakForms = []string{leakKey, strings.TrimPrefix(leakKey, "sk_test_"), "****Zq8W", "Zq8W"}

// The key never reaches a client or the log: a varied workload, with
// failures and faults whose Stripe answers echo the key, is run and every
// cell, error and log line is searched for it.
func TestKeyNeverLeaks(t *testing.T) {
	var logs stripesqltest.Logs
	env := stripesqltest.Start(t, stripesqltest.Options{APIKey: leakKey, Logger: logs.Logger(), MaxRetries: 1, CacheTTL: time.Minute})
	// The fake's data must not contain the forms searched for, or the test
	// would prove nothing.
	var data strings.Builder
	for _, r := range env.Fake.Resources() {
		fmt.Fprint(&data, env.Fake.Objects(r))
	}
	for _, f := range leakForms {
		if strings.Contains(data.String(), f) {
			t.Fatalf("the fake account's data contains %q: choose another key", f)
		}
	}

	env.SetFault(echoKeyFaults)
	var seen strings.Builder // every cell and error the clients received
	record := func(q string, rows [][]string, err error) {
		fmt.Fprintln(&seen, q, rows, err)
	}
	workload := []string{
		"SELECT id, amount, customer, metadata FROM charges ORDER BY created DESC LIMIT 20",
		"SELECT * FROM customers LIMIT 5",
		"SELECT count(*) FROM invoices",
		"SELECT c.id, cu.email FROM charges c JOIN customers cu ON cu.id = c.customer LIMIT 10",
		"SELECT * FROM charges WHERE id = 'ch_does_not_exist'",
		"EXPLAIN SELECT * FROM charges WHERE customer = 'cus_x' AND created > '2023-01-01'",
		"EXPLAIN FORMAT=TREE SELECT * FROM refunds",
		"SHOW VARIABLES",
		"SHOW GLOBAL VARIABLES",
		"SHOW STATUS",
		"SHOW PROCESSLIST",
		"SHOW FULL PROCESSLIST",
		"SELECT * FROM information_schema.processlist",
		"SELECT * FROM information_schema.global_variables",
		"SELECT * FROM information_schema.session_variables",
		"SELECT table_name, table_comment FROM information_schema.tables",
		"SELECT * FROM information_schema.columns WHERE table_schema = 'stripe' AND table_name = 'charges'",
		"SHOW CREATE TABLE charges",
		"SHOW GRANTS",
		"SELECT @@version, @@version_comment, @@hostname, @@secure_file_priv, CURRENT_USER(), USER(), DATABASE()",
		"SELECT LOAD_FILE('/proc/self/environ')",
		"SELECT * FROM information_schema.tables WHERE table_schema = 'mysql'",
		// Failures of every kind: the faults answer these with errors that
		// echo the key (see echoKeyFaults).
		"SELECT * FROM refunds",                        // 401 with the key masked
		"SELECT * FROM subscriptions",                  // 400 echoing the Authorization header
		"SELECT * FROM balance_transactions",           // truncated JSON echoing the key
		"SELECT id FROM invoices WHERE id = 'in_leak'", // 500 echoing the key
		"SELECT nonsense FROM charges",
		"SELECT * FROM no_such_table",
		"SELEKT 1",
		"INSERT INTO charges (id) VALUES ('x')",
		"SET GLOBAL max_connections = 1",
		"SELECT sleep('x')",
	}
	for _, q := range workload {
		rows, err := query(env.DB, q)
		record(q, rows, err)
	}
	// Statements stopped by a deadline and by KILL QUERY.
	conn, err := env.DB.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "SET max_execution_time = 1"); err != nil {
		t.Fatal(err)
	}
	rows, err := query(conn, "SELECT * FROM charges")
	record("deadline", rows, err)
	// What anything printing the client (a panic, a debug dump) shows.
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		fmt.Fprintf(&seen, verb+"\n", env.Client)
	}

	everything := seen.String() + "\n" + logs.String()
	for _, f := range leakForms {
		if i := strings.Index(everything, f); i >= 0 {
			t.Errorf("the key (as %q) leaked: …%s…", f, everything[max(0, i-200):min(len(everything), i+100)])
		}
	}
	// The test exercised what it claims: errors came back, and the log
	// has the server's and the Stripe client's lines.
	for _, want := range []string{"401", "1290", "redacted", "Query execution was interrupted"} {
		if !strings.Contains(seen.String(), want) {
			t.Errorf("the workload's results lack %q: the faults did not fire", want)
		}
	}
	if len(logs.Lines("stripe request")) == 0 || len(logs.Lines("sql:")) == 0 {
		t.Errorf("the log lacks the Stripe client's or go-mysql-server's lines:\n%s", logs.String())
	}
}

// echoKeyFaults answers some endpoints with errors that quote the key, as
// a buggy proxy or Stripe itself (masked) might.
func echoKeyFaults(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	key := strings.TrimPrefix(strings.TrimPrefix(auth, "Bearer "), "Basic ")
	switch {
	case r.URL.Path == "/v1/refunds":
		return stripeError(w, http.StatusUnauthorized, "invalid_request_error", "", "Invalid API Key provided: sk_test_"+strings.Repeat("*", 20)+"Zq8W")
	case r.URL.Path == "/v1/subscriptions":
		return stripeError(w, http.StatusBadRequest, "invalid_request_error", "", "Bad header: "+auth+" (key "+key+")")
	case r.URL.Path == "/v1/balance_transactions":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"object": "list", "data": [{"id": "txn_1", "description": "%s`, leakKey)
		return true
	case strings.HasPrefix(r.URL.Path, "/v1/invoices/"):
		return stripeError(w, http.StatusInternalServerError, "api_error", "", "internal error for key "+leakKey)
	}
	return false
}

// stripeError writes Stripe's error body.
func stripeError(w http.ResponseWriter, status int, typ, code, msg string) bool {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error": {"type": %q, "code": %q, "message": %q}}`, typ, code, msg)
	return true
}

// query runs q and returns its rows and the first error, whether from
// the query or from reading its rows.
func query(db stripesqltest.Querier, q string) ([][]string, error) {
	return stripesqltest.Query(context.Background(), db, q)
}
