package disk

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestReopen: a store reopened with its Secret, Bind and Format keeps
// its contents; with another of them, or when pebble cannot read it, it
// is emptied, Opened says why, and it works as a new store.
func TestReopen(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(o *Options)
		damage func(t *testing.T, dir string)
		reason string // "" : kept
	}{
		{name: "same", change: func(*Options) {}},
		{name: "other secret", change: func(o *Options) { o.Secret = []byte("sk_test_other") },
			reason: "written under another API key or account"},
		{name: "other bind", change: func(o *Options) { o.Bind = "acct_2" },
			reason: "written under another API key or account"},
		{name: "no bind", change: func(o *Options) { o.Bind = "" },
			reason: "written under another API key or account"},
		{name: "other format", change: func(o *Options) { o.Format = "f2" },
			reason: `format "f1", want "f2"`},
		{name: "garbled manifest", change: func(*Options) {}, damage: garbleManifest,
			reason: "unreadable: "},
		{name: "manifest gone", change: func(*Options) {}, damage: removeManifest,
			reason: "unreadable: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions(filepath.Join(t.TempDir(), "store"))
			s := mustOpen(t, o)
			mustWrite(t, s, set("a", "1"), set("b", "2"))
			flush(t, s)
			mustWrite(t, s, set("c", "3"))
			s.Close()
			if tc.damage != nil {
				tc.damage(t, o.Dir)
			}

			tc.change(&o)
			s, opened, err := Open(o)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			got := contents(t, s, "")
			if tc.reason == "" {
				if opened.Wiped || !slices.Equal(got, []string{"a=1", "b=2", "c=3"}) {
					t.Fatalf("Opened %+v, contents %q", opened, got)
				}
				return
			}
			t.Logf("Opened %+v", opened)
			if !opened.Wiped || !strings.HasPrefix(opened.Reason, tc.reason) || len(got) != 0 {
				t.Fatalf("Opened %+v, contents %q; want wiped for %q", opened, got, tc.reason)
			}
			// A new store, usable and reopened as such.
			mustWrite(t, s, set("d", "4"))
			s.Close()
			s = mustOpen(t, o)
			if got := contents(t, s, ""); !slices.Equal(got, []string{"d=4"}) {
				t.Fatalf("after reopen: %q", got)
			}
		})
	}
}

func manifests(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "MANIFEST-*"))
	if err != nil || len(m) == 0 {
		t.Fatalf("no MANIFEST in %s: %v", dir, err)
	}
	return m
}

func garbleManifest(t *testing.T, dir string) {
	for _, m := range manifests(t, dir) {
		b, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		for i := range b {
			b[i] ^= 0x5a
		}
		if err := os.WriteFile(m, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func removeManifest(t *testing.T, dir string) {
	for _, m := range manifests(t, dir) {
		if err := os.Remove(m); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOpenRefusesForeignDir: a directory holding files that are not
// pebble's is not taken (it would be emptied when unreadable), and is
// left as it was.
func TestOpenRefusesForeignDir(t *testing.T) {
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, _, err := Open(testOptions(dir)); err == nil {
		s.Close()
		t.Fatal("Open took a directory with other files")
	}
	entries, _ := os.ReadDir(dir)
	if b, err := os.ReadFile(notes); err != nil || string(b) != "mine" || len(entries) != 1 {
		t.Fatalf("the directory changed: %d entries, %q, %v", len(entries), b, err)
	}
}

func TestOpenRefusesNoSecret(t *testing.T) {
	o := testOptions(filepath.Join(t.TempDir(), "store"))
	o.Secret = nil
	if s, _, err := Open(o); err == nil {
		s.Close()
		t.Fatal("Open without a secret")
	}
}

// TestWipe: Wipe drops every key, keeps the store usable, and keeps the
// check record (a reopen does not wipe again).
func TestWipe(t *testing.T) {
	s, o := openTemp(t)
	mustWrite(t, s, set("a", "1"), set("\xff", "2"))
	flush(t, s)
	mustWrite(t, s, set("b", "3"))
	if err := s.Wipe(); err != nil {
		t.Fatal(err)
	}
	if got := contents(t, s, ""); len(got) != 0 {
		t.Fatalf("after Wipe: %q", got)
	}
	mustWrite(t, s, set("c", "4"))
	s.Close()
	s = mustOpen(t, o)
	defer s.Close()
	if got := contents(t, s, ""); !slices.Equal(got, []string{"c=4"}) {
		t.Fatalf("after reopen: %q", got)
	}
}
