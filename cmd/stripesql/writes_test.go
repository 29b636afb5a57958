package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/internal/testutil"
)

// Write settings that cannot be meant stop the command with a usage error.
func TestWriteFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"demo", "--writer", "alice"}, "--writer needs --allow-writes"},
		{[]string{"demo", "--allow-writes", "--user", "alice:pw"}, "--allow-writes with MySQL accounts: name the accounts that may write with --writer NAME"},
		{[]string{"demo", "--allow-writes", "--user", "alice:pw", "--writer", "bob"}, "--writer bob: no such account"},
	} {
		var stdout, stderr syncBuffer
		err := run(context.Background(), tc.args, &stdout, &stderr)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run %v: %v, want a usage error saying %q", tc.args, err, tc.want)
		}
	}
}

// --allow-writes with --writer: the mysql client's INSERT creates a
// customer as the writer and is refused to the other account; without the
// flag the server stays read-only.
func TestAllowWritesFromFlags(t *testing.T) {
	addr, _, _, _ := startRun(t, "demo", "--listen", "127.0.0.1:0", "--scale", "50", "--log-level", "error",
		"--allow-writes", "--user", "app:app-pw", "--user", "bi:bi-pw", "--writer", "app")
	insert := "INSERT INTO customers (email) VALUES ('cli@example.com'); SELECT table_name FROM stripe_meta.last_created"
	out, err := testutil.RunMySQL(t, addr, "app", "app-pw", "stripe", insert, "--skip-column-names")
	if err != nil || strings.TrimSpace(out) != "customers" {
		t.Errorf("writer: %q, %v", out, err)
	}
	out, err = testutil.RunMySQL(t, addr, "app", "app-pw", "stripe", "SELECT count(*) FROM customers WHERE email = 'cli@example.com'", "--skip-column-names")
	if err != nil || strings.TrimSpace(out) != "1" {
		t.Errorf("the created customer: %q, %v", out, err)
	}
	if _, err := testutil.RunMySQL(t, addr, "bi", "bi-pw", "stripe", insert); err == nil || !strings.Contains(err.Error(), "ERROR 1142") {
		t.Errorf("reader's INSERT: %v, want ERROR 1142", err)
	}

	ro, _, _, _ := startRun(t, "demo", "--listen", "127.0.0.1:0", "--scale", "50", "--log-level", "error")
	if _, err := testutil.RunMySQL(t, ro, "root", "", "stripe", insert); err == nil || !strings.Contains(err.Error(), "ERROR 1290") {
		t.Errorf("INSERT without --allow-writes: %v, want ERROR 1290", err)
	}
}
