// Package workspace defines where incidents and their logs live: the Workspace
// interface that the local SQLite workspace and Microsoft Sentinel implement,
// the named query catalog every query comes from, and the tables queries return.
package workspace

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/triage"
)

// ErrNotFound is returned (wrapped) when an incident or other object does not exist.
var ErrNotFound = errors.New("not found")

// ThrottledError is a request a service throttled for longer than the
// workspace's retry budget. Every workspace kind that talks to a service
// returns it, so that a caller (watch's backoff) waits what the service
// asked without knowing the kind.
type ThrottledError struct {
	Workspace string        // "sentinel workspace soc"
	Service   string        // who throttled: "the service", "Microsoft Graph"
	Wait      time.Duration // what the service asked for; 0 if it did not say
	Err       error
}

func (e *ThrottledError) Error() string {
	s := fmt.Sprintf("%s: throttled by %s", e.Workspace, e.Service)
	if e.Wait > 0 {
		s += fmt.Sprintf("; it asks to wait %s, longer than triage waits: try again after %s",
			e.Wait.Round(time.Second), time.Now().Add(e.Wait).Format("15:04:05"))
	}
	return s
}

func (e *ThrottledError) Unwrap() error { return e.Err }

// ErrUnauthorized is returned (wrapped) when signing in failed, or the
// service refused the credential or the permission.
var ErrUnauthorized = errors.New("not authorized")

// IncidentFilter selects incidents. Zero fields select everything.
type IncidentFilter struct {
	// Start and End bound the incident's creation time: Start <= created < End.
	Start, End time.Time
	Severities []triage.Severity // any of these
	Statuses   []triage.Status   // any of these
	// Owner matches the owner's name, UPN or email, case-insensitively;
	// "unassigned" selects incidents with no owner.
	Owner string
	Title string // a case-insensitive substring of the title
	// ModifiedSince selects the incidents last modified at or after it
	// (LastModified >= ModifiedSince), whenever they were created: what a
	// watch asks for after its first pass. Zero selects all.
	ModifiedSince time.Time
}

// Workspace is where incidents and their logs live.
//
// Implementations are safe for concurrent use. Every method honours ctx
// cancellation. Errors wrap ErrNotFound where something asked for does not exist.
type Workspace interface {
	// Name is the workspace's configured name ("demo", "contoso-prod").
	Name() string
	// Dialect is the query dialect the workspace runs.
	Dialect() Dialect
	// ListIncidents pages internally and calls fn once per incident in the
	// filter, newest first, in the caller's goroutine. It never truncates
	// silently. An error from fn stops the listing and is returned as is.
	ListIncidents(ctx context.Context, f IncidentFilter, fn func(triage.Incident) error) error
	// Incident finds one incident by its number ("42") or name (its GUID).
	Incident(ctx context.Context, ref string) (triage.Incident, error)
	// Details reads an incident's alerts and entities, merged and linked,
	// the alerts in time order (triage.SortAlerts): the order every
	// rendering shows. Malformed alerts or entities are reported in
	// Details.Problems, not as an error; the error is for a failure to read
	// anything at all.
	Details(ctx context.Context, inc triage.Incident) (triage.Details, error)
	// Run runs the query named name from the workspace's catalog (given to
	// it when it was opened) with typed parameters, in the workspace's
	// dialect. A name the catalog does not have is an error that names it
	// and wraps ErrNotFound. A result that the service marks partial comes
	// back with Table.Warnings set.
	// A query over a table the workspace lacks fails with a *NoTableError.
	Run(ctx context.Context, name string, p Params) (Table, error)
	// Close releases the workspace's resources.
	Close() error
}

// Match reports whether inc passes every condition of f. Implementations that
// filter at the source use it as the last word, so that every workspace
// selects the same incidents.
func (f IncidentFilter) Match(inc triage.Incident) bool {
	if !f.Start.IsZero() && inc.Created.Before(f.Start) || !f.End.IsZero() && !inc.Created.Before(f.End) {
		return false
	}
	if !f.ModifiedSince.IsZero() && inc.LastModified.Before(f.ModifiedSince) {
		return false
	}
	if len(f.Severities) > 0 && !slices.Contains(f.Severities, inc.Severity) {
		return false
	}
	if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, inc.Status) {
		return false
	}
	switch {
	case f.Owner == "":
	case strings.EqualFold(f.Owner, "unassigned"):
		if inc.Owner != (triage.Owner{}) {
			return false
		}
	default:
		o := inc.Owner
		if !strings.EqualFold(o.AssignedTo, f.Owner) && !strings.EqualFold(o.UPN, f.Owner) && !strings.EqualFold(o.Email, f.Owner) {
			return false
		}
	}
	return f.Title == "" || strings.Contains(strings.ToLower(inc.Title), strings.ToLower(f.Title))
}
