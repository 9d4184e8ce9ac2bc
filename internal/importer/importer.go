// Package importer loads exported data into a local workspace.
//
// # Formats
//
//   - la-json: a Log Analytics query API response ({"tables": [{"name",
//     "columns": [{"name", "type"}], "rows": [[...]]}]}). Every table is
//     read; each row goes to the table named by its Type column, or to
//     Options.Table. Values are typed by the workspace schema for columns it
//     knows, otherwise by the response's column type; numbers and bools given
//     as strings are accepted.
//   - csv: the portal's export of one table: a header row, then one record
//     per row. Column names are matched to the table's columns
//     case-insensitively, with aliases for old schemas (see aliases), an
//     unnamed column (the leading index pandas writes) is dropped, and a
//     column the schema does not know is kept as text in the record.
//   - incidents-json: a Sentinel incidents API body: a list of incidents
//     (value[] of incidents, or one incident) becomes SecurityIncident rows;
//     an incident alerts body (value[] of kind SecurityAlert) becomes
//     SecurityAlert rows. The x-ms-examples wrapper
//     ({"responses": {"200": {"body": ...}}}) is unwrapped.
//
// # Transactions and idempotency
//
// A file is converted whole before anything is written; the first bad value
// is an error naming the file, the row (1-based data row; for CSV also the
// line) and the column, and nothing is written. The records are then written
// with one workspace Load, which is a single transaction.
//
// Every imported record carries a fingerprint in the Record field
// FingerprintField: the SHA-256 of the table name and the canonical JSON of
// the converted record (sorted keys, times in UTC RFC 3339). Before loading,
// the fingerprints already in each target table are read; a record whose
// fingerprint is there (or earlier in the same file) is counted as a
// duplicate and not written. Importing a file twice therefore adds nothing,
// and the fingerprint is written in the same transaction as its record, so
// there is no separate bookkeeping to get out of step. Records that did not
// come through the importer (the demo data, a Load by other code) have no
// fingerprint and are never treated as duplicates. Two imports into the same
// workspace must not run at once (the read of fingerprints and the load are
// not one transaction).
package importer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/workspace/local"
)

// Format is the kind of an exported file.
type Format string

const (
	LAJSON        Format = "la-json"        // Log Analytics query API response
	CSV           Format = "csv"            // portal export of one table
	IncidentsJSON Format = "incidents-json" // Sentinel incidents API body
)

// FingerprintField is the Record field holding an imported record's
// fingerprint (see the package documentation).
const FingerprintField = "_ImportFingerprint"

// Options tune an import.
type Options struct {
	// Table is the target table. Required for CSV unless it can be inferred
	// from the columns (a Type column, or e.g. SystemAlertId with
	// AlertDisplayName or DisplayName → SecurityAlert); for LA JSON it is
	// used for rows without a Type column.
	Table string
	// Format overrides Detect.
	Format Format
}

// Result reports one import. Table names the target table (tables, comma
// separated, for a Log Analytics response with several). Read counts the
// records in the file, Added those written, Duplicates those already in the
// workspace (or repeated in the file).
type Result struct {
	File                    string
	Table                   string
	Read, Added, Duplicates int
}

// Detect guesses the format from the file name and its first bytes.
func Detect(name string, head []byte) (Format, error) {
	h := bytes.TrimLeft(head, " \t\r\n\ufeff")
	h = bytes.TrimPrefix(h, []byte("\xef\xbb\xbf"))
	h = bytes.TrimLeft(h, " \t\r\n")
	ext := strings.ToLower(filepath.Ext(name))
	if len(h) > 0 && (h[0] == '{' || h[0] == '[') {
		switch {
		case bytes.Contains(h, []byte(`"tables"`)):
			return LAJSON, nil
		case bytes.Contains(h, []byte(`"value"`)), bytes.Contains(h, []byte(`"responses"`)),
			bytes.Contains(h, []byte(`"properties"`)), bytes.Contains(h, []byte(`"entities"`)):
			return IncidentsJSON, nil
		}
		return "", fmt.Errorf("%s: JSON that is neither a Log Analytics response (tables) nor a Sentinel API body (value)", name)
	}
	if ext == ".csv" || ext == ".tsv" {
		return CSV, nil
	}
	if ext == ".json" {
		return "", fmt.Errorf("%s: does not start with a JSON object", name)
	}
	if i := bytes.IndexByte(h, '\n'); i > 0 && bytes.Contains(h[:i], []byte(",")) {
		return CSV, nil
	}
	return "", fmt.Errorf("%s: unknown format (want a .csv export, a Log Analytics JSON response or a Sentinel API JSON body)", name)
}

// row is one converted record and where it came from.
type row struct {
	table string
	rec   map[string]any
	where string // "row 7 (line 12)"
}

// Import reads one file into ws in one transaction.
func Import(ctx context.Context, ws *local.Workspace, path string, opts Options) (Result, error) {
	res := Result{File: path}
	data, err := os.ReadFile(path)
	if err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	format := opts.Format
	if format == "" {
		if format, err = Detect(path, data[:min(len(data), 4096)]); err != nil {
			return res, fmt.Errorf("import: %w", err)
		}
	}
	var rows []row
	switch format {
	case CSV:
		rows, err = readCSV(data, opts.Table)
	case LAJSON:
		rows, err = readLAJSON(data, opts.Table)
	case IncidentsJSON:
		rows, err = readAPIJSON(data)
	default:
		err = fmt.Errorf("unknown format %q", format)
	}
	if err != nil {
		return res, fmt.Errorf("import %s: %w", path, err)
	}
	res.Read = len(rows)
	var tables []string
	for _, r := range rows {
		if !slices.Contains(tables, r.table) {
			tables = append(tables, r.table)
		}
	}
	res.Table = strings.Join(tables, ",")

	seen := make(map[string]map[string]bool)
	for _, t := range tables {
		if seen[t], err = ws.RecordFieldValues(ctx, t, FingerprintField); err != nil {
			return res, fmt.Errorf("import %s: %w", path, err)
		}
	}
	var add []row
	for _, r := range rows {
		if _, ok := r.rec["TimeGenerated"]; !ok {
			return res, fmt.Errorf("import %s: %s: column TimeGenerated: missing (and no StartTime, CreatedTime or TimeCreated to use instead)", path, r.where)
		}
		fp, err := fingerprint(r.table, r.rec)
		if err != nil {
			return res, fmt.Errorf("import %s: %s: %w", path, r.where, err)
		}
		if seen[r.table][fp] {
			res.Duplicates++
			continue
		}
		seen[r.table][fp] = true
		r.rec[FingerprintField] = fp
		add = append(add, r)
	}
	if len(add) > 0 {
		err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
			for _, r := range add {
				if err := emit(r.table, r.rec); err != nil {
					return fmt.Errorf("%s: %w", r.where, err)
				}
			}
			return nil
		})
		if err != nil {
			return res, fmt.Errorf("import %s: %w", path, err)
		}
	}
	res.Added = len(add)
	return res, nil
}

// fingerprint is the hex SHA-256 of the table name and the record's
// canonical JSON.
func fingerprint(table string, rec map[string]any) (string, error) {
	b, err := json.Marshal(canonical(rec))
	if err != nil {
		return "", fmt.Errorf("fingerprint: %w", err)
	}
	h := sha256.New()
	h.Write([]byte(table))
	h.Write([]byte{0})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// canonical normalises values whose JSON is not canonical (times to UTC).
func canonical(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			if k == FingerprintField {
				continue
			}
			m[k] = canonical(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = canonical(e)
		}
		return s
	}
	return v
}

// fillTimeGenerated gives a record without TimeGenerated the first of its
// other times.
func fillTimeGenerated(rec map[string]any) {
	if _, ok := rec["TimeGenerated"]; ok {
		return
	}
	for _, k := range []string{"StartTime", "CreatedTime", "TimeCreated", "LastModifiedTime", "EventTime"} {
		if t, ok := rec[k].(time.Time); ok {
			rec["TimeGenerated"] = t
			return
		}
	}
}
