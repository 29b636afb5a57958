package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
)

// setUsage makes -h print header, then every flag with its environment
// variable and config file key.
func setUsage(fs *flag.FlagSet, header string) {
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprint(w, header)
		fmt.Fprint(w, `
Settings: every flag may also be set by its environment variable or by its
key in the --config file (TOML). A flag wins over the environment, which
wins over the file, which wins over the default.

Flags:
`)
		fs.VisitAll(func(f *flag.Flag) {
			placeholder, usage := flag.UnquoteUsage(f)
			fmt.Fprintf(w, "  %s\n        %s%s\n", strings.TrimSpace("--"+f.Name+" "+placeholder), usage, defaultText(f))
			where := "env " + envName(f.Name)
			if f.Name != "config" {
				where += ", config " + fileKey(f.Name)
			}
			if _, ok := f.Value.(repeatable); ok {
				where += " (a list in the file; one value in the environment)"
			}
			fmt.Fprintf(w, "        %s\n", where)
		})
	}
}

// defaultText is " (default …)" unless the default is the zero value.
func defaultText(f *flag.Flag) string {
	switch f.DefValue {
	case "", "0", "0s", "false":
		return ""
	}
	if g, ok := f.Value.(flag.Getter); ok {
		if _, isString := g.Get().(string); isString {
			return " (default " + strconv.Quote(f.DefValue) + ")"
		}
	}
	return " (default " + f.DefValue + ")"
}
