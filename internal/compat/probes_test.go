package compat

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// probeCtx is what a probe's check can use: more queries on the same
// connection, the Stripe requests made, and the server's tables.
type probeCtx struct {
	query  func(sql string) ([][]string, error)
	env    *stripesqltest.Env
	connID string
	tables []string
}

// probe is a statement BI tools send while connecting or syncing.
type probe struct {
	tool string
	sql  string
	// wantErr, when set, is part of the MySQL error the statement must
	// get; the connection must stay usable afterwards.
	wantErr string
	// check judges the rows (header first) of a statement that succeeds.
	check func(rows [][]string, p *probeCtx) error
}

var probes = []probe{
	{tool: "dbeaver", sql: "SHOW PROCESSLIST", check: seesOwnQuery("SHOW PROCESSLIST")},
	{tool: "dbeaver", sql: "SHOW FULL PROCESSLIST", check: seesOwnQuery("SHOW FULL PROCESSLIST")},
	// Tableau probes for temporary tables and falls back when refused.
	{tool: "tableau", sql: "CREATE TEMPORARY TABLE `#Tableau_37_1_Connect` (`COL` INT)", wantErr: "read-only"},
	{tool: "tableau", sql: "SELECT 1 AS `COL` FROM (SELECT 1) AS `CHECKTEMP` LIMIT 1", check: wantRows([]string{"1"})},
	{tool: "metabase", sql: "SET NAMES utf8mb4", check: afterSet("SELECT @@character_set_client, @@character_set_connection, @@character_set_results", "utf8mb4 utf8mb4 utf8mb4")},
	// go-mysql-server lists sql_mode flags alphabetically, MySQL by bit.
	{tool: "metabase", sql: "SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'", check: afterSet("SELECT @@SESSION.sql_mode", "NO_ENGINE_SUBSTITUTION,STRICT_TRANS_TABLES")},
	{tool: "connector-j", sql: "SET autocommit=1", check: afterSet("SELECT @@autocommit", "1")},
	{tool: "metabase", sql: "SET SESSION TRANSACTION READ ONLY", check: afterSet("SELECT @@transaction_read_only", "1")},
	{tool: "connector-j", sql: "SELECT @@version_comment, @@version, @@max_allowed_packet, @@tx_isolation, @@transaction_isolation", check: sessionInfo},
	{tool: "dbeaver", sql: "SHOW VARIABLES LIKE 'lower_case%'", check: wantFirstColumn("lower_case_file_system", "lower_case_table_names")},
	{tool: "dbeaver", sql: "SHOW FULL TABLES", check: fullTables},
	{tool: "dbeaver", sql: "SHOW TABLE STATUS", check: func(rows [][]string, p *probeCtx) error { return sameTables(rows, p) }},
	{tool: "dbeaver", sql: "SHOW INDEX FROM charges", check: hasRow(2, "PRIMARY", 4, "id")},
	{tool: "dbeaver", sql: "SELECT * FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'stripe'", check: wantRows()},
	{tool: "dbeaver", sql: "SELECT * FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'stripe'", check: wantRows()},
	{tool: "dbeaver", sql: "SELECT * FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'stripe'", check: wantRows()},
	{tool: "metabase", sql: "SELECT CONSTRAINT_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = 'stripe' AND TABLE_NAME = 'charges'", check: wantRows([]string{"PRIMARY", "id"})},
	{tool: "dbeaver", sql: "SELECT PLUGIN_NAME, PLUGIN_STATUS FROM information_schema.PLUGINS", check: wantHeader("PLUGIN_NAME", "PLUGIN_STATUS")},
	// MySQL names SHOW PLUGINS' columns Name, Status, Type, Library,
	// License; go-mysql-server answers with information_schema.PLUGINS'
	// columns. DBeaver reads them by name and tolerates their absence
	// (its plugin list is informational), and there are no plugins.
	{tool: "dbeaver", sql: "SHOW PLUGINS", check: wantRows()},
	{tool: "dbeaver", sql: "SHOW ENGINES", check: hasRow(0, "InnoDB")},
	{tool: "dbeaver", sql: "SHOW CHARSET", check: hasRow(0, "utf8mb4")},
	{tool: "dbeaver", sql: "SHOW COLLATION", check: hasRow(0, "utf8mb4_0900_bin")},
	{tool: "superset", sql: "SELECT DATABASE()", check: wantRows([]string{"stripe"})},
	// Metabase checks it may read a table with a query that returns
	// nothing; it must not list the table from Stripe.
	{tool: "metabase", sql: "SELECT TRUE AS `_` FROM `stripe`.`charges` WHERE 1 <> 1 LIMIT 0", check: noStripeRequests},
}

// grantProbes are what a tool asks about its own rights (Metabase's sync
// runs SHOW GRANTS): with accounts configured, a read-only account's
// grants are SELECT on the Stripe databases.
var grantProbes = []probe{
	{tool: "metabase", sql: "SHOW GRANTS", check: grantsSelect},
	{tool: "metabase", sql: "SHOW GRANTS FOR CURRENT_USER()", check: grantsSelect},
}

// TestBISetupProbes runs the probes as root on a server without accounts,
// and as the read-only account a BI tool is given on a server with
// accounts, with the grant probes too.
func TestBISetupProbes(t *testing.T) {
	t.Run("root", func(t *testing.T) {
		env := stripesqltest.Start(t, stripesqltest.Options{})
		runProbes(t, env, env.DB, probes)
	})
	t.Run("read-only account", func(t *testing.T) {
		env := stripesqltest.Start(t, stripesqltest.Options{Users: []engine.User{{Name: "metabase", Password: "s3cret-pw"}}})
		runProbes(t, env, env.DB, append(append([]probe{}, probes...), grantProbes...))
	})
}

// grantsSelect checks a SHOW GRANTS answer gives SELECT on the Stripe
// database and nothing that writes.
func grantsSelect(rows [][]string, _ *probeCtx) error {
	text := fmt.Sprint(rows)
	if !strings.Contains(text, "GRANT") || !strings.Contains(text, "SELECT") || !strings.Contains(text, "stripe") {
		return fmt.Errorf("SHOW GRANTS gave %v, want SELECT on stripe", rows)
	}
	for _, w := range []string{"INSERT", "UPDATE", "DELETE", "ALL PRIVILEGES"} {
		if strings.Contains(text, w) {
			return fmt.Errorf("a read-only account is granted %s: %v", w, rows)
		}
	}
	return nil
}

// runProbes runs the probes in order on one connection of db, as a tool
// would, checking the connection still answers after each.
func runProbes(t *testing.T, env *stripesqltest.Env, db *sql.DB, probes []probe) {
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	p := &probeCtx{env: env, tables: stripesqltest.Column(env.Rows(t, "SHOW TABLES"))}
	p.query = func(q string) ([][]string, error) { return connRows(ctx, conn, q) }
	id, err := p.query("SELECT CONNECTION_ID()")
	if err != nil {
		t.Fatal(err)
	}
	p.connID = id[1][0]
	for _, pr := range probes {
		t.Run(pr.tool+"/"+pr.sql, func(t *testing.T) {
			env.Requests()
			rows, err := p.query(pr.sql)
			switch {
			case pr.wantErr != "" && err == nil:
				t.Errorf("succeeded, want an error containing %q", pr.wantErr)
			case pr.wantErr != "" && !strings.Contains(err.Error(), pr.wantErr):
				t.Errorf("error %q, want one containing %q", err, pr.wantErr)
			case pr.wantErr == "" && err != nil:
				t.Errorf("error: %v", err)
			case pr.wantErr == "":
				if err := pr.check(rows, p); err != nil {
					t.Errorf("%v\nrows: %v", err, rows)
				}
			}
			if _, err := p.query("SELECT 1"); err != nil {
				t.Fatalf("the connection is unusable after the probe: %v", err)
			}
		})
	}
}

// probeScript is the probes' SQL, one statement a line, for CompatJdbc.
func probeScript() string {
	var lines []string
	for _, p := range probes {
		lines = append(lines, p.sql)
	}
	return strings.Join(lines, "\n")
}

// checkProbeOutcomes compares what CompatJdbc saw with the probes'
// expectations: the same statements fail, with the same errors.
func checkProbeOutcomes(t *testing.T, got []probeOutcome) {
	t.Helper()
	if len(got) != len(probes) {
		t.Fatalf("%d probe outcomes, want %d", len(got), len(probes))
	}
	for i, pr := range probes {
		o := got[i]
		switch {
		case o.SQL != pr.sql:
			t.Errorf("probe %d ran %q, want %q", i, o.SQL, pr.sql)
		case pr.wantErr == "" && o.Error != nil:
			t.Errorf("probe %q (%s): %s", pr.sql, pr.tool, *o.Error)
		case pr.wantErr != "" && (o.Error == nil || !strings.Contains(*o.Error, pr.wantErr)):
			t.Errorf("probe %q (%s): error %v, want one containing %q", pr.sql, pr.tool, o.Error, pr.wantErr)
		}
	}
}

// connRows runs a query on one connection; rows[0] is the header, NULL
// reads "NULL".
func connRows(ctx context.Context, conn *sql.Conn, query string) ([][]string, error) {
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	types, vals, err := readRows(rows)
	if err != nil {
		return nil, err
	}
	header := make([]string, len(types))
	for i, ct := range types {
		header[i] = ct.Name()
	}
	out := [][]string{header}
	for _, row := range vals {
		texts := make([]string, len(row))
		for i, v := range row {
			switch v := v.(type) {
			case nil:
				texts[i] = "NULL"
			case []byte:
				texts[i] = string(v)
			default:
				texts[i] = fmt.Sprint(v)
			}
		}
		out = append(out, texts)
	}
	return out, nil
}

// wantRows wants exactly these data rows (none when called without).
func wantRows(want ...[]string) func([][]string, *probeCtx) error {
	return func(rows [][]string, _ *probeCtx) error {
		if !slices.EqualFunc(rows[1:], want, slices.Equal) {
			return fmt.Errorf("rows %v, want %v", rows[1:], want)
		}
		return nil
	}
}

func wantHeader(cols ...string) func([][]string, *probeCtx) error {
	return func(rows [][]string, _ *probeCtx) error {
		if !slices.Equal(rows[0], cols) {
			return fmt.Errorf("columns %v, want %v", rows[0], cols)
		}
		return nil
	}
}

func wantFirstColumn(values ...string) func([][]string, *probeCtx) error {
	return func(rows [][]string, _ *probeCtx) error {
		var got []string
		for _, r := range rows[1:] {
			got = append(got, r[0])
		}
		if !sameSet(got, values) {
			return fmt.Errorf("first column %v, want %v", got, values)
		}
		return nil
	}
}

// hasRow wants a row whose columns (index, value pairs) match.
func hasRow(pairs ...any) func([][]string, *probeCtx) error {
	return func(rows [][]string, _ *probeCtx) error {
		for _, r := range rows[1:] {
			match := true
			for i := 0; i < len(pairs); i += 2 {
				match = match && r[pairs[i].(int)] == pairs[i+1].(string)
			}
			if match {
				return nil
			}
		}
		return fmt.Errorf("no row with %v", pairs)
	}
}

// afterSet checks a SET statement's effect with a query.
func afterSet(query, want string) func([][]string, *probeCtx) error {
	return func(_ [][]string, p *probeCtx) error {
		rows, err := p.query(query)
		if err != nil {
			return err
		}
		if got := strings.Join(rows[1], " "); got != want {
			return fmt.Errorf("%s = %q, want %q", query, got, want)
		}
		return nil
	}
}

// seesOwnQuery wants the process list to show this connection running it.
func seesOwnQuery(query string) func([][]string, *probeCtx) error {
	return func(rows [][]string, p *probeCtx) error {
		id, info := slices.Index(rows[0], "Id"), slices.Index(rows[0], "Info")
		if id < 0 || info < 0 {
			return fmt.Errorf("no Id or Info column in %v", rows[0])
		}
		for _, r := range rows[1:] {
			if r[id] == p.connID && r[info] == query {
				return nil
			}
		}
		return fmt.Errorf("no row for connection %s running %q", p.connID, query)
	}
}

func sessionInfo(rows [][]string, _ *probeCtx) error {
	r := rows[1]
	if r[0] == "" || r[0] == "NULL" {
		return fmt.Errorf("@@version_comment is empty")
	}
	if !strings.HasPrefix(r[1], "8.") {
		return fmt.Errorf("@@version %q, want a MySQL 8 version", r[1])
	}
	if n, err := strconv.Atoi(r[2]); err != nil || n < 1<<20 {
		return fmt.Errorf("@@max_allowed_packet %q, want at least 1 MiB", r[2])
	}
	if r[3] != r[4] || r[3] == "NULL" {
		return fmt.Errorf("@@tx_isolation %q and @@transaction_isolation %q differ", r[3], r[4])
	}
	return nil
}

func fullTables(rows [][]string, p *probeCtx) error {
	for _, r := range rows[1:] {
		if r[1] != "BASE TABLE" {
			return fmt.Errorf("%s has Table_type %q", r[0], r[1])
		}
	}
	return sameTables(rows, p)
}

func sameTables(rows [][]string, p *probeCtx) error {
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[0])
	}
	if !sameSet(got, p.tables) {
		return fmt.Errorf("tables %v, want (SHOW TABLES) %v", got, p.tables)
	}
	return nil
}

func noStripeRequests(rows [][]string, p *probeCtx) error {
	if len(rows) != 1 {
		return fmt.Errorf("%d rows, want none", len(rows)-1)
	}
	if reqs := p.env.Requests(); len(reqs) != 0 {
		return fmt.Errorf("made Stripe requests:\n%s", stripesqltest.Join(reqs))
	}
	return nil
}
