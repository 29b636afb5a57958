package compat

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stripesql/stripesql/internal/stripesqltest"
)

// client is one MySQL client, driver or BI-tool driver under test.
type client struct {
	name string
	// run connects over TCP, reads metadata, runs the queries and reports
	// what the driver returned; it skips (fails in CI) when not installed.
	run func(t *testing.T, env *stripesqltest.Env, w *want) *report
	// parts the report must have besides databases, tables, columns and
	// the plain and prepared results.
	parts []string
	// noParams: the tool has no query parameters (Evidence).
	noParams bool
	opts     checkOptions
	// extra checks what only this client reports.
	extra func(t *testing.T, r *report, env *stripesqltest.Env, w *want)
}

var clients = []client{
	{name: "mariadb-cli", run: runMariaDBCLI, parts: []string{"primary_key"}, opts: checkOptions{nullText: "NULL"}},
	{name: "mycli", run: runMycli, extra: checkMycliCLI},
	{name: "pymysql", run: pythonClient([]string{"pymysql"}, "dbapi_client.py", "pymysql"), parts: []string{"primary_key"}},
	{name: "mysqlclient", run: pythonClient([]string{"MySQLdb"}, "dbapi_client.py", "mysqldb"), parts: []string{"primary_key"}},
	{name: "sqlalchemy", run: pythonClient([]string{"sqlalchemy", "MySQLdb"}, "sqlalchemy_client.py"), parts: []string{"primary_key"}, extra: checkSQLAlchemy},
	{name: "connector-j", run: runConnectorJ, parts: []string{"primary_key"}, extra: checkConnectorJ},
	{name: "mysql2", run: nodeClient("mysql2_client.js", "mysql2")},
	// Cube's driver reads DATETIME as strings (dateStrings: true).
	{name: "cube", run: nodeClient("cube_client.js", "@cubejs-backend/mysql-driver"), parts: []string{"primary_key"}, opts: checkOptions{datesAsText: true}},
	// Evidence reads DECIMAL as numbers (decimalNumbers: true) and its
	// queries take no parameters.
	{name: "evidence", run: nodeClient("evidence_client.js", "@evidence-dev/mysql"), noParams: true, opts: checkOptions{decimalsAsNumbers: true}},
	{name: "go-sql-driver", run: runGoSQLDriver},
}

// TestClients runs every client against one server over the fake account.
// Each client is a subtest named after it.
func TestClients(t *testing.T) {
	env := stripesqltest.Start(t, stripesqltest.Options{})
	w := computeWant(t, env)
	if _, ok := w.queries["decimal"]; !ok {
		t.Run("prices.unit_amount_decimal", func(t *testing.T) {
			t.Skip("no prices table is served yet: DECIMAL decoding is checked on the computed amount_units column only")
		})
	}
	for _, c := range clients {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := c.run(t, env, w)
			parts := append([]string{"databases", "tables", "columns", "results.plain"}, c.parts...)
			if !c.noParams {
				parts = append(parts, "results.prepared")
			}
			if _, ok := w.queries["decimal"]; ok {
				parts = append(parts, "results.decimal")
			}
			checkReport(t, r, w, parts, c.opts)
			if c.extra != nil {
				c.extra(t, r, env, w)
			}
		})
	}
}

// pythonClient runs a script of python/ with Debian's python3, which must
// be able to import modules.
func pythonClient(modules []string, script string, args ...string) func(*testing.T, *stripesqltest.Env, *want) *report {
	return func(t *testing.T, env *stripesqltest.Env, w *want) *report {
		requirePython(t, modules...)
		argv := append([]string{debianPython, script}, args...)
		return runReport(t, "python", clientEnv(t, env.Addr, w, nil), argv...)
	}
}

// nodeClient runs a script of node/ with the packages `npm ci` installed.
func nodeClient(script, pkg string) func(*testing.T, *stripesqltest.Env, *want) *report {
	return func(t *testing.T, env *stripesqltest.Env, w *want) *report {
		requireNodeModules(t, pkg)
		return runReport(t, "node", clientEnv(t, env.Addr, w, nil), "node", script)
	}
}

func runMycli(t *testing.T, env *stripesqltest.Env, w *want) *report {
	requirePython(t, "mycli.sqlexecute")
	extra := map[string]string{"COMPAT_PREPARED_SCRIPT": sqlPrepareScript(w.queries["prepared"].sql, w.param)}
	return runReport(t, "python", clientEnv(t, env.Addr, w, extra), debianPython, "mycli_client.py")
}

func checkSQLAlchemy(t *testing.T, r *report, _ *stripesqltest.Env, _ *want) {
	// Superset lists views and indexes when it syncs a table.
	if r.Views == nil || len(r.Views) != 0 {
		t.Errorf("get_view_names = %v, want an empty list", r.Views)
	}
	for _, idx := range []string{"created", "customer"} {
		if !slices.Contains(r.Indexes, idx) {
			t.Errorf("get_indexes(%s) = %v, lacks %s", metadataTable, r.Indexes, idx)
		}
	}
}

// runConnectorJ compiles CompatJdbc.java against Debian's Connector/J jar
// into a temporary directory and runs it.
func runConnectorJ(t *testing.T, env *stripesqltest.Env, w *want) *report {
	javac := lookPath(t, "javac", "a JDK")
	java := lookPath(t, "java", "a JDK")
	if _, err := os.Stat(connectorJ); err != nil {
		missing(t, "MariaDB Connector/J ("+connectorJ+", Debian package libmariadb-java)")
	}
	classes := t.TempDir()
	src, err := filepath.Abs(filepath.Join("java", "CompatJdbc.java"))
	if err != nil {
		t.Fatal(err)
	}
	cenv := clientEnv(t, env.Addr, w, map[string]string{"COMPAT_PROBES": probeScript()})
	runClient(t, ".", cenv, javac, "-d", classes, "-cp", connectorJ, src)
	return runReport(t, ".", cenv, java, "-Duser.timezone=UTC", "-XX:TieredStopAtLevel=1", "-cp", classes+string(os.PathListSeparator)+connectorJ, "CompatJdbc")
}

func checkConnectorJ(t *testing.T, r *report, _ *stripesqltest.Env, _ *want) {
	// DBeaver and Metabase read keys and indexes through DatabaseMetaData.
	for _, idx := range []string{"PRIMARY", "created"} {
		if !slices.Contains(r.Indexes, idx) {
			t.Errorf("getIndexInfo(%s) = %v, lacks %s", metadataTable, r.Indexes, idx)
		}
	}
	if r.ForeignKeys == nil || len(r.ForeignKeys) != 0 {
		t.Errorf("getImportedKeys(%s) = %v, want an empty list", metadataTable, r.ForeignKeys)
	}
	checkProbeOutcomes(t, r.Probes)
}
