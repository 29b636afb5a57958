package disk

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLocked: while a Store has the directory open, in this process
// (under the same or another name of the directory) or in another one,
// Open fails with ErrLocked and its message says what to do; once it is
// closed, Open succeeds.
func TestLocked(t *testing.T) {
	for _, tc := range []struct {
		name string
		hold func(t *testing.T, dir string) (release func())
		// open is the name the second Open uses.
		open func(t *testing.T, dir string) string
	}{
		{"same process", holdHere, sameName},
		{"same process, through a symlink", holdHere, symlinkTo},
		{"other process", holdInChild, sameName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "store")
			release := tc.hold(t, dir)
			s, _, err := Open(testOptions(tc.open(t, dir)))
			if err == nil {
				s.Close()
				t.Fatal("a second Open of a directory in use succeeded")
			}
			if !errors.Is(err, ErrLocked) {
				t.Fatalf("err = %v, want ErrLocked", err)
			}
			for _, want := range []string{"in use by another stripesql", "--cache-dir", "--cache-dir off"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%q does not say %q", err, want)
				}
			}
			release()
			s = mustOpen(t, testOptions(dir))
			s.Close()
		})
	}
}

func holdHere(t *testing.T, dir string) func() {
	s := mustOpen(t, testOptions(dir))
	return func() { s.Close() }
}

func holdInChild(t *testing.T, dir string) func() {
	c := startChild(t, "hold", dir)
	if !c.lines.Scan() || c.lines.Text() != "open" {
		t.Fatalf("the child did not open the store: %v", c.lines.Err())
	}
	return func() {
		c.stdin.Close()
		if err := c.cmd.Wait(); err != nil {
			t.Fatalf("child: %v", err)
		}
	}
}

func sameName(_ *testing.T, dir string) string { return dir }

func symlinkTo(t *testing.T, dir string) string {
	link := filepath.Join(filepath.Dir(dir), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	return link
}
