package disk

import (
	"log/slog"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/stripesql/stripesql/cache"
)

// Options configure Open.
type Options struct {
	// Dir is the store's directory, created with its parents if missing.
	// It is made 0700. It must be empty or hold a store: Open refuses a
	// directory with other files, since it may remove what it finds there.
	Dir string
	// Secret is the key material the store's keys are derived from (the
	// Stripe API key). It is never written anywhere.
	Secret []byte
	// Bind is the rest of what the keys are derived from (the Stripe
	// account id; may be ""): a store written under another Bind is wiped.
	Bind string
	// Format names the caller's data format: a store written with another
	// Format is wiped on Open.
	Format string
	// Logger receives pebble's logging (at debug level; its warnings at
	// warn). nil: silent.
	Logger *slog.Logger
}

// Opened says what Open found.
type Opened struct {
	// Wiped is set when the directory held a store whose contents were
	// dropped.
	Wiped bool
	// Reason says why, for a log line: "written under another API key or
	// account", `format "a", want "b"`, "unreadable: <pebble's error>".
	Reason string
}

// Store is an encrypted key-value store in a directory, safe for
// concurrent use. It implements cache.KV.
type Store struct {
	dir    string
	seal   *sealer
	fs     vfs.FS
	logger pebbleLogger
	lock   *pebble.Lock
	db     *pebble.DB
	gate   gate
	// broken is the fatalError of a commit pebble could not complete:
	// pebble's commit pipeline is then stuck, and a later write would
	// hang in it.
	broken atomic.Pointer[fatalError]
}

var _ cache.KV = (*Store)(nil)

// Sizes of pebble's memory, fixed whatever the store's size: the store
// sits under a cache whose memory the user bounds.
const (
	blockCacheSize = 8 << 20
	memTableSize   = 4 << 20
	// maxOpenFiles bounds the descriptors and table readers pebble keeps.
	maxOpenFiles = 256
)

func (s *Store) pebbleOptions() *pebble.Options {
	o := &pebble.Options{
		FS:                 s.fs,
		Lock:               s.lock,
		CacheSize:          blockCacheSize,
		MemTableSize:       memTableSize,
		MaxOpenFiles:       maxOpenFiles,
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             s.logger,
		EventListener:      eventListener(s.logger),
	}
	// Values are sealed, so incompressible: callers compress before.
	o.ApplyCompressionSettings(func() pebble.DBCompressionSettings { return pebble.DBCompressionNone })
	return o
}

// Close closes the store, after the calls running in it return; later
// calls fail with ErrClosed. It must not be called from a Scan callback.
func (s *Store) Close() error {
	if !s.gate.close() {
		return nil
	}
	err := s.db.Close()
	if lerr := s.lock.Close(); err == nil {
		err = lerr
	}
	releaseDir(s.dir)
	return err
}

// DiskBytes is what the store's files take on disk now, as pebble
// counts it (tables, WAL, manifest; obsolete files not yet removed
// included); 0 after Close.
func (s *Store) DiskBytes() int64 {
	if s.gate.enter() != nil {
		return 0
	}
	defer s.gate.leave()
	return int64(s.db.Metrics().DiskSpaceUsage())
}
