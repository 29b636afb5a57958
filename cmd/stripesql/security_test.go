package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/internal/stripesqltest"
	"github.com/stripesql/stripesql/internal/testutil"
)

// Bad security settings stop the command at once with a usage error (exit
// 2) that says what to do, and never repeats a password or the key.
func TestSecurityFlagErrors(t *testing.T) {
	dir := t.TempDir()
	cert, _ := stripesqltest.SelfSignedCert(t)
	empty := filepath.Join(dir, "empty")
	badLine := filepath.Join(dir, "bad")
	for path, content := range map[string]string{empty: "# nobody\n\n", badLine: "alice:pw1\nbob-hunter2\n"} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name    string
		args    []string
		want    string
		secrets []string // must not appear in the message
	}{
		{"all interfaces without an account", []string{"demo", "--listen", "0.0.0.0:0"}, "refusing to listen on 0.0.0.0:0 without a MySQL password", nil},
		{"malformed --user", []string{"demo", "--user", "alice-hunter2"}, "--user number 1: want name:password", []string{"hunter2"}},
		{"--user without password", []string{"demo", "--user", "alice:"}, `MySQL user "alice" needs a password`, nil},
		{"users file without accounts", []string{"demo", "--users-file", empty}, "no account in it", nil},
		{"users file with a bad line", []string{"demo", "--users-file", badLine}, badLine + ":2: want name:password", []string{"hunter2", "pw1"}},
		{"missing users file", []string{"demo", "--users-file", filepath.Join(dir, "none")}, "--users-file:", nil},
		{"certificate without key", []string{"demo", "--tls-cert", cert}, "--tls-cert and --tls-key go together", nil},
		{"unreadable key", []string{"demo", "--tls-cert", cert, "--tls-key", empty}, "--tls-cert/--tls-key:", nil},
		{"--require-tls without certificate", []string{"demo", "--require-tls"}, "--require-tls needs a certificate", nil},
		{"API key as a flag", []string{"--api-key", "sk_test_FlagKey9x8y7z"}, "not accepted as a flag value", []string{"FlagKey9x8y7z"}},
		{"API key as a flag, = form", []string{"--api-key=sk_test_FlagKey9x8y7z"}, "not accepted as a flag value", []string{"FlagKey9x8y7z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			err := run(context.Background(), tc.args, &stdout, &stderr)
			var ue usageError
			if !errors.As(err, &ue) {
				t.Fatalf("run %v: %v, want a usage error", tc.args, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("run %v: %q, want %q", tc.args, err, tc.want)
			}
			all := err.Error() + stdout.String() + stderr.String()
			for _, s := range tc.secrets {
				if strings.Contains(all, s) {
					t.Errorf("run %v printed %q: %s", tc.args, s, all)
				}
			}
		})
	}
}

// Accounts from --users-file and --user, with TLS required, end to end
// through run: the mariadb client logs in over --ssl only, and only with
// a right password.
func TestAccountsAndTLSFromFlags(t *testing.T) {
	cert, key := stripesqltest.SelfSignedCert(t)
	users := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(users, []byte("# readers\nmetabase:m3ta:base\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, _, _, _ := startRun(t, "demo", "--listen", "127.0.0.1:0", "--scale", "50", "--log-level", "error",
		"--users-file", users, "--user", "grafana:gr4f", "--tls-cert", cert, "--tls-key", key, "--require-tls")
	tlsArgs := []string{"--ssl", "--ssl-ca=" + cert, "--skip-column-names"}
	for _, tc := range []struct {
		name, user, password string
		args                 []string
		ok                   bool
	}{
		{"file account over TLS", "metabase", "m3ta:base", tlsArgs, true},
		{"flag account over TLS", "grafana", "gr4f", tlsArgs, true},
		{"caching_sha2_password over TLS", "grafana", "gr4f", append([]string{"--default-auth=caching_sha2_password"}, tlsArgs...), true},
		{"without TLS", "grafana", "gr4f", []string{"--skip-ssl"}, false},
		{"wrong password", "grafana", "nope", tlsArgs, false},
		{"no account", "root", "", tlsArgs, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := testutil.RunMySQL(t, addr, tc.user, tc.password, "stripe", "SELECT count(*) FROM customers", tc.args...)
			if tc.ok && (err != nil || strings.TrimSpace(out) == "") {
				t.Fatalf("%s: %q, %v", tc.user, out, err)
			}
			if !tc.ok && err == nil {
				t.Fatalf("%s logged in and ran the query: %q", tc.user, out)
			}
		})
	}
}
