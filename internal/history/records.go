package history

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/buildinfo"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

// Record is one completed triage, without its report (see Store.Report).
type Record struct {
	ID        int64  `json:"id"`
	Workspace string `json:"workspace"`
	// Incident is the incident's number, IncidentName its name (GUID).
	Incident     int    `json:"incident"`
	IncidentName string `json:"incident_name"`
	// At is when the triage was made: the report's generated_at.
	At time.Time `json:"at"`
	// Version is the version of the program that made it (buildinfo).
	Version string `json:"version"`
	// Verdict is the threat-intel verdict, Complete whether every lookup
	// was made.
	Verdict  intel.Severity `json:"verdict"`
	Complete bool           `json:"complete"`
	// Priority is the priority score, nil when the triage worked none out;
	// Reasons gives its reasons.
	Priority *int `json:"priority"`
	// reasons is the priority's reasons as stored (JSON), decoded by
	// Reasons when asked for: a queue lists many records and shows the
	// reasons of few.
	reasons string
	// Partial is set when some step of the triage failed or was cut.
	Partial bool `json:"partial"`
	// IncidentModified is the incident's last change as the triage read
	// it, and Alerts its alert count as the incident gives it (not the
	// report's alerts, which may hold more: triage import adds one that
	// carries an exported incident's entities): what tells a later reader,
	// comparing with the incident as a listing gives it, whether the
	// incident changed since.
	IncidentModified time.Time `json:"incident_modified,omitzero"`
	Alerts           int       `json:"alerts"`
}

const recordCols = `id, workspace, incident_number, incident_name, at, version, verdict, complete, priority, partial, incident_modified, alerts, reasons`

// recordColsOfR is recordCols of a table named r.
var recordColsOfR = "r." + strings.ReplaceAll(recordCols, ", ", ", r.")

// scanRecord reads a row of recordCols. Reasons that do not decode (a
// damaged file) leave the record without them rather than failing the
// listing: the score stands.
func scanRecord(sc interface{ Scan(...any) error }) (Record, error) {
	var rec Record
	var at, modified int64
	var prio sql.NullInt64
	var reasons sql.NullString
	err := sc.Scan(&rec.ID, &rec.Workspace, &rec.Incident, &rec.IncidentName, &at, &rec.Version,
		&rec.Verdict, &rec.Complete, &prio, &rec.Partial, &modified, &rec.Alerts, &reasons)
	if err != nil {
		return Record{}, err
	}
	rec.reasons = reasons.String
	rec.At = fromNanos(at)
	if modified != 0 {
		rec.IncidentModified = fromNanos(modified)
	}
	if prio.Valid {
		p := int(prio.Int64)
		rec.Priority = &p
	}
	return rec, nil
}

// Add records the completed triage r and returns its record. The report
// is kept as it is, without its SinceLast (what changed is relative to the
// record before, and worked out again when asked). Now and then Add also
// deletes the records past the retention.
func (s *Store) Add(ctx context.Context, r report.Report) (Record, error) {
	return s.add(ctx, r, true)
}

// AddPending records r as Add does, but as not current (Record.Current)
// until SetIncidentModified says what the incident became: for a triage
// whose writes to the incident (its summary comment, its label) are still
// to be made, so that when they fail, or are never made (the watch was
// stopped), the incident is triaged again rather than left without them.
func (s *Store) AddPending(ctx context.Context, r report.Report) (Record, error) {
	return s.add(ctx, r, false)
}

// add is Add, or AddPending when not current.
func (s *Store) add(ctx context.Context, r report.Report, current bool) (Record, error) {
	r.SinceLast = nil
	blob, err := compress(&r)
	if err != nil {
		return Record{}, fmt.Errorf("triage history: add incident %d: %w", r.Incident.Number, err)
	}
	now := s.now()
	rec := Record{
		Workspace: r.Workspace, Incident: r.Incident.Number, IncidentName: r.Incident.Name,
		At: r.GeneratedAt.UTC(), Version: buildinfo.Version(),
		Verdict: r.TI.Severity, Complete: r.TI.Complete, Partial: r.Partial(),
		IncidentModified: r.Incident.LastModified.UTC(), Alerts: r.Incident.AlertCount,
	}
	if !current {
		rec.IncidentModified = time.Time{}
	}
	if rec.At.IsZero() {
		rec.At = now.UTC()
	}
	var prio, reasons any
	if r.Priority != nil {
		p := r.Priority.Score
		rec.Priority = &p
		prio = p
		var err error
		if rec, err = rec.WithReasons(r.Priority.Reasons); err != nil {
			return Record{}, fmt.Errorf("triage history: add incident %d: %w", r.Incident.Number, err)
		}
		if rec.reasons != "" {
			reasons = rec.reasons
		}
	}
	modified := int64(0)
	if !rec.IncidentModified.IsZero() {
		modified = nanos(rec.IncidentModified)
	}
	if err := s.writes.Take(ctx); err != nil {
		return Record{}, fmt.Errorf("triage history: add incident %d: %w", r.Incident.Number, err)
	}
	defer s.writes.Give()
	if rec.ID, err = s.insert(ctx, rec, prio, reasons, modified, blob); err != nil {
		return Record{}, fmt.Errorf("triage history: add incident %d: %w", r.Incident.Number, s.check(err))
	}
	if s.adds.Add(1)%pruneEvery == 1 {
		if _, err := s.prune(ctx, now.Add(-s.Retention())); err != nil {
			return rec, fmt.Errorf("triage history: delete records past the retention: %w", s.check(err))
		}
	}
	return rec, nil
}

// insert adds rec in one transaction with its place in latest: it becomes
// its incident's latest record unless that one is newer (a report made
// earlier, added later). Its id is above every record's, so a tie in time
// goes to it. The caller holds the write token.
func (s *Store) insert(ctx context.Context, rec Record, prio, reasons any, modified int64, blob []byte) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO records (workspace, incident_number, incident_name, at, version, verdict, complete, priority, partial, incident_modified, alerts, reasons, report)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		rec.Workspace, rec.Incident, rec.IncidentName, nanos(rec.At), rec.Version, string(rec.Verdict), rec.Complete, prio, rec.Partial, modified, rec.Alerts, reasons, blob)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO latest (workspace, incident_name, record) VALUES (?, ?, ?)
		ON CONFLICT (workspace, incident_name) DO UPDATE SET record = excluded.record
		WHERE NOT EXISTS (SELECT 1 FROM records c WHERE c.id = latest.record AND c.at > ?)`,
		rec.Workspace, rec.IncidentName, id, nanos(rec.At))
	if err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

// encodeReasons is reasons as the JSON the reasons column holds, nil for
// none.
func encodeReasons(reasons []report.PriorityReason) (*string, error) {
	if reasons == nil {
		return nil, nil
	}
	js, err := json.Marshal(reasons)
	if err != nil {
		return nil, fmt.Errorf("encode the priority's reasons: %w", err)
	}
	s := string(js)
	return &s, nil
}

// compress is r as gzip-compressed JSON.
func compress(r *report.Report) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(r); err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compress report: %w", err)
	}
	return buf.Bytes(), nil
}

// maxReport bounds a report as decompressed, so that a damaged or
// tampered file cannot make Report allocate without end.
const maxReport = 1 << 30

// isNumber reports whether an incident reference is a number.
func isNumber(ref string) (int, bool) {
	if ref == "" || strings.TrimLeft(ref, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(ref)
	return n, err == nil
}

// matches reports whether rec is of the incident ref names.
func matches(rec Record, ref string) bool {
	if n, ok := isNumber(ref); ok {
		return rec.Incident == n
	}
	return strings.EqualFold(rec.IncidentName, ref)
}

// List returns the records of incident (its number or name) in workspace,
// newest first.
func (s *Store) List(ctx context.Context, workspace, incident string) ([]Record, error) {
	q := `SELECT ` + recordCols + ` FROM records WHERE workspace = ? AND incident_name = ? COLLATE NOCASE ORDER BY at DESC, id DESC`
	var arg any = incident
	if n, ok := isNumber(incident); ok {
		q = `SELECT ` + recordCols + ` FROM records WHERE workspace = ? AND incident_number = ? ORDER BY at DESC, id DESC`
		arg = n
	}
	rows, err := s.db.QueryContext(ctx, q, workspace, arg)
	if err != nil {
		return nil, fmt.Errorf("triage history: list: %w", s.check(err))
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("triage history: list: %w", s.check(err))
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("triage history: list: %w", s.check(err))
	}
	return out, nil
}

// Latest returns the newest record of each incident of workspace named in
// incidents (numbers or names), keyed by the reference as given; an
// incident with no record has no key. With no incidents it returns the
// newest record of every incident of the workspace, keyed by name. It
// reads the workspace's latest records in one query, whatever the number
// of incidents asked about.
func (s *Store) Latest(ctx context.Context, workspace string, incidents ...string) (map[string]Record, error) {
	// The latest table holds each incident's latest record id (Add and
	// Prune keep it): one row by key per incident, no search.
	rows, err := s.db.QueryContext(ctx, `SELECT `+recordColsOfR+` FROM latest l JOIN records r ON r.id = l.record
		WHERE l.workspace = ?`, workspace)
	if err != nil {
		return nil, fmt.Errorf("triage history: latest: %w", s.check(err))
	}
	defer rows.Close()
	var recs []Record
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("triage history: latest: %w", s.check(err))
		}
		recs = append(recs, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("triage history: latest: %w", s.check(err))
	}
	out := map[string]Record{}
	if len(incidents) == 0 {
		for _, rec := range recs {
			out[rec.IncidentName] = rec
		}
		return out, nil
	}
	byName := make(map[string]Record, len(recs))
	byNumber := make(map[int]Record, len(recs))
	for _, rec := range recs {
		byName[strings.ToLower(rec.IncidentName)] = rec
		// Of two incidents with one number, the newer triage wins.
		if old, ok := byNumber[rec.Incident]; !ok || newer(rec, old) {
			byNumber[rec.Incident] = rec
		}
	}
	for _, ref := range incidents {
		var rec Record
		var ok bool
		if n, isNum := isNumber(ref); isNum {
			rec, ok = byNumber[n]
		} else {
			rec, ok = byName[strings.ToLower(ref)]
		}
		if ok {
			out[ref] = rec
		}
	}
	return out, nil
}

// newer reports whether a is a later triage than b: made later, or added
// later at the same time.
func newer(a, b Record) bool {
	if !a.At.Equal(b.At) {
		return a.At.After(b.At)
	}
	return a.ID > b.ID
}

// Report returns the report of record id, or ErrNotFound.
func (s *Store) Report(ctx context.Context, id int64) (report.Report, error) {
	var blob []byte
	err := s.db.QueryRowContext(ctx, `SELECT report FROM records WHERE id = ?`, id).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return report.Report{}, fmt.Errorf("triage history: record %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return report.Report{}, fmt.Errorf("triage history: record %d: %w", id, s.check(err))
	}
	r, err := decompress(blob)
	if err != nil {
		return report.Report{}, fmt.Errorf("triage history: record %d: stored report: %w", id, err)
	}
	return r, nil
}

// decompress is the report a record's report column holds.
func decompress(blob []byte) (report.Report, error) {
	zr, err := gzip.NewReader(bytes.NewReader(blob))
	if err != nil {
		return report.Report{}, err
	}
	var r report.Report
	dec := json.NewDecoder(io.LimitReader(zr, maxReport))
	if err := dec.Decode(&r); err != nil {
		return report.Report{}, err
	}
	return r, nil
}

// Prune deletes the records of triages made before t and returns how many.
func (s *Store) Prune(ctx context.Context, before time.Time) (int64, error) {
	if err := s.writes.Take(ctx); err != nil {
		return 0, fmt.Errorf("triage history: prune: %w", err)
	}
	defer s.writes.Give()
	n, err := s.prune(ctx, before)
	if err != nil {
		return 0, fmt.Errorf("triage history: prune: %w", s.check(err))
	}
	return n, nil
}

// prune deletes the records before t, in one transaction with latest: an
// incident whose latest record goes gets its newest remaining one, or
// leaves latest when none remains. The caller holds the write token.
func (s *Store) prune(ctx context.Context, before time.Time) (int64, error) {
	t := nanos(before)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `UPDATE latest SET record = coalesce((SELECT r.id FROM records r
			WHERE r.workspace = latest.workspace AND r.incident_name = latest.incident_name COLLATE NOCASE AND r.at >= ?
			ORDER BY r.at DESC, r.id DESC LIMIT 1), 0)
		WHERE record IN (SELECT id FROM records WHERE at < ?)`, t, t)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM latest WHERE record = 0`); err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM records WHERE at < ?`, t)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	return n, tx.Commit()
}

// Current reports whether rec is a triage of inc as it stands: the incident
// has as many alerts and has not changed since the triage read it. A record
// that does not know when the incident changed is never current.
func (rec Record) Current(inc triage.Incident) bool {
	return !rec.IncidentModified.IsZero() && rec.Alerts == inc.AlertCount && !inc.LastModified.After(rec.IncidentModified)
}

// Reasons are the priority's reasons as the report gave them: nil without a
// priority, or for a record whose reasons cannot be read. They are not in
// the record's JSON, where a record stands beside its priority (the
// queue's rows give them there).
func (rec Record) Reasons() []report.PriorityReason {
	if rec.reasons == "" {
		return nil
	}
	var rs []report.PriorityReason
	if json.Unmarshal([]byte(rec.reasons), &rs) != nil {
		return nil
	}
	return rs
}

// WithReasons returns rec with reasons as its priority's reasons, as Add
// records them: for a record made elsewhere than by the store (a fake in
// a test).
func (rec Record) WithReasons(reasons []report.PriorityReason) (Record, error) {
	js, err := encodeReasons(reasons)
	if err != nil {
		return rec, err
	}
	rec.reasons = ""
	if js != nil {
		rec.reasons = *js
	}
	return rec, nil
}
