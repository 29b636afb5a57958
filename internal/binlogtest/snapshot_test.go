package binlogtest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/stripesql/stripesql/internal/mariadbtest"
	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/internal/testutil"
)

// snapshotTables are the tables the snapshot test changes and compares.
var snapshotTables = []string{"charges", "customers"}

// A --single-transaction --master-data=2 dump restored into MariaDB, then
// the stream from the dump's position (BINLOG_GTID_POS) applied to it
// by a consumer, ends equal, table by table, to stripesql's own answers;
// stripesql stops and starts again mid-stream, and the consumer resumes
// from its executed set, losing and repeating nothing.
func TestSnapshotPlusStreamEqualsStripe(t *testing.T) {
	tool := lookTool(t, "mariadb-dump", "mysqldump")
	client := testutil.MySQLClient(t)
	copyServer := mariadbtest.Start(t)
	env := start(t, t.TempDir(), nil)
	customers := env.Fake.Objects("customers")

	// A change before the snapshot: the log is not empty.
	if err := env.Fake.SetMetadata("customers", customers[5]["id"].(string), "before", "dump"); err != nil {
		t.Fatal(err)
	}
	uuid := waitExecuted(t, env, 1)

	out := runDump(t, tool, env.Addr, "--single-transaction", "--master-data=2", "--skip-dump-date", "stripe", snapshotTables[0], snapshotTables[1])
	m := regexp.MustCompile(`MASTER_LOG_FILE='([^']+)', MASTER_LOG_POS=(\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the dump names no position:\n%.2000s", out)
	}
	var set string
	if err := env.DB.QueryRow("SELECT BINLOG_GTID_POS(?, ?)", m[1], m[2]).Scan(&set); err != nil {
		t.Fatal(err)
	}
	if set != uuid+":1-1" {
		t.Fatalf("BINLOG_GTID_POS(%s, %s) = %q, want %s:1-1", m[1], m[2], set, uuid)
	}
	runTool(t, client, mariaArgs(t, copyServer.Addr(), ""), "CREATE DATABASE stripe")
	runTool(t, client, mariaArgs(t, copyServer.Addr(), "stripe"), out)
	copyDB, err := copyServer.Open("stripe")
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()

	// Changes after the snapshot, two before stripesql restarts and two
	// after.
	c := &consumer{db: copyDB, executed: set}
	c.connect(t, env)
	ch := fake(t, env, "POST", "/v1/charges", url.Values{"customer": {customers[0]["id"].(string)}, "amount": {"2550"}, "currency": {"eur"},
		"description": {"snapshot + stream"}})
	if err := env.Fake.SetMetadata("customers", customers[1]["id"].(string), "tier", "gold"); err != nil {
		t.Fatal(err)
	}
	c.apply(t, 2)
	env.Restart(t, nil)
	if _, err := env.Fake.RefundCharge(ch["id"].(string), 550); err != nil {
		t.Fatal(err)
	}
	fake(t, env, "DELETE", "/v1/customers/"+customers[2]["id"].(string), nil)
	c.connect(t, env)
	c.apply(t, 2)
	if want := uuid + ":1-5"; c.executed != want {
		t.Errorf("the consumer executed %s, want %s", c.executed, want)
	}

	reference := env.CacheOff(t)
	for _, table := range snapshotTables {
		t.Run(table, func(t *testing.T) { compareTables(t, reference.DB, copyDB, table) })
	}
}

// consumer applies the stream to a MariaDB copy as CDC tools do: by
// primary key, an insert or update as REPLACE, a delete as DELETE.
type consumer struct {
	db       *sql.DB
	executed string
	st       *replication.BinlogStreamer
	gtid     string
}

func (c *consumer) connect(t *testing.T, env *stripesqltest.Env) {
	t.Helper()
	st, err := syncer(t, env, "root", "", c.executed)
	if err != nil {
		t.Fatal(err)
	}
	c.st = st
}

// apply applies n transactions.
func (c *consumer) apply(t *testing.T, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for n > 0 {
		ev, err := c.st.GetEvent(ctx)
		if err != nil {
			t.Fatalf("streaming: %v", err)
		}
		switch e := ev.Event.(type) {
		case *replication.GTIDEvent:
			sid := fmt.Sprintf("%x-%x-%x-%x-%x", e.SID[0:4], e.SID[4:6], e.SID[6:8], e.SID[8:10], e.SID[10:16])
			c.gtid = fmt.Sprintf("%s:%d", sid, e.GNO)
		case *replication.RowsEvent:
			c.applyRows(t, ev.Header.EventType, e)
		case *replication.XIDEvent:
			uuid, gno, _ := strings.Cut(c.gtid, ":")
			c.executed = uuid + ":1-" + gno
			n--
		}
	}
}

func (c *consumer) applyRows(t *testing.T, typ replication.EventType, e *replication.RowsEvent) {
	t.Helper()
	names := e.Table.ColumnNameString()
	table := string(e.Table.Table)
	step := 1
	if typ == replication.UPDATE_ROWS_EVENTv2 {
		step = 2
	}
	for i := 0; i < len(e.Rows); i += step {
		row := e.Rows[i+step-1]
		var err error
		if typ == replication.DELETE_ROWS_EVENTv2 {
			_, err = c.db.Exec("DELETE FROM `"+table+"` WHERE id = ?", row[0])
		} else {
			marks := strings.TrimSuffix(strings.Repeat("?,", len(row)), ",")
			_, err = c.db.Exec("REPLACE INTO `"+table+"` (`"+strings.Join(names, "`,`")+"`) VALUES ("+marks+")", row...)
		}
		if err != nil {
			t.Fatalf("applying a row of %s: %v", table, err)
		}
	}
}

// compareTables checks a table's rows on the copy against stripesql's,
// by id, column by column (JSON compared as JSON).
func compareTables(t *testing.T, served, copied *sql.DB, table string) {
	t.Helper()
	want := textRows(t, served, table)
	got := textRows(t, copied, table)
	if len(want) < 10 {
		t.Fatalf("stripesql has %d rows in %s: the comparison proves little", len(want), table)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: the copy has %d rows, stripesql %d", table, len(got), len(want))
	}
	for i := range want {
		for j := range want[i] {
			if !sameValue(want[i][j], got[i][j]) {
				t.Fatalf("%s row %s column %d: copy %q, stripesql %q", table, want[i][0], j, got[i][j], want[i][j])
			}
		}
	}
}

func textRows(t *testing.T, db *sql.DB, table string) [][]string {
	t.Helper()
	rows, err := stripesqltest.Query(context.Background(), db, "SELECT * FROM `"+table+"` ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func sameValue(a, b string) bool {
	if a == b {
		return true
	}
	// The reference pool parses times (RFC 3339), the copy's does not.
	if ta, err := time.Parse(time.RFC3339, a); err == nil {
		return ta.Format(time.DateTime) == b
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil {
		return reflect.DeepEqual(x, y)
	}
	return false
}

// waitExecuted waits until the log holds n transactions and returns its
// uuid.
func waitExecuted(t *testing.T, env *stripesqltest.Env, n int) string {
	t.Helper()
	var uuid string
	if err := env.DB.QueryRow("SELECT @@GLOBAL.server_uuid").Scan(&uuid); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%s:1-%d", uuid, n)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var got string
		if err := env.DB.QueryRow("SELECT @@GLOBAL.gtid_executed").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got == want {
			return uuid
		}
	}
	t.Fatalf("gtid_executed never reached %s", want)
	return ""
}

func lookTool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("none of %v in PATH: run `make deps`", names)
	}
	t.Skipf("none of %v in PATH: run `make deps`", names)
	return ""
}

func mariaArgs(t *testing.T, addr, db string) []string {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--no-defaults", "--protocol=TCP", "--host=" + host, "--port=" + port, "--user=root"}
	if db != "" {
		args = append(args, db)
	}
	return args
}

// runDump runs the dump tool against stripesql as root.
func runDump(t *testing.T, tool, addr string, args ...string) string {
	t.Helper()
	return runTool(t, tool, append(mariaArgs(t, addr, ""), args...), "")
}

// runTool runs a MariaDB client tool and returns what it printed.
func runTool(t *testing.T, path string, args []string, stdin string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MYSQL_") && !strings.HasPrefix(kv, "MARIADB_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", path, args, err, errOut.String())
	}
	return out.String()
}
