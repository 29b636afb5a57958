package binlogtest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// The variables and SHOW statements consumers read before streaming
// answer as MySQL 8 with GTIDs and row-based logging, and follow the log.
func TestVariablesAndShowStatements(t *testing.T) {
	env := start(t, t.TempDir(), nil)
	customer := env.Fake.Objects("customers")[0]["id"].(string)
	if err := env.Fake.SetMetadata("customers", customer, "k", "v"); err != nil {
		t.Fatal(err)
	}
	var uuid string
	if err := env.DB.QueryRow("SELECT @@GLOBAL.server_uuid").Scan(&uuid); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	var executed string
	for time.Now().Before(deadline) && executed != uuid+":1-1" && executed != uuid+":1" {
		if err := env.DB.QueryRow("SELECT @@GLOBAL.gtid_executed").Scan(&executed); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.HasPrefix(executed, uuid+":1") {
		t.Fatalf("@@GLOBAL.gtid_executed = %q, want %s:1-1", executed, uuid)
	}
	for q, want := range map[string]string{
		"SELECT @@GLOBAL.gtid_mode":                "ON",
		"SELECT @@GLOBAL.enforce_gtid_consistency": "ON",
		"SELECT @@GLOBAL.binlog_format":            "ROW",
		"SELECT @@GLOBAL.binlog_row_image":         "FULL",
		"SELECT @@GLOBAL.binlog_checksum":          "CRC32",
		"SELECT @@GLOBAL.gtid_purged":              "",
		"SELECT @@server_id":                       "1",
	} {
		if got := strings.Join(stripesqltest.Column(env.Rows(t, q)), ","); got != want {
			t.Errorf("%s = %q, want %q", q, got, want)
		}
	}
	// What mysqldump 8 reads for --set-gtid-purged and --source-data.
	for q, want := range map[string]string{
		`SHOW VARIABLES LIKE 'gtid\_mode'`:             "gtid_mode ON",
		`SHOW GLOBAL VARIABLES LIKE 'gtid_executed'`:   "gtid_executed " + executed,
		`SHOW GLOBAL VARIABLES LIKE 'binlog_checksum'`: "binlog_checksum CRC32",
		`SHOW GLOBAL VARIABLES LIKE 'binlog_format'`:   "binlog_format ROW",
	} {
		rows := env.Rows(t, q)
		if len(rows) != 1 || strings.Join(rows[0], " ") != want {
			t.Errorf("%s = %v, want %s", q, rows, want)
		}
	}
	for _, q := range []string{"SHOW MASTER STATUS", "SHOW BINARY LOG STATUS"} {
		rows := env.Rows(t, q)
		if len(rows) != 1 || rows[0][0] != "binlog.000001" || rows[0][4] != executed {
			t.Errorf("%s = %v, want binlog.000001 … %s", q, rows, executed)
		}
	}
	if rows := env.Rows(t, "SHOW BINARY LOGS"); len(rows) != 1 || rows[0][0] != "binlog.000001" {
		t.Errorf("SHOW BINARY LOGS = %v", rows)
	}
	if rows := env.Rows(t, "SHOW REPLICAS"); len(rows) != 0 {
		t.Errorf("SHOW REPLICAS with none = %v", rows)
	}
}

// With MySQL accounts only --replicator accounts may stream or read the
// log's status (1227 for the others); SHOW GRANTS says so.
func TestOnlyReplicatorsStream(t *testing.T) {
	reader := engine.User{Name: "reader", Password: "reader-pw"}
	repl := engine.User{Name: "cdc", Password: "cdc-pw", Replicate: true}
	env := start(t, t.TempDir(), []engine.User{reader, repl})
	_, err := syncer(t, env, "reader", "reader-pw", "")
	if err == nil || !strings.Contains(err.Error(), "1227") {
		t.Fatalf("a reader streaming: %v, want ERROR 1227", err)
	}
	var me *mysql.MySQLError
	if _, err := env.DB.Exec("SHOW MASTER STATUS"); !errors.As(err, &me) || me.Number != 1227 {
		t.Errorf("SHOW MASTER STATUS as a reader: %v, want 1227", err)
	}
	cdc := env.Open(t, "cdc", "cdc-pw", false)
	rows, err := stripesqltest.Query(context.Background(), cdc, "SHOW GRANTS")
	if err != nil || !strings.Contains(rows[0][0], "REPLICATION SLAVE, REPLICATION CLIENT") {
		t.Errorf("SHOW GRANTS of a replicator = %v, %v", rows, err)
	}
	st, err := syncer(t, env, "cdc", "cdc-pw", "")
	if err != nil {
		t.Fatalf("a replicator streaming: %v", err)
	}
	customer := env.Fake.Objects("customers")[0]["id"].(string)
	if err := env.Fake.SetMetadata("customers", customer, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if c := next(t, st, 1)[0]; c.table != "customers" || c.after["id"] != customer {
		t.Errorf("the replicator got %+v", c)
	}
}

// A consumer that stops, while stripesql restarts and Stripe changes,
// resumes with its executed set at the next transaction: nothing lost,
// nothing repeated, numbers not reused.
func TestRestartResumesExactly(t *testing.T) {
	dir := t.TempDir()
	env := start(t, dir, nil)
	customers := env.Fake.Objects("customers")
	st, err := syncer(t, env, "root", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Fake.SetMetadata("customers", customers[0]["id"].(string), "k", "1"); err != nil {
		t.Fatal(err)
	}
	first := next(t, st, 1)[0]
	uuid, _, _ := strings.Cut(first.gtid, ":")
	env.Restart(t, func() {
		// Changes while stripesql is down: caught up at start.
		if err := env.Fake.SetMetadata("customers", customers[1]["id"].(string), "k", "2"); err != nil {
			t.Fatal(err)
		}
	})
	if err := env.Fake.SetMetadata("customers", customers[2]["id"].(string), "k", "3"); err != nil {
		t.Fatal(err)
	}
	st, err = syncer(t, env, "root", "", first.gtid)
	if err != nil {
		t.Fatal(err)
	}
	got := next(t, st, 2)
	if got[0].gtid != uuid+":2" || got[0].after["id"] != customers[1]["id"] || got[1].gtid != uuid+":3" || got[1].after["id"] != customers[2]["id"] {
		t.Fatalf("after the restart from %s: %s %v, %s %v", first.gtid, got[0].gtid, got[0].after["id"], got[1].gtid, got[1].after["id"])
	}
}

// A consumer whose set misses transactions the log no longer keeps gets
// ERROR 1236 saying how to start over; so does one from another server.
func TestPurgedSetIs1236(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{CacheTTL: time.Hour, Events: 50 * time.Millisecond, Binlog: true,
		CacheDir: t.TempDir(), BinlogRetain: 1})
	customers := env.Fake.Objects("customers")
	var uuid string
	if err := env.DB.QueryRow("SELECT @@server_uuid").Scan(&uuid); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := env.Fake.SetMetadata("customers", customers[i]["id"].(string), "k", "v"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	var purged string
	if err := env.DB.QueryRow("SELECT @@GLOBAL.gtid_purged").Scan(&purged); err != nil || purged != uuid+":1-1" {
		t.Fatalf("gtid_purged = %q, %v", purged, err)
	}
	for _, set := range []string{"", "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5"} {
		st, err := syncer(t, env, "root", "", set)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			for err == nil {
				_, err = st.GetEvent(ctx)
			}
			cancel()
		}
		if err == nil || !strings.Contains(err.Error(), "1236") || !strings.Contains(err.Error(), "new snapshot") {
			t.Errorf("streaming from %q: %v, want ERROR 1236 advising a new snapshot", set, err)
		}
	}
}

// What a MySQL 8 replica asks its source before it dumps
// (rpl_replica.cc) succeeds, with MySQL's answers.
func TestReplicaHandshakeStatements(t *testing.T) {
	env := start(t, t.TempDir(), nil)
	ctx := context.Background()
	conn, err := env.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var uuid string
	if err := conn.QueryRowContext(ctx, "SELECT @@GLOBAL.SERVER_UUID").Scan(&uuid); err != nil || len(uuid) != 36 {
		t.Fatalf("@@GLOBAL.SERVER_UUID = %q, %v", uuid, err)
	}
	for _, q := range []string{
		"SELECT UNIX_TIMESTAMP()",
		"SET @master_heartbeat_period= 30000001024",
		"SET @source_heartbeat_period= 30000001024",
		"SET @master_binlog_checksum= @@global.binlog_checksum",
		"SET @source_binlog_checksum= @@global.binlog_checksum",
		"SET @slave_uuid= '6f2b3c9e-0000-11ef-8000-000000000001'",
		"SET @replica_uuid= '6f2b3c9e-0000-11ef-8000-000000000001'",
		"SELECT @@GLOBAL.COLLATION_SERVER",
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	for q, want := range map[string]string{
		"SELECT @source_binlog_checksum":  "CRC32",
		"SELECT @master_binlog_checksum":  "CRC32",
		"SELECT @@GLOBAL.GTID_MODE":       "ON",
		"SHOW VARIABLES LIKE 'SERVER_ID'": "server_id 1",
	} {
		rows, err := stripesqltest.Query(ctx, conn, q)
		if err != nil || len(rows) != 1 || strings.Join(rows[0], " ") != want {
			t.Errorf("%s = %v, %v; want %s", q, rows, err, want)
		}
	}
}

// A consumer reconnecting with its executed set resumes at the next
// transaction, over plain TCP and over TLS alike: go-mysql sends its set
// without the BINLOG_THROUGH_GTID flag, so vitess drops it and stripesql
// reads it from the connection's bytes — which, over TLS, it can read
// only where TLS ends (it was sent the whole log again before).
func TestResumeExactlyOverTLS(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{CacheTTL: time.Hour, Events: 50 * time.Millisecond, Binlog: true,
		CacheDir: t.TempDir(), TLS: true})
	customers := env.Fake.Objects("customers")
	for _, tc := range []struct {
		name string
		tls  *tls.Config
	}{
		{"plain", nil},
		{"TLS", env.ClientTLS(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := syncerTLS(t, env, "root", "", "", tc.tls)
			if err != nil {
				t.Fatal(err)
			}
			if err := env.Fake.SetMetadata("customers", customers[0]["id"].(string), "step", tc.name+"1"); err != nil {
				t.Fatal(err)
			}
			var seen []change
			for len(seen) == 0 || seen[len(seen)-1].after["metadata"] == nil ||
				!strings.Contains(fmt.Sprint(seen[len(seen)-1].after["metadata"]), tc.name+"1") {
				seen = append(seen, next(t, st, 1)...)
			}
			executed := seen[len(seen)-1].gtid
			uuid, last, _ := strings.Cut(executed, ":")
			executed = uuid + ":1-" + last
			if err := env.Fake.SetMetadata("customers", customers[1]["id"].(string), "step", tc.name+"2"); err != nil {
				t.Fatal(err)
			}
			st, err = syncerTLS(t, env, "root", "", executed, tc.tls)
			if err != nil {
				t.Fatal(err)
			}
			n, _ := strconv.Atoi(last)
			got := next(t, st, 1)[0]
			if want := fmt.Sprintf("%s:%d", uuid, n+1); got.gtid != want || got.after["id"] != customers[1]["id"] {
				t.Fatalf("resuming from %s got %s (%v %v), want %s (%s)", executed, got.gtid, got.after["id"], got.after["metadata"], want, customers[1]["id"])
			}
		})
	}
}
