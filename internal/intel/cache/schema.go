package cache

import (
	"context"
	"database/sql"
	"fmt"
)

// schemaVersion is the PRAGMA user_version this program writes. A change
// to the tables adds a step to migrate and increments it.
const schemaVersion = 1

// schemaV1 creates the tables. Times are Unix nanoseconds.
//
// results holds one answer per key. result is the intel.Result as JSON
// without Raw (and with FromCache false); raw is Result.Raw as given, NULL
// when empty or dropped for its size. An answer is live while now < expires.
//
// requests holds one row per request made to a provider.
var schemaV1 = []string{
	`CREATE TABLE results (
		provider    TEXT NOT NULL,
		fingerprint TEXT NOT NULL,
		type        TEXT NOT NULL,
		value       TEXT NOT NULL,
		status      TEXT NOT NULL,
		stored      INTEGER NOT NULL,
		expires     INTEGER NOT NULL,
		result      TEXT NOT NULL,
		raw         BLOB,
		PRIMARY KEY (provider, fingerprint, type, value)
	) STRICT`,
	`CREATE INDEX results_expires ON results (expires)`,
	`CREATE TABLE requests (
		provider TEXT NOT NULL,
		at       INTEGER NOT NULL
	) STRICT`,
	`CREATE INDEX requests_provider_at ON requests (provider, at)`,
}

// migrate brings the file to schemaVersion in one IMMEDIATE transaction, so
// that two processes opening a new file do not both create the tables.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case v == schemaVersion:
		return nil // nothing to write; Rollback ends the transaction
	case v > schemaVersion:
		return fmt.Errorf("%w: schema version %d, this program knows %d; upgrade triage or use another cache file",
			ErrNewerSchema, v, schemaVersion)
	case v == 0:
		if err := checkEmpty(ctx, tx); err != nil {
			return err
		}
		for _, stmt := range schemaV1 {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("create schema: %w", err)
			}
		}
	}
	// PRAGMA takes no parameters; schemaVersion is a constant.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		return fmt.Errorf("write schema version: %w", err)
	}
	return tx.Commit()
}

// checkEmpty fails for a file at version 0 that already has tables: some
// other program's database, which the cache must not write into.
func checkEmpty(ctx context.Context, tx *sql.Tx) error {
	var n int
	var name string
	err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(min(name), '') FROM sqlite_schema WHERE type = 'table'`).Scan(&n, &name)
	if err != nil {
		return fmt.Errorf("read schema: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("not an intel cache: the file holds other tables, such as %q, and no cache schema version", name)
	}
	return nil
}
