// Package importer loads exported data into a local workspace.
//
// # Formats
//
//   - la-json: a Log Analytics query API response ({"tables": [{"name",
//     "columns": [{"name", "type"}], "rows": [[...]]}]}, or the older API's
//     TableName, ColumnName, ColumnType and DataType). Every table is read;
//     each row goes to the table named by its Type column, or to
//     Options.Table. Values are typed by the workspace schema for columns it
//     knows, otherwise by the response's column type; numbers and bools given
//     as strings are accepted. Query results as records are read too: a JSON
//     array of objects keyed by column name (az monitor log-analytics query)
//     or JSON lines of them (a data export rule's files); their table is
//     Options.Table, the Type column, or inferred from the columns as for CSV.
//     Column names are matched as for CSV.
//   - csv: the portal's export of one table: a header row, then one record
//     per row, separated by commas (or tabs or semicolons, when the header
//     has no comma). Column names are matched to the table's columns
//     ignoring case, then also spaces, '-', '.' and inner '_', with aliases
//     for old schemas (see aliases); a datetime column's header may carry
//     the zone its values are in, as the portal writes it ("TimeGenerated
//     [UTC]", "[UTC+02:00]"). An unnamed column (the leading index pandas
//     writes) is dropped, and a column the schema does not know is kept as
//     text in the record.
//   - incidents-json: a Sentinel incidents API body: a list of incidents
//     (value[] of incidents, a bare list, or one incident) becomes
//     SecurityIncident rows; an incident alerts body (value[] of kind
//     SecurityAlert) becomes SecurityAlert rows; entities (an incident
//     entities body {"entities": [...]}, an entities list or one entity)
//     become one entity carrier per incident (see CarrierProvider). An
//     incident may hold its alerts and entities ("alerts", "entities" beside
//     or inside its properties, or {"incident", "alerts", "entities"}), and
//     properties may be flattened into the object, as the az CLI prints
//     them. Alerts and entities belong to the incident that holds them, else
//     to Options.Incident, else to the x-ms-examples wrapper's
//     parameters.incidentId ({"parameters": ..., "responses": {"200":
//     {"body": ...}}} is unwrapped); the link is kept in IncidentLinkField.
//     Incident comments, bookmarks and other objects without a table are
//     skipped with a warning.
//
// # Transactions and idempotency
//
// A file is converted whole before anything is written; the first bad value
// is an error naming the file, the row (1-based data row; for CSV also the
// line) and the column, and nothing is written. The records are then written
// with one workspace Load, which is a single transaction, together with the
// rows that keep incidents whole (alerts added to the incident they name,
// synthetic incidents for alerts without one; see SyntheticIncidents).
//
// Every imported record carries a fingerprint in the Record field
// FingerprintField: the SHA-256 of the table name and the canonical JSON of
// the converted record (sorted keys, times in UTC RFC 3339); the second and
// later copies of the same record within one file (two identical log lines)
// get the fingerprint of the record and its copy number, so they are kept.
// Before loading, the fingerprints already in each target table are read; a
// record whose fingerprint is there is counted as a duplicate and not
// written. Importing a file twice therefore adds nothing, an export that
// overlaps an earlier one adds only its new records, and the fingerprint is
// written in the same transaction as its record, so there is no separate
// bookkeeping to get out of step. An entity carrier's fingerprint is taken
// before its TimeGenerated is set, as that depends on the workspace. Records
// that did not come through the importer (the demo data, a Load by other
// code) have no fingerprint and are never treated as duplicates. Two imports into the same
// workspace must not run at once (the reads of fingerprints, incidents and
// alerts and the load are not one transaction).
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
	"strconv"
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
	// Incident names the incident the file's alerts and entities belong to:
	// its name (GUID), a resource id ending in it, or the number of an
	// incident already in the workspace. Without it, an incidents API body
	// says (an incident with its alerts, or the x-ms-examples wrapper's
	// parameters.incidentId), and other alerts belong to none.
	Incident string
}

// Result reports one import. Table names the target table (tables, comma
// separated, for a file with several). Read counts the records in the file,
// Added those written, Duplicates those already in the workspace; Tables has
// the same counts per table. Linked, Synthetic and Superseded count the rows
// written to keep incidents whole (see SyntheticIncidents): alerts added to
// the incident they name, incidents made for alerts without one, and such
// incidents closed because a real incident now lists their alert. Warnings
// are problems that did not stop the import.
type Result struct {
	File                    string
	Format                  Format
	Table                   string
	Read, Added, Duplicates int
	Tables                  []TableCount
	Linked                  int
	Synthetic               int
	Superseded              int
	Warnings                []string
}

// TableCount is one table's part of a Result.
type TableCount struct {
	Table                   string
	Read, Added, Duplicates int
}

func (r *Result) table(name string) *TableCount {
	for i := range r.Tables {
		if r.Tables[i].Table == name {
			return &r.Tables[i]
		}
	}
	r.Tables = append(r.Tables, TableCount{Table: name})
	return &r.Tables[len(r.Tables)-1]
}

// Detect guesses the format from the file name and its first bytes.
func Detect(name string, head []byte) (Format, error) {
	h := bytes.TrimLeft(head, " \t\r\n\ufeff")
	h = bytes.TrimPrefix(h, []byte("\xef\xbb\xbf"))
	h = bytes.TrimLeft(h, " \t\r\n")
	ext := strings.ToLower(filepath.Ext(name))
	if len(h) > 0 && (h[0] == '{' || h[0] == '[') {
		has := func(key string) bool { return bytes.Contains(h, []byte(`"`+key+`"`)) }
		switch {
		case has("tables"), has("Tables"):
			return LAJSON, nil
		case has("value"), has("responses"), has("properties"), has("entities"), has("incident"),
			has("systemAlertId"), has("incidentNumber"), has("kind"):
			return IncidentsJSON, nil
		case has("TimeGenerated"), has("Type"), has("TenantId"), has("SystemAlertId"), has("IncidentName"):
			return LAJSON, nil // query results as records, or JSON lines
		}
		if bytes.Contains(h, []byte(`"$id"`)) && bytes.Contains(h, []byte(`"Type"`)) {
			return "", fmt.Errorf("%s: JSON that looks like the Entities value of one SecurityAlert ($id, Type), not an export: import the alerts that hold it (a SecurityAlert CSV or Log Analytics export)", name)
		}
		return "", fmt.Errorf("%s: JSON that is neither a Log Analytics response (tables) nor a Sentinel API body (value, entities or properties)", name)
	}
	if ext == ".csv" || ext == ".tsv" {
		return CSV, nil
	}
	if ext == ".json" {
		return "", fmt.Errorf("%s: does not start with a JSON object", name)
	}
	if i := bytes.IndexByte(h, '\n'); i > 0 && bytes.ContainsAny(h[:i], ",\t;") {
		return CSV, nil
	}
	return "", fmt.Errorf("%s: unknown format (want a .csv export, a Log Analytics JSON response or a Sentinel API JSON body)", name)
}

// ParseFormat checks a format name given by a user.
func ParseFormat(s string) (Format, error) {
	for _, f := range []Format{LAJSON, CSV, IncidentsJSON} {
		if strings.EqualFold(s, string(f)) {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (want %s, %s or %s)", s, LAJSON, CSV, IncidentsJSON)
}

// row is one converted record and where it came from.
type row struct {
	table string
	rec   map[string]any
	where string // "row 7 (line 12)"
	// needTime marks a record whose TimeGenerated is found while planning
	// (an entity carrier takes its incident's creation time).
	needTime bool
	notes    []string // warnings about the record
}

// Import reads one file into ws in one transaction: the file's records, and
// the rows that keep incidents whole (see SyntheticIncidents). A file is
// converted whole before anything is written, so a bad value leaves the
// workspace as it was.
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
	res.Format = format
	incident, err := resolveIncident(ctx, ws, opts.Incident)
	if err != nil {
		return res, fmt.Errorf("import %s: %w", path, err)
	}
	var rows []row
	switch format {
	case CSV:
		rows, err = readCSV(data, opts.Table)
	case LAJSON:
		rows, err = readLAJSON(data, opts.Table)
	case IncidentsJSON:
		rows, res.Warnings, err = readAPIJSON(data, incident)
	default:
		err = fmt.Errorf("unknown format %q", format)
	}
	if err != nil {
		return res, fmt.Errorf("import %s: %w", path, err)
	}
	res.Read = len(rows)
	var tables []string
	noID := 0
	for _, r := range rows {
		if !slices.Contains(tables, r.table) {
			tables = append(tables, r.table)
		}
		res.table(r.table).Read++
		switch r.table {
		case "SecurityIncident":
			if s, _ := r.rec["IncidentName"].(string); strings.TrimSpace(s) == "" {
				return res, fmt.Errorf("import %s: %s: column IncidentName: missing (every incident needs its name)", path, r.where)
			}
		case "SecurityAlert":
			if s, _ := r.rec["SystemAlertId"].(string); strings.TrimSpace(s) == "" {
				noID++
			} else if _, ok := r.rec[IncidentLinkField]; !ok && incident != "" {
				r.rec[IncidentLinkField] = incident
			}
		}
		res.Warnings = append(res.Warnings, r.notes...)
	}
	if noID > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d alerts have no SystemAlertId: no incident can list them", noID))
	}
	res.Table = strings.Join(tables, ",")

	seen := make(map[string]map[string]bool)
	for _, t := range tables {
		if seen[t], err = ws.RecordFieldValues(ctx, t, FingerprintField); err != nil {
			return res, fmt.Errorf("import %s: %w", path, err)
		}
	}
	var add []row
	copies := make(map[string]int) // fingerprint -> records with it so far in the file
	for _, r := range rows {
		if _, ok := r.rec["TimeGenerated"]; !ok && !r.needTime {
			return res, fmt.Errorf("import %s: %s: column TimeGenerated: missing (and no StartTime, CreatedTime or TimeCreated to use instead)", path, r.where)
		}
		fp, err := fingerprint(r.table, r.rec)
		if err != nil {
			return res, fmt.Errorf("import %s: %s: %w", path, r.where, err)
		}
		if n := copies[fp]; n > 0 {
			copies[fp]++
			fp = copyFingerprint(fp, n)
		} else {
			copies[fp] = 1
		}
		if seen[r.table][fp] {
			res.Duplicates++
			res.table(r.table).Duplicates++
			continue
		}
		seen[r.table][fp] = true
		r.rec[FingerprintField] = fp
		add = append(add, r)
		res.table(r.table).Added++
	}

	st, err := loadState(ctx, ws)
	if err != nil {
		return res, fmt.Errorf("import %s: %w", path, err)
	}
	res.Warnings = append(res.Warnings, st.numberClashes(add)...)
	for _, r := range add {
		if r.table == "SecurityIncident" {
			st.addIncident(r.rec)
		}
	}
	var fileTime time.Time
	if fi, err := os.Stat(path); err == nil {
		fileTime = fi.ModTime().UTC().Truncate(time.Second)
	}
	for _, r := range add {
		if r.needTime {
			r.rec["TimeGenerated"] = st.carrierTime(r.rec, fileTime)
		}
		if r.table == "SecurityAlert" {
			st.addAlert(r.rec)
		}
	}
	p, err := st.plan(ctx, ws)
	if err != nil {
		return res, fmt.Errorf("import %s: %w", path, err)
	}
	for _, r := range p.rows {
		fp, err := fingerprint(r.table, r.rec)
		if err != nil {
			return res, fmt.Errorf("import %s: %s: %w", path, r.where, err)
		}
		r.rec[FingerprintField] = fp
	}
	if len(add)+len(p.rows) > 0 {
		err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
			for _, r := range slices.Concat(add, p.rows) {
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
	res.Linked, res.Synthetic, res.Superseded = p.linked, p.synthetic, p.superseded
	return res, nil
}

// resolveIncident turns Options.Incident into an IncidentName: a number is
// looked up in the workspace, a resource id is cut to its last segment.
func resolveIncident(ctx context.Context, ws *local.Workspace, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", nil
	}
	if _, err := strconv.ParseInt(ref, 10, 64); err == nil {
		inc, err := ws.Incident(ctx, ref)
		if err != nil {
			return "", fmt.Errorf("incident %s: %w (import the incident first, or give its name)", ref, err)
		}
		return inc.Name, nil
	}
	ref = strings.TrimRight(ref, "/")
	return ref[strings.LastIndexByte(ref, '/')+1:], nil
}

// carrierTime is the TimeGenerated of an entity carrier: the creation time
// of the incident it belongs to when that is known, else the file's
// modification time.
func (st *state) carrierTime(rec map[string]any, fileTime time.Time) time.Time {
	link, _ := rec[IncidentLinkField].(string)
	if inc := st.incidents[strings.ToLower(link)]; link != "" && inc != nil {
		if !inc.created.IsZero() {
			return inc.created
		}
		if !inc.tg.IsZero() {
			return inc.tg
		}
	}
	if fileTime.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return fileTime
}

// numberClashes warns about incidents of the file whose number another
// incident in the workspace already has.
func (st *state) numberClashes(add []row) []string {
	byNumber := map[int64]string{}
	for _, inc := range st.incidents {
		if inc.number != 0 {
			byNumber[inc.number] = inc.name
		}
	}
	var out []string
	for _, r := range add {
		if r.table != "SecurityIncident" {
			continue
		}
		n, _ := r.rec["IncidentNumber"].(int64)
		name, _ := r.rec["IncidentName"].(string)
		if other, ok := byNumber[n]; ok && n != 0 && !strings.EqualFold(other, name) {
			out = append(out, fmt.Sprintf("incident %s has number %d, as incident %s already in the workspace: refer to both by name", name, n, other))
		}
	}
	return out
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

// copyFingerprint is the fingerprint of the n-th (from 1) further copy of
// a record in one file.
func copyFingerprint(fp string, n int) string {
	h := sha256.Sum256([]byte(fp + "#" + strconv.Itoa(n)))
	return hex.EncodeToString(h[:])
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
