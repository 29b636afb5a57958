package main

import (
	"os"
	"runtime/debug"
)

// memoryHeadroom is what the server needs beyond its caches: streaming
// pages, sessions, decoding.
const memoryHeadroom = 256 << 20

// limitMemory sets Go's soft memory limit to the caches' bounds plus
// headroom, unless GOMEMLIMIT says otherwise. Without it the garbage
// collector lets the heap grow to twice what is live, so a full cache
// (live) doubles the process's memory; with it, memory stays near the
// bound the user chose with --cache-size.
func limitMemory(cacheBytes int64) {
	if os.Getenv("GOMEMLIMIT") != "" || cacheBytes <= 0 {
		return
	}
	debug.SetMemoryLimit(cacheBytes + memoryHeadroom)
}
