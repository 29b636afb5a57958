package compat

import (
	"bytes"
	"context"
	"encoding/json"
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

// clientTimeout bounds one client run (a JVM start included).
const clientTimeout = 90 * time.Second

// debianPython is the interpreter Debian's python3-* packages install
// into; a python3 earlier in PATH (pyenv) would not see them.
const debianPython = "/usr/bin/python3"

// connectorJ is the MariaDB Connector/J jar of Debian's libmariadb-java.
const connectorJ = "/usr/share/java/mariadb-java-client.jar"

// missing skips the test when a client is not installed, except in CI
// (CI=true), where every client must run.
func missing(t *testing.T, what string) {
	t.Helper()
	msg := what + " is not installed; run `make compat-deps` (part of `make deps`)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// lookPath returns the path of a program, or skips/fails via missing.
func lookPath(t *testing.T, name, what string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		missing(t, what+" ("+name+")")
	}
	return p
}

// requirePython checks that Debian's python3 can import the modules.
func requirePython(t *testing.T, modules ...string) {
	t.Helper()
	if _, err := os.Stat(debianPython); err != nil {
		missing(t, "Debian's python3")
	}
	check := "import " + strings.Join(modules, ", ")
	if out, err := exec.Command(debianPython, "-c", check).CombinedOutput(); err != nil {
		missing(t, fmt.Sprintf("python modules %v (%s)", modules, strings.TrimSpace(string(out))))
	}
}

// requireNodeModules checks that `npm ci` has run in node/.
func requireNodeModules(t *testing.T, packages ...string) {
	t.Helper()
	lookPath(t, "node", "Node.js")
	for _, p := range packages {
		if _, err := os.Stat(filepath.Join("node", "node_modules", p, "package.json")); err != nil {
			missing(t, "npm package "+p+" in internal/compat/node")
		}
	}
}

// clientEnv is the environment a client subprocess runs with: the COMPAT_*
// variables its script reads, UTC as the local zone, a private HOME (mycli
// writes its config there), no MYSQL_* defaults and no bytecode files.
func clientEnv(t *testing.T, addr string, w *want, extra map[string]string) []string {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"COMPAT_HOST": host, "COMPAT_PORT": port, "COMPAT_USER": "root",
		"COMPAT_DATABASE": w.database, "COMPAT_TABLE": metadataTable, "COMPAT_PARAM": w.param,
		"COMPAT_PLAIN_SQL":    w.queries["plain"].sql,
		"COMPAT_PREPARED_SQL": w.queries["prepared"].sql,
		"COMPAT_DECIMAL_SQL":  w.queries["decimal"].sql,
		"TZ":                  "UTC", "HOME": t.TempDir(), "PYTHONDONTWRITEBYTECODE": "1",
	}
	for k, v := range extra {
		vars[k] = v
	}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if _, overridden := vars[name]; overridden || strings.HasPrefix(name, "MYSQL_") || strings.HasPrefix(name, "MARIADB_") {
			continue
		}
		env = append(env, kv)
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// runClient runs a client command (in dir, relative to this package) and
// returns its standard output; a failure carries its standard error.
func runClient(t *testing.T, dir string, env []string, argv ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("%s: timed out after %v; stderr:\n%s", strings.Join(argv, " "), clientTimeout, stderr.String())
	}
	if err != nil {
		t.Fatalf("%s: %v; stderr:\n%s", strings.Join(argv, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// runReport runs a client that prints a JSON report.
func runReport(t *testing.T, dir string, env []string, argv ...string) *report {
	t.Helper()
	out := runClient(t, dir, env, argv...)
	var r report
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%s printed no JSON report (%v):\n%s", strings.Join(argv, " "), err, out)
	}
	return &r
}
