package cache

import "errors"

// KV is a durable key-value store under Segments (package cache/disk
// implements it on disk, encrypted): what Segments holds survives the
// process when it has one. Like the rest of this package it knows bytes
// and keys, nothing of what they encode.
type KV interface {
	// Get returns the value of key; ok is false when there is none. A
	// value the store cannot vouch for (it fails its checksum or its
	// authentication) is ErrCorrupt, never returned as data.
	Get(key []byte) (val []byte, ok bool, err error)
	// Scan calls f with every key starting with prefix, in key order,
	// and its value; err is ErrCorrupt for a value that cannot be
	// vouched for (val is then nil, and the caller decides what to drop).
	// An error f returns stops the scan and is returned.
	Scan(prefix []byte, f func(key, val []byte, err error) error) error
	// Write applies ops in order as one atomic batch: after a crash
	// either all of them are there or none. sync waits until they are
	// durable.
	Write(ops []Op, sync bool) error
	// Hash is a keyed digest of b (16 bytes), for keys that would
	// otherwise show what they name (a stream's filter may hold an
	// email): equal inputs give equal digests under one store's key.
	Hash(b []byte) []byte
}

// Op is one change of a KV batch: Set Key to Val, or with Delete drop
// Key, or with Delete and Prefix drop every key starting with Key.
type Op struct {
	Key, Val []byte
	Delete   bool
	Prefix   bool
}

// ErrCorrupt is a KV's error for a value it cannot vouch for.
var ErrCorrupt = errors.New("stored value is corrupt or was written under another key")
