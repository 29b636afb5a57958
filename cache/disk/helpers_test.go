package disk

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/stripesql/stripesql/cache"
)

const testSecret = "sk_test_0123456789abcdef"

func testOptions(dir string) Options {
	return Options{Dir: dir, Secret: []byte(testSecret), Bind: "acct_1", Format: "f1"}
}

// mustOpen opens o and fails the test on error or on a wipe.
func mustOpen(t testing.TB, o Options) *Store {
	t.Helper()
	s, opened, err := Open(o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if opened.Wiped {
		t.Fatalf("Open wiped: %s", opened.Reason)
	}
	return s
}

// openTemp opens a new store in a test directory.
func openTemp(t testing.TB) (*Store, Options) {
	t.Helper()
	o := testOptions(filepath.Join(t.TempDir(), "store"))
	s := mustOpen(t, o)
	t.Cleanup(func() { s.Close() })
	return s, o
}

func set(key, val string) cache.Op { return cache.Op{Key: []byte(key), Val: []byte(val)} }

func del(key string) cache.Op { return cache.Op{Key: []byte(key), Delete: true} }

func delPrefix(prefix string) cache.Op {
	return cache.Op{Key: []byte(prefix), Delete: true, Prefix: true}
}

func mustWrite(t testing.TB, s *Store, ops ...cache.Op) {
	t.Helper()
	if err := s.Write(ops, false); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

// contents is every key=value of the store, in order.
func contents(t testing.TB, s *Store, prefix string) []string {
	t.Helper()
	var kvs []string
	err := s.Scan([]byte(prefix), func(key, val []byte, err error) error {
		if err != nil {
			return fmt.Errorf("key %q: %w", key, err)
		}
		kvs = append(kvs, string(key)+"="+string(val))
		return nil
	})
	if err != nil {
		t.Fatalf("Scan(%q): %v", prefix, err)
	}
	return kvs
}

// flush moves everything in the memtable to sstables.
func flush(t testing.TB, s *Store) {
	t.Helper()
	if err := s.db.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// setRaw stores raw as key's sealed value, as a damaged or planted file
// would hold it.
func (s *Store) setRaw(key, raw []byte) error {
	return s.db.Set(storedKey(key), raw, pebble.Sync)
}

// getRaw is key's value as stored.
func (s *Store) getRaw(key []byte) ([]byte, error) {
	v, closer, err := s.db.Get(storedKey(key))
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	return bytes.Clone(v), nil
}

// storeFiles lists the regular files under dir.
func storeFiles(t testing.TB, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// manyOps sets n keys "g<gen>/<i>" to values of size bytes.
func manyOps(gen, n, size int) []cache.Op {
	ops := make([]cache.Op, n)
	for i := range ops {
		val := make([]byte, size)
		for j := range val {
			val[j] = byte(gen + i + j)
		}
		ops[i] = cache.Op{Key: fmt.Appendf(nil, "g%d/%04d", gen, i), Val: val}
	}
	return ops
}
