package sqlitefile_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/sqlitefile"
)

var errNewer = errors.New("newer")

// A file is created private at version 1, brought to version 2 by the
// next step (its Go part too), and refused when newer or another
// program's.
func TestOpenMigrates(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dir", "store.db")
	v1 := sqlitefile.Schema{Name: "a test store", ErrNewer: errNewer, Steps: []sqlitefile.Step{{SQL: []string{`CREATE TABLE a (x INTEGER)`}}}}
	db, abs, err := sqlitefile.Open(ctx, path, v1)
	if err != nil {
		t.Fatal(err)
	}
	if abs != path {
		t.Errorf("path %s, want %s", abs, path)
	}
	if _, err := db.Exec(`INSERT INTO a VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", p, fi.Mode().Perm(), err, want)
		}
	}

	ran := 0
	v2 := v1
	v2.Steps = append(v2.Steps, sqlitefile.Step{SQL: []string{`ALTER TABLE a ADD COLUMN y INTEGER`}, Then: func(ctx context.Context, tx *sql.Tx) error {
		ran++
		_, err := tx.ExecContext(ctx, `UPDATE a SET y = x + 1`)
		return err
	}})
	db, _, err = sqlitefile.Open(ctx, path, v2)
	if err != nil {
		t.Fatal(err)
	}
	var y int
	if err := db.QueryRow(`SELECT y FROM a`).Scan(&y); err != nil || y != 2 || ran != 1 {
		t.Errorf("after the step: y = %d (%v), step ran %d times; want 2, once", y, err, ran)
	}
	db.Close()
	if db, _, err = sqlitefile.Open(ctx, path, v2); err != nil || ran != 1 {
		t.Errorf("reopening at the same version: %v, step ran %d times", err, ran)
	} else {
		db.Close()
	}

	if _, _, err := sqlitefile.Open(ctx, path, v1); !errors.Is(err, errNewer) || !strings.Contains(err.Error(), "schema version 2") {
		t.Errorf("opening a newer file: %v, want errNewer naming version 2", err)
	}

	foreign := filepath.Join(t.TempDir(), "foreign.db")
	fdb, _ := sql.Open("sqlite", foreign)
	if _, err := fdb.Exec(`CREATE TABLE SigninLogs (x)`); err != nil {
		t.Fatal(err)
	}
	fdb.Close()
	if _, _, err := sqlitefile.Open(ctx, foreign, v1); err == nil || !strings.Contains(err.Error(), "not a test store") || !strings.Contains(err.Error(), "SigninLogs") {
		t.Errorf("opening another program's file: %v", err)
	}
}

// The clock is time.Now until set; a turn is held by one at a time and
// given up to a cancelled wait.
func TestClockAndTurn(t *testing.T) {
	var c sqlitefile.Clock
	if d := time.Since(c.Now()); d < 0 || d > time.Minute {
		t.Errorf("zero clock is %v off time.Now", d)
	}
	fixed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c.Set(func() time.Time { return fixed })
	if !c.Now().Equal(fixed) {
		t.Errorf("set clock says %v", c.Now())
	}
	c.Set(nil)
	if c.Now().Equal(fixed) {
		t.Error("Set(nil) kept the fixed clock")
	}

	turn := sqlitefile.NewTurn()
	if err := turn.Take(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := turn.Take(ctx); err == nil {
		t.Error("a second Take while the turn is held succeeded")
	}
	turn.Give()
	if err := turn.Take(ctx); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}
