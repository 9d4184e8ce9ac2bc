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
// # Reading a file
//
// Only a regular file is read: a device, FIFO, directory or socket is
// refused before it is opened and again once it is open, and a file larger
// than Options.MaxSize (DefaultMaxSize) is refused before it is read, or
// when it grows past the limit while it is read (TooLargeError). The file
// streams: it is decoded as it is read (see decode), twice. The first pass
// converts and checks every record, finds the duplicates and gathers what
// the rows that keep incidents whole need, writing nothing; the first bad
// value is a DecodeError naming the file, the row (1-based data row; for CSV
// also the line) and the column, and nothing is written. The second pass
// reads the file again inside one workspace Load, a single transaction, and
// hands it the records to add as they come, then the rows that keep
// incidents whole (alerts added to the incident they name, synthetic
// incidents for alerts without one; see SyntheticIncidents). A file that is
// not byte for byte the same on the second pass is an error, and nothing is
// written. Options.Progress follows both passes.
//
// # Transactions and idempotency
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
// alerts and the load are not one transaction): LockWorkspace takes a
// workspace file's import lock, which the import command holds.
package importer

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	// MaxSize is the largest file read, in bytes; 0 means DefaultMaxSize.
	MaxSize int64
	// Progress, when not nil, is called as the file is read, from the
	// goroutine of Import.
	Progress func(Progress)
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
// the rows that keep incidents whole (see SyntheticIncidents). The file is
// read twice, as it streams (see decode): the first pass converts and checks
// every record, finds the duplicates and works out the rows that keep
// incidents whole, writing nothing; the second reads the file again inside
// one workspace Load and hands it the records to add as they come. A bad
// value therefore leaves the workspace as it was, and memory holds the
// fingerprints of the file's records, not the records. A file that is not
// the same on the second pass (it was being written) is an error, and
// nothing is written. What is not a regular file, or is larger than
// Options.MaxSize, is refused before it is read.
//
// Two imports into one workspace must not run at once: hold LockWorkspace
// around Import when other processes may import into the same file.
func Import(ctx context.Context, ws *local.Workspace, path string, opts Options) (Result, error) {
	res := Result{File: path}
	in, err := openInput(path, cmp.Or(opts.MaxSize, DefaultMaxSize), opts.Progress)
	if err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	defer in.Close()
	format := opts.Format
	if format == "" {
		head := make([]byte, 4096)
		n, err := io.ReadFull(in.f, head)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return res, fmt.Errorf("import %s: %w", path, err)
		}
		if format, err = Detect(path, head[:n]); err != nil {
			return res, fmt.Errorf("import: %w", err)
		}
	}
	res.Format = format
	table := opts.Table
	if table != "" {
		canon, ok := knownTable(table)
		if !ok {
			return res, fmt.Errorf("import %s: unknown table %q (known: %s)", path, table, strings.Join(tableNames(), ", "))
		}
		table = canon
	}
	incident, err := resolveIncident(ctx, ws, opts.Incident)
	if err != nil {
		return res, fmt.Errorf("import %s: %w", path, err)
	}
	fail := func(err error) (Result, error) {
		var de *DecodeError
		if errors.As(err, &de) && de.File == path {
			return res, fmt.Errorf("import %w", err)
		}
		return res, fmt.Errorf("import %s: %w", path, err)
	}
	st, err := loadState(ctx, ws)
	if err != nil {
		return fail(err)
	}
	byNumber := map[int64]string{} // incidents of the workspace by number
	for _, inc := range st.incidents {
		if inc.number != 0 {
			byNumber[inc.number] = inc.name
		}
	}
	fileTime := in.fi.ModTime().UTC().Truncate(time.Second)

	// Pass 1: check, count, find duplicates, gather what the plan needs.
	known := map[string]map[[32]byte]bool{} // fingerprints in the workspace, by table
	copies := map[[32]byte]uint32{}         // fingerprint -> records with it so far in the file
	var adds additions
	var tables []string
	noID, n := 0, 0
	src, err := in.start("checking")
	if err != nil {
		return fail(err)
	}
	notes, err := decode(path, src, format, table, incident, func(r row) error {
		idx := n
		n++
		if idx%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if !slices.Contains(tables, r.table) {
			tables = append(tables, r.table)
		}
		tc := res.table(r.table)
		tc.Read++
		res.Read++
		if err := prepare(r, incident, &noID); err != nil {
			return err
		}
		res.Warnings = append(res.Warnings, r.notes...)
		if _, ok := r.rec["TimeGenerated"]; !ok && !r.needTime {
			return errAtf(r.where, "column TimeGenerated: missing (and no StartTime, CreatedTime or TimeCreated to use instead)")
		}
		fp, err := fingerprint(r.table, r.rec)
		if err != nil {
			return errAt(r.where, err)
		}
		if c := copies[fp]; c > 0 {
			copies[fp]++
			fp = copyFingerprint(fp, int(c))
		} else {
			copies[fp] = 1
		}
		if known[r.table] == nil {
			if known[r.table], err = fingerprints(ctx, ws, r.table); err != nil {
				return err
			}
		}
		if known[r.table][fp] {
			res.Duplicates++
			tc.Duplicates++
			return nil
		}
		adds.add(idx, fp)
		tc.Added++
		switch r.table {
		case "SecurityIncident":
			num, _ := r.rec["IncidentNumber"].(int64)
			name, _ := r.rec["IncidentName"].(string)
			if other, ok := byNumber[num]; ok && num != 0 && !strings.EqualFold(other, name) {
				res.Warnings = append(res.Warnings, fmt.Sprintf("incident %s has number %d, as incident %s already in the workspace: refer to both by name", name, num, other))
			}
			st.addIncident(r.rec)
		case "SecurityAlert":
			if r.needTime {
				r.rec["TimeGenerated"] = st.carrierTime(r.rec, fileTime)
			}
			st.addAlert(r.rec)
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	res.Warnings = append(notes, res.Warnings...)
	sum := in.digest()
	if noID > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d alerts have no SystemAlertId: no incident can list them", noID))
	}
	res.Table = strings.Join(tables, ",")
	known, copies = nil, nil

	p, err := st.plan(ctx, ws)
	if err != nil {
		return fail(err)
	}
	for _, r := range p.rows {
		fp, err := fingerprint(r.table, r.rec)
		if err != nil {
			return fail(errAt(r.where, err))
		}
		r.rec[FingerprintField] = hex.EncodeToString(fp[:])
	}

	// Pass 2: write the records to add as they are read again.
	if len(adds.fps)+len(p.rows) > 0 {
		err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
			// The records to add, unless there are none: a file of
			// duplicates is not read again.
			if len(adds.fps) > 0 {
				src, err := in.start("writing")
				if err != nil {
					return err
				}
				idx, next := -1, 0
				_, err = decode(path, src, format, table, incident, func(r row) error {
					idx++
					if !adds.has(idx) {
						return nil
					}
					if err := prepare(r, incident, new(int)); err != nil {
						return err
					}
					if r.needTime {
						r.rec["TimeGenerated"] = st.carrierTime(r.rec, fileTime)
					}
					r.rec[FingerprintField] = hex.EncodeToString(adds.fps[next][:])
					next++
					if err := emit(r.table, r.rec); err != nil {
						return errAt(r.where, err)
					}
					return nil
				})
				if err != nil {
					return err
				}
				if idx+1 != n || next != len(adds.fps) || !bytes.Equal(in.digest(), sum) {
					return errChanged
				}
			}
			for _, r := range p.rows {
				if err := emit(r.table, r.rec); err != nil {
					return fmt.Errorf("%s: %w", r.where, err)
				}
			}
			return nil
		})
		if err != nil {
			return fail(err)
		}
	}
	res.Added = len(adds.fps)
	res.Linked, res.Synthetic, res.Superseded = p.linked, p.synthetic, p.superseded
	return res, nil
}

// prepare checks what a record of an incident table needs and links an
// alert to the incident the import is for; noID counts alerts without an id.
func prepare(r row, incident string, noID *int) error {
	switch r.table {
	case "SecurityIncident":
		if s, _ := r.rec["IncidentName"].(string); strings.TrimSpace(s) == "" {
			return errAtf(r.where, "column IncidentName: missing (every incident needs its name)")
		}
	case "SecurityAlert":
		if s, _ := r.rec["SystemAlertId"].(string); strings.TrimSpace(s) == "" {
			*noID++
		} else if _, ok := r.rec[IncidentLinkField]; !ok && incident != "" {
			r.rec[IncidentLinkField] = incident
		}
	}
	return nil
}

// additions are the records of a file to write: their indexes (from 0, in
// file order) as bits, and their fingerprints in the same order.
type additions struct {
	bits []uint64
	fps  [][32]byte
}

func (a *additions) add(idx int, fp [32]byte) {
	for len(a.bits) <= idx/64 {
		a.bits = append(a.bits, 0)
	}
	a.bits[idx/64] |= 1 << (idx % 64)
	a.fps = append(a.fps, fp)
}

func (a *additions) has(idx int) bool {
	return idx/64 < len(a.bits) && a.bits[idx/64]&(1<<(idx%64)) != 0
}

// fingerprints reads the fingerprints of a table's imported records.
func fingerprints(ctx context.Context, ws *local.Workspace, table string) (map[[32]byte]bool, error) {
	vals, err := ws.RecordFieldValues(ctx, table, FingerprintField)
	if err != nil {
		return nil, err
	}
	out := make(map[[32]byte]bool, len(vals))
	for v := range vals {
		var fp [32]byte
		if b, err := hex.DecodeString(v); err == nil && len(b) == len(fp) {
			copy(fp[:], b)
			out[fp] = true
		}
	}
	return out, nil
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

// fingerprint is the SHA-256 of the table name and the record's canonical
// JSON; FingerprintField holds it in hex.
func fingerprint(table string, rec map[string]any) ([32]byte, error) {
	b, err := json.Marshal(canonical(rec))
	if err != nil {
		return [32]byte{}, fmt.Errorf("fingerprint: %w", err)
	}
	h := sha256.New()
	h.Write([]byte(table))
	h.Write([]byte{0})
	h.Write(b)
	return [32]byte(h.Sum(nil)), nil
}

// copyFingerprint is the fingerprint of the n-th (from 1) further copy of
// a record in one file: the SHA-256 of the record's hex fingerprint, '#'
// and n.
func copyFingerprint(fp [32]byte, n int) [32]byte {
	return sha256.Sum256([]byte(hex.EncodeToString(fp[:]) + "#" + strconv.Itoa(n)))
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
