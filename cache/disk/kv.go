package disk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/cockroachdb/pebble/v2"

	"github.com/stripesql/stripesql/cache"
)

// Get returns a copy of key's value, or ok false. A value that fails
// authentication, or that pebble finds corrupt, is cache.ErrCorrupt.
func (s *Store) Get(key []byte) ([]byte, bool, error) {
	if err := s.gate.enter(); err != nil {
		return nil, false, err
	}
	defer s.gate.leave()
	sk := storedKey(key)
	sealed, closer, err := s.db.Get(sk)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, readError(err)
	}
	// open decrypts into new memory, so nothing refers to pebble's buffer
	// once closer is closed.
	val, err := s.seal.open(sk, sealed)
	closer.Close()
	if err != nil {
		return nil, false, cache.ErrCorrupt
	}
	return val, true, nil
}

// readError is err of a pebble read as the caller sees it: corruption is
// cache.ErrCorrupt, with pebble's words after it.
func readError(err error) error {
	if pebble.IsCorruptionError(err) {
		return fmt.Errorf("%w: %s", cache.ErrCorrupt, firstLine(err))
	}
	return fmt.Errorf("disk: %w", err)
}

// firstLine is the first line of err's message: pebble appends lines of
// details (for its event listener) that do not belong in a log line.
func firstLine(err error) string {
	first, _, _ := strings.Cut(err.Error(), "\n")
	return first
}

// Scan calls f with every key starting with prefix, in order, and its
// value (both f's to keep). A value that fails authentication comes
// with err cache.ErrCorrupt and val nil, and the scan goes on. When
// pebble cannot read on (a damaged table block), f gets key nil and err
// cache.ErrCorrupt, and the scan ends there: which keys are lost is not
// known, so the caller should drop the whole prefix. An error of f ends
// the scan and is returned.
func (s *Store) Scan(prefix []byte, f func(key, val []byte, err error) error) error {
	if err := s.gate.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	lower := storedKey(prefix)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: prefixEnd(lower)})
	if err != nil {
		return readError(err)
	}
	defer it.Close()
	for valid := it.First(); valid; valid = it.Next() {
		sk := it.Key()
		key := append([]byte(nil), sk[len(dataPrefix):]...)
		sealed, err := it.ValueAndErr()
		var val []byte
		if err == nil {
			val, err = s.seal.open(sk, sealed)
		}
		if err != nil {
			if !pebble.IsCorruptionError(err) && !errors.Is(err, errSealBroken) {
				return readError(err)
			}
			val, err = nil, cache.ErrCorrupt
		}
		if err := f(key, val, err); err != nil {
			return err
		}
	}
	if err := it.Error(); err != nil {
		if !pebble.IsCorruptionError(err) {
			return readError(err)
		}
		return f(nil, nil, readError(err))
	}
	return nil
}

// Write applies ops as one pebble batch: after a crash all of them are
// there or none. A prefix delete is a range deletion, so its cost does
// not grow with the keys it drops. sync waits for the WAL to be on disk.
func (s *Store) Write(ops []cache.Op, sync bool) error {
	if err := s.gate.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	size := batchSize(ops)
	if err := s.checkSpace(size); err != nil {
		return err
	}
	b := s.db.NewBatchWithSize(size)
	defer b.Close()
	for _, op := range ops {
		if err := s.add(b, op); err != nil {
			return err
		}
	}
	return s.commit(b, sync)
}

// commit commits b. pebble's Fatalf (see pebbleLogger) panics when a
// commit fails midway (a full disk): pebble's commit pipeline is then
// stuck, so the store refuses later writes, and the process goes on.
func (s *Store) commit(b *pebble.Batch, sync bool) (err error) {
	if broken := s.broken.Load(); broken != nil {
		return *broken
	}
	defer func() {
		if r := recover(); r != nil {
			fatal, ok := r.(fatalError)
			if !ok {
				panic(r)
			}
			s.broken.Store(&fatal)
			err = fatal
		}
	}()
	wo := pebble.NoSync
	if sync {
		wo = pebble.Sync
	}
	if err := b.Commit(wo); err != nil {
		return fmt.Errorf("disk: %w", err)
	}
	return nil
}

// ErrDiskFull is Write's error when the file system is close to full.
var ErrDiskFull = errors.New("disk: the file system of the cache directory is almost full")

// minFreeBytes is the room Write leaves on the file system besides the
// batch: for pebble's flushes and compactions, and above all its WAL,
// since pebble cannot survive a failed WAL write (it panics, or ends
// the process, on some paths).
const minFreeBytes = 64 << 20

// checkSpace refuses a batch of size bytes when the file system would
// be left with less than minFreeBytes. A file system that cannot tell
// is let be.
func (s *Store) checkSpace(size int) error {
	du, err := s.fs.GetDiskUsage(s.dir)
	if err != nil || du.AvailBytes >= uint64(size)+minFreeBytes {
		return nil
	}
	return fmt.Errorf("%w: %d bytes free", ErrDiskFull, du.AvailBytes)
}

// batchSize is about the bytes pebble's batch of ops takes, so that it
// is allocated once rather than grown by doubling through megabytes.
func batchSize(ops []cache.Op) int {
	const header, perRecord = 12, 1 + 2*binary.MaxVarintLen32
	n := header
	for _, op := range ops {
		n += perRecord + 2*len(dataPrefix) + 2*len(op.Key) + 1
		if !op.Delete {
			n += len(op.Val) + sealOverhead
		}
	}
	return n
}

func (s *Store) add(b *pebble.Batch, op cache.Op) error {
	switch {
	case op.Delete && op.Prefix:
		start := storedKey(op.Key)
		return b.DeleteRange(start, prefixEnd(start), nil)
	case op.Delete:
		return b.Delete(storedKey(op.Key), nil)
	}
	// The value is sealed straight into the batch's buffer: values run to
	// megabytes, and a sealed copy to hand to Set would be one more.
	d := b.SetDeferred(len(dataPrefix)+len(op.Key), len(op.Val)+sealOverhead)
	copy(d.Key, dataPrefix)
	copy(d.Key[len(dataPrefix):], op.Key)
	if n := len(s.seal.seal(d.Value[:0], d.Key, op.Val)); n != len(d.Value) {
		panic(fmt.Sprintf("disk: sealed %d bytes into %d", n, len(d.Value)))
	}
	return d.Finish()
}

// Hash is HMAC-SHA256 of b under a key derived from the store's Secret
// and Bind, cut to 16 bytes: keys made of it say nothing of what they
// name to whoever reads the files.
func (s *Store) Hash(b []byte) []byte { return s.seal.hash(b) }
