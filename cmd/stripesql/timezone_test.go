package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gmssql "github.com/dolthub/go-mysql-server/sql"
)

// --default-time-zone (or STRIPESQL_DEFAULT_TIME_ZONE, or default_time_zone
// in the config file) is the time_zone sessions start in, over the wire:
// @@time_zone and @@global.time_zone show it and created reads in it. An
// unknown zone stops the start with a usage error naming the setting.
func TestDefaultTimeZone(t *testing.T) {
	// The default is the process's (go-mysql-server's global variables):
	// put it back for the tests that follow.
	t.Cleanup(func() {
		if err := gmssql.SystemVariables.SetGlobal(gmssql.NewEmptyContext(), "time_zone", "+00:00"); err != nil {
			t.Error(err)
		}
	})
	conf := filepath.Join(t.TempDir(), "stripesql.toml")
	if err := os.WriteFile(conf, []byte(`default_time_zone = "Asia/Kolkata"`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		env  string
		want string
	}{
		{"flag", []string{"--default-time-zone", "America/New_York"}, "", "America/New_York"},
		{"environment", nil, "+5:30", "+05:30"},
		{"config file", []string{"--config", conf}, "", "Asia/Kolkata"},
		{"flag over file", []string{"--config", conf, "--default-time-zone=-08:00"}, "", "-08:00"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.env != "" {
				t.Setenv("STRIPESQL_DEFAULT_TIME_ZONE", c.env)
			}
			addr, _, _, _ := startRun(t, append([]string{"demo", "--listen", "127.0.0.1:0", "--scale", "50"}, c.args...)...)
			db := openDB(t, addr)
			var session, global, created string
			var unix int64
			if err := db.QueryRow("SELECT @@time_zone, @@global.time_zone").Scan(&session, &global); err != nil {
				t.Fatal(err)
			}
			if session != c.want || global != c.want {
				t.Errorf("@@time_zone, @@global.time_zone = %s, %s; want %s", session, global, c.want)
			}
			if err := db.QueryRow("SELECT CAST(created AS CHAR), UNIX_TIMESTAMP(created) FROM charges ORDER BY created DESC LIMIT 1").Scan(&created, &unix); err != nil {
				t.Fatal(err)
			}
			loc, err := time.LoadLocation(c.want)
			if err != nil {
				sign := 1
				if c.want[0] == '-' {
					sign = -1
				}
				h, m := int(c.want[1]-'0')*10+int(c.want[2]-'0'), int(c.want[4]-'0')*10+int(c.want[5]-'0')
				loc = time.FixedZone(c.want, sign*(h*3600+m*60))
			}
			if want := time.Unix(unix, 0).In(loc).Format(time.DateTime); created != want {
				t.Errorf("created %s (Unix %d), want %s in %s", created, unix, want, c.want)
			}
		})
	}
	for _, c := range []struct {
		name string
		args []string
		env  string
		want string
	}{
		{"flag", []string{"--default-time-zone", "Mars/Olympus"}, "", "invalid value \"Mars/Olympus\" for flag -default-time-zone: Unknown or incorrect time zone: 'Mars/Olympus'"},
		{"offset", []string{"--default-time-zone", "+15:00"}, "", "Unknown or incorrect time zone: '+15:00'"},
		{"environment", nil, "Local", "STRIPESQL_DEFAULT_TIME_ZONE=\"Local\": invalid value for --default-time-zone: Unknown or incorrect time zone: 'Local'"},
	} {
		t.Run("bad "+c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			env := map[string]string{"STRIPESQL_DEFAULT_TIME_ZONE": c.env}
			err := runServe(ctx, c.args, &syncBuffer{}, &syncBuffer{}, func(k string) string { return env[k] })
			var ue usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "want an offset such as +05:30") {
				t.Errorf("%v: %v, want a usage error containing %q", c.args, err, c.want)
			}
		})
	}
}
