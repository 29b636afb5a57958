package disk

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stripesql/stripesql/cache"
)

// TestWriteOps: Set, Delete and prefix Delete, applied in order within
// a batch, give the contents expected, also across flush and reopen.
func TestWriteOps(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  []cache.Op
		want []string
	}{
		{"set", []cache.Op{set("a", "1"), set("b", "2")}, []string{"a=1", "b=2"}},
		{"overwrite in batch", []cache.Op{set("a", "1"), set("a", "2")}, []string{"a=2"}},
		{"empty value", []cache.Op{set("a", "")}, []string{"a="}},
		{"empty key", []cache.Op{set("", "x"), set("a", "1")}, []string{"=x", "a=1"}},
		{"delete", []cache.Op{set("a", "1"), set("b", "2"), del("a")}, []string{"b=2"}},
		{"delete then set", []cache.Op{del("a"), set("a", "3")}, []string{"a=3"}},
		{"delete absent", []cache.Op{del("zz")}, nil},
		{"prefix", []cache.Op{set("p/1", "1"), set("p/2", "2"), set("p", "0"), set("q/1", "3"), delPrefix("p/")},
			[]string{"p=0", "q/1=3"}},
		{"prefix then set", []cache.Op{set("p/1", "1"), delPrefix("p/"), set("p/2", "2")}, []string{"p/2=2"}},
		{"prefix of 0xff", []cache.Op{set("\xff\xff", "1"), set("\xff\xffa", "2"), set("\xfe", "3"), delPrefix("\xff")},
			[]string{"\xfe=3"}},
		{"empty prefix", []cache.Op{set("a", "1"), set("\xff", "2"), delPrefix(""), set("b", "3")}, []string{"b=3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, o := openTemp(t)
			// Keys the batch will drop are there before it.
			mustWrite(t, s, set("a", "old"), set("p/1", "old"), set("\xff\xff", "old"))
			mustWrite(t, s, del("a"), del("p/1"), del("\xff\xff"))
			mustWrite(t, s, tc.ops...)
			if got := contents(t, s, ""); !slices.Equal(got, tc.want) {
				t.Fatalf("contents = %q, want %q", got, tc.want)
			}
			flush(t, s)
			s.Close()
			s = mustOpen(t, o)
			defer s.Close()
			if got := contents(t, s, ""); !slices.Equal(got, tc.want) {
				t.Fatalf("after reopen: contents = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestGet(t *testing.T) {
	s, _ := openTemp(t)
	mustWrite(t, s, set("a", "1"), set("b", ""))
	for _, tc := range []struct {
		key, want string
		ok        bool
	}{
		{"a", "1", true},
		{"b", "", true},
		{"c", "", false},
		{"", "", false},
		// The check record is not in the caller's key space.
		{string(checkKey), "", false},
	} {
		val, ok, err := s.Get([]byte(tc.key))
		if err != nil || ok != tc.ok || string(val) != tc.want {
			t.Errorf("Get(%q) = %q, %v, %v; want %q, %v", tc.key, val, ok, err, tc.want, tc.ok)
		}
	}
}

// TestScanPrefix: Scan yields the keys with the prefix, in order, and
// never the store's own records.
func TestScanPrefix(t *testing.T) {
	s, _ := openTemp(t)
	mustWrite(t, s, set("a", "0"), set("a/2", "2"), set("a/1", "1"), set("b", "3"),
		set("\xff", "4"), set("\xff\xff", "5"), set("\x00", "6"))
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"a/", []string{"a/1=1", "a/2=2"}},
		{"a", []string{"a=0", "a/1=1", "a/2=2"}},
		{"c", nil},
		{"\xff", []string{"\xff=4", "\xff\xff=5"}},
		{"\x00", []string{"\x00=6"}},
		{"", []string{"\x00=6", "a=0", "a/1=1", "a/2=2", "b=3", "\xff=4", "\xff\xff=5"}},
	} {
		if got := contents(t, s, tc.prefix); !slices.Equal(got, tc.want) {
			t.Errorf("Scan(%q) = %q, want %q", tc.prefix, got, tc.want)
		}
	}
}

// TestScanStops: the error f returns ends the scan and is Scan's.
func TestScanStops(t *testing.T) {
	s, _ := openTemp(t)
	mustWrite(t, s, set("a", "1"), set("b", "2"), set("c", "3"))
	stop := errors.New("stop")
	var seen []string
	err := s.Scan(nil, func(key, _ []byte, _ error) error {
		seen = append(seen, string(key))
		if string(key) == "b" {
			return stop
		}
		return nil
	})
	if err != stop || !slices.Equal(seen, []string{"a", "b"}) {
		t.Fatalf("Scan = %v after %q", err, seen)
	}
}

// TestValuesAreCopies: what Get and Scan return stays as it was through
// later iteration, writes and compactions, and Write keeps nothing of
// the caller's slices.
func TestValuesAreCopies(t *testing.T) {
	s, _ := openTemp(t)
	key, val := []byte("k1"), bytes.Repeat([]byte("v"), 10000)
	mustWrite(t, s, cache.Op{Key: key, Val: val})
	key[1], val[0] = '9', 'x' // the caller reuses its buffers
	mustWrite(t, s, set("k2", strings.Repeat("w", 10000)))

	got, ok, err := s.Get([]byte("k1"))
	if err != nil || !ok || !bytes.Equal(got, bytes.Repeat([]byte("v"), 10000)) {
		t.Fatalf("Get = %.10q…, %v, %v", got, ok, err)
	}
	var keys, vals [][]byte
	if err := s.Scan([]byte("k"), func(key, val []byte, err error) error {
		keys, vals = append(keys, key), append(vals, val)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, s, set("k1", strings.Repeat("y", 10000)), set("k2", strings.Repeat("z", 10000)))
	flush(t, s)
	if string(keys[0]) != "k1" || string(keys[1]) != "k2" ||
		!bytes.Equal(vals[0], bytes.Repeat([]byte("v"), 10000)) || !bytes.Equal(vals[1], bytes.Repeat([]byte("w"), 10000)) ||
		!bytes.Equal(got, bytes.Repeat([]byte("v"), 10000)) {
		t.Fatal("a returned key or value changed after later writes")
	}
}

// TestLargeValues: values of the sizes blocks of rows have round-trip
// through the memtable, sstables and a reopen.
func TestLargeValues(t *testing.T) {
	s, o := openTemp(t)
	sizes := []int{100 << 10, 1 << 20, 4 << 20}
	want := map[string][]byte{}
	for i, n := range sizes {
		v := make([]byte, n)
		for j := range v {
			v[j] = byte(i*31 + j*7)
		}
		k := string(rune('a' + i))
		want[k] = v
		if err := s.Write([]cache.Op{{Key: []byte(k), Val: v}}, true); err != nil {
			t.Fatal(err)
		}
	}
	check := func(s *Store) {
		for k, v := range want {
			got, ok, err := s.Get([]byte(k))
			if err != nil || !ok || !bytes.Equal(got, v) {
				t.Fatalf("Get(%q): %d bytes, %v, %v; want %d bytes", k, len(got), ok, err, len(v))
			}
		}
	}
	check(s)
	flush(t, s)
	check(s)
	s.Close()
	s = mustOpen(t, o)
	defer s.Close()
	check(s)
}

// TestClosed: calls after Close fail with ErrClosed (pebble itself would
// panic), and Close twice is fine.
func TestClosed(t *testing.T) {
	s, _ := openTemp(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, _, err := s.Get([]byte("a")); !errors.Is(err, ErrClosed) {
		t.Errorf("Get: %v", err)
	}
	if err := s.Scan(nil, func(_, _ []byte, _ error) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Scan: %v", err)
	}
	if err := s.Write([]cache.Op{set("a", "1")}, true); !errors.Is(err, ErrClosed) {
		t.Errorf("Write: %v", err)
	}
	if err := s.Wipe(); !errors.Is(err, ErrClosed) {
		t.Errorf("Wipe: %v", err)
	}
	if n := s.DiskBytes(); n != 0 {
		t.Errorf("DiskBytes = %d", n)
	}
	if len(s.Hash([]byte("x"))) != hashLen {
		t.Error("Hash after Close")
	}
}

// TestConcurrentUse: Get, Scan, Write and Wipe from several goroutines
// (run with -race), then Close while a Scan callback writes: the write
// fails with ErrClosed instead of deadlocking.
func TestConcurrentUse(t *testing.T) {
	s, _ := openTemp(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			key := []byte{'k', byte('0' + g)}
			for i := range 200 {
				val := bytes.Repeat([]byte{byte(i)}, 1000)
				if err := s.Write([]cache.Op{{Key: key, Val: val}}, i%50 == 0); err != nil {
					t.Error(err)
					return
				}
				if got, ok, err := s.Get(key); err != nil || (ok && len(got) != 1000) {
					t.Errorf("Get: %d bytes, %v", len(got), err)
					return
				}
				if err := s.Scan([]byte("k"), func(_, val []byte, err error) error {
					if err == nil && len(val) != 1000 {
						t.Errorf("Scan: %d bytes", len(val))
					}
					return err
				}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			if err := s.Wipe(); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()

	mustWrite(t, s, set("k0", "x"))
	inScan, closed := make(chan struct{}), make(chan error)
	go func() {
		<-inScan
		closed <- s.Close()
	}()
	var writeErr error
	err := s.Scan([]byte("k0"), func(_, _ []byte, _ error) error {
		close(inScan)
		for s.gate.enter() == nil { // until Close has begun
			s.gate.leave()
		}
		writeErr = s.Write([]cache.Op{set("k1", "y")}, false)
		return nil
	})
	if err != nil || !errors.Is(writeErr, ErrClosed) {
		t.Fatalf("Scan = %v, Write in it = %v", err, writeErr)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
}
