package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// An INSERT into each writable table is one POST per row with the row's
// non-NULL columns as form parameters; the created ids are in
// stripe_meta.last_created and the objects read back with what was set.
func TestInsertEachTable(t *testing.T) {
	env := writeEnv(t, stripesqltest.Options{CacheTTL: time.Hour})
	customer := env.Fake.Objects("customers")[0]["id"].(string)
	product := env.Fake.Objects("products")[0]["id"].(string)
	charge := unrefundedCharge(t, env)["id"].(string)
	tests := []struct {
		table, insert string
		want          []string // the writes
		check, value  string   // a SELECT of the created object (id = ?) and its answer
	}{
		{"customers",
			`INSERT INTO customers (email, name, metadata, preferred_locales) VALUES ('ann@example.com', 'Ann', '{"plan": "pro"}', '["fr"]'), ('bob@example.com', NULL, NULL, NULL)`,
			[]string{"POST /v1/customers email=ann@example.com&metadata[plan]=pro&name=Ann&preferred_locales[0]=fr", "POST /v1/customers email=bob@example.com"},
			"SELECT email, name, metadata->>'$.plan' FROM customers WHERE id = ?", "ann@example.com Ann pro"},
		{"products",
			`INSERT INTO products (name, active, shippable) VALUES ('Widget', FALSE, TRUE)`,
			[]string{"POST /v1/products active=false&name=Widget&shippable=true"},
			"SELECT name, active, shippable FROM products WHERE id = ?", "Widget 0 1"},
		{"prices",
			fmt.Sprintf(`INSERT INTO prices (product, currency, unit_amount, recurring) VALUES ('%s', 'eur', 1500, '{"interval": "month"}')`, product),
			[]string{"POST /v1/prices currency=eur&product=" + product + "&recurring[interval]=month&unit_amount=1500"},
			"SELECT product, currency, unit_amount, type FROM prices WHERE id = ?", product + " eur 1500 recurring"},
		{"coupons",
			`INSERT INTO coupons (id, percent_off, duration, duration_in_months) VALUES ('SQL25', 25, 'repeating', 3)`,
			[]string{"POST /v1/coupons duration=repeating&duration_in_months=3&id=SQL25&percent_off=25"},
			"SELECT id, percent_off, duration_in_months FROM coupons WHERE id = ?", "SQL25 25 3"},
		{"tax_rates",
			`INSERT INTO tax_rates (display_name, inclusive, percentage, country) VALUES ('BTW', FALSE, 21, 'NL')`,
			[]string{"POST /v1/tax_rates country=NL&display_name=BTW&inclusive=false&percentage=21"},
			"SELECT display_name, inclusive, percentage, country FROM tax_rates WHERE id = ?", "BTW 0 21 NL"},
		{"invoice_items",
			fmt.Sprintf(`INSERT INTO invoice_items (customer, amount, currency, description) VALUES ('%s', 700, 'usd', 'Setup fee')`, customer),
			[]string{"POST /v1/invoiceitems amount=700&currency=usd&customer=" + customer + "&description=Setup fee"},
			"SELECT customer, amount, description FROM invoice_items WHERE id = ?", customer + " 700 Setup fee"},
		{"refunds",
			fmt.Sprintf(`INSERT INTO refunds (charge, amount) VALUES ('%s', 100)`, charge),
			[]string{"POST /v1/refunds amount=100&charge=" + charge},
			"SELECT charge, amount, status FROM refunds WHERE id = ?", charge + " 100 succeeded"},
		{"charges",
			fmt.Sprintf(`INSERT INTO charges (customer, amount, currency, description) VALUES ('%s', 2500, 'usd', 'SQL order')`, customer),
			[]string{"POST /v1/charges amount=2500&currency=usd&customer=" + customer + "&description=SQL order"},
			"SELECT customer, amount, currency, description, status FROM charges WHERE id = ?", customer + " 2500 usd SQL order succeeded"},
	}
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			res, err := env.DB.Exec(tt.insert)
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := res.RowsAffected(); n != int64(len(tt.want)) {
				t.Errorf("%d rows affected, want %d", n, len(tt.want))
			}
			if got, _ := takeWrites(t, env); !sameStrings(got, tt.want) {
				t.Errorf("writes\n%s\nwant\n%s", stripesqltest.Join(got), stripesqltest.Join(tt.want))
			}
			created := lastCreated(t, env)
			if len(created) != len(tt.want) {
				t.Fatalf("last_created %v, want %d rows", created, len(tt.want))
			}
			table, id, _ := strings.Cut(created[0], " ")
			if table != tt.table {
				t.Errorf("last_created names table %s", table)
			}
			if got := strings.Join(env.Rows(t, tt.check, id)[0], " "); got != tt.value {
				t.Errorf("%s = %q, want %q", tt.check, got, tt.value)
			}
		})
	}
}

// With the cache on, a write brings it up to date as an event would: the
// held rows take the object Stripe answered the write with (so the next
// SELECT sees the change without asking again), and what changes with it
// (a refund's charge) is dropped and read again.
func TestWritesInvalidateTheCache(t *testing.T) {
	env := writeEnv(t, stripesqltest.Options{CacheTTL: time.Hour})
	newest := "SELECT id, email FROM customers ORDER BY created DESC"
	env.Rows(t, newest)
	env.Rows(t, newest)
	if reqs := env.Requests(); len(reqs) != 1 {
		t.Fatalf("the second SELECT was not served from the cache: %v", reqs)
	}

	env.Rows(t, "INSERT INTO customers (email) VALUES ('new@example.com')")
	id := strings.Fields(lastCreated(t, env)[0])[1]
	if got := env.Rows(t, newest); got[0][0] != id || got[0][1] != "new@example.com" {
		t.Errorf("newest customer after the INSERT: %v, want %s", got, id)
	}
	if reqs := env.Requests(); !sameStrings(reqs, []string{"POST /v1/customers"}) {
		t.Errorf("requests %v: the held list takes the new customer, nothing more is asked", reqs)
	}

	byID := "SELECT email, metadata FROM customers WHERE id = ?"
	env.Rows(t, byID, id)
	env.Requests()
	if _, err := env.DB.Exec(`UPDATE customers SET email = 'renamed@example.com', metadata = '{"a": "1"}' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	if got := env.Rows(t, byID, id); got[0][0] != "renamed@example.com" || got[0][1] != `{"a":"1"}` {
		t.Errorf("after the UPDATE: %v", got)
	}
	// The UPDATE reads the row from Stripe (not the cache: it must start
	// from Stripe's values) and writes it; the held rows take Stripe's
	// answer, which the SELECT reads.
	want := []string{"GET /v1/customers/" + id, "POST /v1/customers/" + id}
	if reqs := env.Requests(); !sameStrings(reqs, want) {
		t.Errorf("requests\n%s\nwant\n%s", stripesqltest.Join(reqs), stripesqltest.Join(want))
	}

	charge := unrefundedCharge(t, env)["id"].(string)
	refunded := "SELECT amount_refunded, refunded FROM charges WHERE id = ?"
	before := env.Rows(t, refunded, charge)
	if _, err := env.DB.Exec("INSERT INTO refunds (charge, amount) VALUES (?, 100)", charge); err != nil {
		t.Fatal(err)
	}
	if got := env.Rows(t, refunded, charge); got[0][0] != "100" || before[0][0] != "0" {
		t.Errorf("amount_refunded %v then %v, want 0 then 100: a refund changes its charge", before, got)
	}

	env.Rows(t, "DELETE FROM customers WHERE id = ?", id)
	if got := env.Rows(t, byID, id); len(got) != 0 {
		t.Errorf("deleted customer still read: %v", got)
	}
	if got := env.Rows(t, newest); got[0][0] == id {
		t.Errorf("deleted customer still listed first")
	}
}

// UPDATE sends the columns its SET list names (metadata keys it drops are
// deleted, NULL clears); DELETE is a DELETE per row.
func TestUpdateAndDeleteRequests(t *testing.T) {
	env := writeEnv(t, stripesqltest.Options{})
	env.Rows(t, `INSERT INTO customers (email, description, metadata) VALUES ('a@example.com', 'VIP', '{"plan": "pro", "team": "x"}'), ('b@example.com', NULL, NULL)`)
	ids := lastCreated(t, env)
	a, b := strings.Fields(ids[0])[1], strings.Fields(ids[1])[1]
	takeWrites(t, env)
	res, err := env.DB.Exec(`UPDATE customers SET description = NULL, metadata = JSON_REMOVE(metadata, '$.team') WHERE id = ?`, a)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Errorf("%d rows affected", n)
	}
	if got, _ := takeWrites(t, env); !sameStrings(got, []string{"POST /v1/customers/" + a + " description=&metadata[plan]=pro&metadata[team]="}) {
		t.Errorf("writes %v", got)
	}
	if got := env.Rows(t, "SELECT description, metadata FROM customers WHERE id = ?", a); got[0][0] != "NULL" || got[0][1] != `{"plan":"pro"}` {
		t.Errorf("after the update: %v", got)
	}
	env.Requests()
	res, err = env.DB.Exec(fmt.Sprintf("DELETE FROM customers WHERE id IN ('%s', '%s')", a, b))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 2 {
		t.Errorf("%d rows deleted", n)
	}
	got, keys := takeWrites(t, env)
	if len(got) != 2 || !strings.HasPrefix(got[0], "DELETE /v1/customers/") || !strings.HasPrefix(got[1], "DELETE /v1/customers/") || keys[0] == keys[1] {
		t.Errorf("writes %v keys %v, want two DELETEs with their own keys", got, keys)
	}
	if n := len(env.Rows(t, fmt.Sprintf("SELECT id FROM customers WHERE id IN ('%s', '%s')", a, b))); n != 0 {
		t.Errorf("%d deleted customers still read", n)
	}
}

// stripe_account writes to a connected account (the Stripe-Account
// header): an INSERT naming it creates there, an UPDATE or DELETE of a row
// read from there changes it there.
func TestWritesToConnectedAccounts(t *testing.T) {
	env := writeEnv(t, stripesqltest.Options{})
	acct := env.Fake.ConnectedAccounts()[0]
	if _, err := env.DB.Exec("INSERT INTO customers (email, stripe_account) VALUES ('conn@example.com', ?)", acct); err != nil {
		t.Fatal(err)
	}
	id := strings.Fields(lastCreated(t, env)[0])[1]
	if got := env.Rows(t, "SELECT email FROM customers WHERE id = ? AND stripe_account = ?", id, acct); len(got) != 1 || got[0][0] != "conn@example.com" {
		t.Errorf("the connected account's new customer: %v", got)
	}
	if got := env.Rows(t, "SELECT email FROM customers WHERE id = ?", id); len(got) != 0 {
		t.Errorf("the platform has the connected account's customer: %v", got)
	}
	if _, err := env.DB.Exec("UPDATE customers SET name = 'Conn' WHERE id = ? AND stripe_account = ?", id, acct); err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.Exec("DELETE FROM customers WHERE id = ? AND stripe_account = ?", id, acct); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"POST /v1/customers (Stripe-Account: " + acct + ") email=conn@example.com",
		"POST /v1/customers/" + id + " (Stripe-Account: " + acct + ") name=Conn",
		"DELETE /v1/customers/" + id + " (Stripe-Account: " + acct + ")",
	}
	if got, _ := takeWrites(t, env); !sameStrings(got, want) {
		t.Errorf("writes\n%s\nwant\n%s", stripesqltest.Join(got), stripesqltest.Join(want))
	}
	if msg := env.Error(t, "UPDATE customers SET stripe_account = 'acct_x' WHERE id = ?", id); !strings.HasPrefix(msg,
		"Error 1348 (HY000): Column 'stripe_account' of table 'customers' cannot be set by UPDATE: an object stays in the account it was created in") {
		t.Errorf("moving an object between accounts: %q", msg)
	}
}
