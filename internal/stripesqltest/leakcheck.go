package stripesqltest

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// leakCheck fails a test if the API key shows in anything its server
// logged or its queries returned (through Rows and Error): every test
// that runs an Env thereby checks that the key never leaks, as the key's
// own tests check with crafted faults.
type leakCheck struct {
	forms []string

	mu    sync.Mutex
	found string // the first log record holding the key
}

// newLeakCheck watches for the keys in the forms keyForms lists.
func newLeakCheck(t testing.TB, keys ...string) *leakCheck {
	l := &leakCheck{}
	for _, k := range keys {
		l.forms = append(l.forms, keyForms(k)...)
	}
	t.Cleanup(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.found != "" {
			t.Errorf("the server logged the API key: %s", l.found)
		}
	})
	return l
}

// logger returns a logger that writes to next (if any) and is checked.
func (l *leakCheck) logger(next *slog.Logger) *slog.Logger {
	h := slog.Handler(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if next != nil {
		h = slog.NewMultiHandler(next.Handler(), h)
	}
	return slog.New(h)
}

// Write receives the log's records.
func (l *leakCheck) Write(p []byte) (int, error) {
	if s := string(p); l.holdsKey(s) {
		l.mu.Lock()
		if l.found == "" {
			l.found = s
		}
		l.mu.Unlock()
	}
	return len(p), nil
}

func (l *leakCheck) holdsKey(s string) bool {
	for _, f := range l.forms {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}

// check fails t if a value returned to the client holds the key.
func (l *leakCheck) check(t testing.TB, query, value string) {
	t.Helper()
	if l.holdsKey(value) {
		t.Errorf("%s returned the API key: %s", query, value)
	}
}

// keyForms are the ways a key could show: whole, without its prefix, and
// masked as Stripe masks it (asterisks, then the last four characters).
func keyForms(key string) []string {
	forms := []string{key}
	if _, body, ok := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(key, "sk_"), "rk_"), "_"); ok && len(body) > 4 {
		forms = append(forms, body, "*"+body[len(body)-4:])
	}
	return forms
}
