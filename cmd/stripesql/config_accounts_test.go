package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/internal/fakestripe"
)

// fakeAccount is a fake Stripe account accepting one key only.
type fakeAccount struct {
	fake *fakestripe.Server
	url  string
	key  string
}

func newFakeAccount(t *testing.T, seed int64, scale int, key string) fakeAccount {
	fake := fakestripe.New(fakestripe.Options{Seed: seed, Scale: scale, APIKey: key})
	hs := httptest.NewServer(fake)
	t.Cleanup(hs.Close)
	return fakeAccount{fake: fake, url: hs.URL, key: key}
}

// accountTOML is an [[account]] table of a config file.
func accountTOML(name, key, url string) string {
	return fmt.Sprintf("[[account]]\nname = %q\n%s\nstripe_url = %q\n", name, key, url)
}

// requests renders and forgets the fake's requests.
func (a fakeAccount) requests() []string {
	var out []string
	for _, r := range a.fake.Requests() {
		out = append(out, fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status))
	}
	a.fake.ResetRequests()
	return out
}

// The config file's [[account]] tables each become a database over their
// own Stripe account: USE, SHOW DATABASES and a query across accounts
// work over the wire, each fake receives only its account's requests,
// and each account is throttled at its key's rate.
func TestAccountsFromConfigFile(t *testing.T) {
	eu := newFakeAccount(t, 11, 60, "sk_live_euAccount1")
	us := newFakeAccount(t, 22, 90, "sk_test_usAccount2")
	dir := t.TempDir()
	writeFile(t, dir, "us.key", us.key+"\n")
	config := writeFile(t, dir, "stripesql.toml", "listen = \"127.0.0.1:0\"\nmetrics_listen = \"127.0.0.1:0\"\n"+
		accountTOML("stripe_eu", `api_key_env = "EU_KEY"`, eu.url)+accountTOML("stripe_us", `api_key_file = "us.key"`, us.url))

	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	env := map[string]string{"EU_KEY": eu.key, "STRIPE_API_KEY": "sk_test_notThisOne"}
	go func() {
		done <- runServe(ctx, []string{"--config", config}, stdout, stderr, func(k string) string { return env[k] })
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	metrics := regexp.MustCompile(`metrics: (http://\S+/metrics)`)
	waitFor(t, "the start-up lines", func() bool { return servingAny.MatchString(stdout.String()) && metrics.MatchString(stdout.String()) })
	if !strings.Contains(stdout.String(), `serving databases "stripe_eu", "stripe_us" on`) {
		t.Errorf("start-up line: %s", stdout.String())
	}
	addr := servingAny.FindStringSubmatch(stdout.String())[1]
	for _, a := range []fakeAccount{eu, us} {
		if reqs := a.requests(); fmt.Sprint(reqs) != "[GET /v1/account 200 GET /v1/events 200]" {
			t.Errorf("start-up requests %v, want the key check and where the events stand", reqs)
		}
	}

	// The mysql client lists the databases.
	dbs := mysqlRows(t, addr, "", "SHOW DATABASES")
	if !slices.Contains(dbs, "stripe_eu") || !slices.Contains(dbs, "stripe_us") || slices.Contains(dbs, "stripe") {
		t.Errorf("SHOW DATABASES = %v, want stripe_eu and stripe_us (not stripe)", dbs)
	}

	db, err := sql.Open("mysql", "root@tcp("+addr+")/stripe_eu")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, c := range []struct {
		db   string
		acct fakeAccount
	}{{"stripe_eu", eu}, {"stripe_us", us}} {
		if _, err := conn.ExecContext(ctx, "USE "+c.db); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM customers").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if want := len(c.acct.fake.Objects("customers")); n != want {
			t.Errorf("USE %s: %d customers, want %d", c.db, n, want)
		}
		if reqs := c.acct.requests(); len(reqs) == 0 || !allPrefixed(reqs, "GET /v1/customers 200") {
			t.Errorf("USE %s: its fake received %v, want pages of /v1/customers", c.db, reqs)
		}
	}
	if reqs := append(eu.requests(), us.requests()...); len(reqs) > 0 {
		t.Errorf("unexpected requests %v", reqs)
	}

	got := map[string][]string{}
	for _, r := range mysqlRows(t, addr, "", "SELECT 'eu', id FROM stripe_eu.charges UNION ALL SELECT 'us', id FROM stripe_us.charges") {
		label, id, _ := strings.Cut(r, "\t")
		got[label] = append(got[label], id)
	}
	for label, a := range map[string]fakeAccount{"eu": eu, "us": us} {
		var want []string
		for _, c := range a.fake.Objects("charges") {
			want = append(want, c["id"].(string))
		}
		sort.Strings(want)
		sort.Strings(got[label])
		if strings.Join(got[label], ",") != strings.Join(want, ",") {
			t.Errorf("%s: %d charges, want its fake's %d", label, len(got[label]), len(want))
		}
		if reqs := a.requests(); len(reqs) != (len(want)+99)/100 || !allPrefixed(reqs, "GET /v1/charges 200") {
			t.Errorf("%s: its fake received %v, want %d pages of /v1/charges", label, reqs, (len(want)+99)/100)
		}
	}

	res, err := http.Get(metrics.FindStringSubmatch(stdout.String())[1])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{ // per account, at its key type's rate
		`stripesql_throttle_rate{bucket="api",database="stripe_eu"} 90`,
		`stripesql_throttle_rate{bucket="api",database="stripe_us"} 22`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func allPrefixed(list []string, prefix string) bool {
	for _, s := range list {
		if !strings.HasPrefix(s, prefix) {
			return false
		}
	}
	return true
}

// A rejected key stops start-up with the account's name.
func TestStartupNamesTheFailingAccount(t *testing.T) {
	eu := newFakeAccount(t, 1, 10, "sk_test_euRight")
	us := newFakeAccount(t, 2, 10, "sk_test_usRight")
	config := writeFile(t, t.TempDir(), "c.toml",
		accountTOML("stripe_eu", `api_key_env = "EU"`, eu.url)+accountTOML("stripe_us", `api_key_env = "US"`, us.url))
	env := map[string]string{"EU": eu.key, "US": "sk_test_usWrong"}
	var out, errOut syncBuffer
	err := runServe(context.Background(), []string{"--config", config, "--listen", "127.0.0.1:0"}, &out, &errOut,
		func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "account stripe_us: Stripe rejected the API key") {
		t.Fatalf("error %v, want account stripe_us: Stripe rejected the API key", err)
	}
	if strings.Contains(err.Error()+out.String()+errOut.String(), "sk_test_usWrong") {
		t.Error("the output shows the key")
	}
	if reqs := us.requests(); len(reqs) != 1 || reqs[0] != "GET /v1/account 401" {
		t.Errorf("stripe_us received %v, want one rejected key check", reqs)
	}
}

// examples/stripesql.toml loads: its accounts are served (here over a
// fake, by STRIPESQL_STRIPE_URL) with its cache settings.
func TestExampleConfigFile(t *testing.T) {
	fake := newFakeAccount(t, 3, 20, "")
	env := map[string]string{
		"STRIPESQL_CONFIG":     "../../examples/stripesql.toml",
		"STRIPESQL_STRIPE_URL": fake.url,
		"STRIPE_EU_KEY":        "sk_test_exampleEU", "STRIPE_US_KEY": "sk_test_exampleUS",
	}
	addr := startServe(t, []string{"--listen", "127.0.0.1:0"}, env)
	rows := mysqlRows(t, addr, "", "SELECT db, max_bytes, ttl_seconds FROM stripe_meta.cache_stats ORDER BY db")
	if got := strings.Join(rows, "|"); got != "stripe_eu\t268435456\t600|stripe_us\t268435456\t600" {
		t.Errorf("cache_stats %q, want the example's accounts and cache settings", got)
	}
}

// --help of every command lists each flag with its environment variable
// and config key, and README's Configuration section documents each.
func TestHelpAndREADMEListEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "\n## Configuration\n")
	section, _, _ = strings.Cut(section, "\n## ")
	flagLine := regexp.MustCompile(`(?m)^  --([a-z-]+)`)
	for _, cmd := range [][]string{{"--help"}, {"demo", "-h"}, {"fake-stripe", "-h"}} {
		var out, errOut syncBuffer
		if err := runWithEnv(context.Background(), cmd, &out, &errOut, nil); err != nil {
			t.Fatalf("%v: %v", cmd, err)
		}
		help := errOut.String()
		names := flagLine.FindAllStringSubmatch(help, -1)
		if len(names) < 8 {
			t.Fatalf("%v lists %d flags:\n%s", cmd, len(names), help)
		}
		for _, m := range names {
			name := m[1]
			_, rest, _ := strings.Cut(help, "\n  --"+name)
			entry, _, _ := strings.Cut(rest, "\n  --")
			if !strings.Contains(entry, "env "+envName(name)) || (name != "config" && !strings.Contains(entry, "config "+fileKey(name))) {
				t.Errorf("%v: --%s lacks its environment variable or config key:%s", cmd, name, entry)
			}
			if !strings.Contains(section, "`--"+name) || !strings.Contains(section, envName(name)) {
				t.Errorf("README's Configuration section lacks --%s or %s", name, envName(name))
			}
		}
	}
}
