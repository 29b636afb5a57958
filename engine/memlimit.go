package engine

import (
	"context"
	"os"
	"runtime/debug"
	"time"
)

// memoryHeadroom is what the server needs beyond its caches: streaming
// pages, sessions, decoding, the disk store's own buffers.
const memoryHeadroom = 256 << 20

// FollowMemory keeps Go's soft memory limit at what the caches hold now
// plus headroom, until ctx ends (unless GOMEMLIMIT says otherwise).
// Without a limit the garbage collector lets the heap grow to twice what
// is live; a limit at the caches' bound (--cache-size) would let the
// process grow to that bound whatever they hold. Following what they
// hold, memory tracks the rows held, not the bound.
func FollowMemory(ctx context.Context, accounts []Account) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	var last int64
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		var held int64
		for _, a := range accounts {
			held += a.Client.CacheTotals().Bytes
		}
		// Changes under 5% are not worth telling the runtime.
		if limit := held + memoryHeadroom; limit > last+last/20 || limit < last-last/20 {
			debug.SetMemoryLimit(limit)
			last = limit
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
