package disk

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cockroachdb/pebble/v2"
)

// checkText is the plaintext of the check record, before the Format.
const checkText = "stripesql disk v1\nformat="

// Open opens the store in o.Dir, creating it if needed. Earlier contents
// that cannot be used (written under another Secret or Bind or Format,
// or unreadable) are dropped and Opened says why. When another process
// or Store has the directory open the error is ErrLocked.
func Open(o Options) (*Store, Opened, error) {
	if o.Dir == "" {
		return nil, Opened{}, errors.New("disk: no directory")
	}
	seal, err := newSealer(o.Secret, o.Bind)
	if err != nil {
		return nil, Opened{}, err
	}
	dir, err := prepareDir(o.Dir)
	if err != nil {
		return nil, Opened{}, err
	}
	if !claimDir(dir) {
		return nil, Opened{}, lockedError(dir)
	}
	s := &Store{dir: dir, seal: seal, fs: wrapFS(newPrivateFS()), logger: pebbleLogger{o.Logger}}
	opened, err := s.open(o.Format)
	if err != nil {
		if s.lock != nil {
			s.lock.Close()
		}
		releaseDir(dir)
		return nil, Opened{}, err
	}
	return s, opened, nil
}

// prepareDir creates dir 0700 (or makes it so) and returns its absolute,
// symlink-free path, the one name this process knows it by.
func prepareDir(dir string) (string, error) {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return "", fmt.Errorf("disk: %w", err)
	}
	if err := os.Chmod(dir, dirMode); err != nil {
		return "", fmt.Errorf("disk: %w", err)
	}
	dir, err := filepath.Abs(dir)
	if err == nil {
		dir, err = filepath.EvalSymlinks(dir)
	}
	if err != nil {
		return "", fmt.Errorf("disk: %w", err)
	}
	if err := checkOnlyStoreFiles(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// checkOnlyStoreFiles refuses a directory holding anything but pebble's
// files: a mistyped --cache-dir naming a home directory must not have
// its contents removed as an unreadable store.
func checkOnlyStoreFiles(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("disk: %w", err)
	}
	for _, e := range entries {
		// lost+found: the directory may be a file system of its own.
		if !isPebbleFile(e.Name()) && e.Name() != "lost+found" {
			return fmt.Errorf("disk: %s holds %q, which is not the cache's: give the cache a directory of its own", dir, e.Name())
		}
	}
	return nil
}

// isPebbleFile tells whether name is one of the files pebble keeps in a
// store's directory (see pebble's base.ParseFilename, wal.MakeLogFilename
// and atomicfs markers).
func isPebbleFile(name string) bool {
	switch {
	case name == "LOCK", name == "CURRENT",
		strings.HasPrefix(name, "MANIFEST-"),
		strings.HasPrefix(name, "OPTIONS-"),
		strings.HasPrefix(name, "marker."),
		strings.HasSuffix(name, ".dbtmp"):
		return true
	}
	num, ext, ok := strings.Cut(name, ".")
	if !ok || num == "" || strings.Trim(num, "0123456789-") != "" {
		return false
	}
	return ext == "sst" || ext == "log" || ext == "blob"
}

// open locks the directory and opens pebble in it, starting afresh when
// what is there cannot be used.
func (s *Store) open(format string) (Opened, error) {
	lock, err := pebble.LockDirectory(s.dir, s.fs)
	if err != nil {
		if isLockConflict(err) {
			return Opened{}, lockedError(s.dir)
		}
		return Opened{}, fmt.Errorf("disk: locking %s: %w", s.dir, err)
	}
	s.lock = lock

	// The lock is ours: a failure of pebble to open is about the files.
	db, err := pebble.Open(s.dir, s.pebbleOptions())
	if err != nil {
		return s.startAfresh("unreadable: "+firstLine(err), format)
	}
	s.db = db
	reason, fresh, err := s.verify(format)
	if err != nil {
		s.db.Close()
		s.db = nil
		return Opened{}, err
	}
	if reason != "" {
		s.db.Close()
		s.db = nil
		return s.startAfresh(reason, format)
	}
	if fresh {
		if err := s.writeCheck(format); err != nil {
			s.db.Close()
			s.db = nil
			return Opened{}, err
		}
	}
	return Opened{}, nil
}

// verify reads the check record: reason is why the contents cannot be
// used, "" when they can; fresh is set for a store without contents.
func (s *Store) verify(format string) (reason string, fresh bool, err error) {
	sealed, closer, err := s.db.Get(checkKey)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		// A store is created with its check record, so one without is
		// empty, unless something else wrote there.
		empty, err := s.isEmpty()
		if err != nil {
			return "unreadable: " + firstLine(err), false, nil
		}
		if !empty {
			return "no check record", false, nil
		}
		return "", true, nil
	case err != nil:
		return "unreadable: " + firstLine(err), false, nil
	}
	text, err := s.seal.open(checkKey, sealed)
	closer.Close()
	if err != nil {
		return "written under another API key or account", false, nil
	}
	had, ok := bytes.CutPrefix(text, []byte(checkText))
	if !ok {
		return "unknown check record", false, nil
	}
	if string(had) != format {
		return fmt.Sprintf("format %q, want %q", had, format), false, nil
	}
	return "", false, nil
}

func (s *Store) isEmpty() (bool, error) {
	it, err := s.db.NewIter(nil)
	if err != nil {
		return false, err
	}
	empty := !it.First()
	if err := it.Close(); err != nil {
		return false, err
	}
	return empty, nil
}

func (s *Store) writeCheck(format string) error {
	text := []byte(checkText + format)
	if err := s.db.Set(checkKey, s.seal.seal(nil, checkKey, text), pebble.Sync); err != nil {
		return fmt.Errorf("disk: writing the check record: %w", err)
	}
	return nil
}

// startAfresh removes pebble's files (but the LOCK, which stays held so
// that no other process opens the directory meanwhile) and creates an
// empty store with the check record.
func (s *Store) startAfresh(reason, format string) (Opened, error) {
	if err := removeStoreFiles(s.dir); err != nil {
		return Opened{}, err
	}
	db, err := pebble.Open(s.dir, s.pebbleOptions())
	if err != nil {
		return Opened{}, fmt.Errorf("disk: creating a store in %s: %w", s.dir, err)
	}
	s.db = db
	if err := s.writeCheck(format); err != nil {
		s.db.Close()
		s.db = nil
		return Opened{}, err
	}
	return Opened{Wiped: true, Reason: reason}, nil
}

func removeStoreFiles(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("disk: %w", err)
	}
	for _, e := range entries {
		if e.Name() == "LOCK" || !isPebbleFile(e.Name()) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("disk: %w", err)
		}
	}
	return nil
}
