package disk

import (
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"syscall"
)

// ErrLocked is Open's error when another process (or another Store of
// this one) has the directory open.
var ErrLocked = errors.New("the cache directory is in use by another stripesql; " +
	"give each process its own --cache-dir (or --cache-dir off)")

// isLockConflict tells whether an error of pebble.LockDirectory means
// the LOCK file is locked by someone else, as opposed to it being
// impossible to create or open. fcntl reports a conflict as a bare
// EAGAIN or EACCES; a failure to open the file comes as a PathError.
func isLockConflict(err error) bool {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return false
	}
	return errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EACCES)
}

func lockedError(dir string) error {
	return fmt.Errorf("disk: %s: %w", dir, ErrLocked)
}

// openDirs holds the directories this process has open. pebble's own
// in-process check answers with an error that cannot be told from
// others but by its text; this one is ours.
var openDirs struct {
	sync.Mutex
	m map[string]bool
}

// claimDir reserves dir for one Store of this process.
func claimDir(dir string) bool {
	openDirs.Lock()
	defer openDirs.Unlock()
	if openDirs.m[dir] {
		return false
	}
	if openDirs.m == nil {
		openDirs.m = map[string]bool{}
	}
	openDirs.m[dir] = true
	return true
}

func releaseDir(dir string) {
	openDirs.Lock()
	defer openDirs.Unlock()
	delete(openDirs.m, dir)
}
