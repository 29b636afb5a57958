package main

import (
	"flag"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/stripesql/stripesql/internal/timezone"
	"github.com/stripesql/stripesql/tables/sqltable"
)

// Every flag of a command may also come from the environment
// (STRIPESQL_<FLAG>) and from a TOML config file (--config or
// STRIPESQL_CONFIG; keys are the flag names with _ for -). A flag on the
// command line wins over the environment, which wins over the file, which
// wins over the default.

// envPrefix starts the environment variable of every flag.
const envPrefix = "STRIPESQL_"

// envName is the environment variable of a flag: --cache-ttl is
// STRIPESQL_CACHE_TTL.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// fileKey is a flag's key in the config file: --cache-ttl is cache_ttl.
func fileKey(flagName string) string { return strings.ReplaceAll(flagName, "-", "_") }

// registerConfig adds --config, which names the config file.
func registerConfig(fs *flag.FlagSet) {
	fs.String("config", "", "read settings from the TOML `file` (keys are the flag names, e.g. cache_ttl = \"10m\"; see README)")
}

// configFile is a loaded config file: what is left of it once its flag
// settings are applied (sections such as [[account]]).
type configFile struct {
	path     string
	sections map[string]any
}

// parseSettings parses args, then gives every flag they did not set its
// value from the environment, else from the config file. sections are
// the file's keys that are not flags (e.g. "account"), returned as they
// are. Mistakes are usage errors naming the variable or file and key.
func parseSettings(fs *flag.FlagSet, args []string, getenv func(string) string, sections ...string) (configFile, error) {
	if err := parse(fs, args); err != nil {
		return configFile{}, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		v := getenv(envName(f.Name))
		if err != nil || set[f.Name] || v == "" {
			return
		}
		if e := fs.Set(f.Name, v); e != nil {
			err = usageError{fmt.Sprintf("%s=%s: %s", envName(f.Name), quote(v), badValue(f, e))}
		}
		set[f.Name] = true
	})
	if err != nil {
		return configFile{}, err
	}
	path := fs.Lookup("config").Value.String()
	if path == "" {
		return configFile{}, nil
	}
	return applyFile(fs, path, set, sections)
}

// applyFile reads the config file and sets the flags not set yet.
func applyFile(fs *flag.FlagSet, path string, set map[string]bool, sections []string) (configFile, error) {
	values := map[string]any{}
	if _, err := toml.DecodeFile(path, &values); err != nil {
		return configFile{}, usageError{fmt.Sprintf("config file %s: %s", path, sqltable.Redact(err.Error()))}
	}
	cf := configFile{path: path, sections: map[string]any{}}
	if err := refuseInlineKeys(path, "", values); err != nil {
		return configFile{}, err
	}
	for _, key := range slices.Sorted(maps.Keys(values)) {
		v, name := values[key], strings.ReplaceAll(key, "_", "-")
		f := fs.Lookup(name)
		switch {
		case slices.Contains(sections, key):
			cf.sections[key] = v
			continue
		case f == nil || name == "config":
			return configFile{}, usageError{fmt.Sprintf("config file %s: %q is not a setting of %s (its settings are the flags of %s -h, with _ for -)",
				path, key, fs.Name(), fs.Name())}
		case set[name]:
			continue
		}
		if err := setFromFile(fs, f, v, filepath.Dir(path)); err != nil {
			return configFile{}, usageError{fmt.Sprintf("config file %s: %s = %s: %v", path, key, tomlValue(v), err)}
		}
	}
	return cf, nil
}

// setFromFile sets a flag from a TOML value: a string, number or boolean,
// or an array of them for a repeatable flag (user = ["a:…", "b:…"]). A
// relative path (a flag whose value is a `file`) is relative to the config
// file's directory.
func setFromFile(fs *flag.FlagSet, f *flag.Flag, v any, dir string) error {
	list, isList := v.([]any)
	if !isList {
		list = []any{v}
	} else if _, ok := f.Value.(repeatable); !ok {
		return fmt.Errorf("want one value, not a list")
	}
	for _, item := range list {
		s, err := scalar(item)
		if err != nil {
			return err
		}
		if placeholder, _ := flag.UnquoteUsage(f); placeholder == "file" && s != "" && !filepath.IsAbs(s) {
			s = filepath.Join(dir, s)
		}
		if err := fs.Set(f.Name, s); err != nil {
			return fmt.Errorf("%s", badValue(f, err))
		}
	}
	return nil
}

// scalar renders a TOML string, number or boolean as a flag value.
func scalar(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("want a string, number or boolean, not %T", v)
}

// repeatable marks flag values that collect every value given.
type repeatable interface{ repeatable() }

func (*userFlags) repeatable()   {}
func (*writerNames) repeatable() {}

// badValue explains what a flag wants, for a value it refused.
func badValue(f *flag.Flag, err error) string {
	want := ""
	if g, ok := f.Value.(flag.Getter); ok {
		switch g.Get().(type) {
		case time.Duration:
			want = "want a duration such as 30s, 5m or 1h"
		case int, int64:
			want = "want a whole number"
		case float64:
			want = "want a number"
		case bool:
			want = "want true or false"
		}
	}
	msg := sqltable.Redact(err.Error())
	switch {
	case want != "" && msg == "parse error": // the flag package's only word
		msg = want
	case want != "":
		msg = want + " (" + msg + ")"
	}
	return "invalid value for --" + f.Name + ": " + msg
}

// quote shows a value in a message, keys redacted.
func quote(v string) string { return strconv.Quote(sqltable.Redact(v)) }

// tomlValue shows a config file's value in a message as it was written.
func tomlValue(v any) string {
	if s, ok := v.(string); ok {
		return quote(s)
	}
	return sqltable.Redact(fmt.Sprint(v))
}

// inlineKeyNames are settings that would hold a key itself.
var inlineKeyNames = map[string]bool{"api_key": true, "key": true, "stripe_api_key": true, "secret_key": true, "stripe_key": true}

// secretKey matches a Stripe secret or restricted key.
var secretKey = regexp.MustCompile(`\b(sk|rk)_(test|live)_[0-9A-Za-z]+`)

// refuseInlineKeys rejects a config file holding an API key: files get
// copied, committed and shared; the key stays in the environment or in a
// file of its own, which the config names.
func refuseInlineKeys(path, where string, v any) error {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			at := strings.TrimPrefix(where+"."+k, ".")
			if inlineKeyNames[strings.ReplaceAll(k, "-", "_")] {
				return usageError{fmt.Sprintf("config file %s: %s: the API key is never written in the config file; "+
					"name where it is instead: api_key_env = \"VARIABLE\" or api_key_file = \"path\"", path, at)}
			}
			if err := refuseInlineKeys(path, at, x[k]); err != nil {
				return err
			}
		}
	case []map[string]any:
		for i, m := range x {
			if err := refuseInlineKeys(path, fmt.Sprintf("%s[%d]", where, i), m); err != nil {
				return err
			}
		}
	case []any:
		for i, m := range x {
			if err := refuseInlineKeys(path, fmt.Sprintf("%s[%d]", where, i), m); err != nil {
				return err
			}
		}
	case string:
		if secretKey.MatchString(x) {
			return usageError{fmt.Sprintf("config file %s: %s holds what looks like a Stripe API key: the key is never written in the config file; "+
				"name where it is instead: api_key_env = \"VARIABLE\" or api_key_file = \"path\"", path, where)}
		}
	}
	return nil
}

// timeZoneFlag is --default-time-zone: a zone MySQL knows, checked when
// the flag is set (a mistake stops the start, naming the flag).
type timeZoneFlag string

func (z *timeZoneFlag) String() string { return string(*z) }

func (z *timeZoneFlag) Set(v string) error {
	if _, err := timezone.Parse(v); err != nil {
		return fmt.Errorf("%v: want an offset such as +05:30 or -08:00, a tz database name such as America/New_York or UTC, or SYSTEM", err)
	}
	*z = timeZoneFlag(timezone.Normalize(v))
	return nil
}
