package cache

import (
	"context"
	"testing"
	"time"
)

// BenchmarkDoHit measures the hot path: Do on a key that is cached.
func BenchmarkDoHit(b *testing.B) {
	c := New(Options{MaxBytes: 1 << 20, TTL: time.Hour})
	fetch := func(context.Context) ([]byte, error) { return make([]byte, 1024), nil }
	ctx := context.Background()
	if _, _, err := c.Do(ctx, "customers/page/1", fetch); err != nil {
		b.Fatal(err)
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, hit, _ := c.Do(ctx, "customers/page/1", fetch); !hit {
				b.Fatal("miss on the hot path")
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, hit, _ := c.Do(ctx, "customers/page/1", fetch); !hit {
					b.Error("miss on the hot path")
					return
				}
			}
		})
	})
}
