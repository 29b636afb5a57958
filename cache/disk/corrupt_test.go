package disk

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stripesql/stripesql/cache"
)

// TestCorruptTables: bytes flipped in the middle of every sstable make
// Get of the keys there cache.ErrCorrupt (or Open start afresh as
// unreadable), never other bytes, never a panic; and Scan hands the
// corruption to its callback.
func TestCorruptTables(t *testing.T) {
	o := testOptions(filepath.Join(t.TempDir(), "store"))
	s := mustOpen(t, o)
	want := map[string][]byte{}
	for i := range 64 {
		key := fmt.Sprintf("k%03d", i)
		want[key] = bytes.Repeat([]byte{byte(i)}, 10<<10)
		mustWrite(t, s, cache.Op{Key: []byte(key), Val: want[key]})
	}
	flush(t, s)
	s.Close()

	tables, _ := filepath.Glob(filepath.Join(o.Dir, "*.sst"))
	if len(tables) == 0 {
		t.Fatal("no sstables")
	}
	for _, path := range tables {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i := len(b)/2 - 8; i < len(b)/2+8; i++ {
			b[i] ^= 0xff
		}
		if err := os.WriteFile(path, b, fileMode); err != nil {
			t.Fatal(err)
		}
	}

	s, opened, err := Open(o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if opened.Wiped {
		if !strings.HasPrefix(opened.Reason, "unreadable: ") {
			t.Fatalf("wiped for %q", opened.Reason)
		}
		t.Logf("Open started afresh: %s", opened.Reason)
		return
	}
	corrupt := 0
	for key, val := range want {
		got, ok, err := s.Get([]byte(key))
		switch {
		case errors.Is(err, cache.ErrCorrupt):
			corrupt++
			if got != nil {
				t.Errorf("Get(%q) returned bytes with ErrCorrupt", key)
			}
		case err != nil:
			t.Errorf("Get(%q): %v", key, err)
		case !ok || !bytes.Equal(got, val):
			t.Errorf("Get(%q) = %d bytes, %v: not what was written", key, len(got), ok)
		}
	}
	if corrupt == 0 {
		t.Fatal("no Get found the corruption")
	}
	t.Logf("%d of %d keys corrupt", corrupt, len(want))

	scanCorrupt := 0
	err = s.Scan([]byte("k"), func(key, val []byte, err error) error {
		if errors.Is(err, cache.ErrCorrupt) {
			scanCorrupt++
			t.Logf("Scan: key %q: %v", key, err)
			return nil
		}
		if err != nil || !bytes.Equal(val, want[string(key)]) {
			return fmt.Errorf("Scan: %q: %d bytes, %v", key, len(val), err)
		}
		return nil
	})
	if err != nil || scanCorrupt == 0 {
		t.Fatalf("Scan = %v after %d corrupt entries", err, scanCorrupt)
	}
}

// TestTamperedValue: a stored value whose bytes changed, or that was
// moved from another key, is cache.ErrCorrupt from Get, and handed to
// Scan's callback as such with val nil, the scan going on.
func TestTamperedValue(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(s *Store) error
	}{
		{"ciphertext flipped", func(s *Store) error {
			raw, err := s.getRaw([]byte("b"))
			if err != nil {
				return err
			}
			raw[len(raw)/2] ^= 1
			return s.setRaw([]byte("b"), raw)
		}},
		{"truncated", func(s *Store) error {
			raw, err := s.getRaw([]byte("b"))
			if err != nil {
				return err
			}
			return s.setRaw([]byte("b"), raw[:len(raw)-1])
		}},
		{"moved from another key", func(s *Store) error {
			raw, err := s.getRaw([]byte("a"))
			if err != nil {
				return err
			}
			return s.setRaw([]byte("b"), raw)
		}},
		{"plaintext", func(s *Store) error {
			return s.setRaw([]byte("b"), []byte("plain text planted in the store, longer than a nonce and tag"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openTemp(t)
			mustWrite(t, s, set("a", "value of a"), set("b", "value of b"), set("c", "value of c"))
			if err := tc.tamper(s); err != nil {
				t.Fatal(err)
			}
			if val, ok, err := s.Get([]byte("b")); err != cache.ErrCorrupt || val != nil || ok {
				t.Fatalf("Get = %q, %v, %v; want ErrCorrupt", val, ok, err)
			}
			var seen []string
			err := s.Scan(nil, func(key, val []byte, err error) error {
				switch {
				case string(key) == "b" && err == cache.ErrCorrupt && val == nil:
					seen = append(seen, "b:corrupt")
				case err == nil:
					seen = append(seen, string(key)+"="+string(val))
				default:
					return fmt.Errorf("%q: %q, %v", key, val, err)
				}
				return nil
			})
			if err != nil || strings.Join(seen, " ") != "a=value of a b:corrupt c=value of c" {
				t.Fatalf("Scan = %v, saw %q", err, seen)
			}
		})
	}
}
