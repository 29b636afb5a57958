package engine_test

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/refdb"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// heldJoinQueries are joins of held charges and customers of each shape
// heldJoins builds: go-mysql-server's hash join (the GROUP BY
// email), a left join keeping the charges without a customer, a
// condition beyond the key, an inner side found by several outer rows
// and holding several rows per key, a lookup fixed at planning time (one
// customer), a nested loop without an equality, left joins with keys
// found several times and not at all, and a hash join on expressions
// (left to go-mysql-server's hash).
var heldJoinQueries = []string{
	"SELECT c.email, COUNT(*), SUM(ch.amount) FROM charges ch JOIN customers c ON c.id = ch.customer GROUP BY c.email",
	"SELECT ch.id, ch.customer, c.email FROM charges ch LEFT JOIN customers c ON c.id = ch.customer",
	"SELECT ch.id, c.id FROM charges ch JOIN customers c ON c.id = ch.customer AND ch.currency = c.currency",
	"SELECT ch.id, c.id, c.name FROM charges ch LEFT JOIN customers c ON ch.customer = c.id AND ch.amount > 5000",
	"SELECT c.id, COUNT(ch.id), SUM(ch.amount) FROM customers c JOIN charges ch ON ch.customer = c.id GROUP BY c.id",
	"SELECT c.email, ch.id, ch.amount FROM customers c JOIN charges ch ON ch.customer = c.id WHERE c.id = '{customer}'",
	"SELECT COUNT(*) FROM customers c JOIN customers d ON c.created < d.created AND d.created < c.created + INTERVAL 1 DAY",
	"SELECT ch.currency, COUNT(*), COUNT(c.id), SUM(ch.amount) FROM charges ch LEFT JOIN customers c ON c.currency = ch.currency AND c.balance > 0 GROUP BY ch.currency",
	"SELECT c.name, COUNT(*) FROM customers c JOIN customers d ON d.name = c.name AND d.id <> c.id GROUP BY c.name",
	"SELECT ch.id, c.id FROM charges ch LEFT JOIN customers c ON c.name = ch.description",
	"SELECT COUNT(*), SUM(ch.amount) FROM charges ch JOIN customers c ON LOWER(c.id) = LOWER(ch.customer)",
}

// Held joins answer as MariaDB does over the same objects, ask Stripe
// nothing warm, and cold ask exactly what go-mysql-server's own plans ask.
func TestHeldJoins(t *testing.T) {
	const scale = 1500
	opts := stripesqltest.Options{Fake: fakestripe.Options{Scale: scale}, CacheTTL: time.Hour}
	env := stripesqltest.Start(t, opts)
	mdb := loadMariaDB(t, env.Fake, "charges", "customers")
	customer := stripesqltest.Column(env.Rows(t, "SELECT customer FROM charges WHERE customer IS NOT NULL GROUP BY customer ORDER BY COUNT(*) DESC, customer LIMIT 1"))[0]
	queries := make([]string, len(heldJoinQueries))
	for i, q := range heldJoinQueries {
		queries[i] = strings.ReplaceAll(q, "{customer}", customer)
	}

	// Cold: the requests of each query equal go-mysql-server's own, on
	// a fresh server each.
	for _, q := range queries {
		restore := engine.SetHeldJoins(false)
		_, want := coldAnswer(t, opts, q)
		restore()
		got, reqs := coldAnswer(t, opts, q)
		if !slices.Equal(reqs, want) {
			t.Errorf("cold %s asked\n%s\nwhere go-mysql-server's plan asks\n%s", q, stripesqltest.Join(reqs), stripesqltest.Join(want))
		}
		checkAnswer(t, "cold", mdb, q, got)
	}

	// Warm: both tables held.
	env.Rows(t, "SELECT COUNT(*) FROM charges")
	env.Rows(t, "SELECT COUNT(*) FROM customers")
	env.Requests()
	sdb := openText(t, env)
	for _, q := range queries {
		got, err := refdb.Answer(context.Background(), sdb, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		checkAnswer(t, "warm", mdb, q, got)
	}
	if reqs := env.Requests(); len(reqs) != 0 {
		t.Errorf("warm joins asked Stripe:\n%s", stripesqltest.Join(reqs))
	}
}

// coldAnswer runs query on a server of its own, nothing held yet, and
// returns its answer (refdb's text) and the requests it made, sorted.
func coldAnswer(t *testing.T, opts stripesqltest.Options, query string) ([]string, []string) {
	t.Helper()
	env := stripesqltest.Start(t, opts)
	got, err := refdb.Answer(context.Background(), openText(t, env), query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return got, sortedStrings(env.Requests()...)
}

// checkAnswer compares stripesql's answer with MariaDB's.
func checkAnswer(t *testing.T, label string, mdb *sql.DB, query string, got []string) {
	t.Helper()
	want, err := refdb.Answer(context.Background(), mdb, query)
	if err != nil {
		t.Fatalf("MariaDB: %s: %v", query, err)
	}
	if len(want) == 0 {
		t.Errorf("%s: no rows: the comparison checks nothing", query)
	}
	if d := refdb.Diff(false, "stripesql", got, "MariaDB", want); d != "" {
		t.Errorf("%s %s:\n%s", label, query, d)
	}
}

// openText is a pool on env's server without parseTime: values as text,
// as refdb compares them.
func openText(t *testing.T, env *stripesqltest.Env) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", "root@tcp("+env.Addr+")/stripe")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// loadMariaDB starts a MariaDB holding the fake account's tables (refdb).
func loadMariaDB(t *testing.T, fake *fakestripe.Server, names ...string) *sql.DB {
	t.Helper()
	mdb := refdb.Start(t)
	for _, name := range names {
		tbl, err := refdb.TableOf(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tbl.Load(nil, mdb, fake.Objects(name)); err != nil {
			t.Fatal(err)
		}
	}
	return mdb
}
