package main

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/testutil"
)

// Start-up mistakes fail at once with a message that says what to do, and
// a usage error (exit code 2) where the command line is wrong.
func TestStartupErrors(t *testing.T) {
	fake := httptest.NewServer(fakestripe.New(fakestripe.Options{Scale: 10, APIKey: "sk_test_right"}))
	defer fake.Close()
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte("sk_test_wrong\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		args  []string
		env   map[string]string
		usage bool
		want  string
	}{
		{"no key", nil, nil, true, "no Stripe API key: set STRIPE_API_KEY or use --api-key-file"},
		{"key as a flag", []string{"--api-key", "sk_test_x"}, nil, true, "not accepted as a flag value"},
		{"key as a flag with =", []string{"--api-key=sk_test_x"}, nil, true, "not accepted as a flag value"},
		{"publishable key", nil, map[string]string{"STRIPE_API_KEY": "pk_test_abc"}, true, "publishable key"},
		{"not a key", nil, map[string]string{"STRIPE_API_KEY": "hello"}, true, "does not hold a Stripe secret"},
		{"wrong key", []string{"--stripe-url", fake.URL}, map[string]string{"STRIPE_API_KEY": "sk_test_wrong"}, false, "Stripe rejected the API key"},
		{"wrong key from file", []string{"--stripe-url", fake.URL, "--api-key-file", keyFile}, nil, false, "Stripe rejected the API key"},
		{"missing key file", []string{"--api-key-file", "/nonexistent/key"}, nil, false, "--api-key-file"},
		{"unreachable Stripe", []string{"--stripe-url", "http://127.0.0.1:1"}, map[string]string{"STRIPE_API_KEY": "sk_test_x"}, false, "cannot reach Stripe"},
		{"bad flag", []string{"--nope"}, nil, true, "flag provided but not defined"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := runServe(ctx, c.args, &out, &errOut, func(k string) string { return c.env[k] })
			if err == nil {
				t.Fatal("started, want an error")
			}
			var ue usageError
			if errors.As(err, &ue) != c.usage {
				t.Errorf("usage error = %v, want %v (%v)", !c.usage, c.usage, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q lacks %q", err, c.want)
			}
			for _, secret := range []string{"sk_test_wrong", "sk_test_x"} {
				if strings.Contains(err.Error()+out.String()+errOut.String(), secret) {
					t.Errorf("output shows the key %s", secret)
				}
			}
		})
	}
}

// `stripesql demo` serves the fake account and prints how to connect; the
// README's query works with the real mysql client.
func TestDemoServesTheREADMEQuery(t *testing.T) {
	addr, _, _, _ := startRun(t, "demo", "--listen", "127.0.0.1:0", "--scale", "300")
	got, err := testutil.RunMySQL(t, addr, "root", "", "stripe",
		"SELECT id, amount, currency, created FROM charges ORDER BY created DESC LIMIT 5", "--skip-column-names")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(got), "\n")
	row := regexp.MustCompile(`^ch_\w+\t\d+\t[a-z]{3}\t\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`)
	if len(lines) != 5 {
		t.Fatalf("%d rows, want 5:\n%s", len(lines), got)
	}
	for i, l := range lines {
		if !row.MatchString(l) {
			t.Errorf("row %q is not id, amount, currency, created", l)
		}
		if i > 0 && strings.Split(l, "\t")[3] > strings.Split(lines[i-1], "\t")[3] {
			t.Errorf("rows not newest first: %q after %q", l, lines[i-1])
		}
	}
}

// `stripesql fake-stripe` serves the fake API alone, for any Stripe client.
func TestFakeStripeCommand(t *testing.T) {
	addr := testutil.FreeAddr(t)
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"fake-stripe", "--listen", addr, "--scale", "50", "--seed", "7"}, &out, &syncBuffer{})
	}()
	defer func() { cancel(); <-done }()
	waitForText(t, &out, "fake Stripe API listening on http://"+addr)
	// The fake serves the same account as the package's own server.
	want := fakestripe.New(fakestripe.Options{Scale: 50, Seed: 7}).Objects("charges")[0]["id"]
	t.Setenv("STRIPE_API_KEY", "sk_test_anything")
	sqlAddr, _, _, _ := startRun(t, "--listen", "127.0.0.1:0", "--stripe-url", "http://"+addr)
	db := openDB(t, sqlAddr)
	var id string
	if err := db.QueryRow("SELECT id FROM charges ORDER BY created DESC LIMIT 1").Scan(&id); err != nil {
		t.Fatal(err)
	}
	if id != want {
		t.Errorf("newest charge %s, want %s", id, want)
	}
}

func waitForText(t *testing.T, out *syncBuffer, text string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in output:\n%s", text, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
