package local

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

// Two workspaces on one file (two watch processes) write in turn: a
// transaction that read before the other committed still writes, for it
// holds the write lock from its start. A deferred transaction would fail
// with SQLITE_BUSY, which the busy timeout does not wait out.
func TestWritersOnOneFileTakeTurns(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ws.db")
	open := func() *Workspace {
		w, err := Open(ctx, "lab", path, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
		return w
	}
	a, b := open(), open()
	insert := `INSERT INTO ` + commentTable + ` (IncidentName, Message, Record) VALUES (?, ?, '{}')`
	bDone := make(chan error, 1)
	err := a.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+commentTable).Scan(&n); err != nil {
			return err
		}
		go func() {
			bDone <- b.inTx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, insert, "1", "b")
				return err
			})
		}()
		time.Sleep(100 * time.Millisecond) // b's write begins meanwhile
		_, err := tx.ExecContext(ctx, insert, "1", "a")
		return err
	})
	if err != nil {
		t.Fatalf("the first writer: %v", err)
	}
	if err := <-bDone; err != nil {
		t.Fatalf("the second writer: %v", err)
	}
	var n int
	if err := a.db.QueryRowContext(ctx, `SELECT count(*) FROM `+commentTable).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d comments (%v), want both", n, err)
	}
}
