package stripesqltest

import (
	"strings"
	"testing"
)

func TestLeakCheckFindsEveryForm(t *testing.T) {
	l := &leakCheck{forms: keyForms("sk_live_abcdef123456")}
	if got := strings.Join(l.forms, " "); got != "sk_live_abcdef123456 abcdef123456 *3456" {
		t.Fatalf("forms = %s", got)
	}
	log := l.logger(nil)
	for _, tc := range []struct {
		text string
		leak bool
	}{
		{"sk_live_abcdef123456", true},
		{"key abcdef123456 in a message", true},
		{"Invalid API Key provided: sk_live_********3456", true},
		{"Invalid API Key provided: sk_live_[redacted]", false},
		{"amount 3456", false},
	} {
		if got := l.holdsKey(tc.text); got != tc.leak {
			t.Errorf("holdsKey(%q) = %v, want %v", tc.text, got, tc.leak)
		}
	}
	log.Info("stripe request", "error", "Invalid API Key provided: sk_live_[redacted]")
	if l.found != "" {
		t.Fatalf("a redacted record counted as a leak: %s", l.found)
	}
	log.Debug("stripe request", "error", "Invalid API Key provided: sk_live_****3456")
	if !strings.Contains(l.found, "****3456") {
		t.Fatalf("a debug record with the masked key went unnoticed: %q", l.found)
	}
}
