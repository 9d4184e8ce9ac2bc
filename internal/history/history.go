// Package history keeps a record of every completed triage in a SQLite
// file of its own, <data_dir>/history.db: which incident of which
// workspace, when, by which version of the program, the verdict, the
// priority, whether the report was partial, and the whole report as JSON,
// compressed. It is what `triage history` lists, what `triage run
// --since-last` compares with (Diff), and where the queue reads each
// incident's latest triage.
// It also keeps what `triage watch` needs beside the records: a cursor
// per workspace (Cursor, SetCursor) and a lease per incident being
// triaged (Lease, Release), so that several watches share one file.
//
// The file is apart from the intel cache (intel.db) because the two live
// differently: the cache is opened only when an external provider runs and
// may be deleted at any time to start afresh, while the records are kept
// for their retention whatever providers run, and each file's schema
// version moves on its own.
//
// # Contract
//
// Open creates the file (mode 0600) and its directory (0700) when they do
// not exist. The file is in WAL mode and every connection waits up to
// BusyTimeout for a lock, so several processes (a CLI run, the web UI, a
// watch loop) can add records to one file at once; within a process a
// Store is safe for concurrent use. Add never changes a record: records
// are only added (Add; AddPending, a record not current until its
// triage's writes are made), and deleted by Prune; SetIncidentModified
// changes only what the record knows of the incident (when it last
// changed, how many alerts it has), which Record.Current compares. List returns records newest first
// (by triage time, then by the order they were added). Records carry no
// report; Report reads and decompresses one. They carry the priority's
// reasons, kept beside the report so that the queue reads them without it.
// Latest reads each incident's latest record from a table Add and Prune
// keep in the same transaction as the records, by key.
//
// An incident is named by the caller as its number ("42") or its name (the
// GUID), and matched on the field it stands for, names compared without
// regard to case. Workspace names are compared exactly.
//
// # Retention
//
// Add deletes, now and then (on a Store's first Add and every 64th after),
// the records older than the retention (SetRetention; DefaultRetention
// unless set), by the Store's clock: a caller on a clock of its own (a test
// at a fixed time) gives it to SetClock too. Prune deletes the records
// before a time at once.
//
// Values from incidents are attacker-controlled: they reach SQLite only as
// bound parameters, and errors never quote them.
package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/triage-dev/triage/internal/sqlitefile"
)

// FileName is the name of the history file in the data directory.
const FileName = "history.db"

// DefaultRetention is how long records are kept when no retention is set.
const DefaultRetention = 90 * 24 * time.Hour

// BusyTimeout is how long an operation waits for another connection or
// process to release the file before it fails.
const BusyTimeout = sqlitefile.BusyTimeout

// pruneEvery is how often, in calls, Add deletes the records past the
// retention. Each Store also does it on its first Add.
const pruneEvery = 64

// ErrNewerSchema is returned by Open for a file written by a newer version
// of the program.
var ErrNewerSchema = errors.New("history file is from a newer version of triage")

// ErrNotFound is returned by Report for an id no record has.
var ErrNotFound = errors.New("no such triage record")

// Store is the record of triages in one SQLite file. It is safe for
// concurrent use, also by several processes sharing the file.
type Store struct {
	db   *sql.DB
	path string

	// writes go one at a time: a Store's connections never wait on each
	// other's locks, only on other processes'.
	writes sqlitefile.Turn

	adds      atomic.Uint64 // Add calls, for pruning
	retention atomic.Int64  // nanoseconds; 0 is DefaultRetention
	clock     sqlitefile.Clock
}

// Open opens the history file at path, creating it, its directory and its
// tables as needed. A path must not contain "?".
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open triage history: empty path")
	}
	db, abs, err := sqlitefile.Open(ctx, path, schema)
	if err != nil {
		return nil, fmt.Errorf("open triage history %s: %w", path, explain(err, ""))
	}
	return &Store{db: db, path: abs, writes: sqlitefile.NewTurn()}, nil
}

// explain adds a hint to the errors SQLite gives for a file that is not a
// database or is damaged.
func explain(err error, path string) error {
	return sqlitefile.Explain(err, path, "move it away to start an empty history")
}

func (s *Store) check(err error) error { return explain(err, s.path) }

// Close closes the store once the operations in progress have ended.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close triage history %s: %w", s.path, err)
	}
	return nil
}

// Path returns the absolute path of the store's file.
func (s *Store) Path() string { return s.path }

// SetClock sets the clock Add prunes by and stamps a report without a
// time with; nil restores time.Now.
func (s *Store) SetClock(now func() time.Time) { s.clock.Set(now) }

func (s *Store) now() time.Time { return s.clock.Now() }

// SetRetention sets how long Add keeps records; 0 or less restores
// DefaultRetention.
func (s *Store) SetRetention(d time.Duration) { s.retention.Store(max(int64(d), 0)) }

// Retention returns how long Add keeps records.
func (s *Store) Retention() time.Duration {
	if d := s.retention.Load(); d > 0 {
		return time.Duration(d)
	}
	return DefaultRetention
}

var (
	nanos     = sqlitefile.Nanos
	fromNanos = sqlitefile.FromNanos
)
