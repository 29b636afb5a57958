package testutil

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestMySQLArgs(t *testing.T) {
	base := []string{"--no-defaults", "--protocol=TCP", "--host=127.0.0.1", "--port=3306", "--batch", "--raw", "--connect-timeout=10"}
	tests := []struct {
		name                        string
		addr, user, pass, db, query string
		extra                       []string
		want                        []string
	}{
		{
			name: "everything", addr: "127.0.0.1:3306", user: "root", pass: "pw", db: "stripe", query: "SELECT 1",
			extra: []string{"--skip-column-names"},
			want:  append(slices.Clone(base), "--user=root", "--password=pw", "--database=stripe", "--skip-column-names", "--execute=SELECT 1"),
		},
		{
			name: "no password or database", addr: "127.0.0.1:3306", user: "root", query: "SELECT 1",
			want: append(slices.Clone(base), "--user=root", "--execute=SELECT 1"),
		},
		{
			name: "nothing optional", addr: "127.0.0.1:3306", query: "SHOW TABLES",
			want: append(slices.Clone(base), "--execute=SHOW TABLES"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mysqlArgs(tt.addr, tt.user, tt.pass, tt.db, tt.query, tt.extra)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("mysqlArgs() =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestMySQLArgsRejectsBadAddresses(t *testing.T) {
	for _, addr := range []string{"", "127.0.0.1", ":3306", "127.0.0.1:", "a:b:c"} {
		if _, err := mysqlArgs(addr, "root", "", "", "SELECT 1", nil); err == nil || !strings.Contains(err.Error(), "bad address") {
			t.Errorf("mysqlArgs(%q) error = %v, want a bad address error", addr, err)
		}
	}
}

func TestEnvironWithoutMySQLVars(t *testing.T) {
	got := EnvironWithoutMySQLVars([]string{"PATH=/bin", "MYSQL_PWD=x", "MYSQL_HOST=h", "MARIADB_HOST=h", "HOME=/root"})
	want := []string{"PATH=/bin", "HOME=/root"}
	if !slices.Equal(got, want) {
		t.Fatalf("EnvironWithoutMySQLVars() = %q, want %q", got, want)
	}
}

// outcomeTB records Skip/Fatal instead of ending the test, so MySQLClient's
// reaction to a missing client can be observed.
type outcomeTB struct {
	testing.TB
	skipped, failed string
}

func (r *outcomeTB) Skip(args ...any)  { r.skipped = fmt.Sprint(args...) }
func (r *outcomeTB) Fatal(args ...any) { r.failed = fmt.Sprint(args...) }

func TestMySQLClientMissing(t *testing.T) {
	tests := []struct {
		ci                      string
		wantSkipped, wantFailed bool
	}{
		{ci: "true", wantFailed: true},
		{ci: "", wantSkipped: true},
		{ci: "false", wantSkipped: true},
	}
	for _, tt := range tests {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv("PATH", t.TempDir()) // an empty directory: no client anywhere
			t.Setenv("CI", tt.ci)
			rec := &outcomeTB{TB: t}
			if got := MySQLClient(rec); got != "" {
				t.Fatalf("MySQLClient() = %q with an empty PATH", got)
			}
			if (rec.skipped != "") != tt.wantSkipped || (rec.failed != "") != tt.wantFailed {
				t.Fatalf("skipped=%q failed=%q; want skipped=%v failed=%v", rec.skipped, rec.failed, tt.wantSkipped, tt.wantFailed)
			}
			if msg := rec.skipped + rec.failed; !strings.Contains(msg, "make deps") {
				t.Fatalf("message %q does not say to run `make deps`", msg)
			}
		})
	}
}

// fakeClientScript stands in for the mariadb CLI: it prints its arguments and
// MYSQL_PWD, and fails like the real client for queries starting with "fail".
const fakeClientScript = `#!/bin/sh
for a in "$@"; do
	case "$a" in --execute=fail*) echo "ERROR 1064 (42000): fake syntax error" >&2; exit 1;; esac
done
printf '%s\n' "$@"
echo "MYSQL_PWD=${MYSQL_PWD-unset}"
`

func TestRunMySQLInvokesClientFromPATH(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mariadb"), []byte(fakeClientScript), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("MYSQL_PWD", "leaked")

	out, err := RunMySQL(t, "127.0.0.1:3307", "root", "", "stripe", "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "--no-defaults" {
		t.Errorf("first argument = %q, want --no-defaults", lines[0])
	}
	for _, want := range []string{"--port=3307", "--user=root", "--database=stripe", "--execute=SELECT 1", "MYSQL_PWD=unset"} {
		if !slices.Contains(lines, want) {
			t.Errorf("client output lacks %q:\n%s", want, out)
		}
	}

	_, err = RunMySQL(t, "127.0.0.1:3307", "root", "", "", "failing query")
	if err == nil || !strings.Contains(err.Error(), "ERROR 1064") {
		t.Fatalf("RunMySQL(failing query) error = %v, want the client's stderr", err)
	}
}

func TestRunMySQLAgainstAMySQLServer(t *testing.T) {
	MySQLClient(t) // skip (or fail in CI) before starting anything
	addr, srv := startFakeMySQL(t)
	const query = "SELECT id, amount, description FROM charges"

	tests := []struct {
		name  string
		extra []string
		want  string
	}{
		{"with header", nil, "id\tamount\tdescription\nch_1\t100\tNULL\nch_2\t2500\ttwo words\n"},
		{"without header", []string{"--skip-column-names"}, "ch_1\t100\tNULL\nch_2\t2500\ttwo words\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := RunMySQL(t, addr, "alice", "s3cret", "stripe", query, tt.extra...)
			if err != nil {
				t.Fatal(err)
			}
			if out != tt.want {
				t.Fatalf("RunMySQL output:\n%q\nwant\n%q", out, tt.want)
			}
		})
	}

	users, dbs, queries := srv.seen()
	if !slices.Contains(users, "alice") || !slices.Contains(dbs, "stripe") || !slices.Contains(queries, query) {
		t.Errorf("server saw users %q, databases %q, queries %q; want alice, stripe and %q", users, dbs, queries, query)
	}
}

func TestRunMySQLReportsClientErrors(t *testing.T) {
	MySQLClient(t)
	addr, _ := startFakeMySQL(t)
	tests := []struct {
		name, addr, password, wantInErr string
	}{
		{"wrong password", addr, "wrong", "Access denied"},
		{"nothing listening", FreeAddr(t), "s3cret", "Can't connect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := RunMySQL(t, tt.addr, "alice", tt.password, "", "SELECT 1")
			if err == nil || !strings.Contains(err.Error(), tt.wantInErr) {
				t.Fatalf("RunMySQL error = %v, want one containing %q", err, tt.wantInErr)
			}
		})
	}
}
