package local

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

var _ workspace.Writer = (*Workspace)(nil)

// author is the Author of the comments and the ModifiedBy of the incident
// revisions the local workspace writes.
const author = "triage"

// commentTable holds the comments written on incidents.
const commentTable = "TriageIncidentComment"

// SetClock sets the clock that timestamps comments and incident revisions;
// nil restores time.Now. Times are stored to the microsecond, in UTC.
func (w *Workspace) SetClock(now func() time.Time) {
	if now == nil {
		w.clock.Store(nil)
		return
	}
	w.clock.Store(&now)
}

func (w *Workspace) now() time.Time {
	now := time.Now
	if p := w.clock.Load(); p != nil {
		now = *p
	}
	return now().UTC().Truncate(time.Microsecond)
}

// incidentFromRecord converts a SecurityIncident row as the catalog's
// incident queries return it into an Incident with its ETag.
func incidentFromRecord(r workspace.Record) (triage.Incident, error) {
	inc, err := workspace.IncidentFromRecord(r)
	if err != nil {
		return triage.Incident{}, err
	}
	inc.ETag = incidentETag(r.Time("TimeGenerated"), inc)
	return inc, nil
}

// incidentETag is a hash of the revision's TimeGenerated and of the
// incident as read from it. Update gives every revision a later
// TimeGenerated than the one before, so the ETag changes with each; the
// content part catches a row replaced with the same TimeGenerated (a
// reload).
func incidentETag(generated time.Time, inc triage.Incident) string {
	inc.ETag = ""
	b, err := json.Marshal(inc)
	if err != nil { // an Incident always marshals; keep the ETag unique anyway
		b = []byte(err.Error())
	}
	h := sha256.New()
	h.Write([]byte(generated.UTC().Format(workspace.TimeFormat)))
	h.Write([]byte{0})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Update applies ch to inc by appending a SecurityIncident revision: a copy
// of the incident's latest row with the changed fields, TimeGenerated and
// LastModifiedTime set to the clock's time (or a microsecond after the
// latest row's TimeGenerated, if that is later, so the new row is always the
// latest), ModifiedBy "triage", ClosedTime when it closes the incident and
// FirstModifiedTime when that was empty. New labels get labelType "User";
// kept ones keep theirs. An empty classification, reason or comment is
// stored as NULL.
//
// ch.Validate(inc) runs first. The incident is then read again inside the
// write transaction, through the catalog query incident_by_name; when its
// ETag is not inc.ETag, nothing is written and the error is a
// *workspace.ConflictError. A write by another process on the same file
// between that read and the insert makes the transaction fail (SQLite
// reports the database busy) rather than overwrite it.
func (w *Workspace) Update(ctx context.Context, inc triage.Incident, ch workspace.Change) (triage.Incident, error) {
	label := incidentLabel(inc)
	if err := ch.Validate(inc); err != nil {
		return triage.Incident{}, fmt.Errorf("update incident %s: %w", label, err)
	}
	if inc.Name == "" || inc.ETag == "" {
		return triage.Incident{}, fmt.Errorf("update incident %s: the incident has no name or ETag: read it from the workspace first", label)
	}
	if w.readOnly {
		return triage.Incident{}, fmt.Errorf("update incident %s: %w", label, ErrReadOnly)
	}
	q, err := w.cat.Get("incident_by_name")
	if err != nil {
		return triage.Incident{}, fmt.Errorf("update incident %s: %w", label, err)
	}
	if _, err := w.ensureIndexes(ctx, "SecurityIncident", nil); err != nil {
		return triage.Incident{}, fmt.Errorf("update incident %s: %w", label, err)
	}
	var out triage.Incident
	err = w.inTx(ctx, func(tx *sql.Tx) error {
		cur, rec, err := w.incidentTx(ctx, tx, q, inc.Name)
		if err != nil {
			return err
		}
		if cur.ETag != inc.ETag {
			return &workspace.ConflictError{Incident: label, Current: cur, Changed: workspace.Diff(inc, cur)}
		}
		if err := w.insertRevision(ctx, tx, cur, rec, ch); err != nil {
			return err
		}
		out, _, err = w.incidentTx(ctx, tx, q, cur.Name)
		return err
	})
	var ce *workspace.ConflictError
	switch {
	case errors.As(err, &ce):
		return triage.Incident{}, ce
	case err != nil:
		return triage.Incident{}, fmt.Errorf("update incident %s: %w", label, err)
	}
	return out, nil
}

// incidentTx reads the latest state of the incident named name inside tx
// through q (incident_by_name), as Incident does outside a transaction.
func (w *Workspace) incidentTx(ctx context.Context, tx *sql.Tx, q *workspace.Query, name string) (triage.Incident, workspace.Record, error) {
	text, args, err := q.Bind(workspace.SQL, workspace.Params{"name": name})
	if err != nil {
		return triage.Incident{}, nil, err
	}
	names, decls, raw, err := scanAll(tx.QueryContext(ctx, text, args...))
	if err != nil {
		return triage.Incident{}, nil, fmt.Errorf("query %q: %w", q.Name, err)
	}
	t, err := w.decode(q.Columns, names, decls, raw)
	if err != nil {
		return triage.Incident{}, nil, fmt.Errorf("query %q: %w", q.Name, err)
	}
	recs := t.Records()
	if len(recs) == 0 {
		return triage.Incident{}, nil, workspace.ErrNotFound
	}
	inc, err := incidentFromRecord(recs[0])
	if err != nil {
		return triage.Incident{}, nil, err
	}
	return inc, recs[0], nil
}

// insertRevision appends a copy of the latest SecurityIncident row of cur
// with ch applied.
func (w *Workspace) insertRevision(ctx context.Context, tx *sql.Tx, cur triage.Incident, rec workspace.Record, ch workspace.Change) error {
	// The latest row, in the incident queries' order.
	var (
		rowid  int64
		latest sql.NullString
	)
	err := tx.QueryRowContext(ctx, `SELECT rowid, TimeGenerated FROM SecurityIncident
		WHERE IncidentName = ? ORDER BY TimeGenerated DESC, rowid DESC LIMIT 1`, cur.Name).Scan(&rowid, &latest)
	if errors.Is(err, sql.ErrNoRows) {
		return workspace.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("read the latest revision: %w", err)
	}
	now := w.now()
	if latest.Valid {
		if prev, err := parseTime(latest.String); err == nil && !now.After(prev) {
			now = prev.Add(time.Microsecond)
		}
	}
	ts := now.Format(workspace.TimeFormat)
	after := ch.Apply(cur)
	set := map[string]any{"TimeGenerated": ts, "LastModifiedTime": ts}
	if rec["FirstModifiedTime"] == nil {
		set["FirstModifiedTime"] = ts
	}
	if ch.Status != nil {
		set["Status"] = string(after.Status)
		if after.Status == triage.StatusClosed && cur.Status != triage.StatusClosed {
			set["ClosedTime"] = ts
		}
	}
	if ch.Severity != nil {
		set["Severity"] = string(after.Severity)
	}
	if ch.Owner != nil {
		set["Owner"] = ownerJSON(after.Owner)
	}
	if ch.Labels != nil {
		set["Labels"] = labelsJSON(after.Labels, rec["Labels"])
	}
	if ch.Classification != nil {
		set["Classification"] = nullIfEmpty(string(after.Classification))
	}
	if ch.ClassificationReason != nil {
		set["ClassificationReason"] = nullIfEmpty(after.ClassificationReason)
	}
	if ch.ClassificationComment != nil {
		set["ClassificationComment"] = nullIfEmpty(after.ClassificationComment)
	}

	ti := w.schema.byName["SecurityIncident"]
	var cols, exprs []string
	var args []any
	for _, c := range ti.def.Hot {
		cols = append(cols, quoteIdent(c.Name))
		if v, ok := set[c.Name]; ok {
			exprs = append(exprs, "?")
			args = append(args, v)
		} else {
			exprs = append(exprs, quoteIdent(c.Name))
		}
	}
	cols = append(cols, recordColumn)
	exprs = append(exprs, "json_set("+recordColumn+", '$.ModifiedBy', ?)")
	args = append(args, author, rowid)
	stmt := fmt.Sprintf("INSERT INTO SecurityIncident (%s) SELECT %s FROM SecurityIncident WHERE rowid = ?",
		strings.Join(cols, ", "), strings.Join(exprs, ", "))
	if _, err := tx.ExecContext(ctx, stmt, args...); err != nil {
		return fmt.Errorf("write the new revision: %w", err)
	}
	return nil
}

// ownerJSON is the SecurityIncident Owner of o; unset fields are null.
func ownerJSON(o triage.Owner) string {
	b, _ := json.Marshal(map[string]any{
		"objectId":          nullIfEmpty(o.ObjectID),
		"email":             nullIfEmpty(o.Email),
		"assignedTo":        nullIfEmpty(o.AssignedTo),
		"userPrincipalName": nullIfEmpty(o.UPN),
	})
	return string(b)
}

// labelsJSON is the SecurityIncident Labels of names. A label that old (the
// row's decoded Labels) has keeps its labelType; a new one is "User".
func labelsJSON(names []string, old any) string {
	types := make(map[string]string)
	if list, ok := old.([]any); ok {
		for _, l := range list {
			if m, ok := l.(map[string]any); ok {
				n, _ := m["labelName"].(string)
				t, _ := m["labelType"].(string)
				types[n] = t
			}
		}
	}
	out := make([]map[string]string, 0, len(names))
	for _, n := range names {
		t := types[n]
		if t == "" {
			t = "User"
		}
		out = append(out, map[string]string{"labelName": n, "labelType": t})
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Comments returns the incident's comments from TriageIncidentComment,
// oldest first. An incident with no SecurityIncident row is an error
// wrapping workspace.ErrNotFound.
func (w *Workspace) Comments(ctx context.Context, inc triage.Incident) ([]workspace.Comment, error) {
	label := incidentLabel(inc)
	if _, err := w.ensureIndexes(ctx, "SecurityIncident "+commentTable, nil); err != nil {
		return nil, fmt.Errorf("comments of incident %s: %w", label, err)
	}
	var out []workspace.Comment
	err := w.inTx(ctx, func(tx *sql.Tx) error {
		if err := incidentExists(ctx, tx, inc.Name); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT CommentId, Message, Author, CreatedTime, LastModifiedTime
			FROM `+commentTable+` WHERE IncidentName = ? ORDER BY CreatedTime, rowid`, inc.Name)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, msg, auth, created, modified sql.NullString
			if err := rows.Scan(&id, &msg, &auth, &created, &modified); err != nil {
				return err
			}
			c := workspace.Comment{ID: id.String, Message: msg.String, Author: auth.String}
			c.Created, _ = parseTime(created.String)
			c.Modified, _ = parseTime(modified.String)
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("comments of incident %s: %w", label, err)
	}
	return out, nil
}

// PostComment adds a comment to TriageIncidentComment (id "": a new GUID,
// Author "triage") or replaces the message of comment id, keeping its author
// and creation time. The message must be non-blank UTF-8 of at most
// workspace.MaxCommentLength characters. An unknown incident or comment id
// is an error wrapping workspace.ErrNotFound.
func (w *Workspace) PostComment(ctx context.Context, inc triage.Incident, id, message string) (workspace.Comment, error) {
	label := incidentLabel(inc)
	switch n := utf8.RuneCountInString(message); {
	case strings.TrimSpace(message) == "":
		return workspace.Comment{}, fmt.Errorf("comment on incident %s: the message is empty", label)
	case !utf8.ValidString(message):
		return workspace.Comment{}, fmt.Errorf("comment on incident %s: the message is not valid UTF-8", label)
	case n > workspace.MaxCommentLength:
		return workspace.Comment{}, fmt.Errorf("comment on incident %s: the message has %d characters, more than the limit of %d",
			label, n, workspace.MaxCommentLength)
	}
	if w.readOnly {
		return workspace.Comment{}, fmt.Errorf("comment on incident %s: %w", label, ErrReadOnly)
	}
	if _, err := w.ensureIndexes(ctx, "SecurityIncident "+commentTable, nil); err != nil {
		return workspace.Comment{}, fmt.Errorf("comment on incident %s: %w", label, err)
	}
	now := w.now()
	ts := now.Format(workspace.TimeFormat)
	c := workspace.Comment{ID: id, Message: message, Author: author, Created: now, Modified: now}
	err := w.inTx(ctx, func(tx *sql.Tx) error {
		if err := incidentExists(ctx, tx, inc.Name); err != nil {
			return err
		}
		var auth, created sql.NullString
		err := sql.ErrNoRows
		if id != "" {
			err = tx.QueryRowContext(ctx, `SELECT Author, CreatedTime FROM `+commentTable+`
				WHERE IncidentName = ? AND CommentId = ? ORDER BY rowid LIMIT 1`, inc.Name, id).Scan(&auth, &created)
		}
		if errors.Is(err, sql.ErrNoRows) {
			if c.ID == "" {
				c.ID = uuid.NewString()
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO `+commentTable+`
				(TimeGenerated, IncidentName, CommentId, Message, Author, CreatedTime, LastModifiedTime, Record)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				ts, inc.Name, c.ID, message, author, ts, ts, `{"Type":"`+commentTable+`"}`)
			return err
		}
		if err != nil {
			return err
		}
		c.Author = auth.String
		c.Created, _ = parseTime(created.String)
		_, err = tx.ExecContext(ctx, `UPDATE `+commentTable+` SET Message = ?, LastModifiedTime = ?, TimeGenerated = ?
			WHERE IncidentName = ? AND CommentId = ?`, message, ts, ts, inc.Name, id)
		return err
	})
	if err != nil {
		return workspace.Comment{}, fmt.Errorf("comment on incident %s: %w", label, err)
	}
	return c, nil
}

// incidentExists checks that name (as stored) has a SecurityIncident row.
func incidentExists(ctx context.Context, tx *sql.Tx, name string) error {
	if name == "" {
		return errors.New("the incident has no name: read it from the workspace first")
	}
	var one int
	err := tx.QueryRowContext(ctx, "SELECT 1 FROM SecurityIncident WHERE IncidentName = ? LIMIT 1", name).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return workspace.ErrNotFound
	}
	return err
}

// inTx runs fn in a transaction, committed when fn returns nil and rolled
// back otherwise. fn must not use w.db: the workspace has one connection.
func (w *Workspace) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
