package cache

import "github.com/triage-dev/triage/internal/sqlitefile"

// schema is the cache file's schema: a change to the tables adds a step.
var schema = sqlitefile.Schema{
	Name:     "an intel cache",
	Steps:    []sqlitefile.Step{{SQL: schemaV1}},
	ErrNewer: ErrNewerSchema,
}

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
