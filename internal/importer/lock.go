package importer

import (
	"errors"
	"fmt"
	"os"
)

// Lock is the hold of one import on a workspace file (see LockWorkspace).
type Lock struct {
	f    *os.File
	path string
}

// LockedError is the error of LockWorkspace when another import holds the
// workspace file.
type LockedError struct {
	Workspace string // the workspace file
	LockFile  string
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("another import into %s is running (it holds %s%s): wait for it to finish, then import again", e.Workspace, e.LockFile, staleLockHint)
}

// LockPath is the lock file of a workspace file: beside it, with ".lock"
// added to its name.
func LockPath(workspaceFile string) string { return workspaceFile + ".lock" }

// LockWorkspace takes the import lock of a workspace file, so that one
// import at a time writes into it: Import and SyntheticIncidents read the
// fingerprints, incidents and alerts before they load, and two of them at
// once would both add what neither saw. It returns at once: a *LockedError
// when another process (or another LockWorkspace of this one) holds it. The
// lock file is created (mode 0600) if need be and left in place; the lock
// goes with the process, so a killed import leaves no lock behind (on
// systems without flock, see lockFile, the file is the lock and is removed
// by Release).
func LockWorkspace(workspaceFile string) (*Lock, error) {
	p := LockPath(workspaceFile)
	f, err := lockFile(p)
	if errors.Is(err, errLocked) {
		return nil, &LockedError{Workspace: workspaceFile, LockFile: p}
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", workspaceFile, err)
	}
	return &Lock{f: f, path: p}, nil
}

// Release gives up the lock.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlockFile(l.f, l.path)
	l.f = nil
	return err
}

var errLocked = errors.New("locked")
