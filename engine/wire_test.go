package engine_test

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// The foundation tables, named as the fake's list resources.
var foundationTables = []string{"balance_transactions", "charges", "customers", "invoices", "refunds", "subscriptions"}

// checkedColumn is a column compared, besides id, in full scans.
var checkedColumn = map[string]string{
	"balance_transactions": "amount", "charges": "amount", "customers": "balance",
	"invoices": "amount_due", "refunds": "amount", "subscriptions": "status",
}

func TestSchemaQueriesOverTheWire(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	dbs := stripesqltest.Column(env.Rows(t, "SHOW DATABASES"))
	if !contains(dbs, "stripe") || !contains(dbs, "information_schema") {
		t.Errorf("SHOW DATABASES = %v, want stripe and information_schema", dbs)
	}
	tabs := stripesqltest.Column(env.Rows(t, "SHOW TABLES"))
	for _, want := range foundationTables {
		if !contains(tabs, want) {
			t.Errorf("SHOW TABLES lacks %s: %v", want, tabs)
		}
	}
	if n := len(env.Requests()); n != 0 {
		t.Errorf("schema queries made %d Stripe requests, want 0", n)
	}

	desc := map[string][]string{}
	for _, r := range env.Rows(t, "DESCRIBE charges") {
		desc[r[0]] = r[1:]
	}
	for col, want := range map[string]string{
		"id": "varchar(255) NO PRI", "amount": "bigint NO ", "created": "timestamp NO MUL",
		"customer": "varchar(255) YES MUL", "metadata": "json NO ", "paid": "tinyint(1) NO ",
		"description": "mediumtext YES ", // up to 40,000 characters
	} {
		got := strings.Join(desc[col][:3], " ")
		if got != want {
			t.Errorf("DESCRIBE charges %s = %q, want %q", col, got, want)
		}
	}

	create := env.Rows(t, "SHOW CREATE TABLE charges")[0][1]
	for _, want := range []string{"CREATE TABLE `charges`", "PRIMARY KEY (`id`)", "`amount` bigint NOT NULL COMMENT 'Amount intended to be collected", "KEY `customer` (`customer`,`created`)"} {
		if !strings.Contains(create, want) {
			t.Errorf("SHOW CREATE TABLE charges lacks %q:\n%s", want, create)
		}
	}

	cols := env.Rows(t, `SELECT column_name, data_type, is_nullable, column_comment FROM information_schema.columns
		WHERE table_schema = 'stripe' AND table_name = 'refunds' ORDER BY ordinal_position`)
	if len(cols) < 10 || cols[0][0] != "id" {
		t.Fatalf("information_schema.columns for refunds: %v", cols)
	}
	for _, c := range cols {
		if c[0] == "amount" && (c[1] != "bigint" || c[2] != "NO" || !strings.Contains(c[3], "Amount")) {
			t.Errorf("refunds.amount in information_schema = %v", c)
		}
	}
}

// Every table, scanned whole, returns exactly the fake account's objects,
// paging with starting_after across several pages.
func TestFullScanReturnsEveryObject(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	for _, table := range foundationTables {
		t.Run(table, func(t *testing.T) {
			objs := env.Fake.Objects(table)
			if len(objs) == 0 {
				t.Fatalf("fake has no %s", table)
			}
			col := checkedColumn[table]
			rows := env.Rows(t, "SELECT id, "+col+" FROM "+table)
			var want [][]string
			for _, o := range objs {
				want = append(want, []string{fmt.Sprint(o["id"]), jsonScalar(o[col])})
			}
			if got, w := checksum(rows), checksum(want); got != w || len(rows) != len(want) {
				t.Errorf("%d rows (checksum %s), want %d (checksum %s)", len(rows), got, len(want), w)
			}
			reqs := env.Requests()
			// Up to ten pages are read with one cursor (longer lists are
			// then read as created slices; see slices_test.go).
			pages := (len(objs) + 99) / 100
			if len(reqs) != pages {
				t.Errorf("%d requests, want %d:\n%s", len(reqs), pages, stripesqltest.Join(reqs))
			}
			if len(reqs) > 1 && !strings.Contains(reqs[1], "starting_after=") {
				t.Errorf("second page not fetched with starting_after: %s", reqs[1])
			}
		})
	}
}

func checksum(rows [][]string) string {
	lines := make([]string, len(rows))
	for i, r := range rows {
		lines[i] = strings.Join(r, "\t")
	}
	sort.Strings(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return fmt.Sprintf("%x", sum[:6])
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// jsonScalar formats a decoded JSON value as the MySQL client shows it.
func jsonScalar(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}
