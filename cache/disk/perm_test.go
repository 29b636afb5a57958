package disk

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestFileModes: with a umask that grants everyone everything, the
// directory (and the parents Open creates) is 0700 and every file pebble
// made through writes, syncs, a flush, a compaction, a wipe and a reopen
// is 0600. An existing directory is made 0700.
func TestFileModes(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)

	base := t.TempDir()
	o := testOptions(filepath.Join(base, "parent", "store"))
	s := mustOpen(t, o)
	for i := range 3 {
		if err := s.Write(manyOps(i, 40, 64<<10), true); err != nil {
			t.Fatal(err)
		}
		flush(t, s)
	}
	if err := s.db.Compact(context.Background(), dataStart, dataEnd, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Wipe(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = mustOpen(t, o)
	mustWrite(t, s, set("a", "1"))

	kinds := map[string]bool{}
	checkModes(t, filepath.Join(base, "parent"), func(path string) { kinds[fileKind(path)] = true })
	s.Close()
	for _, k := range []string{"LOCK", "MANIFEST", "OPTIONS", "marker", "log", "sst"} {
		if !kinds[k] {
			t.Errorf("no %s file was checked (saw %v)", k, kinds)
		}
	}

	// An existing directory anyone may enter.
	if err := os.Chmod(o.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, o)
	defer s.Close()
	checkModes(t, o.Dir, func(string) {})
}

// checkModes fails for a directory under and including root that is not
// 0700, or a file that is not 0600.
func checkModes(t *testing.T, root string, sawFile func(path string)) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // an obsolete file pebble just removed
		}
		if err != nil {
			return err
		}
		want := fileMode
		if d.IsDir() {
			want = dirMode
		} else {
			sawFile(path)
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s is %v, want %v", path, info.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func fileKind(path string) string {
	name := filepath.Base(path)
	for _, k := range []string{"LOCK", "MANIFEST", "OPTIONS", "marker"} {
		if strings.HasPrefix(name, k) {
			return k
		}
	}
	return strings.TrimPrefix(filepath.Ext(name), ".")
}
