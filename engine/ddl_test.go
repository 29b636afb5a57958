package engine_test

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/vt/sqlparser"

	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/tables/sqltable"
)

// Every table's SHOW CREATE TABLE is restorable DDL: MySQL 8's grammar
// (vitess's parser) accepts it, and it creates the same table in a fresh
// go-mysql-server memory database (whose SHOW CREATE TABLE then reads the
// same, comments and keys included). The real servers' restore is
// internal/dumptest's.
func TestShowCreateTableRestores(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	names := stripesqltest.Column(env.Rows(t, "SHOW TABLES"))
	if len(names) < 25 {
		t.Fatalf("SHOW TABLES: %v", names)
	}
	db := memory.NewDatabase("copy")
	pro := memory.NewDBProvider(db)
	copyEngine := sqle.NewDefault(pro)
	ctx := sql.NewContext(context.Background(), sql.WithSession(memory.NewSession(sql.NewBaseSession(), pro)))
	ctx.SetCurrentDatabase("copy")
	query := func(q string) ([]sql.Row, error) {
		_, iter, _, err := copyEngine.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		return sql.RowIterToRows(ctx, iter)
	}
	quoted := 0
	for _, name := range names {
		create := env.Rows(t, "SHOW CREATE TABLE "+name)[0][1]
		if _, err := sqlparser.Parse(create); err != nil {
			t.Errorf("%s: MySQL's grammar rejects SHOW CREATE TABLE: %v\n%s", name, err, create)
			continue
		}
		for _, bad := range []string{"0900", "varchar(5000)"} {
			if strings.Contains(create, bad) {
				t.Errorf("%s: SHOW CREATE TABLE has %q", name, bad)
			}
		}
		if !strings.Contains(create, "COLLATE=utf8mb4_bin") {
			t.Errorf("%s: the table's collation is not utf8mb4_bin:\n%s", name, create)
		}
		quoted += strings.Count(create, "''")
		if _, err := query(create); err != nil {
			t.Errorf("%s: creating it in a memory database: %v\n%s", name, err, create)
			continue
		}
		rows, err := query("SHOW CREATE TABLE " + name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		// The memory database lists keys by name and keeps no table
		// comment; everything else reads the same.
		if again, want := normalizeCreate(rows[0][1].(string)), normalizeCreate(create); again != want {
			t.Errorf("%s: the copy's SHOW CREATE TABLE differs: %s", name, firstDifference(again, want))
		}
	}
	if quoted == 0 {
		t.Errorf("no comment holds an escaped quote: the test no longer checks escaping")
	}
}

// The tables fit InnoDB's limits in MySQL 8.0 and MariaDB 10.11: ids and
// references are VARCHAR(255), no key is longer than 3072 bytes, and the
// VARCHAR columns of a row add up to less than 65,535 bytes (TEXT and JSON
// are stored apart). Strings compare byte by byte.
func TestTablesFitInnoDB(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	type column struct{ typ, collation string }
	cols := map[string]map[string]column{}
	rowBytes := map[string]int{}
	for _, r := range env.Rows(t, `SELECT table_name, column_name, column_type, coalesce(collation_name, '') FROM information_schema.columns WHERE table_schema = 'stripe'`) {
		if cols[r[0]] == nil {
			cols[r[0]] = map[string]column{}
		}
		cols[r[0]][r[1]] = column{r[2], r[3]}
		if n, ok := varcharLength(r[2]); ok {
			rowBytes[r[0]] += 4*n + 2
		}
		if strings.HasPrefix(r[2], "varchar") || strings.HasSuffix(r[2], "text") {
			if r[3] != sqltable.Collation.Name() { // named utf8mb4_bin in SHOW CREATE TABLE
				t.Errorf("%s.%s %s: collation %q, want %s", r[0], r[1], r[2], r[3], sqltable.Collation.Name())
			}
		}
		if (r[1] == "id" || r[1] == "customer" || r[1] == "charge" || r[1] == "stripe_account") && r[2] != "varchar(255)" {
			t.Errorf("%s.%s is %s, want varchar(255)", r[0], r[1], r[2])
		}
	}
	if len(cols) < 25 {
		t.Fatalf("columns of %d tables", len(cols))
	}
	for table, n := range rowBytes {
		if n >= 65535 {
			t.Errorf("%s: VARCHAR columns take up to %d bytes a row, InnoDB's limit is 65,535", table, n)
		}
	}
	keyBytes := map[string]int{}
	for _, r := range env.Rows(t, `SELECT table_name, index_name, column_name, coalesce(sub_part, 0) FROM information_schema.statistics WHERE table_schema = 'stripe'`) {
		c := cols[r[0]][r[2]]
		prefix, _ := strconv.Atoi(r[3])
		n, isVarchar := varcharLength(c.typ)
		switch {
		case strings.HasSuffix(c.typ, "text") && prefix == 0:
			t.Errorf("%s key %s: TEXT column %s without a prefix length", r[0], r[1], r[2])
		case strings.HasSuffix(c.typ, "text"):
			n = prefix
			fallthrough
		case isVarchar:
			keyBytes[r[0]+"."+r[1]] += 4*n + 2
		case c.typ == "json":
			t.Errorf("%s key %s: JSON column %s", r[0], r[1], r[2])
		default: // datetime, bigint, tinyint(1), decimal: at most 16 bytes
			keyBytes[r[0]+"."+r[1]] += 16
		}
	}
	for key, n := range keyBytes {
		if n > 3072 {
			t.Errorf("key %s takes %d bytes, InnoDB's limit is 3072", key, n)
		}
	}
}

var varcharType = regexp.MustCompile(`^varchar\((\d+)\)$`)

func varcharLength(typ string) (int, bool) {
	m := varcharType.FindStringSubmatch(typ)
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(m[1])
	return n, true
}

// Comments keep their quotes and backslashes through SHOW CREATE TABLE.
func TestShowCreateTableEscapesComments(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	create := env.Rows(t, "SHOW CREATE TABLE customers")[0][1]
	for _, want := range []string{
		"`address` json COMMENT 'The customer''s address.'",
		"`id` varchar(255) NOT NULL COMMENT 'Unique identifier for the object.'",
		"`email` text COMMENT 'The customer''s email address.'",
		"KEY `email` (`email`(255),`created`) COMMENT 'pushed down as email=…'",
		") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin COMMENT='Customers of the account (GET /v1/customers)'",
	} {
		if !strings.Contains(create, want) {
			t.Errorf("SHOW CREATE TABLE customers lacks %s:\n%s", want, create)
		}
	}
	// information_schema keeps the comment as it is.
	got := env.Rows(t, "SELECT column_comment FROM information_schema.columns WHERE table_schema = 'stripe' AND table_name = 'customers' AND column_name = 'address'")
	if fmt.Sprint(got) != "[[The customer's address.]]" {
		t.Errorf("column_comment %v", got)
	}
}

// tableComment is the table options' COMMENT='…'.
var tableComment = regexp.MustCompile(` COMMENT='(?:[^']|'')*'$`)

// normalizeCreate sorts a CREATE TABLE's key lines and drops its table
// comment.
func normalizeCreate(create string) string {
	lines := strings.Split(strings.TrimSpace(create), "\n")
	var cols, keys []string
	for _, l := range lines[1 : len(lines)-1] {
		l = strings.TrimSuffix(l, ",")
		if strings.HasPrefix(strings.TrimSpace(l), "KEY ") {
			keys = append(keys, l)
		} else {
			cols = append(cols, l)
		}
	}
	sort.Strings(keys)
	last := tableComment.ReplaceAllString(lines[len(lines)-1], "")
	return strings.Join(append(append(append([]string{lines[0]}, cols...), keys...), last), "\n")
}

// firstDifference shows the first line where got and want differ.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d is\n\t%s\nwant\n\t%s", i+1, gl, wl)
		}
	}
	return "(equal)"
}
