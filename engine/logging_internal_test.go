package engine

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/sirupsen/logrus"
)

// go-mysql-server's debug records (one per query) are built only while a
// server logs at debug level, and then reach its log, redacted.
func TestLogrusDebugFollowsSinks(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	debug := slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	info := slog.New(slog.NewTextHandler(lockedWriter{&mu, &bytes.Buffer{}}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	invariant := func(when string) {
		t.Helper()
		if got, want := logrus.IsLevelEnabled(logrus.DebugLevel), sinksEnabled(slog.LevelDebug); got != want {
			t.Errorf("%s: logrus debug %v, a server logging debug %v", when, got, want)
		}
	}

	stopInfo := routeLogrus(info)
	defer stopInfo()
	invariant("info logger only")
	stopDebug := routeLogrus(debug)
	if !logrus.IsLevelEnabled(logrus.DebugLevel) {
		t.Fatal("a debug logger is routed and logrus builds no debug record")
	}
	logrus.WithField("query", "SELECT 1 -- sk_test_abcdefghijklmnopqrstuvwx").Debugf("Starting query")
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	if !strings.Contains(out, "sql: Starting query") || !strings.Contains(out, "SELECT 1") {
		t.Errorf("the debug record did not reach the debug logger: %q", out)
	}
	if strings.Contains(out, "sk_test_abcdefghijklmnopqrstuvwx") {
		t.Errorf("the debug record was not redacted: %q", out)
	}
	stopDebug()
	invariant("debug logger stopped")
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
