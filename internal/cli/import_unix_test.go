//go:build unix

package cli

import (
	"database/sql"
	"path/filepath"
	"syscall"
	"testing"
)

// makeFIFO makes a named pipe in dir.
func makeFIFO(t *testing.T, dir string) (string, bool) {
	p := filepath.Join(dir, "pipe.csv")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	return p, true
}

// openForWAL opens a workspace file and writes to it so that SQLite makes
// its -wal and -shm files; the returned function closes it.
func openForWAL(t *testing.T, path string) func() {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS walprobe (x); INSERT INTO walprobe VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	return func() { db.Close() }
}
