//go:build !unix

package importer

// openFlags: other systems have no FIFO to block on opening.
const openFlags = 0
