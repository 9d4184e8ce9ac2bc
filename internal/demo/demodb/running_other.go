//go:build !unix

package demodb

// running reports whether a process with this id may exist. Without a
// cheap check, every copy is taken to be in use; such systems refuse to
// remove open files anyway.
func running(int) bool { return true }
