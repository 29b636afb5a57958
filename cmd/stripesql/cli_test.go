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
		done <- run(ctx, []string{"fake-stripe", "--listen", addr, "--scale", "50", "--seed", "7", "--end", "2025-06-30T12:00:00Z"}, &out, &syncBuffer{})
	}()
	defer func() { cancel(); <-done }()
	waitForText(t, &out, "fake Stripe API listening on http://"+addr+" (data ending 2025-06-30T12:00:00Z;")
	// The fake serves the same account as the package's own server.
	end := time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC)
	want := fakestripe.New(fakestripe.Options{Scale: 50, Seed: 7, End: end}).Objects("charges")[0]["id"]
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

// `stripesql demo` serves an account whose data ends when it starts
// (printed), the same as the package's for that end: "the last 30 days",
// over the wire, holds the fake's charges of the 30 days before now.
// --end sets another end, and a malformed one is a usage error.
func TestDemoEndsNow(t *testing.T) {
	var out syncBuffer
	started := time.Now().Truncate(time.Second)
	addr, _, _, _ := startRunTo(t, &out, "demo", "--listen", "127.0.0.1:0", "--scale", "300")
	m := regexp.MustCompile(`ending (\S+)\) is served`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("the demo does not say when its data ends:\n%s", out.String())
	}
	end, err := time.Parse(time.RFC3339, m[1])
	if err != nil || end.Before(started) || end.After(time.Now()) {
		t.Fatalf("data ending %s (%v), want the start, %v", m[1], err, started)
	}
	fake := fakestripe.New(fakestripe.Options{Scale: 300, Seed: 1, End: end})
	ctx := context.Background()
	conn, err := openDB(t, addr).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// DATETIMEs are UTC wall-clock times: NOW() must be too.
	if _, err := conn.ExecContext(ctx, "SET time_zone = '+00:00'"); err != nil {
		t.Fatal(err)
	}
	var since string
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT CAST(NOW() - INTERVAL 30 DAY AS CHAR), COUNT(*) FROM charges WHERE created >= NOW() - INTERVAL 30 DAY").Scan(&since, &n); err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, c := range fake.Objects("charges") {
		if time.Unix(int64(c["created"].(float64)), 0).UTC().Format(time.DateTime) >= since {
			want++
		}
	}
	if n == 0 || n != want {
		t.Errorf("%d charges since %s, want the fake's %d", n, since, want)
	}

	var newest string
	addr, _, _, _ = startRun(t, "demo", "--listen", "127.0.0.1:0", "--scale", "300", "--end", "2025-06-30T12:00:00Z")
	if err := openDB(t, addr).QueryRow("SELECT id FROM charges ORDER BY created DESC LIMIT 1").Scan(&newest); err != nil {
		t.Fatal(err)
	}
	past := fakestripe.New(fakestripe.Options{Scale: 300, Seed: 1, End: time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC)})
	if want := past.Objects("charges")[0]["id"]; newest != want {
		t.Errorf("--end 2025-06-30T12:00:00Z: newest charge %s, want %s", newest, want)
	}

	err = run(ctx, []string{"demo", "--end", "yesterday"}, &syncBuffer{}, &syncBuffer{})
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "RFC 3339") {
		t.Errorf("--end yesterday: %v, want a usage error asking for an RFC 3339 time", err)
	}
}
