package main

import (
	"flag"
	"io"
	"strings"
	"testing"
)

// Sizes take IEC units (powers of 1024), SI units (powers of 1000) or
// plain bytes; anything else is refused naming the accepted forms.
func TestParseByteSize(t *testing.T) {
	cases := []struct {
		in   string
		want int64 // -1: refused
	}{
		{"268435456", 268435456},
		{"0", 0},
		{"512MiB", 512 << 20},
		{"512mib", 512 << 20},
		{"512 MiB", 512 << 20},
		{"4GiB", 4 << 30},
		{"4Gi", 4 << 30},
		{"1TiB", 1 << 40},
		{"64KiB", 64 << 10},
		{"300MB", 300_000_000},
		{"300mb", 300_000_000},
		{"300M", 300_000_000},
		{"1.5GB", 1_500_000_000},
		{"1.5GiB", 3 << 29},
		{"2kB", 2000},
		{"100B", 100},
		{" 8MiB ", 8 << 20},
		{"1,000,000", 1_000_000},
		{"", -1},
		{"lots", -1},
		{"4 gigs", -1},
		{"GiB", -1},
		{"-1", -1},
		{"-1GiB", -1},
		{"+5", -1},
		{"1e9", -1},
		{"9EiB", -1}, // beyond int64
	}
	for _, c := range cases {
		got, err := parseByteSize(c.in)
		switch {
		case c.want < 0 && err == nil:
			t.Errorf("parseByteSize(%q) = %d, want an error", c.in, got)
		case c.want < 0 && !strings.HasPrefix(err.Error(), sizeForms):
			t.Errorf("parseByteSize(%q): error %q does not name the accepted forms", c.in, err)
		case c.want >= 0 && err != nil:
			t.Errorf("parseByteSize(%q): %v, want %d", c.in, err, c.want)
		case c.want >= 0 && got != c.want:
			t.Errorf("parseByteSize(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}

// -h shows a size in the largest IEC unit dividing it, and the flag reads
// back what it shows.
func TestByteSizeString(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 256 << 20: "256MiB", 4 << 30: "4GiB", 1 << 40: "1TiB", 3 << 10: "3KiB", 1000: "1000", 1_500_000_000: "1500000000"} {
		b := byteSize(n)
		if got := b.String(); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
		var back byteSize
		if err := back.Set(want); err != nil || back != b {
			t.Errorf("Set(%q) = %d, %v; want %d", want, back, err, n)
		}
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var sf serverFlags
	sf.register(fs)
	if f := fs.Lookup("cache-size"); f.DefValue != "256MiB" || defaultText(f) != " (default 256MiB)" {
		t.Errorf("--cache-size default shows %q%q", f.DefValue, defaultText(f))
	}
}
