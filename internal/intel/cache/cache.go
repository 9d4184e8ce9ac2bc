// Package cache keeps threat-intelligence answers and the requests made to
// each provider in a SQLite file, so that a second run reuses answers and
// quotas hold across runs.
//
// A Store is an intel.Cache and an intel.RequestLog. Open creates the file
// (mode 0600) and its directory (mode 0700) when they do not exist. The file
// is in WAL mode and every connection waits up to BusyTimeout for a lock, so
// several triage processes can use one file at once; within a process a
// Store is safe for concurrent use, reads run in parallel and writes one at
// a time.
//
// # Answers
//
// An answer is stored under its intel.CacheKey: provider, configuration
// fingerprint, indicator type and value, compared byte for byte. Putting
// under a key that has an answer replaces it. The Result is kept as JSON, and
// its Raw body as the bytes given, except that a Raw body larger than MaxRaw
// is dropped: the answer is kept without it. Get returns an answer only
// before its expiry, with FromCache set.
//
// # Requests
//
// Record keeps one row per request: provider and time. Since answers from
// them, oldest first. Clear deletes answers only: the requests, and so the
// quotas, stay.
//
// # Times
//
// Times are kept as Unix nanoseconds, exact from 1678 to 2262; earlier times
// (the zero time among them) are all the same instant before everything,
// later ones one after everything. An answer that expires at the zero time
// is never returned.
//
// # Housekeeping
//
// Expired answers are never returned; they are deleted from time to time by
// Put (on a Store's first Put and every 128th after), and requests older
// than RequestRetention by Record likewise. Both go by the Store's clock, so
// a caller that runs on a clock of its own (a test at a fixed time) should
// give it to SetClock too. Values in keys come from incidents and are
// attacker-controlled: they only ever reach SQLite as bound parameters, and
// errors never quote them.
//
// # Versions
//
// The schema version is the file's PRAGMA user_version. A file written by a
// newer version of the program is refused with ErrNewerSchema; so is a
// SQLite file that holds other tables and is not a cache.
package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/sqlitefile"
)

// MaxRaw is the largest Result.Raw kept, in bytes. A larger body is dropped
// and the rest of the answer stored.
const MaxRaw = 256 << 10

// BusyTimeout is how long an operation waits for another connection or
// process to release the file before it fails.
const BusyTimeout = sqlitefile.BusyTimeout

// RequestRetention is how long Record keeps requests: a month-long quota
// (30 days, rolling) plus a day.
const RequestRetention = 31 * 24 * time.Hour

// sweepEvery is how often, in calls, Put deletes expired answers and Record
// forgets old requests. Each Store also does it on its first call.
const sweepEvery = 128

// ErrNewerSchema is returned by Open for a cache file written by a newer
// version of the program.
var ErrNewerSchema = errors.New("cache file is from a newer version of triage")

// Store is a threat-intelligence cache and request log in one SQLite file,
// or in memory. It is safe for concurrent use, also by several processes
// sharing the file.
type Store struct {
	db   *sql.DB
	path string

	// The statements of the frequent operations, prepared once (and by
	// database/sql on each connection it uses).
	getStmt, putStmt, recordStmt, sinceStmt *sql.Stmt

	// writes go one at a time: a Store's connections never wait on each
	// other's locks, only on other processes'.
	writes sqlitefile.Turn

	puts    atomic.Uint64 // Put calls, for the expired-answer sweep
	records atomic.Uint64 // Record calls, for the request pruning

	clock sqlitefile.Clock // see SetClock
}

var (
	_ intel.Cache      = (*Store)(nil)
	_ intel.RequestLog = (*Store)(nil)
)

// Open opens the cache file at path, creating it, its directory and its
// tables as needed. Path ":memory:" gives a private in-memory store that
// lives until Close. A path must not contain "?".
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open intel cache: empty path")
	}
	db, abs, err := sqlitefile.Open(ctx, path, schema)
	if err != nil {
		return nil, fmt.Errorf("open intel cache %s: %w", path, explain(err, ""))
	}
	s := &Store{db: db, path: abs, writes: sqlitefile.NewTurn()}
	if err := s.prepare(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open intel cache %s: %w", path, explain(err, ""))
	}
	return s, nil
}

// explain adds a hint to the errors SQLite gives for a file that is not a
// database or is damaged, naming the file if path is not "".
func explain(err error, path string) error {
	return sqlitefile.Explain(err, path, "remove it to start an empty cache")
}

// check is explain for the errors of a Store's operations.
func (s *Store) check(err error) error { return explain(err, s.path) }

// prepare prepares the statements of the frequent operations.
func (s *Store) prepare(ctx context.Context) error {
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&s.getStmt, getSQL},
		{&s.putStmt, putSQL},
		{&s.recordStmt, recordSQL},
		{&s.sinceStmt, sinceSQL},
	} {
		st, err := s.db.PrepareContext(ctx, p.sql)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", p.sql, err)
		}
		*p.stmt = st
	}
	return nil
}

// Close closes the store once the operations in progress have ended.
func (s *Store) Close() error {
	// Closing the database closes its statements.
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close intel cache %s: %w", s.path, err)
	}
	return nil
}

// Path returns the absolute path of the store's file, or ":memory:".
func (s *Store) Path() string { return s.path }

// SetClock sets the clock the store uses to timestamp answers, to decide
// which answers and requests are old enough to delete, and for Stats; nil
// restores time.Now. Get and Since take their times from the caller.
func (s *Store) SetClock(now func() time.Time) { s.clock.Set(now) }

func (s *Store) now() time.Time { return s.clock.Now() }

var (
	nanos     = sqlitefile.Nanos
	fromNanos = sqlitefile.FromNanos
)
