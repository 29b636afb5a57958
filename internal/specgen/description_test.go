package main

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanDescription(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Unique identifier for the object.", "Unique identifier for the object."},
		{"link", "Three-letter [ISO currency code](https://www.iso.org/iso-4217-currency-codes.html), in lowercase.", "Three-letter ISO currency code, in lowercase."},
		{"two links", "[a](https://x/1) and [b](https://x/2#frag)", "a and b"},
		{"link with title", `See [docs](https://x "Docs").`, "See docs."},
		{"brackets that are not links", "Use `expand[]=discounts` with automatic_tax[enabled]=true.", "Use `expand[]=discounts` with automatic_tax[enabled]=true."},
		{"bold", `text: **"Reverse charge"**.`, `text: "Reverse charge".`},
		{"newlines and runs of space", "  First line\nsecond\n\n  third\tend  ", "First line second third end"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cleanDescription(tt.in); got != tt.want {
				t.Errorf("cleanDescription(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCleanDescriptionTruncatesToMySQLLimit(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantLen int
	}{
		{"ascii exactly at limit", strings.Repeat("a", maxCommentBytes), maxCommentBytes},
		{"ascii over limit", strings.Repeat("a", maxCommentBytes+10), maxCommentBytes},
		// "¥" is 2 bytes: 1023 bytes of "a" leave one byte, too few for it.
		{"multibyte straddling limit", strings.Repeat("a", maxCommentBytes-1) + "¥¥", maxCommentBytes - 1},
		// "€" is 3 bytes: 341 of them are 1023 bytes; the 342nd does not fit.
		{"all multibyte", strings.Repeat("€", 400), 1023},
		{"space at cut is trimmed", strings.Repeat("a", maxCommentBytes-1) + " bc", maxCommentBytes - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cleanDescription(tt.in)
			if len(got) != tt.wantLen || !utf8.ValidString(got) || !strings.HasPrefix(tt.in, got) {
				t.Errorf("got %d bytes (valid UTF-8: %t, prefix of input: %t), want %d",
					len(got), utf8.ValidString(got), strings.HasPrefix(tt.in, got), tt.wantLen)
			}
		})
	}
}
