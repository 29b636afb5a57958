package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// mysqldump8 is what MySQL 8.0's mysqldump sends (client/mysqldump.cc)
// for `mysqldump stripe charges` with its default options (LOCK TABLES,
// column statistics, --set-gtid-purged=AUTO), then with
// --single-transaction, --master-data and --flush-logs (FLUSH TABLES …
// WITH READ LOCK), --databases and --routines --events. mariadb-dump
// itself runs in internal/dumptest.
var mysqldump8 = []string{
	"/*!40100 SET @@SQL_MODE='' */",
	"/*!40103 SET TIME_ZONE='+00:00' */",
	"/*!80000 SET SESSION information_schema_stats_expiry=0 */",
	"SET SESSION NET_READ_TIMEOUT= 700, SESSION NET_WRITE_TIMEOUT= 700 ",
	"FLUSH /*!40101 LOCAL */ TABLES",
	"FLUSH TABLES",
	"FLUSH TABLES WITH READ LOCK",
	"SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
	"START TRANSACTION /*!40100 WITH CONSISTENT SNAPSHOT */",
	"SHOW VARIABLES LIKE 'gtid\\_mode'",
	"SELECT @@GLOBAL.GTID_EXECUTED",
	"UNLOCK TABLES",
	"SELECT LOGFILE_GROUP_NAME, FILE_NAME, TOTAL_EXTENTS, INITIAL_SIZE, ENGINE, EXTRA FROM INFORMATION_SCHEMA.FILES WHERE FILE_TYPE = 'UNDO LOG' AND FILE_NAME IS NOT NULL AND LOGFILE_GROUP_NAME IS NOT NULL AND LOGFILE_GROUP_NAME IN (SELECT DISTINCT LOGFILE_GROUP_NAME FROM INFORMATION_SCHEMA.FILES WHERE FILE_TYPE = 'DATAFILE' AND TABLESPACE_NAME IN (SELECT DISTINCT TABLESPACE_NAME FROM INFORMATION_SCHEMA.PARTITIONS WHERE TABLE_SCHEMA='stripe' AND TABLE_NAME IN ('charges'))) GROUP BY LOGFILE_GROUP_NAME, FILE_NAME, ENGINE, TOTAL_EXTENTS, INITIAL_SIZE ORDER BY LOGFILE_GROUP_NAME",
	"SELECT DISTINCT TABLESPACE_NAME, FILE_NAME, LOGFILE_GROUP_NAME, EXTENT_SIZE, INITIAL_SIZE, ENGINE FROM INFORMATION_SCHEMA.FILES WHERE FILE_TYPE = 'DATAFILE' AND TABLESPACE_NAME IN (SELECT DISTINCT TABLESPACE_NAME FROM INFORMATION_SCHEMA.PARTITIONS WHERE TABLE_SCHEMA='stripe' AND TABLE_NAME IN ('charges')) ORDER BY TABLESPACE_NAME, LOGFILE_GROUP_NAME",
	"SHOW VARIABLES LIKE 'ndbinfo\\_version'",
	"SHOW CREATE DATABASE IF NOT EXISTS `stripe`",
	"use `stripe`",
	"SHOW TABLES LIKE 'charges'",
	"LOCK TABLES `charges` READ /*!32311 LOCAL */,`customers` READ /*!32311 LOCAL */",
	"SAVEPOINT sp",
	"show table status like 'charges'",
	"SET SQL_QUOTE_SHOW_CREATE=1",
	"SET SESSION character_set_results = 'binary'",
	"show create table `charges`",
	"SET SESSION character_set_results = 'utf8mb4'",
	"show fields from `charges`",
	"show keys from `charges`",
	"SELECT /*!40001 SQL_NO_CACHE */ * FROM `charges` WHERE created >= '2024-01-01'",
	"select @@collation_database",
	"SHOW TRIGGERS LIKE 'charges'",
	columnStatistics,
	"ROLLBACK TO SAVEPOINT sp",
	"RELEASE SAVEPOINT sp",
	"show events",
	"SHOW FUNCTION STATUS WHERE Db = 'stripe'",
	"SHOW PROCEDURE STATUS WHERE Db = 'stripe'",
	"UNLOCK TABLES",
}

// columnStatistics is how mysqldump 8 asks for a table's histograms.
const columnStatistics = "SELECT COLUMN_NAME,                       JSON_EXTRACT(HISTOGRAM, '$.\"number-of-buckets-specified\"')                FROM information_schema.COLUMN_STATISTICS                WHERE SCHEMA_NAME = 'stripe' AND TABLE_NAME = 'charges';"

// mysqldump 8 runs against stripesql, as root and as a read-only account:
// every statement it sends succeeds, and the answers it decides by are
// MySQL's (a table with an engine is a table, not a view; no trigger, no
// column statistics, GTIDs off).
func TestMysqldump8Statements(t *testing.T) {
	reader := engine.User{Name: "reader", Password: "reader-password"}
	for _, tc := range []struct {
		name  string
		users []engine.User
	}{{"root", nil}, {"read-only account", []engine.User{reader}}} {
		t.Run(tc.name, func(t *testing.T) {
			env := stripesqltest.Start(t, stripesqltest.Options{Users: tc.users})
			ctx := context.Background()
			conn, err := env.DB.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			answers := map[string][][]string{}
			for _, q := range mysqldump8 {
				rows, err := stripesqltest.Query(ctx, conn, q)
				if err != nil {
					t.Errorf("%s: %v", q, err)
				}
				answers[q] = rows
			}
			status := answers["show table status like 'charges'"]
			if len(status) != 1 || status[0][1] != "InnoDB" {
				t.Errorf("SHOW TABLE STATUS: %v, want one row with engine InnoDB (a NULL engine is a view to mysqldump)", status)
			}
			for _, q := range []string{"SHOW TRIGGERS LIKE 'charges'", columnStatistics} {
				if len(answers[q]) != 0 {
					t.Errorf("%s: %v, want no rows", q, answers[q])
				}
			}
			if gtid := answers["SHOW VARIABLES LIKE 'gtid\\_mode'"]; len(gtid) == 1 && gtid[0][1] != "OFF" {
				t.Errorf("gtid_mode %v, want OFF", gtid)
			}
			if create := answers["show create table `charges`"]; len(create) != 1 || !strings.HasPrefix(create[0][1], "CREATE TABLE `charges`") {
				t.Errorf("SHOW CREATE TABLE: %v", create)
			}
			// Writing locks stay writes.
			_, err = conn.ExecContext(ctx, "LOCK TABLES `charges` WRITE")
			var me *mysql.MySQLError
			if !errors.As(err, &me) || me.Number != 1290 {
				t.Errorf("LOCK TABLES … WRITE: %v, want error 1290", err)
			}
		})
	}
}

// The dump tools' read of each table (SELECT /*!40001 SQL_NO_CACHE */ …)
// of a table every query must pin a column of: apps_secrets is listed
// with its default scope, as by any query; a table that cannot be listed
// whole is no rows, without a request, and a warning (1235, in SHOW
// WARNINGS, gone with the next statement) says why and how to dump its
// rows. Any other query of it is still refused, and a dump read pinning
// the column (--where) reads what it pins.
func TestDumpReadOfPinOnlyTables(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	ctx := context.Background()
	conn, err := env.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	run := func(q string) ([][]string, [][]string, []string) {
		t.Helper()
		env.Requests()
		rows, err := stripesqltest.Query(ctx, conn, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		reqs := env.Requests()
		warnings, err := stripesqltest.Query(ctx, conn, "SHOW WARNINGS")
		if err != nil {
			t.Fatal(err)
		}
		return rows, warnings, reqs
	}

	secrets := env.Fake.Objects("apps_secrets")
	if len(secrets) == 0 {
		t.Fatal("the fake account has no apps secrets")
	}
	var want []string
	for _, s := range secrets {
		if s["scope"].(map[string]any)["type"] == "account" {
			want = append(want, s["id"].(string)+" account")
		}
	}
	for _, q := range []string{"SELECT /*!40001 SQL_NO_CACHE */ * FROM `apps_secrets`", "SELECT * FROM apps_secrets"} {
		rows, warnings, reqs := run(strings.Replace(q, "* FROM", "id, scope_type FROM", 1))
		var got []string
		for _, r := range rows {
			got = append(got, r[0]+" "+r[1])
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: %v, want the account's secrets %v", q, got, want)
		}
		if len(warnings) != 0 || strings.Join(reqs, "\n") != "GET /v1/apps/secrets?limit=100&scope[type]=account" {
			t.Errorf("%s: warnings %v, requests %v", q, warnings, reqs)
		}
	}

	for _, c := range []struct{ table, col string }{
		{"credit_note_preview_lines", "invoice"},
		{"tax_calculation_line_items", "calculation"},
		{"tax_transaction_line_items", "transaction"},
	} {
		t.Run(c.table, func(t *testing.T) {
			for _, q := range []string{
				"SELECT /*!40001 SQL_NO_CACHE */ * FROM `" + c.table + "`",
				"select /*!40001 SQL_NO_CACHE */ `id` FROM `" + c.table + "` WHERE id > 'a'",
			} {
				rows, warnings, reqs := run(q)
				if len(rows) != 0 || len(reqs) != 0 {
					t.Errorf("%s: rows %v, requests %v; want none", q, rows, reqs)
				}
				if len(warnings) != 1 || warnings[0][0] != "Warning" || warnings[0][1] != "1235" ||
					!strings.HasPrefix(warnings[0][2], c.table+" dumped without rows: GET ") ||
					!strings.Contains(warnings[0][2], "--where \""+c.col+" = '…'\"") {
					t.Errorf("%s: SHOW WARNINGS %v", q, warnings)
				}
			}
			// the warning was the statement's: the next one has none
			if _, warnings, _ := run("SELECT 1"); len(warnings) != 0 {
				t.Errorf("SHOW WARNINGS after SELECT 1: %v", warnings)
			}
			// any other read is refused, not answered "none"
			for _, q := range []string{"SELECT * FROM " + c.table, "SELECT COUNT(*) FROM " + c.table, "SELECT /* SQL_NO_CACHE */ * FROM " + c.table} {
				_, err := stripesqltest.Query(ctx, conn, q)
				var me *mysql.MySQLError
				if !errors.As(err, &me) || me.Number != 1235 || !strings.Contains(me.Message, " needs "+c.col+":") {
					t.Errorf("%s: %v, want ERROR 1235", q, err)
				}
			}
			// --where pinning the column reads what it pins
			rows, warnings, reqs := run("SELECT /*!40001 SQL_NO_CACHE */ * FROM `" + c.table + "` WHERE " + c.col + " = 'x_1'")
			if len(warnings) != 0 || len(reqs) != 1 || !strings.Contains(reqs[0], "x_1") {
				t.Errorf("pinned: rows %v, warnings %v, requests %v", rows, warnings, reqs)
			}
		})
	}
}
