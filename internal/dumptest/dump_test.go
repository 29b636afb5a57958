package dumptest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/mariadbtest"
	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/internal/testutil"
	"github.com/stripesql/stripesql/tables"
)

// toolTimeout bounds one run of mariadb-dump or of the mariadb client.
const toolTimeout = 3 * time.Minute

// The demo account (`stripesql demo`: 1000 charges, seed 1), dumped by a
// read-only account with mariadb-dump's default options (LOCK TABLES …
// READ), restores into MariaDB without an error, and the copy holds what
// stripesql serves: for every table the same rows, hence the same count,
// sums of amounts, counts by status and set of ids. A dump with
// --single-transaction holds the same data.
func TestDumpRestoresIntoMariaDB(t *testing.T) {
	tool := dumpTool(t)
	client := testutil.MySQLClient(t)
	copyServer := mariadbtest.Start(t)
	reader := engine.User{Name: "reader", Password: "reader-password"}
	env := stripesqltest.Start(t, stripesqltest.Options{
		Fake: fakestripe.Options{Scale: 1000, Seed: 1},
		// Every table is read once by the dump, then again to compare.
		CacheTTL: time.Hour, CacheBytes: 1 << 30,
		Users: []engine.User{reader},
	})

	start := time.Now()
	out := dump(t, tool, env.Addr, reader.Name, reader.Password, "--skip-dump-date", "stripe")
	reqs := env.Requests()
	t.Logf("mariadb-dump: %d bytes in %v, %d Stripe requests", len(out), time.Since(start).Round(time.Millisecond), len(reqs))
	checkPinOnlyRequests(t, reqs)

	copyDB, err := copyServer.Open("stripe")
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	start = time.Now()
	restore(t, client, copyServer.Addr(), "stripe", out)
	t.Logf("restore into MariaDB: %v", time.Since(start).Round(time.Millisecond))

	served := openText(t, env.Addr, reader.Name, reader.Password, "stripe")
	tableNames := column(t, served, "SHOW TABLES")
	if len(tableNames) < 100 {
		t.Fatalf("SHOW TABLES: %v", tableNames)
	}
	if restored := column(t, copyDB, "SHOW TABLES"); !slices.Equal(restored, tableNames) {
		t.Errorf("the copy's tables %v, want %v", restored, tableNames)
	}
	empty := 0
	for _, name := range tableNames {
		t.Run(name, func(t *testing.T) {
			if unlistable(name) {
				checkUnlistable(t, served, copyDB, name)
				return
			}
			if n := compareTable(t, served, copyDB, name); n == 0 {
				empty++
			}
		})
	}
	if empty > len(tableNames)/2 {
		t.Errorf("%d of %d tables are empty: the comparison proves little", empty, len(tableNames))
	}
	compareInZone(t, env.Addr, reader, copyServer, "America/New_York")

	single := dump(t, tool, env.Addr, reader.Name, reader.Password, "--skip-dump-date", "--single-transaction", "stripe")
	if a, b := inserts(out), inserts(single); a != b {
		t.Errorf("--single-transaction dumps other data (%d bytes of INSERT, want %d)", len(b), len(a))
	}

	// Whole databases, with their CREATE DATABASE (stripe_meta too).
	all := dump(t, tool, env.Addr, reader.Name, reader.Password, "--skip-dump-date", "--databases", "stripe", "stripe_meta")
	restore(t, client, copyServer.Addr(), "", all)
	dbs := column(t, copyDB, "SHOW DATABASES")
	for _, want := range []string{"stripe", "stripe_meta"} {
		if !slices.Contains(dbs, want) {
			t.Errorf("after restoring --databases, the copy's databases are %v, want %s among them", dbs, want)
		}
	}
	if a, b := inserts(out), inserts(all); !strings.Contains(b, a) {
		t.Errorf("--databases dumps other data for stripe")
	}
}

// pinOnly are the tables every query must pin a column of, as
// tables.Spec.Requires says: apps_secrets lists the account's own secrets
// without its pin (Spec.Unpinned), the others cannot be listed whole.
var pinOnly = map[string]string{
	"apps_secrets":               "GET /v1/apps/secrets?limit=100&scope[type]=account",
	"credit_note_preview_lines":  "",
	"tax_calculation_line_items": "",
	"tax_transaction_line_items": "",
}

// compareInZone checks that the dump carried instants: the dump tool
// reads in UTC (SET TIME_ZONE='+00:00') and the restored TIMESTAMPs show
// in another session zone what stripesql shows in it.
func compareInZone(t *testing.T, addr string, reader engine.User, copyServer *mariadbtest.Server, zone string) {
	t.Helper()
	if err := copyServer.LoadTimeZones(zone); err != nil {
		t.Fatal(err)
	}
	open := func(cfg *mysql.Config) *sql.DB { return testutil.ZoneDB(t, cfg, zone) }
	ours := mysql.NewConfig()
	ours.User, ours.Passwd, ours.Net, ours.Addr, ours.DBName = reader.Name, reader.Password, "tcp", addr, "stripe"
	theirs, err := mysql.ParseDSN(copyServer.DSN("stripe"))
	if err != nil {
		t.Fatal(err)
	}
	served, restored := open(ours), open(theirs)
	for _, q := range []string{
		"SELECT id, created, UNIX_TIMESTAMP(created) FROM charges ORDER BY id",
		"SELECT DATE(created) d, COUNT(*) FROM invoices GROUP BY d ORDER BY d",
	} {
		got, err := query(served, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		want, err := query(restored, q)
		if err != nil {
			t.Fatalf("the copy: %s: %v", q, err)
		}
		if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("in %s: %s: stripesql and the restored copy differ (%d and %d rows)", zone, q, len(got), len(want))
		}
	}
}

// unlistable reports the tables that cannot be listed whole.
func unlistable(name string) bool {
	s, ok := tables.Lookup(name)
	return ok && !s.Listable()
}

// checkPinOnlyRequests checks what a whole dump asked Stripe for the
// pin-only tables: apps_secrets' one list with its default scope, nothing
// for the others. The list of those tables is checked too, so that a new
// one is looked at.
func checkPinOnlyRequests(t *testing.T, reqs []string) {
	t.Helper()
	for _, s := range tables.Specs() {
		want, ok := pinOnly[s.Name]
		if ok != (len(s.Requires) > 0) {
			t.Errorf("%s: requires %v; pinOnly knows it: %v", s.Name, s.Requires, ok)
			continue
		}
		if !ok {
			continue
		}
		if (want == "") != !s.Listable() {
			t.Errorf("%s: listable %v, want %v", s.Name, s.Listable(), want != "")
		}
		prefix := "GET " + s.Path
		if i := strings.Index(prefix, "/{"); i >= 0 {
			prefix = prefix[:i+1]
		}
		var got []string
		for _, r := range reqs {
			if strings.HasPrefix(r, prefix) {
				got = append(got, r)
			}
		}
		if want == "" && len(got) > 0 || want != "" && !slices.Equal(got, []string{want}) {
			t.Errorf("%s: the dump asked %q, want %q", s.Name, got, want)
		}
	}
}

// checkUnlistable checks a table that cannot be listed whole: dumped
// without rows, a query not pinning its column is still refused (no empty
// answer passes for "there are none"), and the dump tool's own read of it
// is no rows with a warning saying why.
func checkUnlistable(t *testing.T, served, restored *sql.DB, name string) {
	if n := column(t, restored, "SELECT COUNT(*) FROM `"+name+"`"); !slices.Equal(n, []string{"0"}) {
		t.Errorf("the copy holds %v rows", n)
	}
	_, err := query(served, "SELECT * FROM `"+name+"`")
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1235 {
		t.Errorf("SELECT * FROM %s: %v, want ERROR 1235", name, err)
	}
	conn, err := served.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := stripesqltest.Query(context.Background(), conn, "SELECT /*!40001 SQL_NO_CACHE */ * FROM `"+name+"`")
	if err != nil || len(rows) != 0 {
		t.Errorf("the dump's read: %v, %v; want no rows", rows, err)
	}
	warnings, err := stripesqltest.Query(context.Background(), conn, "SHOW WARNINGS")
	if err != nil || len(warnings) != 1 || warnings[0][1] != "1235" || !strings.HasPrefix(warnings[0][2], name+" dumped without rows: ") {
		t.Errorf("SHOW WARNINGS after the dump's read: %v, %v", warnings, err)
	}
}

// --no-data dumps the schema without a Stripe request; --tables the tables
// named; --where is pushed down to Stripe like any WHERE; LOCK TABLES …
// WRITE stays a write.
func TestDumpOptions(t *testing.T) {
	tool := dumpTool(t)
	env := stripesqltest.Start(t, stripesqltest.Options{})
	tableNames := stripesqltest.Column(env.Rows(t, "SHOW TABLES"))
	env.Requests()

	t.Run("--no-data", func(t *testing.T) {
		out := dump(t, tool, env.Addr, "root", "", "--no-data", "stripe")
		if n := strings.Count(out, "\nCREATE TABLE "); n != len(tableNames) {
			t.Errorf("%d CREATE TABLE, want %d", n, len(tableNames))
		}
		if strings.Contains(out, "INSERT INTO") {
			t.Errorf("--no-data dumped rows")
		}
		if reqs := env.Requests(); len(reqs) != 0 {
			t.Errorf("the schema took %d Stripe requests, want none: %v", len(reqs), reqs)
		}
	})

	t.Run("--tables", func(t *testing.T) {
		out := dump(t, tool, env.Addr, "root", "", "--skip-extended-insert", "stripe", "--tables", "customers", "charges")
		for _, want := range []string{"\nCREATE TABLE `customers` (", "\nCREATE TABLE `charges` ("} {
			if !strings.Contains(out, want) {
				t.Errorf("the dump lacks %q", want)
			}
		}
		if n := strings.Count(out, "\nCREATE TABLE "); n != 2 {
			t.Errorf("%d CREATE TABLE, want 2", n)
		}
		if got, want := strings.Count(out, "\nINSERT INTO `charges` VALUES "), len(env.Fake.Objects("charges")); got != want {
			t.Errorf("%d charges, want %d", got, want)
		}
		env.Requests()
	})

	t.Run("--where", func(t *testing.T) {
		since := env.Rows(t, "SELECT created FROM charges ORDER BY created LIMIT 1 OFFSET 100")[0][0]
		where := "created >= '" + since + "'"
		want := env.Rows(t, "SELECT COUNT(*) FROM charges WHERE "+where)[0][0]
		env.Requests()
		out := dump(t, tool, env.Addr, "root", "", "--skip-extended-insert", "stripe", "charges", "--where", where)
		if got := strconv.Itoa(strings.Count(out, "\nINSERT INTO `charges` VALUES ")); got != want {
			t.Errorf("%s rows dumped, want %s", got, want)
		}
		reqs := env.Requests()
		if len(reqs) == 0 {
			t.Fatal("no Stripe request")
		}
		for _, r := range reqs {
			if strings.HasPrefix(r, "GET /v1/charges") && !strings.Contains(r, "created[gte]=") {
				t.Errorf("--where was not pushed down: %s", r)
			}
		}
	})

	t.Run("LOCK TABLES", func(t *testing.T) {
		ctx := context.Background()
		conn, err := env.DB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for _, q := range []string{"LOCK TABLES charges READ, customers READ LOCAL", "UNLOCK TABLES", "FLUSH TABLES", "FLUSH TABLES WITH READ LOCK", "UNLOCK TABLES"} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
		for q, code := range map[string]uint16{
			"LOCK TABLES charges WRITE":                        1290,
			"LOCK TABLES charges READ, customers WRITE":        1290,
			"LOCK TABLES no_such_table READ":                   1146,
			"FLUSH TABLES no_such_table WITH READ LOCK":        1146,
			"LOCK TABLES no_such_db.charges READ":              1049,
			"LOCK TABLES charges LOW_PRIORITY WRITE":           1290,
			"LOCK TABLES stripe.charges AS c WRITE":            1290,
			"LOCK TABLES stripe_meta.cache_stats WRITE":        1290,
			"LOCK TABLES stripe_meta.cache_stats READ, x READ": 1146,
		} {
			_, err := conn.ExecContext(ctx, q)
			if me, ok := err.(*mysql.MySQLError); !ok || me.Number != code {
				t.Errorf("%s: %v, want error %d", q, err, code)
			}
		}
	})
}

// dumpTool is mariadb-dump (or mysqldump); without it the test is skipped,
// except in CI.
func dumpTool(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"mariadb-dump", "mysqldump"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const missing = "no mariadb-dump or mysqldump in PATH; run `make deps` to install the Debian package mariadb-client"
	if os.Getenv("CI") == "true" {
		t.Fatal(missing)
	}
	t.Skip(missing)
	return ""
}

// dump runs the dump tool against the server at addr and returns the dump.
func dump(t testing.TB, tool, addr, user, password string, args ...string) string {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	// --no-defaults must come first: no option file changes what is tested.
	full := []string{"--no-defaults", "--protocol=TCP", "--host=" + host, "--port=" + port, "--user=" + user}
	if password != "" {
		full = append(full, "--password="+password)
	}
	full = append(full, args...)
	var out, errOut bytes.Buffer
	if err := runTool(t, tool, full, nil, &out, &errOut); err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, errOut.String())
	}
	if strings.TrimSpace(errOut.String()) != "" {
		t.Errorf("%s %s wrote to stderr: %s", tool, strings.Join(args, " "), errOut.String())
	}
	return out.String()
}

// restore runs a dump through the mariadb client into database db ("":
// the databases the dump creates).
func restore(t testing.TB, client, addr, db, dump string) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	args := []string{"--no-defaults", "--protocol=TCP", "--host=" + host, "--port=" + port, "--user=root", "--show-warnings"}
	if db != "" {
		args = append(args, db)
	}
	if err := runTool(t, client, args, strings.NewReader(dump), &out, &errOut); err != nil {
		t.Fatalf("restoring the dump into MariaDB: %v\n%s", err, errOut.String())
	}
	// Warnings would be data MariaDB changed on the way in (truncation).
	if w := strings.TrimSpace(out.String() + errOut.String()); w != "" {
		t.Errorf("restoring the dump: %s", w)
	}
}

func runTool(t testing.TB, path string, args []string, stdin *strings.Reader, stdout, stderr *bytes.Buffer) error {
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	for _, kv := range os.Environ() { // MYSQL_PWD, MYSQL_HOST…: only the arguments count
		if !strings.HasPrefix(kv, "MYSQL_") && !strings.HasPrefix(kv, "MARIADB_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if stdin != nil {
		cmd.Stdin = stdin
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = 5 * time.Second
	return cmd.Run()
}

// inserts is a dump's data: its INSERT statements.
func inserts(dump string) string {
	var b strings.Builder
	for _, l := range strings.Split(dump, "\n") {
		if strings.HasPrefix(l, "INSERT INTO ") {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// openText opens database db on stripesql with values as text (DATETIME
// too), as the copy's are read.
func openText(t testing.TB, addr, user, password, db string) *sql.DB {
	t.Helper()
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = user, password, "tcp", addr, db
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pool := sql.OpenDB(conn)
	t.Cleanup(func() { pool.Close() })
	return pool
}

// compareTable checks that table name holds the same data on stripesql
// (served) and in the restored copy, and returns its row count.
func compareTable(t *testing.T, served, restored *sql.DB, name string) int {
	q := "`" + name + "`"
	cols, err := query(served, "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position", name)
	if err != nil {
		t.Fatal(err)
	}
	var sums []string
	hasID, hasStatus := false, false
	// Numbers compare by value: stripesql writes a DECIMAL with the digits
	// it has (44.55), MariaDB with the column's scale (44.550).
	numeric := map[int]bool{}
	for i, c := range cols {
		switch c[1] {
		case "bigint", "decimal":
			sums = append(sums, "SUM(`"+c[0]+"`)")
			numeric[i] = c[1] == "decimal"
		case "double", "float":
			numeric[i] = true
		}
		hasID = hasID || c[0] == "id"
		hasStatus = hasStatus || c[0] == "status"
	}
	// Aggregates each server computes itself.
	checks := []struct {
		what, sql string
		numeric   bool
	}{{"row count", "SELECT COUNT(*) FROM " + q, true}}
	if len(sums) > 0 {
		checks = append(checks, struct {
			what, sql string
			numeric   bool
		}{"sums", "SELECT " + strings.Join(sums, ", ") + " FROM " + q, true})
	}
	if hasStatus {
		checks = append(checks, struct {
			what, sql string
			numeric   bool
		}{"counts by status", "SELECT status, COUNT(*) FROM " + q + " GROUP BY status", false})
	}
	if hasID {
		checks = append(checks, struct {
			what, sql string
			numeric   bool
		}{"ids", "SELECT id FROM " + q, false})
	}
	for _, c := range checks {
		a, err := query(served, c.sql)
		if err != nil {
			t.Fatalf("stripesql: %s: %v", c.sql, err)
		}
		b, err := query(restored, c.sql)
		if err != nil {
			t.Fatalf("MariaDB: %s: %v", c.sql, err)
		}
		if c.numeric {
			if !sameNumbers(a, b) {
				t.Errorf("%s: stripesql %v, the copy %v", c.what, a, b)
			}
		} else if !sameRows(a, b) {
			t.Errorf("%s differ: stripesql %d rows, the copy %d", c.what, len(a), len(b))
		}
	}
	// And every value.
	a, err := query(served, "SELECT * FROM "+q)
	if err != nil {
		t.Fatal(err)
	}
	b, err := query(restored, "SELECT * FROM "+q)
	if err != nil {
		t.Fatal(err)
	}
	for _, rows := range [][][]string{a, b} {
		for _, r := range rows {
			for i := range r {
				if numeric[i] && r[i] != "NULL" {
					if v, ok := new(big.Rat).SetString(r[i]); ok {
						r[i] = v.RatString()
					}
				}
			}
		}
	}
	if !sameRows(a, b) {
		t.Errorf("rows differ: %s", firstRowDifference(a, b))
	}
	return len(a)
}

// query returns a result's rows as text ("NULL" for NULL).
func query(db *sql.DB, q string, args ...any) ([][]string, error) {
	return stripesqltest.Query(context.Background(), db, q, args...)
}

func column(t testing.TB, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := query(db, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return stripesqltest.Column(rows)
}

func rowKeys(rows [][]string) []string {
	keys := make([]string, len(rows))
	for i, r := range rows {
		keys[i] = strings.Join(r, "\x1f")
	}
	slices.Sort(keys)
	return keys
}

// sameRows compares results as multisets of rows.
func sameRows(a, b [][]string) bool { return slices.Equal(rowKeys(a), rowKeys(b)) }

// firstRowDifference shows a row of one result that the other lacks.
func firstRowDifference(served, restored [][]string) string {
	a, b := rowKeys(served), rowKeys(restored)
	for i := 0; i < len(a) || i < len(b); i++ {
		switch {
		case i >= len(a):
			return "the copy has more rows: " + b[i]
		case i >= len(b):
			return "stripesql has more rows: " + a[i]
		case a[i] != b[i]:
			return fmt.Sprintf("stripesql row\n\t%q\nthe copy's\n\t%q", a[i], b[i])
		}
	}
	return "(none)"
}

// sameNumbers compares one-row results of numbers by value (DECIMAL sums
// may differ in their scale).
func sameNumbers(a, b [][]string) bool {
	if len(a) != 1 || len(b) != 1 || len(a[0]) != len(b[0]) {
		return false
	}
	for i := range a[0] {
		x, okX := new(big.Rat).SetString(a[0][i])
		y, okY := new(big.Rat).SetString(b[0][i])
		if okX != okY || (okX && x.Cmp(y) != 0) || (!okX && a[0][i] != b[0][i]) {
			return false
		}
	}
	return true
}
