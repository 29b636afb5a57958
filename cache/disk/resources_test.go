package disk

import (
	"bytes"
	"log"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestDiskBytes: DiskBytes grows with what is written and flushed, and
// loses the tables' bytes after Wipe (pebble keeps a few WAL files for
// reuse, up to MemTableStopWritesThreshold+1 of them, counted still).
func TestDiskBytes(t *testing.T) {
	s, _ := openTemp(t)
	empty := s.DiskBytes()
	if empty <= 0 {
		t.Fatalf("DiskBytes of an empty store = %d", empty)
	}
	const written = 16 << 20
	for i := range written / (1 << 20) {
		if err := s.Write(manyOps(i, 4, 256<<10), false); err != nil {
			t.Fatal(err)
		}
	}
	flush(t, s)
	full := s.DiskBytes()
	if full < empty+written {
		t.Fatalf("DiskBytes %d after writing %d bytes to a store of %d", full, written, empty)
	}
	if err := s.Wipe(); err != nil {
		t.Fatal(err)
	}
	// pebble deletes obsolete files in the background.
	var wiped int64
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if wiped = s.DiskBytes(); full-wiped > written*3/4 {
			break
		}
	}
	t.Logf("DiskBytes: empty %d, after %d bytes %d, after Wipe %d", empty, written, full, wiped)
	if full-wiped <= written*3/4 {
		t.Fatalf("DiskBytes after Wipe = %d", wiped)
	}
}

// TestReleasesEverything: after Close no goroutine of pebble's is left,
// and Open of the directory again works.
func TestReleasesEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	o := testOptions(filepath.Join(t.TempDir(), "store"))
	for range 3 {
		s := mustOpen(t, o)
		for i := range 4 {
			if err := s.Write(manyOps(i, 8, 256<<10), false); err != nil {
				t.Fatal(err)
			}
		}
		flush(t, s)
		if err := s.Wipe(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var now int
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if now = runtime.NumGoroutine(); now <= before {
			return
		}
	}
	buf := make([]byte, 1<<20)
	t.Fatalf("%d goroutines before, %d after Close:\n%s", before, now, buf[:runtime.Stack(buf, true)])
}

// TestLogging: pebble says nothing on the standard logger (stderr) with
// or without a Logger; with one, its lines arrive there at debug level.
func TestLogging(t *testing.T) {
	var std bytes.Buffer
	defer log.SetOutput(log.Writer())
	log.SetOutput(&std)
	for _, tc := range []struct {
		name   string
		logger bool
	}{
		{"no logger", false},
		{"logger", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got bytes.Buffer
			o := testOptions(filepath.Join(t.TempDir(), "store"))
			if tc.logger {
				o.Logger = slog.New(slog.NewTextHandler(&got, &slog.HandlerOptions{Level: slog.LevelDebug}))
			}
			for range 2 {
				s := mustOpen(t, o)
				mustWrite(t, s, set("a", "1"))
				flush(t, s)
				s.Close()
			}
			if std.Len() != 0 {
				t.Fatalf("pebble wrote to the standard logger: %q", std.String())
			}
			if tc.logger && !strings.Contains(got.String(), "level=DEBUG msg=\"pebble: Found") {
				t.Fatalf("pebble's lines did not reach the Logger: %q", got.String())
			}
		})
	}
}
