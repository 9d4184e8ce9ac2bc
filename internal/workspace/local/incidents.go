package local

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// farFuture stands in for an open end of the incident window.
var farFuture = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// ListIncidents calls fn for the latest state of each incident in the
// filter, newest first (by creation time, then number), through the catalog
// query incidents_in_window. The window, modification time, severities, statuses, owner and
// title are filtered in SQL for speed (SQLite folds case for ASCII only, so
// an owner or title filter with other letters is left out of the SQL), and
// f.Match has the last word on every row. All matching incidents are read
// before fn is first called, so fn may use the workspace. An error from fn
// is returned as is. Incidents carry an ETag that changes with every
// revision (see Update).
func (w *Workspace) ListIncidents(ctx context.Context, f workspace.IncidentFilter, fn func(triage.Incident) error) error {
	q, err := w.cat.Get("incidents_in_window")
	if err != nil {
		return fmt.Errorf("list incidents: %w", err)
	}
	end := f.End
	if end.IsZero() {
		end = farFuture
	}
	p := workspace.Params{
		"start":          f.Start,
		"end":            end,
		"modified_since": f.ModifiedSince,
		"severities":     toStrings(f.Severities),
		"statuses":       toStrings(f.Statuses),
		"owner":          asciiOnly(f.Owner),
		"title_contains": asciiOnly(f.Title),
	}
	t, err := w.Query(ctx, q, p)
	if err != nil {
		return fmt.Errorf("list incidents: %w", err)
	}
	incs := make([]triage.Incident, 0, len(t.Rows))
	for i, r := range t.Records() {
		inc, err := incidentFromRecord(r)
		if err != nil {
			return fmt.Errorf("list incidents: row %d: %w", i, err)
		}
		if f.Match(inc) {
			incs = append(incs, inc)
		}
	}
	for _, inc := range incs {
		if err := fn(inc); err != nil {
			return err
		}
	}
	return nil
}

// Incident finds an incident by number ("42") or by name (its GUID, compared
// case-insensitively; a full resource id is reduced to its last segment).
// An unknown incident is an error wrapping workspace.ErrNotFound. The
// incident carries an ETag that changes with every revision (see Update).
func (w *Workspace) Incident(ctx context.Context, ref string) (triage.Incident, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return triage.Incident{}, fmt.Errorf("incident: empty reference")
	}
	var (
		qname string
		p     workspace.Params
	)
	if n, err := strconv.ParseInt(ref, 10, 64); err == nil {
		qname, p = "incident_by_number", workspace.Params{"number": n}
	} else {
		name := ref
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			name = name[i+1:]
		}
		qname, p = "incident_by_name", workspace.Params{"name": name}
	}
	q, err := w.cat.Get(qname)
	if err != nil {
		return triage.Incident{}, fmt.Errorf("incident %q: %w", ref, err)
	}
	t, err := w.Query(ctx, q, p)
	if err != nil {
		return triage.Incident{}, fmt.Errorf("incident %q: %w", ref, err)
	}
	recs := t.Records()
	if len(recs) == 0 {
		return triage.Incident{}, fmt.Errorf("incident %q: %w", ref, workspace.ErrNotFound)
	}
	inc, err := incidentFromRecord(recs[0])
	if err != nil {
		return triage.Incident{}, fmt.Errorf("incident %q: %w", ref, err)
	}
	return inc, nil
}

// Details reads the incident's alerts (the latest row of each of
// inc.AlertIDs, through the catalog query alerts_by_id), parses their
// entities and merges them, within the workspace's caps (SetLimits). An
// incident without alert ids, an alert id with no SecurityAlert row,
// entities left out by the caps and whatever the parser reports are
// Problems; the error is for a failed query.
func (w *Workspace) Details(ctx context.Context, inc triage.Incident) (triage.Details, error) {
	where := "incident " + incidentLabel(inc)
	asm := triage.NewAssembly(where, w.Limits())
	if len(inc.AlertIDs) == 0 {
		asm.Problem(triage.Problem{Where: where, What: "the incident lists no alert ids"})
		return asm.Details(), nil
	}
	q, err := w.cat.Get("alerts_by_id")
	if err != nil {
		return triage.Details{}, fmt.Errorf("details of %s: %w", where, err)
	}
	t, err := w.Query(ctx, q, workspace.Params{"ids": inc.AlertIDs})
	if err != nil {
		return triage.Details{}, fmt.Errorf("details of %s: %w", where, err)
	}
	byID := make(map[string]workspace.Record, len(t.Rows))
	for _, r := range t.Records() {
		byID[r.String("SystemAlertId")] = r
	}
	seen := make(map[string]bool, len(inc.AlertIDs))
	for _, id := range inc.AlertIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		row, ok := byID[id]
		if !ok {
			asm.Problem(triage.Problem{
				Where: where + " alert " + id,
				What:  "no SecurityAlert row with this SystemAlertId",
			})
			continue
		}
		asm.Alert(triage.ParseSecurityAlert(row))
	}
	return asm.Details(), nil
}

// SetLimits sets the caps on the entities Details reads of an alert and of
// an incident (zero fields: triage's defaults). Call it before the
// workspace is used.
func (w *Workspace) SetLimits(l triage.Limits) { w.limits = l }

// Limits returns the caps Details applies.
func (w *Workspace) Limits() triage.Limits { return w.limits }

func incidentLabel(inc triage.Incident) string {
	if inc.Number != 0 {
		return strconv.Itoa(inc.Number)
	}
	return inc.Name
}

func toStrings[S ~string](xs []S) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// asciiOnly returns s when SQLite can fold its case (ASCII), else "".
func asciiOnly(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return ""
		}
	}
	return s
}
