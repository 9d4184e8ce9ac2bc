// Package sqlitefile opens the SQLite files triage keeps of its own, the
// intel cache and the triage history, the one way both need: the file
// (0600) and its directory (0700) made private before SQLite opens them, a
// busy timeout and WAL mode on every connection, transactions that take the
// write lock at once, and a schema brought to its version in one
// transaction, refusing a file of another program or of a newer triage.
// Times are kept as Unix nanoseconds (Nanos, FromNanos).
package sqlitefile

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// BusyTimeout is how long a statement waits for another process's lock.
const BusyTimeout = 5 * time.Second

// fileConns is the connections a file's pool keeps: reads run in
// parallel under WAL; writes take turns at the lock.
const fileConns = 4

// Schema is what a store's file holds and how it is named in messages.
type Schema struct {
	// Name is the store in messages: "an intel cache", "a triage history".
	Name string
	// Steps[i] brings a file from version i to i+1; Steps[0] creates the
	// schema in a new file. The file's version is len(Steps).
	Steps []Step
	// ErrNewer is wrapped by the error for a file of a newer version.
	ErrNewer error
}

// Step is one version of a schema: statements, then Go for what SQL
// cannot do (nil: none).
type Step struct {
	SQL  []string
	Then func(context.Context, *sql.Tx) error
}

// Open opens the file at path (":memory:" for a database in memory, one
// connection) and brings it to the schema's version. It returns the
// absolute path it opened.
func Open(ctx context.Context, path string, s Schema) (*sql.DB, string, error) {
	memory := path == ":memory:"
	if !memory {
		if strings.Contains(path, "?") {
			return nil, "", errors.New("the path must not contain ?")
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, "", err
		}
		path = abs
		if err := createFile(path); err != nil {
			return nil, "", err
		}
	}
	// The busy timeout comes first, then WAL mode; a deferred transaction
	// that reads and then writes can fail with SQLITE_BUSY without waiting,
	// so transactions begin IMMEDIATE.
	dsn := fmt.Sprintf("%s?_pragma=busy_timeout(%d)&_txlock=immediate", path, BusyTimeout.Milliseconds())
	if !memory {
		dsn += "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, "", err
	}
	conns := fileConns
	if memory {
		conns = 1 // an in-memory database lives and dies with its connection
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := migrate(ctx, db, s); err != nil {
		db.Close()
		return nil, "", err
	}
	return db, path, nil
}

// createFile creates the directory (0700) and the file (0600) at path when
// they do not exist. SQLite gives its -wal and -shm files the mode of the
// database file.
func createFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// migrate brings the file to the schema's version in one IMMEDIATE
// transaction, so that two processes opening a new file do not both create
// the tables.
func migrate(ctx context.Context, db *sql.DB, s Schema) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	switch want := len(s.Steps); {
	case v == want:
		return nil // nothing to write; Rollback ends the transaction
	case v > want:
		return fmt.Errorf("%w: schema version %d, this program knows %d; upgrade triage or use another data directory",
			s.ErrNewer, v, want)
	case v == 0:
		if err := checkEmpty(ctx, tx, s.Name); err != nil {
			return err
		}
	}
	for i := v; i < len(s.Steps); i++ {
		for _, stmt := range s.Steps[i].SQL {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("create schema version %d: %w", i+1, err)
			}
		}
		if then := s.Steps[i].Then; then != nil {
			if err := then(ctx, tx); err != nil {
				return fmt.Errorf("create schema version %d: %w", i+1, err)
			}
		}
	}
	// PRAGMA takes no parameters; the version is a number.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(s.Steps))); err != nil {
		return fmt.Errorf("write schema version: %w", err)
	}
	return tx.Commit()
}

// checkEmpty fails for a file at version 0 that already has tables: some
// other program's database, which must not be written into.
func checkEmpty(ctx context.Context, tx *sql.Tx, name string) error {
	var n int
	var table string
	err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(min(name), '') FROM sqlite_schema WHERE type = 'table'`).Scan(&n, &table)
	if err != nil {
		return fmt.Errorf("read schema: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("not %s: the file holds other tables, such as %q, and no schema version", name, table)
	}
	return nil
}

// Explain adds a hint to the errors SQLite gives for a file that is not a
// database or is damaged, naming the file if path is not "" and saying how
// to start over (remedy: "remove it to start an empty cache"). Other errors
// are returned as they are.
func Explain(err error, path, remedy string) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
		if path != "" {
			path += " is "
		}
		return fmt.Errorf("%snot a usable SQLite file (damaged, or another kind of file); %s: %w", path, remedy, err)
	}
	return err
}

// Times are stored as Unix nanoseconds, clamped to what int64 holds: the
// zero time is before everything, and a far-future time after everything.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// Nanos is t as stored.
func Nanos(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// FromNanos is the time stored as n, in UTC.
func FromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }
