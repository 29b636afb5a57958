package disk

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// Modes of everything the store puts on disk: the files hold encrypted
// values and hashed keys, but their names, sizes and timing still say
// something of the account's activity, so only the owner may look.
const (
	fileMode fs.FileMode = 0o600
	dirMode  fs.FileMode = 0o700
)

// privateFS is pebble's vfs.Default whose new files are 0600 and new
// directories 0700, whatever the umask. vfs.Default creates files 0666
// (less the umask); chmod'ing afterwards would leave a moment in which
// another user could open a descriptor that outlives the chmod, so the
// file is created 0600 first and vfs.Default only opens it.
type privateFS struct {
	vfs.FS
}

func newPrivateFS() vfs.FS { return privateFS{vfs.Default} }

// wrapFS lets a test put a failing file system under a Store.
var wrapFS = func(fs vfs.FS) vfs.FS { return fs }

// createPrivate creates name as an empty 0600 file if it does not
// exist, and makes it 0600 if it does.
func createPrivate(name string) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_CLOEXEC, fileMode)
	if errors.Is(err, fs.ErrExist) {
		// Chmod by name, not by opening it: closing any descriptor of the
		// LOCK file would drop this process's fcntl lock on it.
		return os.Chmod(name, fileMode)
	}
	if err != nil {
		return err
	}
	// The umask may have taken bits away; 0600 is what we want exactly.
	err = f.Chmod(fileMode)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Create keeps vfs.FS's contract (an existing file is replaced by a new
// inode) with a file that is born 0600.
func (p privateFS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := createPrivate(name); err != nil {
		return nil, err
	}
	return p.FS.OpenReadWrite(name, category)
}

func (p privateFS) OpenReadWrite(name string, category vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	if err := createPrivate(name); err != nil {
		return nil, err
	}
	return p.FS.OpenReadWrite(name, category, opts...)
}

// ReuseForWrite renames a file pebble created (so already 0600); the
// chmod only guards against one left by something else.
func (p privateFS) ReuseForWrite(oldname, newname string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := p.FS.ReuseForWrite(oldname, newname, category)
	if err != nil {
		return f, err
	}
	if err := os.Chmod(newname, fileMode); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func (p privateFS) MkdirAll(dir string, _ os.FileMode) error {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return err
	}
	return os.Chmod(dir, dirMode)
}

func (p privateFS) Lock(name string) (io.Closer, error) {
	if err := createPrivate(name); err != nil {
		return nil, err
	}
	return p.FS.Lock(name)
}

func (p privateFS) Unwrap() vfs.FS { return p.FS }
