//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package importer

import (
	"errors"
	"os"
	"syscall"
)

// lockFile opens (creating it if need be) and flocks the lock file, without
// waiting. The kernel releases the lock when the process ends, however it
// ends.
func lockFile(p string) (*os.File, error) {
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, err
	}
	return f, nil
}

// unlockFile releases the lock; the file stays, as removing it would let a
// third import lock a new file while a second still waits on the old one.
func unlockFile(f *os.File, _ string) error {
	return f.Close()
}

// staleLockHint: a flock dies with its process, so there is no stale lock.
const staleLockHint = ""
