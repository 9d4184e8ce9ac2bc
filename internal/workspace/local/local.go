// Package local is the local workspace: Sentinel-shaped tables in one SQLite
// file (or in memory), queried through the SQL bodies of the named query
// catalog.
//
// # Tables and records
//
// Each table has the name of its Sentinel counterpart (SecurityIncident,
// SecurityAlert, SigninLogs, SecurityEvent, ThreatIntelIndicators, …; see
// Tables and Columns). A record is a map keyed by Sentinel column names. The
// fields queries filter, join or sort on are hot columns: real SQLite columns
// with the Sentinel name, indexed on (TimeGenerated) and on (entity column,
// TimeGenerated). Every other field is kept in the column Record, a JSON
// object; read one with json_extract(Record, '$.Name'). Hot columns and
// Record together are the whole record, and SELECT * gives it back whole (see
// Query results).
//
// Load accepts these Go values for a hot column of each Log Analytics type,
// and anything else is an error:
//
//	string, guid  string
//	datetime      time.Time, or RFC 3339 text
//	long, int     any integer type, or a float64 holding a whole number
//	real          float64, float32 or any integer type (finite)
//	bool          bool
//	dynamic       map[string]any, []any, []string, map[string]string, or JSON
//	              text of an object or array (any other string is stored as a
//	              JSON string)
//
// nil (or an absent field) stores NULL, except that every record needs a
// TimeGenerated. SecurityAlert's Entities and ExtendedProperties are strings
// holding JSON, as in Log Analytics. Other fields may hold any value
// encoding/json can marshal; time.Time is written as below and JSON text
// given for a known dynamic column is embedded as JSON. Record also gets a
// Type field naming its table when the record has none, as Log Analytics
// rows do.
//
// Datetimes are stored as fixed-width UTC text in workspace.TimeFormat
// ("2006-01-02T15:04:05.000000Z"), which sorts in time order; dynamic values
// as JSON text; bools as 0/1.
//
// # Query results
//
// Query decodes each result column by its Log Analytics type, found in this
// order: the query's declared Columns; the declared type of a plain column
// reference (hot columns are declared "DATETIME TEXT", "DYNAMIC TEXT", "LONG
// INTEGER", "BOOL INTEGER", … so SQLite reports it); the type of a column of
// that name in the schema, when all tables agree on it; and otherwise the
// values themselves (integers → long, floats → real, text → string). Values
// become time.Time (UTC) for datetime, int64 for long and int, float64 for
// real, bool for bool, the decoded JSON value for dynamic, and string for
// string and guid.
//
// A result column named Record (SELECT * or t.* over a table) is expanded: the
// record's fields become columns after the hot ones, sorted by name and typed
// from the schema of the record's table (a value that does not fit its
// column's type makes the column dynamic), so a SQL body returns the columns
// its KQL twin does.
//
// # Writing back
//
// A local workspace is a workspace.Writer, recording what Sentinel would in
// its own tables. Update appends a SecurityIncident revision (the latest
// TimeGenerated wins, as in Sentinel's table) after checking the incident's
// ETag inside the write transaction; incidents read from the workspace carry
// an ETag derived from their latest row's TimeGenerated and content.
// Comments live in the table TriageIncidentComment, one row per comment.
// Both are timestamped by the clock SetClock sets (time.Now by default).
//
// # Indexes
//
// A load into an empty table drops the table's secondary indexes; they are
// rebuilt when a statement first names the table, or by BuildIndexes. Loads
// stay fast and a run pays only for the indexes of the tables it queries.
//
// # Rollups
//
// Some log tables also have rollups, the local twin of Sentinel summary
// rules (rollups.go): a table (SigninLogsRollup, …) counting the source
// table's rows by a few key columns per hour and per UTC day, with the
// first and last TimeGenerated and the largest source rowid, and a view
// (SigninLogsRollupRows) giving the same key columns for every source row.
// A question that needs few columns reads a rollup of those columns only
// (SigninLogsIPRollup for the addresses an account used), as the fewer the
// columns, the fewer the rows. A rollup is brought up to date with the rows
// loaded since its last update when a statement reads it (see below), or by
// BuildIndexes; it never re-reads rows it has counted. The rollups of small
// tables are left empty, as their rows are read faster than a rollup is
// built; their rows are then read through the view for the whole window,
// with the same answers. A list (AuditLogsAccounts) is a rollup that keeps
// a row per source row and value instead of counts: the accounts each
// audit record names, so that a query finds the records naming an account
// without reading every record's JSON.
//
// # Reading a rollup
//
// A SQL body reads a rollup through one construct, which the workspace
// expands before the statement runs (rollupsql.go). In a FROM clause,
//
//	ROLLUP(SigninLogsRollup BETWEEN :start AND :end WHERE IPAddress IN ips)
//
// stands for the rows of the rollup's source whose TimeGenerated lies in
// [:start, :end], as the rollup's key columns with N (how many rows),
// FirstSeen, LastSeen and MaxRowid (the largest source rowid). The whole
// UTC days and hours of the window come from the rollup and the rest, less
// than an hour at each end, from its view, so that each row is counted
// once; an empty rollup's rows all come from the view. A query adds them
// up again (sum(N), min(FirstSeen), max(LastSeen)) as its KQL twin
// summarises rows, and the answer is the one the rows alone give. WHERE
// keeps the rows that match any of its alternatives, each found through an
// index, and a row that matches several is read once:
//
//	key IN set                  key is a value of set
//	key STARTSWITH set || 'c'   key begins with a value of set, then c
//
// key is an expression over the key columns (for STARTSWITH, one the rollup
// indexes), set a table or common table expression with a column named
// value: "Account STARTSWITH bare || '@'" finds name@domain for a bare name.
// ROLLUP(Name) alone is the rollup's table itself, up to date (a list is
// read so); of an empty rollup, its rows' key columns, so that what a query
// finds by key does not depend on whether the rollup was built. A statement brings up to date the rollups its constructs name,
// and no others.
//
// # Query planning
//
// SQLite has no statistics on a workspace, so the SQL bodies tell it how to
// find their rows. They find the rows that can match through indexes first
// (the entity and extra indexes of schema.go) and only then compute
// normalised forms on those rows, so that a summary reads an entity's rows
// rather than every row of the window. Names are looked up through indexes
// on lower(column); IP addresses as logs store them: the value in lower or
// upper case, IPv4-mapped (::ffff:) where a column may hold that, with a
// port or in brackets in OfficeActivity (an address a log writes in mixed
// case is not found). CROSS JOIN fixes a join order, and a unary + keeps a
// term from choosing an index where SQLite would pick a worse one. ROLLUP
// does the same in what it expands to: a STARTSWITH alternative walks the
// distinct keys of the rollup's index, one seek each, then reads their
// buckets by equality; its edges are read through the time index, and an
// empty rollup's rows through the key's index, with the view's own filter
// (EventID, ProcessName) kept off its index.
//
// Two differences from the KQL twins remain, both in what is picked rather
// than counted: json_group_array(DISTINCT …) and group_concat(DISTINCT …)
// list the same set in another order, and summary_host_info's latest
// Heartbeat and DeviceInfo values come from the group of values last seen,
// which differs from the latest row only when two rows of a host share the
// same microsecond.
//
// # Connections
//
// A workspace file is in WAL mode: loads, write-back and index and rollup
// builds run one at a time on one connection, and queries on a pool of
// read-only connections, one per CPU, so that the queries of a triage run
// side by side. An in-memory workspace lives in its one connection, which
// everything shares.
package local

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// Workspace is a local workspace. It is safe for concurrent use. Writes
// (loads, write-back, index and rollup builds) run one at a time on a single
// SQLite connection. Queries of a workspace file run on a pool of read-only
// connections, one per CPU, so that several run at once; an in-memory
// workspace has only its one connection.
type Workspace struct {
	name   string
	db     *sql.DB
	reads  *sql.DB // queries; db itself for an in-memory workspace
	cat    *workspace.Catalog
	schema *schema
	memory bool
	// readOnly: opened by OpenReadOnly; db is the read pool and nothing
	// is built or written.
	readOnly bool

	idxMu   sync.Mutex
	pending []*tableInfo  // tables whose secondary indexes a load deferred
	rollups []*rollupInfo // see rollups.go; fields guarded by idxMu
	// rollupsByName: the rollups by name, for the ROLLUP constructs.
	rollupsByName map[string]*rollupInfo
	// rollupMinRows: the rollups of smaller tables stay empty (see
	// refreshRollup); guarded by idxMu.
	rollupMinRows int64

	clock atomic.Pointer[func() time.Time] // see SetClock; nil means time.Now

	limits triage.Limits // see SetLimits
}

var _ workspace.Workspace = (*Workspace)(nil)

// Tables returns the names of the tables a local workspace has, sorted.
func Tables() []string {
	names := make([]string, 0, len(tables))
	for _, t := range tables {
		names = append(names, t.Name)
	}
	slices.Sort(names)
	return names
}

// Columns returns the columns of a table, as name and Log Analytics type;
// hot reports whether each is a real column (the others live in Record). An
// unknown table returns nil.
func Columns(table string) (cols []workspace.Column, hot []bool) {
	for _, t := range tables {
		if t.Name != table {
			continue
		}
		for _, c := range t.Hot {
			cols = append(cols, workspace.Column{Name: c.Name, Type: c.Type})
			hot = append(hot, true)
		}
		for _, c := range t.Cold {
			cols = append(cols, workspace.Column{Name: c.Name, Type: c.Type})
			hot = append(hot, false)
		}
	}
	return cols, hot
}

// Open opens a local workspace file, creating it and its tables if needed;
// path ":memory:" gives a private in-memory workspace. name is the
// workspace's configured name. cat is the query catalog every query comes
// from; nil means the built-in catalog.
func Open(ctx context.Context, name, path string, cat *workspace.Catalog) (*Workspace, error) {
	if path == "" {
		return nil, errors.New("open local workspace: empty path")
	}
	memory := path == ":memory:"
	w, err := newWorkspace(name, path, cat)
	if err != nil {
		return nil, err
	}
	dsn := path
	if !memory {
		// A write transaction takes the write lock when it begins, as in
		// the stores of package sqlitefile: one that read first and then
		// wrote while another process committed would fail at once with
		// SQLITE_BUSY, which no busy timeout waits out.
		dsn = withParam(path, "_txlock=immediate")
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open local workspace %s: %w", path, err)
	}
	// One connection: an in-memory database lives and dies with its
	// connection, and the connection-level pragmas below must hold for
	// every statement.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	w.db, w.reads, w.memory = db, db, memory
	if err := w.init(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open local workspace %s: %w", path, err)
	}
	if !memory {
		if w.reads, err = openReads(path); err != nil {
			db.Close()
			return nil, fmt.Errorf("open local workspace %s: %w", path, err)
		}
	}
	return w, nil
}

// newWorkspace checks path and returns a workspace with its catalog (cat,
// or the built-in one), schema and rollups, and no database yet.
func newWorkspace(name, path string, cat *workspace.Catalog) (*Workspace, error) {
	if path != ":memory:" && strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open local workspace %s: the path must not contain ? or #", path)
	}
	if cat == nil {
		var err error
		if cat, err = workspace.LoadCatalog(""); err != nil {
			return nil, fmt.Errorf("open local workspace %s: %w", path, err)
		}
	}
	s, err := newSchema(tables)
	if err != nil {
		return nil, err
	}
	rs, err := newRollups(s, rollups)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]*rollupInfo, len(rs))
	for _, r := range rs {
		byName[r.def.Name] = r
	}
	return &Workspace{name: name, cat: cat, schema: s, rollups: rs, rollupsByName: byName, rollupMinRows: rollupMinRows}, nil
}

// ErrReadOnly is returned by loads and write-back on a workspace opened
// with OpenReadOnly.
var ErrReadOnly = errors.New("the workspace is read-only")

// OpenReadOnly opens a workspace file that nothing changes while it is
// open, such as the demo workspace's cached file, in SQLite's immutable
// mode: no locks, no journal, queries on a pool of read-only connections.
// The file must not be in WAL mode, and its indexes and rollups must be
// complete (BuildIndexes before it was last closed): OpenReadOnly builds
// nothing, and Load, Update and PostComment fail with ErrReadOnly.
func OpenReadOnly(ctx context.Context, name, path string, cat *workspace.Catalog) (*Workspace, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open local workspace: %w", err)
	}
	w, err := newWorkspace(name, path, cat)
	if err != nil {
		return nil, err
	}
	for _, r := range w.rollups {
		r.fresh = true
	}
	// A URI filename: % is its escape character.
	uri := "file:" + strings.ReplaceAll(filepath.ToSlash(path), "%", "%25")
	db, err := openReads(uri + "?mode=ro&immutable=1")
	if err != nil {
		return nil, fmt.Errorf("open local workspace %s: %w", path, err)
	}
	// Every connection is opened now, and kept: a file removed while the
	// workspace is open (the demo's cache is swept) stays readable.
	conns := make([]*sql.Conn, 0, runtime.GOMAXPROCS(0))
	for range cap(conns) {
		c, err := db.Conn(ctx)
		if err == nil {
			err = c.PingContext(ctx)
		}
		if err != nil {
			for _, c := range conns {
				c.Close()
			}
			db.Close()
			return nil, fmt.Errorf("open local workspace %s: %w", path, err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
	w.db, w.reads, w.readOnly = db, db, true
	return w, nil
}

// openReads opens the pool of read-only connections to a workspace file
// that queries run on. The file is in WAL mode (see init), so they read
// while the write connection writes, each seeing the last commit made
// before its statement began. They read the file through memory mapping
// (mmap_size: as much of it as SQLite maps, 2 GB by default) rather than a
// system call per page.
func openReads(path string) (*sql.DB, error) {
	dsn := withParam(path, "_pragma=busy_timeout(5000)&_pragma=query_only(1)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32768)&_pragma=mmap_size(1099511627776)")
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	n := runtime.GOMAXPROCS(0)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

// withParam adds the driver's connection parameters params to a database
// path or file: URI.
func withParam(path, params string) string {
	if strings.HasPrefix(path, "file:") && strings.Contains(path, "?") {
		return path + "&" + params
	}
	return path + "?" + params
}

func (w *Workspace) init(ctx context.Context) error {
	pragmas := []string{
		// Rows are wide (hot columns and the record's JSON): larger pages
		// make loading and index building faster. This only takes effect
		// for a new database.
		"PRAGMA page_size = 16384",
		"PRAGMA busy_timeout = 5000",
		"PRAGMA temp_store = MEMORY",
		"PRAGMA cache_size = -32768", // KiB
	}
	if !w.memory {
		pragmas = append(pragmas, "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL")
	}
	for _, p := range pragmas {
		if _, err := w.db.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range tables {
		ti := w.schema.byName[t.Name]
		if _, err := tx.ExecContext(ctx, ti.createSQL()); err != nil {
			return fmt.Errorf("create table %s: %w", t.Name, err)
		}
		if err := addMissingColumns(ctx, tx, ti); err != nil {
			return err
		}
		for _, ix := range ti.indexes {
			if _, err := tx.ExecContext(ctx, ti.indexSQL(ix)); err != nil {
				return fmt.Errorf("create index %s: %w", ix.name, err)
			}
		}
	}
	if err := w.initRollups(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// addMissingColumns adds hot columns that a workspace file created by an
// older version lacks. Their values for existing rows stay NULL (the records
// still hold them in Record).
func addMissingColumns(ctx context.Context, tx *sql.Tx, ti *tableInfo) error {
	rows, err := tx.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", ti.def.Name)
	if err != nil {
		return fmt.Errorf("table %s: read columns: %w", ti.def.Name, err)
	}
	have := make(map[string]bool)
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return fmt.Errorf("table %s: read columns: %w", ti.def.Name, err)
		}
		have[n] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("table %s: read columns: %w", ti.def.Name, err)
	}
	for _, c := range ti.def.Hot {
		if have[c.Name] {
			continue
		}
		stmt := fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", quoteIdent(ti.def.Name), quoteIdent(c.Name), declTypes[c.Type])
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("table %s: add column %s: %w", ti.def.Name, c.Name, err)
		}
	}
	return nil
}

// Name returns the workspace's configured name.
func (w *Workspace) Name() string { return w.name }

// Dialect returns workspace.SQL: the local workspace runs SQL bodies.
func (w *Workspace) Dialect() workspace.Dialect { return workspace.SQL }

// Run runs the named query of the workspace's catalog (see Query). An
// unknown name is an error naming it and wrapping workspace.ErrNotFound.
func (w *Workspace) Run(ctx context.Context, name string, p workspace.Params) (workspace.Table, error) {
	q, err := w.cat.Get(name)
	if err != nil {
		return workspace.Table{}, fmt.Errorf("local workspace %s: %w", w.name, err)
	}
	return w.Query(ctx, q, p)
}

// Close closes the database. An in-memory workspace's data is gone after it.
func (w *Workspace) Close() error {
	if w.reads != w.db {
		w.reads.Close()
	}
	return w.db.Close()
}
