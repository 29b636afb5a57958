package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/internal/redistest"
)

func TestRedisFlagErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--expected-replicas", "0"}, "--expected-replicas 0: want 1 or more"},
		{[]string{"--redis-url", "http://127.0.0.1:6379"}, "--redis-url: redis URL:"},
		{[]string{"--redis-url", "redis://:hunter22@127.0.0.1:port/0"}, "--redis-url: redis URL:"},
	}
	for _, c := range cases {
		err := runServe(context.Background(), c.args, io.Discard, io.Discard,
			func(k string) string { return map[string]string{"STRIPE_API_KEY": "sk_test_x"}[k] })
		if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want a usage error with %q", c.args, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter22") {
			t.Errorf("%v: the error shows the password: %v", c.args, err)
		}
	}
}

// Two replicas with the Redis of STRIPESQL_REDIS_URL and
// expected_replicas from the config file: what the first read, the
// second takes from Redis without asking Stripe.
func TestServeSharesThroughRedis(t *testing.T) {
	rdb := redistest.Start(t)
	acct := newFakeAccount(t, 1, 250, "sk_test_redisreplicas")
	conf := writeFile(t, t.TempDir(), "stripesql.toml", "expected_replicas = 2\ncache_ttl = \"10m\"\n")
	env := map[string]string{"STRIPE_API_KEY": acct.key, "STRIPESQL_STRIPE_URL": acct.url,
		"STRIPESQL_REDIS_URL": rdb.URL(), "STRIPESQL_CONFIG": conf}
	a := startServe(t, []string{"--listen", "127.0.0.1:0"}, env)
	b := startServe(t, []string{"--listen", "127.0.0.1:0"}, env)
	acct.requests()
	want := mysqlRows(t, a, "stripe", "SELECT COUNT(*), SUM(amount) FROM charges")
	if reqs := acct.requests(); len(reqs) == 0 {
		t.Fatal("the first replica asked Stripe nothing")
	}
	got := mysqlRows(t, b, "stripe", "SELECT COUNT(*), SUM(amount) FROM charges")
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("second replica: %q, want %q", got, want)
	}
	if reqs := acct.requests(); len(reqs) != 0 {
		t.Errorf("the second replica asked Stripe again:\n%s", strings.Join(reqs, "\n"))
	}
}

// README's configuration for three replicas is one stripesql reads: every
// key is a setting with a valid value (start-up then stops at the files
// it names, which do not exist here).
func TestREADMEReplicaConfig(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "\n## Deployment: several replicas\n")
	_, block, ok := strings.Cut(section, "```toml\n")
	block, _, _ = strings.Cut(block, "```")
	if !ok || !strings.Contains(block, "expected_replicas") {
		t.Fatalf("no TOML example with expected_replicas in README's Deployment section")
	}
	conf := writeFile(t, t.TempDir(), "stripesql.toml", block)
	err = runServe(context.Background(), nil, io.Discard, io.Discard,
		func(k string) string { return map[string]string{"STRIPESQL_CONFIG": conf}[k] })
	t.Logf("start-up: %v", err)
	if err == nil || strings.Contains(err.Error(), "config file") {
		t.Errorf("README's replica configuration: %v, want a start-up error about a missing file, not about the configuration", err)
	}
}
