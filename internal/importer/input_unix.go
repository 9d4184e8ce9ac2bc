//go:build unix

package importer

import "syscall"

// openFlags: O_NONBLOCK, so that opening a FIFO (swapped in after the
// check) returns at once instead of waiting for a writer. It changes
// nothing for a regular file.
const openFlags = syscall.O_NONBLOCK
