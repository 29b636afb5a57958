package disk

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stripesql/stripesql/cache"
)

// TestNoPlaintextOnDisk: values holding an email, under keys made with
// Hash of it, leave no trace of the email (nor of the secret) in any
// file of the store, whether the data went through the WAL only or
// through sstables.
func TestNoPlaintextOnDisk(t *testing.T) {
	secret := []byte(testSecret)
	email := []byte("ann@example.com")
	for _, tc := range []struct {
		name  string
		flush bool
	}{
		{"wal", false},
		{"sstables", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions(filepath.Join(t.TempDir(), "store"))
			s := mustOpen(t, o)
			var ops []cache.Op
			for i := range 50 {
				key := append([]byte("customers/"), s.Hash(append(email, byte(i)))...)
				val := bytes.Repeat(append([]byte("id,email\ncus_1,"), email...), 100+i)
				ops = append(ops, cache.Op{Key: key, Val: val})
			}
			if err := s.Write(ops, true); err != nil {
				t.Fatal(err)
			}
			if tc.flush {
				flush(t, s)
			}
			s.Close()

			files := storeFiles(t, o.Dir)
			if len(files) == 0 {
				t.Fatal("no files")
			}
			for _, path := range files {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				for _, secretText := range [][]byte{email, []byte("cus_1"), secret} {
					if bytes.Contains(b, secretText) {
						t.Errorf("%s holds %q", filepath.Base(path), secretText)
					}
				}
			}
		})
	}
}
