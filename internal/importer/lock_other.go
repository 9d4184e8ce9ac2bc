//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package importer

import (
	"errors"
	"fmt"
	"os"
)

// lockFile creates the lock file, which must not exist: on systems without
// flock the file itself is the lock. An import killed before Release leaves
// it behind, and the next import says so.
func lockFile(p string) (*os.File, error) {
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, errLocked
	}
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "%d\n", os.Getpid())
	return f, nil
}

// unlockFile closes and removes the lock file.
func unlockFile(f *os.File, p string) error {
	err := f.Close()
	if rerr := os.Remove(p); err == nil {
		err = rerr
	}
	return err
}

// staleLockHint tells how to clear the lock an import killed before its
// end left.
const staleLockHint = "; if no import is running, remove that file"
