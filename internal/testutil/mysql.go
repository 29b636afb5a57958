package testutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// MySQLQueryTimeout bounds one RunMySQL call, connection included.
const MySQLQueryTimeout = 60 * time.Second

// mysqlClientNames are tried in order; Debian's mariadb-client ships both.
var mysqlClientNames = []string{"mariadb", "mysql"}

const missingMySQLClient = "no MySQL command-line client (mariadb or mysql) in PATH; run `make deps` to install it"

// MySQLClient returns the path of the mariadb or mysql command-line client.
// When none is installed the test is skipped, except in CI (CI=true), where
// a missing client is a failure: CI must exercise the real client.
func MySQLClient(t testing.TB) string {
	t.Helper()
	for _, name := range mysqlClientNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("testutil.MySQLClient: " + missingMySQLClient)
		return ""
	}
	t.Skip(missingMySQLClient)
	return ""
}

// RunMySQL runs one query through the MySQL command-line client against the
// server at addr (host:port, over TCP) and returns its standard output: in
// batch mode, a header line of column names, then one line per row, values
// tab-separated and unescaped, NULL printed as NULL. Pass "--skip-column-names"
// in extraArgs to drop the header. user and password may be empty (the
// client's defaults then apply; no password is sent); database may be empty.
// Option files (~/.my.cnf) and MYSQL_* environment variables are ignored. The
// error, if any, carries the client's stderr (e.g. "ERROR 1105 (HY000): ...").
func RunMySQL(t testing.TB, addr string, user, password, database, query string, extraArgs ...string) (stdout string, err error) {
	t.Helper()
	client := MySQLClient(t)
	if client == "" {
		return "", errors.New(missingMySQLClient)
	}
	args, err := mysqlArgs(addr, user, password, database, query, extraArgs)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(t.Context(), MySQLQueryTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, client, args...)
	cmd.Env = EnvironWithoutMySQLVars(os.Environ())
	cmd.WaitDelay = 5 * time.Second // don't hang on pipes held by a killed client
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	runErr := cmd.Run()
	name := filepath.Base(client)
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return out.String(), fmt.Errorf("%s: timed out after %v running %q; stderr: %s", name, MySQLQueryTimeout, query, strings.TrimSpace(errOut.String()))
	case runErr != nil:
		return out.String(), fmt.Errorf("%s: running %q: %w; stderr: %s", name, query, runErr, strings.TrimSpace(errOut.String()))
	}
	return out.String(), nil
}

// mysqlArgs builds the client's command line. --no-defaults must be the very
// first argument or the client rejects it.
func mysqlArgs(addr, user, password, database, query string, extra []string) ([]string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("testutil.RunMySQL: bad address %q (want host:port): %w", addr, err)
	}
	if host == "" || port == "" {
		return nil, fmt.Errorf("testutil.RunMySQL: bad address %q: host and port are both required", addr)
	}
	args := []string{
		"--no-defaults",
		"--protocol=TCP",
		"--host=" + host,
		"--port=" + port,
		"--batch",
		"--raw",
		"--connect-timeout=10",
	}
	if user != "" {
		args = append(args, "--user="+user)
	}
	if password != "" {
		// The "=" form matters: a bare --password would prompt on stdin.
		args = append(args, "--password="+password)
	}
	if database != "" {
		args = append(args, "--database="+database)
	}
	args = append(args, extra...)
	return append(args, "--execute="+query), nil
}

// EnvironWithoutMySQLVars drops variables a MySQL client or server would read as
// defaults (MYSQL_PWD, MYSQL_HOST, MYSQL_TCP_PORT, ...), so tests see only
// the arguments they pass.
func EnvironWithoutMySQLVars(env []string) []string {
	kept := make([]string, 0, len(env))
	for _, kv := range env {
		if strings.HasPrefix(kv, "MYSQL_") || strings.HasPrefix(kv, "MARIADB_") {
			continue
		}
		kept = append(kept, kv)
	}
	return kept
}
