package compat

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/internal/testutil"
)

// runMariaDBCLI drives the mariadb command-line client in batch mode: SHOW
// statements for metadata, the plain query, and the parameterised one as
// SQL PREPARE/EXECUTE. Values are text; types come from SHOW COLUMNS.
func runMariaDBCLI(t *testing.T, env *stripesqltest.Env, w *want) *report {
	query := func(sql string) [][]string {
		t.Helper()
		out, err := testutil.RunMySQL(t, env.Addr, "root", "", w.database, sql)
		if err != nil {
			t.Fatal(err)
		}
		return parseTSV(out)
	}
	r := &report{Columns: map[string]*string{}, PrimaryKey: []string{}, Results: map[string]*result{}}
	r.Databases = firstColumn(query("SHOW DATABASES"))
	r.Tables = firstColumn(query("SHOW TABLES"))
	// Field, Type, Null, Key, Default, Extra
	for _, row := range query("SHOW COLUMNS FROM " + metadataTable)[1:] {
		r.Columns[row[0]] = &row[1]
		if row[3] == "PRI" {
			r.PrimaryKey = append(r.PrimaryKey, row[0])
		}
	}
	r.Results["plain"] = textResult(query(w.queries["plain"].sql))
	r.Results["prepared"] = textResult(query(sqlPrepareScript(w.queries["prepared"].sql, w.param)))
	if exp, ok := w.queries["decimal"]; ok {
		r.Results["decimal"] = textResult(query(exp.sql))
	}
	return r
}

// checkMycliCLI runs the mycli program itself (batch mode, CSV output) on
// the plain query, besides the SQLExecute calls of mycli_client.py.
func checkMycliCLI(t *testing.T, _ *report, env *stripesqltest.Env, w *want) {
	mycli := lookPath(t, "mycli", "mycli")
	cenv := clientEnv(t, env.Addr, w, nil)
	host, port := envValue(cenv, "COMPAT_HOST"), envValue(cenv, "COMPAT_PORT")
	exp := w.queries["plain"]
	out := runClient(t, ".", cenv, mycli, "--host", host, "--port", port, "--user", "root", "--database", w.database, "--csv", "--execute", exp.sql)
	rows, err := csv.NewReader(strings.NewReader(string(out))).ReadAll()
	if err != nil {
		t.Fatalf("mycli --csv output: %v\n%s", err, out)
	}
	// mycli's CSV prints NULL as an empty field.
	if err := checkResult(textResult(rows), exp, checkOptions{nullText: ""}); err != nil {
		t.Errorf("mycli --execute %q: %v", exp.sql, err)
	}
}

// parseTSV splits the client's batch output: a header line, then rows of
// tab-separated values (--raw: unescaped).
func parseTSV(out string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line != "" {
			rows = append(rows, strings.Split(line, "\t"))
		}
	}
	return rows
}

func firstColumn(rows [][]string) []string {
	out := []string{}
	for _, r := range rows[min(1, len(rows)):] {
		out = append(out, r[0])
	}
	return out
}

// textResult turns a header row and value rows into an untyped result.
func textResult(rows [][]string) *result {
	res := &result{Rows: [][]cell{}}
	if len(rows) == 0 {
		return res
	}
	for _, name := range rows[0] {
		res.Columns = append(res.Columns, resultColumn{Name: name})
	}
	for _, row := range rows[1:] {
		cells := make([]cell, len(row))
		for i, v := range row {
			raw, _ := json.Marshal(v)
			cells[i] = cell{T: "text", V: raw}
		}
		res.Rows = append(res.Rows, cells)
	}
	return res
}

func envValue(env []string, name string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}
