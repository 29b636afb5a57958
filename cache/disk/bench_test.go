package disk

import (
	"crypto/rand"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stripesql/stripesql/cache"
)

const benchValueSize = 256 << 10

// BenchmarkWrite writes 256 KiB values (a block of rows), one per batch,
// without sync but for one every 50 MiB, as the cache would flush them.
func BenchmarkWrite(b *testing.B) {
	o := testOptions(filepath.Join(b.TempDir(), "store"))
	s := mustOpen(b, o)
	defer s.Close()
	val := make([]byte, benchValueSize)
	rand.Read(val)
	const syncEvery = (50 << 20) / benchValueSize
	b.SetBytes(benchValueSize)
	for i := 0; b.Loop(); i++ {
		op := cache.Op{Key: fmt.Appendf(nil, "block/%08d", i%4096), Val: val}
		if err := s.Write([]cache.Op{op}, (i+1)%syncEvery == 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGet reads 256 KiB values from sstables (through the block
// cache when they fit) and decrypts them.
func BenchmarkGet(b *testing.B) {
	o := testOptions(filepath.Join(b.TempDir(), "store"))
	s := mustOpen(b, o)
	defer s.Close()
	val := make([]byte, benchValueSize)
	rand.Read(val)
	const n = 256 // 64 MiB, well beyond the block cache
	for i := range n {
		if err := s.Write([]cache.Op{{Key: fmt.Appendf(nil, "block/%08d", i), Val: val}}, false); err != nil {
			b.Fatal(err)
		}
	}
	flush(b, s)
	b.SetBytes(benchValueSize)
	for i := 0; b.Loop(); i++ {
		got, ok, err := s.Get(fmt.Appendf(nil, "block/%08d", i%n))
		if err != nil || !ok || len(got) != benchValueSize {
			b.Fatalf("Get: %d bytes, %v, %v", len(got), ok, err)
		}
	}
}

// BenchmarkDiskBytes is the cost of asking: pebble builds its whole
// Metrics for it.
func BenchmarkDiskBytes(b *testing.B) {
	s := mustOpen(b, testOptions(filepath.Join(b.TempDir(), "store")))
	defer s.Close()
	for i := range 16 {
		if err := s.Write(manyOps(i, 4, 64<<10), false); err != nil {
			b.Fatal(err)
		}
	}
	flush(b, s)
	for b.Loop() {
		if s.DiskBytes() <= 0 {
			b.Fatal("no bytes")
		}
	}
}
