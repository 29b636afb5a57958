package disk

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/cockroachdb/pebble/v2"
)

// pebbleLogger routes pebble's logging to the caller's slog.Logger, or
// nowhere. pebble's default logger writes to the standard log package
// (stderr: "Found 0 WALs" on every open) and exits the process on
// Fatalf.
type pebbleLogger struct {
	log *slog.Logger // nil: discard
}

func (l pebbleLogger) Infof(format string, args ...any) {
	l.emit(slog.LevelDebug, format, args)
}

func (l pebbleLogger) Errorf(format string, args ...any) {
	l.emit(slog.LevelWarn, format, args)
}

// Fatalf must not return: pebble calls it when its own state can no
// longer be trusted (a failed WAL or MANIFEST write) and carries on as
// if the call had stopped it. A panic does stop it; Store.commit
// recovers the one raised inside a commit (see fatalError), so that a
// WAL write failing there fails the write rather than the server. Other
// paths still end the process (in a background goroutine, or where
// pebble panics itself, as when switching WALs): hence Write's checkSpace.
func (l pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	l.emit(slog.LevelError, "%s", []any{msg})
	panic(fatalError{msg})
}

func (l pebbleLogger) emit(level slog.Level, format string, args []any) {
	if l.log == nil || !l.log.Enabled(context.Background(), level) {
		return
	}
	l.log.Log(context.Background(), level, "pebble: "+fmt.Sprintf(format, args...))
}

// fatalError is the panic of pebbleLogger.Fatalf.
type fatalError struct{ msg string }

func (e fatalError) Error() string { return "disk: pebble failed: " + e.msg }

// eventListener replaces the two pebble events whose defaults use the
// logger: a background error is a warning, and a data corruption, which
// pebble's default turns into Fatalf, is only logged here, since the
// read that found it returns an error the caller handles (ErrCorrupt).
func eventListener(l pebbleLogger) *pebble.EventListener {
	return &pebble.EventListener{
		BackgroundError: func(err error) {
			l.emit(slog.LevelWarn, "background error: %v", []any{err})
		},
		DataCorruption: func(info pebble.DataCorruptionInfo) {
			l.emit(slog.LevelWarn, "data corruption: %v", []any{info})
		},
	}
}
