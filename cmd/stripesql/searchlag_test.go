package main

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stripesql/stripesql/internal/fakestripe"
)

// --search-lag takes a duration of a second or more, or off.
func TestSearchLagValues(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"5m", 5 * time.Minute, true},
		{"90s", 90 * time.Second, true},
		{"off", 0, true},
		{"OFF", 0, true},
		{"0", 0, true},
		{"500ms", 0, false},
		{"-1m", 0, false},
		{"soon", 0, false},
	}
	for _, tc := range tests {
		var l searchLag
		err := l.Set(tc.in)
		if (err == nil) != tc.ok || tc.ok && time.Duration(l) != tc.want {
			t.Errorf("Set(%q) = %v, %v; want %v, ok %v", tc.in, time.Duration(l), err, tc.want, tc.ok)
		}
	}
}

// --search-lag reaches the client from the flag, STRIPESQL_SEARCH_LAG and
// the config file: EXPLAIN (through the mysql client) shows the search
// with the default and the lag's cutoff, and none when it is off.
func TestSearchLagSetting(t *testing.T) {
	const key = "sk_test_searchlag1"
	fake := fakestripe.New(fakestripe.Options{Scale: 20, APIKey: key})
	hs := httptest.NewServer(fake)
	defer hs.Close()
	off := writeFile(t, t.TempDir(), "off.toml", "search_lag = \"off\"\n")
	const query = "EXPLAIN SELECT id FROM charges WHERE metadata->>'$.order_id' = 'A-1042'"
	cases := []struct {
		name   string
		args   []string
		env    map[string]string
		search bool
	}{
		{"default", nil, nil, true},
		{"flag off", []string{"--search-lag", "off"}, nil, false},
		{"environment off", nil, map[string]string{"STRIPESQL_SEARCH_LAG": "off"}, false},
		{"file off", []string{"--config", off}, nil, false},
		{"flag wins over the file", []string{"--config", off, "--search-lag", "2m"}, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{"STRIPE_API_KEY": key, "STRIPESQL_STRIPE_URL": hs.URL, "STRIPESQL_LISTEN": "127.0.0.1:0"}
			for k, v := range c.env {
				env[k] = v
			}
			got := strings.Join(mysqlRows(t, startServe(t, c.args, env), "stripe", query), "\n")
			if strings.Contains(got, "/v1/charges/search") != c.search {
				t.Errorf("search %v, EXPLAIN:\n%s", c.search, got)
			}
		})
	}
}
