package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// With writes allowed, a write stripesql cannot run as Stripe requests
// gets a clear error before any request: the right MySQL number, what to
// do instead.
func TestWriteRefusals(t *testing.T) {
	env := writeEnv(t, stripesqltest.Options{})
	tests := []struct {
		query string
		code  int
		msg   string
	}{
		{"UPDATE customers SET name = 'x'", 1175, "UPDATE of table customers needs WHERE id = '…' or WHERE id IN ('…', …)"},
		{"UPDATE customers SET name = 'x' WHERE email = 'a@example.com'", 1175, "UPDATE of table customers needs WHERE id"},
		{"UPDATE customers SET name = 'x' WHERE id = 'cus_1' OR email = 'a'", 1175, "UPDATE of table customers needs WHERE id"},
		{"UPDATE customers SET name = 'x' WHERE id IN (SELECT customer FROM charges)", 1175, "UPDATE of table customers needs WHERE id"},
		{"DELETE FROM customers", 1175, "DELETE of table customers needs WHERE id"},
		{"DELETE FROM customers WHERE created < '2024-01-01'", 1175, "DELETE of table customers needs WHERE id"},
		{"INSERT INTO customers (email, created) VALUES ('a@example.com', NOW())", 1348,
			"Column 'created' of table 'customers' cannot be set by INSERT: POST /v1/customers does not take it (columns it takes: address, balance,"},
		{"UPDATE charges SET amount = 1 WHERE id = 'ch_1'", 1348, "Column 'amount' of table 'charges' cannot be set by UPDATE: POST /v1/charges/{charge} does not take it"},
		{"INSERT INTO customers (nickname) VALUES ('x')", 1054, "Unknown column 'nickname' in table 'customers'"},
		{"INSERT INTO charges (amount, currency, source) VALUES (100, 'usd', 'tok_visa')", 1054, "Unknown column 'source' in table 'charges'"},
		{"INSERT INTO products (description) VALUES ('no name')", 1364, "Field 'name' doesn't have a default value: POST /v1/products requires it"},
		{"DELETE FROM prices WHERE id = 'price_1'", 1031, "Table 'prices' does not support DELETE: the Stripe API has no delete endpoint for prices (archive one instead: UPDATE prices SET active = FALSE"},
		{"INSERT INTO invoices (customer) VALUES ('cus_1')", 1031, "Table 'invoices' cannot be written: stripesql writes only to charges, coupons, customers, invoice_items, prices, products, refunds, tax_rates"},
		{"REPLACE INTO customers (email) VALUES ('a@example.com')", 1235, "This version of stripesql doesn't yet support 'REPLACE"},
		{"INSERT INTO customers (email) VALUES ('a@example.com') ON DUPLICATE KEY UPDATE email = 'b'", 1235, "This version of stripesql doesn't yet support 'INSERT … ON DUPLICATE KEY UPDATE"},
		{"UPDATE customers SET name = 'x' WHERE id = 'cus_1' AND stripe_account IN ('acct_1', 'acct_2')", 1235,
			"This version of stripesql doesn't yet support 'UPDATE of several connected accounts' objects (name one: stripe_account = 'acct_…')"},
		{"UPDATE customers c JOIN charges ch ON ch.customer = c.id SET c.name = 'x' WHERE c.id = 'cus_1'", 1235, "This version of stripesql doesn't yet support 'UPDATE of several tables"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			msg := env.Error(t, tt.query)
			if !strings.HasPrefix(msg, fmt.Sprintf("Error %d (", tt.code)) {
				t.Errorf("error %q, want %d", msg, tt.code)
			}
			if !strings.Contains(msg, tt.msg) {
				t.Errorf("error %q, want it to say %q", msg, tt.msg)
			}
			if reqs := env.Requests(); len(reqs) != 0 {
				t.Errorf("a refused statement made Stripe requests: %v", reqs)
			}
		})
	}
	// NULL into a value Stripe cannot clear, found once the row is read.
	id := env.Fake.Objects("customers")[0]["id"].(string)
	if msg := env.Error(t, "UPDATE customers SET balance = NULL WHERE id = ?", id); !strings.HasPrefix(msg,
		"Error 1048 (23000): UPDATE of table customers failed at row 1 ("+id+"): Column 'balance' of table 'customers' cannot be set to NULL") {
		t.Errorf("SET balance = NULL: %q", msg)
	}
	if w, _ := takeWrites(t, env); len(w) != 0 {
		t.Errorf("refused statements wrote: %v", w)
	}
}

// With writes allowed, everything else that writes stays refused as on a
// read-only server: DDL, accounts, settings, files, the other databases.
func TestOtherWritesStayReadOnly(t *testing.T) {
	env := writeEnv(t, stripesqltest.Options{})
	for _, q := range []string{
		"CREATE TABLE t (a int)",
		"DROP TABLE customers",
		"ALTER TABLE customers ADD COLUMN x int",
		"TRUNCATE TABLE customers",
		"CREATE USER 'mallory'@'%' IDENTIFIED BY 'x'",
		"GRANT INSERT ON *.* TO 'reader'@'%'",
		"SET GLOBAL max_connections = 5",
		"LOAD DATA INFILE '/etc/hostname' INTO TABLE customers",
		"INSERT INTO customers (description) VALUES (LOAD_FILE('/etc/hostname'))",
		"SELECT id FROM customers INTO OUTFILE '/tmp/stripesql-outfile'",
		"INSERT INTO stripe_meta.requests (method) VALUES ('POST')",
		"DELETE FROM stripe_meta.last_created WHERE id = 'x'",
		"INSERT INTO mysql.user (User) VALUES ('mallory')",
		"PREPARE s FROM 'DELETE FROM customers WHERE id = ''cus_1'''",
	} {
		_, err := env.DB.Exec(q)
		checkReadOnly(t, q, err)
	}
	if reqs := env.Requests(); len(reqs) != 0 {
		t.Errorf("Stripe requests: %v", reqs)
	}
}

// Only accounts granted write may write; the others keep reading and get
// MySQL's 1142. SHOW GRANTS says who may do what.
func TestWriterAccounts(t *testing.T) {
	writer := engine.User{Name: "writer", Password: "w-pass", Write: true}
	env := writeEnv(t, stripesqltest.Options{Users: []engine.User{writer, reader}})
	readerDB := env.Open(t, reader.Name, reader.Password, false)
	insert := "INSERT INTO customers (email) VALUES ('a@example.com')"
	for _, prepared := range []bool{false, true} {
		var err error
		if prepared {
			_, err = readerDB.Exec("INSERT INTO customers (email) VALUES (?)", "a@example.com")
		} else {
			_, err = readerDB.Exec(insert)
		}
		if err == nil || !strings.HasPrefix(err.Error(), "Error 1142 (42000): INSERT command denied to user 'reader'@'%' for table 'customers'") {
			t.Errorf("reader's INSERT (prepared %t): %v", prepared, err)
		}
	}
	if rows, err := readerDB.Query("SELECT id FROM customers LIMIT 1"); err != nil {
		t.Errorf("reader's SELECT: %v", err)
	} else {
		rows.Close()
	}
	if w, _ := takeWrites(t, env); len(w) != 0 {
		t.Errorf("the reader wrote: %v", w)
	}
	if _, err := env.DB.Exec(insert); err != nil {
		t.Errorf("writer's INSERT: %v", err)
	}
	if w, _ := takeWrites(t, env); len(w) != 1 {
		t.Errorf("writer's writes: %v", w)
	}
	for _, tc := range []struct {
		user, password, want string
	}{
		{"writer", "w-pass", "GRANT SELECT, INSERT, UPDATE, DELETE ON `stripe`.* TO `writer`@`%`"},
		{"reader", reader.Password, "GRANT SELECT ON `stripe`.* TO `reader`@`%`"},
	} {
		db := env.Open(t, tc.user, tc.password, false)
		rows, err := db.Query("SHOW GRANTS")
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for rows.Next() {
			var g string
			if err := rows.Scan(&g); err != nil {
				t.Fatal(err)
			}
			all = append(all, g)
		}
		rows.Close()
		if !strings.Contains(strings.Join(all, "\n"), tc.want) {
			t.Errorf("SHOW GRANTS as %s: %v, want %q", tc.user, all, tc.want)
		}
	}
}
