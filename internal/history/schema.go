package history

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/triage-dev/triage/internal/sqlitefile"
)

// schema is the history file's schema: a change to the tables adds a
// step.
var schema = sqlitefile.Schema{
	Name:     "a triage history",
	Steps:    []sqlitefile.Step{{SQL: schemaV1}, {SQL: schemaV2}, {SQL: schemaV3, Then: migrateReasons}},
	ErrNewer: ErrNewerSchema,
}

// schemaV1 creates the tables. Times are Unix nanoseconds; at is when the
// triage was made (the report's generated_at). priority is NULL when the
// triage worked none out. report is the report's JSON, gzip-compressed.
var schemaV1 = []string{
	`CREATE TABLE records (
		id                INTEGER PRIMARY KEY,
		workspace         TEXT NOT NULL,
		incident_number   INTEGER NOT NULL,
		incident_name     TEXT NOT NULL,
		at                INTEGER NOT NULL,
		version           TEXT NOT NULL,
		verdict           TEXT NOT NULL,
		complete          INTEGER NOT NULL,
		priority          INTEGER,
		partial           INTEGER NOT NULL,
		incident_modified INTEGER NOT NULL,
		alerts            INTEGER NOT NULL,
		report            BLOB NOT NULL
	) STRICT`,
	`CREATE INDEX records_name ON records (workspace, incident_name COLLATE NOCASE, at)`,
	`CREATE INDEX records_number ON records (workspace, incident_number, at)`,
	`CREATE INDEX records_at ON records (at)`,
}

// schemaV2 adds what triage watch keeps: a cursor per workspace (the
// latest incident change a pass saw, Unix nanoseconds) and the leases
// that keep several watches from triaging one incident at once (holder
// names a process, expires is Unix nanoseconds).
var schemaV2 = []string{
	`CREATE TABLE cursors (
		workspace TEXT PRIMARY KEY,
		modified  INTEGER NOT NULL
	) STRICT`,
	`CREATE TABLE leases (
		workspace     TEXT NOT NULL,
		incident_name TEXT NOT NULL COLLATE NOCASE,
		holder        TEXT NOT NULL,
		expires       INTEGER NOT NULL,
		PRIMARY KEY (workspace, incident_name)
	) STRICT`,
}

// schemaV3 keeps the latest record of each incident by key, so that the
// queue reads one row per incident instead of searching the records for
// the newest (Add and Prune keep it), and the priority's reasons with each
// record (JSON, NULL without a priority), so that the queue shows them
// without decompressing reports. The statements after the tables fill
// latest from the records a file already holds; migrateReasons fills the
// reasons.
var schemaV3 = []string{
	`ALTER TABLE records ADD COLUMN reasons TEXT`,
	`CREATE TABLE latest (
		workspace     TEXT NOT NULL,
		incident_name TEXT NOT NULL COLLATE NOCASE,
		record        INTEGER NOT NULL,
		PRIMARY KEY (workspace, incident_name)
	) STRICT`,
	`INSERT OR REPLACE INTO latest (workspace, incident_name, record)
		SELECT workspace, incident_name, id FROM records r WHERE NOT EXISTS (
			SELECT 1 FROM records n WHERE n.workspace = r.workspace AND n.incident_name = r.incident_name COLLATE NOCASE
			AND (n.at > r.at OR n.at = r.at AND n.id > r.id))`,
}

// migrateReasons fills the reasons of the records with a priority from
// their stored reports. A report that cannot be read leaves its record
// without reasons rather than failing the migration: the score stands.
func migrateReasons(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, report FROM records WHERE priority IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("read reports: %w", err)
	}
	reasons := map[int64]string{}
	for rows.Next() {
		var id int64
		var blob []byte
		if err := rows.Scan(&id, &blob); err != nil {
			rows.Close()
			return fmt.Errorf("read reports: %w", err)
		}
		r, err := decompress(blob)
		if err != nil || r.Priority == nil {
			continue
		}
		if js, err := encodeReasons(r.Priority.Reasons); err == nil && js != nil {
			reasons[id] = *js
		}
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("read reports: %w", err)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read reports: %w", err)
	}
	for id, js := range reasons {
		if _, err := tx.ExecContext(ctx, `UPDATE records SET reasons = ? WHERE id = ?`, js, id); err != nil {
			return fmt.Errorf("write reasons: %w", err)
		}
	}
	return nil
}
