package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/internal/fakestripe"
	"github.com/stripesql/stripesql/internal/testutil"
)

// servingAny matches the start-up line, for one database or several.
var servingAny = regexp.MustCompile(`serving databases? .+ on (\S+)`)

// startServe runs `stripesql` (serve) with args and environment env until
// the test ends, and returns the MySQL address it serves.
func startServe(t *testing.T, args []string, env map[string]string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, args, stdout, stderr, func(k string) string { return env[k] }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	waitFor(t, "the start-up line", func() bool {
		select {
		case err := <-done:
			t.Fatalf("serve %v ended: %v\n%s", args, err, stderr.String())
		default:
		}
		return servingAny.MatchString(stdout.String())
	})
	return servingAny.FindStringSubmatch(stdout.String())[1]
}

// writeFile writes a file under dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// mysqlRows runs a query with the mysql client and returns its rows,
// tab-separated.
func mysqlRows(t *testing.T, addr, database, query string) []string {
	t.Helper()
	out, err := testutil.RunMySQL(t, addr, "root", "", database, query, "--skip-column-names")
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return strings.Split(strings.TrimSpace(out), "\n")
}

// Every setting comes from a flag, else its STRIPESQL_ variable, else the
// config file (named by --config or STRIPESQL_CONFIG), else its default;
// the served database and cache show which one won.
func TestSettingsPrecedence(t *testing.T) {
	const key = "sk_test_precedence1"
	fake := fakestripe.New(fakestripe.Options{Scale: 20, APIKey: key})
	hs := httptest.NewServer(fake)
	defer hs.Close()
	dir := t.TempDir()
	file := writeFile(t, dir, "a.toml", "database = \"from_file\"\ncache_size = \"1MB\"\ncache_ttl = \"1m\"\n")
	numeric := writeFile(t, dir, "n.toml", "cache_size = 2000000\n")
	other := writeFile(t, dir, "b.toml", "database = \"from_other_file\"\n")
	writeFile(t, dir, "stripe.key", key+"\n")
	keyFromFile := writeFile(t, dir, "key.toml", "api_key_file = \"stripe.key\" # relative to this file\ndatabase = \"keyed\"\n")
	keyFromVar := writeFile(t, dir, "var.toml", "api_key_env = \"MY_STRIPE_KEY\"\n")

	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string // db max_bytes ttl_seconds
	}{
		{"defaults", nil, nil, "stripe 268435456 300"},
		{"file", []string{"--config", file}, nil, "from_file 1000000 60"},
		{"STRIPESQL_CONFIG names the file", nil, map[string]string{"STRIPESQL_CONFIG": file}, "from_file 1000000 60"},
		{"--config wins over STRIPESQL_CONFIG", []string{"--config", other}, map[string]string{"STRIPESQL_CONFIG": file}, "from_other_file 268435456 300"},
		{"environment wins over file", []string{"--config", file},
			map[string]string{"STRIPESQL_DATABASE": "from_env", "STRIPESQL_CACHE_TTL": "2m"}, "from_env 1000000 120"},
		{"flag wins over environment and file", []string{"--config", file, "--database", "from_flag", "--cache-size=5000"},
			map[string]string{"STRIPESQL_DATABASE": "from_env", "STRIPESQL_CACHE_SIZE": "7000"}, "from_flag 5000 60"},
		{"size with a unit in the environment", nil, map[string]string{"STRIPESQL_CACHE_SIZE": "512MiB"}, "stripe 536870912 300"},
		{"size with a unit in a flag", []string{"--cache-size", "1.5 GB"}, nil, "stripe 1500000000 300"},
		{"size as a TOML number", []string{"--config", numeric}, nil, "stripe 2000000 300"},
		{"api_key_file in the file", []string{"--config", keyFromFile}, map[string]string{"STRIPE_API_KEY": ""}, "keyed 268435456 300"},
		{"api_key_env in the file", []string{"--config", keyFromVar}, map[string]string{"STRIPE_API_KEY": "", "MY_STRIPE_KEY": key}, "stripe 268435456 300"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{"STRIPE_API_KEY": key, "STRIPESQL_STRIPE_URL": hs.URL, "STRIPESQL_LISTEN": "127.0.0.1:0"}
			for k, v := range c.env {
				env[k] = v
			}
			fake.ResetRequests()
			addr := startServe(t, c.args, env)
			// The key check, and where the events stand (one page).
			if reqs := fake.Requests(); len(reqs) != 2 || reqs[0].Path != "/v1/account" || reqs[0].Status != 200 ||
				reqs[1].Path != "/v1/events" || reqs[1].Query.Get("limit") != "100" {
				t.Errorf("start-up requests %+v, want one accepted GET /v1/account and one page of events", reqs)
			}
			rows := mysqlRows(t, addr, "", "SELECT db, max_bytes, ttl_seconds FROM stripe_meta.cache_stats")
			if got := strings.Join(rows, "|"); got != strings.ReplaceAll(c.want, " ", "\t") {
				t.Errorf("cache_stats %q, want %q", got, c.want)
			}
		})
	}
}

// Mistakes in the environment or config file stop start-up with a usage
// error naming the variable or file and key, and never show a key.
func TestConfigErrors(t *testing.T) {
	const inline = "sk_test_inlineSecret42"
	cases := []struct {
		name string
		cmd  string // "", "demo" or "fake-stripe"
		file string // config file content ("": none)
		args []string
		env  map[string]string
		want string
	}{
		{"inline key", "", `api_key = "` + inline + `"`, nil, nil, `api_key: the API key is never written in the config file; name where it is instead: api_key_env = "VARIABLE" or api_key_file = "path"`},
		{"inline key in an account", "", "[[account]]\nname = \"eu\"\napi_key = \"" + inline + "\"", nil, nil, "account[0].api_key: the API key is never written"},
		{"key as another value", "", `api_key_file = "` + inline + `"`, nil, nil, "api_key_file holds what looks like a Stripe API key"},
		{"unknown setting", "", `cache_tll = "5m"`, nil, nil, `"cache_tll" is not a setting of stripesql`},
		{"another command's setting", "", `scale = 10`, nil, nil, `"scale" is not a setting of stripesql`},
		{"accounts in demo", "demo", "[[account]]\nname = \"eu\"\napi_key_env = \"X\"", nil, nil, `"account" is not a setting of stripesql demo`},
		{"wrong type", "", `cache_ttl = 300`, nil, nil, `cache_ttl = 300: invalid value for --cache-ttl: want a duration such as 30s, 5m or 1h`},
		{"list for a single flag", "", `listen = ["a", "b"]`, nil, nil, "want one value, not a list"},
		{"syntax error", "", "listen = ", nil, nil, "line 1"},
		{"missing file", "", "", []string{"--config", "/nonexistent/stripesql.toml"}, nil, "config file /nonexistent/stripesql.toml"},
		{"bad environment value", "", "", nil, map[string]string{"STRIPESQL_CACHE_SIZE": "lots"}, `STRIPESQL_CACHE_SIZE="lots": invalid value for --cache-size: want a size such as 512MiB, 4GiB, 300MB, 1.5GB or a number of bytes`},
		{"size with an unknown unit", "", `cache_size = "4 gigs"`, nil, nil, `cache_size = "4 gigs": invalid value for --cache-size: want a size such as 512MiB`},
		{"negative size", "", "", []string{"--cache-size", "-1"}, nil, `invalid value "-1" for flag -cache-size: want a size such as 512MiB`},
		{"key in an environment value", "fake-stripe", "", nil, map[string]string{"STRIPESQL_SCALE": inline}, "STRIPESQL_SCALE=\"sk_test_[redacted]\""},
		{"bad bool", "demo", "", nil, map[string]string{"STRIPESQL_REQUIRE_TLS": "maybe"}, "want true or false"},
		{"key in STRIPESQL_API_KEY", "", "", nil, map[string]string{"STRIPESQL_API_KEY": inline}, "STRIPESQL_API_KEY is not read"},
		{"two key sources", "", "", []string{"--api-key-file", "k", "--api-key-env", "K"}, nil, "--api-key-file and --api-key-env both name the key"},
		{"empty key variable", "", "", []string{"--api-key-env", "MY_KEY"}, nil, "the environment variable MY_KEY is empty or unset"},
		{"account without key", "", "[[account]]\nname = \"eu\"", nil, nil, "[[account]] number 1: eu: give its key as exactly one of api_key_env"},
		{"account with two keys", "", "[[account]]\nname = \"eu\"\napi_key_env = \"A\"\napi_key_file = \"b\"", nil, nil, "exactly one of"},
		{"account without name", "", "[[account]]\napi_key_env = \"A\"", nil, nil, "no name"},
		{"account named like a server database", "", "[[account]]\nname = \"stripe_meta\"\napi_key_env = \"A\"", nil, nil, `database name "stripe_meta" is the server's own stripe_meta database`},
		{"account name not an identifier", "", "[[account]]\nname = \"stripe-eu\"\napi_key_env = \"A\"", nil, nil, `database name "stripe-eu": want letters, digits and _`},
		{"unknown account key", "", "[[account]]\nname = \"eu\"\napi_key_env = \"A\"\nurl = \"x\"", nil, nil, `unknown key "url" (an account has name, api_key_env, api_key_file, stripe_url, rate_limit)`},
		{"account as a table", "", "[account]\nname = \"eu\"", nil, nil, "write each account as an [[account]] table"},
		{"--database with accounts", "", "[[account]]\nname = \"eu\"\napi_key_env = \"A\"", []string{"--database", "x"}, nil, "--database (or STRIPESQL_DATABASE) is for a single account"},
		{"account's key unset", "", "[[account]]\nname = \"eu\"\napi_key_env = \"EU_KEY\"", nil, nil, "account eu: no Stripe API key: the environment variable EU_KEY is empty or unset"},
		{"two accounts, one key", "", "[[account]]\nname = \"eu\"\napi_key_env = \"K\"\n[[account]]\nname = \"us\"\napi_key_env = \"K\"",
			nil, map[string]string{"K": "sk_test_samekey"}, "accounts eu and us have the same API key"},
		{"same database twice", "", "[[account]]\nname = \"eu\"\napi_key_env = \"A\"\n[[account]]\nname = \"EU\"\napi_key_env = \"B\"",
			nil, nil, `[[account]] number 2: database "EU" is also account number 1's`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			if c.file != "" {
				args = append([]string{"--config", writeFile(t, t.TempDir(), "stripesql.toml", c.file)}, args...)
			}
			if c.cmd != "" {
				args = append([]string{c.cmd}, args...)
			}
			var out, errOut syncBuffer
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // nothing may start
			err := runWithEnv(ctx, args, &out, &errOut, c.env)
			if err == nil {
				t.Fatal("started, want an error")
			}
			var ue usageError
			if !errors.As(err, &ue) {
				t.Errorf("%v: not a usage error", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q lacks %q", err, c.want)
			}
			if strings.Contains(err.Error()+out.String()+errOut.String(), inline) {
				t.Errorf("the output shows the key")
			}
		})
	}
}

// runWithEnv is run with the environment env (only) for every command.
func runWithEnv(ctx context.Context, args []string, stdout, stderr *syncBuffer, env map[string]string) error {
	getenv := func(k string) string { return env[k] }
	if len(args) > 0 {
		switch args[0] {
		case "demo":
			return runDemo(ctx, args[1:], stdout, stderr, getenv)
		case "fake-stripe":
			return runFakeStripe(ctx, args[1:], stdout, stderr, getenv)
		}
	}
	return runServe(ctx, args, stdout, stderr, getenv)
}

// demo and fake-stripe take their settings from the environment and the
// config file too: the fake account they serve is the one asked for.
func TestDemoAndFakeStripeSettings(t *testing.T) {
	dir := t.TempDir()
	want := fakestripe.New(fakestripe.Options{Scale: 40, Seed: 5}).Objects("charges")
	config := writeFile(t, dir, "fake.toml", "seed = 5\nscale = 1000\n")

	// demo: scale from the environment (over the file), seed from the file.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	env := map[string]string{"STRIPESQL_SCALE": "40", "STRIPESQL_CONFIG": config}
	demoDone := make(chan error, 1)
	go func() {
		demoDone <- runDemo(ctx, []string{"--listen", "127.0.0.1:0"}, out, errOut, func(k string) string { return env[k] })
	}()
	waitFor(t, "the demo", func() bool { return servingAny.MatchString(out.String()) })
	rows := mysqlRows(t, servingAny.FindStringSubmatch(out.String())[1], "stripe", "SELECT COUNT(*), MAX(id = '"+want[0]["id"].(string)+"') FROM charges")
	if got := strings.Join(rows, "|"); got != fmt.Sprintf("%d\t1", len(want)) {
		t.Errorf("demo: count and newest charge %q, want %d charges of seed 5", got, len(want))
	}

	// fake-stripe: listen from the environment, scale and seed from the file.
	addr := testutil.FreeAddr(t)
	config = writeFile(t, dir, "fake2.toml", "seed = 5\nscale = 40\nlisten = \"127.0.0.1:1\"\n")
	fakeOut := &syncBuffer{}
	fakeDone := make(chan error, 1)
	go func() {
		fakeDone <- runFakeStripe(ctx, []string{"--config", config}, fakeOut, &syncBuffer{},
			func(k string) string { return map[string]string{"STRIPESQL_LISTEN": addr}[k] })
	}()
	waitForText(t, fakeOut, "fake Stripe API listening on http://"+addr)
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/v1/charges?limit=1", nil)
	req.SetBasicAuth("sk_test_settings", "")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `"id": "`+want[0]["id"].(string)+`"`) && !strings.Contains(string(body), `"id":"`+want[0]["id"].(string)+`"`) {
		t.Errorf("fake-stripe's newest charge is not seed 5's %s:\n%.300s", want[0]["id"], body)
	}
	cancel()
	for _, done := range []chan error{demoDone, fakeDone} {
		if err := <-done; err != nil {
			t.Errorf("ended with %v", err)
		}
	}
}
