package disk

import (
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// fullFS is a file system which, once full is set, has little room left
// and fails writes of WAL files with ENOSPC.
type fullFS struct {
	vfs.FS
	full *atomic.Bool
	free uint64
}

func (f fullFS) GetDiskUsage(path string) (vfs.DiskUsage, error) {
	du, err := f.FS.GetDiskUsage(path)
	if f.full.Load() {
		du.AvailBytes = f.free
	}
	return du, err
}

func (f fullFS) Unwrap() vfs.FS { return f.FS }

// TestDiskFull: pebble cannot survive a WAL it fails to write, so Write
// refuses a batch that would leave the file system with less than
// minFreeBytes (reads and Wipe go on); and when a WAL write fails all
// the same, Write fails instead of pebble ending the process, later
// writes fail at once, reads go on, and Close returns.
func TestDiskFull(t *testing.T) {
	for _, tc := range []struct {
		name string
		// free is what the file system says it has left, walFails whether
		// it fails WAL writes.
		free     uint64
		walFails bool
		want     string
	}{
		{name: "almost full", free: minFreeBytes, want: ErrDiskFull.Error()},
		{name: "wal write fails", free: 1 << 40, walFails: true, want: syscall.ENOSPC.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var full atomic.Bool
			defer func(old func(vfs.FS) vfs.FS) { wrapFS = old }(wrapFS)
			wrapFS = func(fs vfs.FS) vfs.FS {
				inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
					if tc.walFails && full.Load() && op.Kind.ReadOrWrite() == errorfs.OpIsWrite && strings.HasSuffix(op.Path, ".log") {
						return syscall.ENOSPC
					}
					return nil
				})
				return fullFS{FS: errorfs.Wrap(fs, inj), full: &full, free: tc.free}
			}
			s := mustOpen(t, testOptions(filepath.Join(t.TempDir(), "store")))
			mustWrite(t, s, set("a", "1"))
			full.Store(true)
			for range 2 {
				// Small batches: a large one would make pebble switch to a new
				// WAL, which panics on a failed write.
				err := s.Write(manyOps(1, 4, 100), true)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Write on a full disk: %v, want %v", err, tc.want)
				}
			}
			if val, ok, err := s.Get([]byte("a")); err != nil || !ok || string(val) != "1" {
				t.Fatalf("Get = %q, %v, %v", val, ok, err)
			}
			if !tc.walFails {
				if err := s.Wipe(); err != nil {
					t.Fatalf("Wipe: %v", err)
				}
			}
			t.Logf("Close: %v", s.Close())
		})
	}
}
