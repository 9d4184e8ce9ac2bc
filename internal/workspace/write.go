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

// MaxCommentLength is the most characters (Unicode code points) Sentinel
// accepts in one incident comment.
const MaxCommentLength = 30000

// Writer is implemented by workspaces that can change incidents: Sentinel
// through its incidents API, the local workspace in its own tables.
//
// Every change is read-modify-write against the incident as the caller read
// it (its ETag): when the incident changed since, nothing is written and the
// error is a *ConflictError. Implementations are safe for concurrent use.
type Writer interface {
	// Comments lists the incident's comments, oldest first, all pages.
	Comments(ctx context.Context, inc triage.Incident) ([]Comment, error)
	// PostComment adds a comment with the given Markdown message, or
	// replaces the message of comment id when the incident has one: an id
	// that is "" or new adds a comment (with that id when given), as
	// Sentinel's create-or-update does. The message must not be longer than
	// MaxCommentLength characters.
	PostComment(ctx context.Context, inc triage.Incident, id, message string) (Comment, error)
	// Update applies ch to inc, which must be the incident as last read
	// (with its ETag), and returns the incident as stored afterwards. It
	// checks ch.Validate first and writes nothing when that fails.
	Update(ctx context.Context, inc triage.Incident, ch Change) (triage.Incident, error)
}

// Comment is one comment on an incident.
type Comment struct {
	ID       string    `json:"id"`
	Message  string    `json:"message"`
	Author   string    `json:"author,omitempty"`
	Created  time.Time `json:"created,omitzero"`
	Modified time.Time `json:"modified,omitzero"`
}

// Change is an update to an incident. Nil fields are left as they are.
type Change struct {
	Status   *triage.Status   `json:"status,omitempty"`
	Severity *triage.Severity `json:"severity,omitempty"`
	// Owner replaces the owner; a zero Owner unassigns the incident.
	Owner *triage.Owner `json:"owner,omitempty"`
	// Labels replaces the labels (the caller adds to or removes from the
	// current ones).
	Labels                *[]string              `json:"labels,omitempty"`
	Classification        *triage.Classification `json:"classification,omitempty"`
	ClassificationReason  *string                `json:"classification_reason,omitempty"`
	ClassificationComment *string                `json:"classification_comment,omitempty"`
}

// The classification reasons Sentinel accepts, by the classification they
// go with.
var ClassificationReasons = map[triage.Classification][]string{
	triage.ClassTruePositive:   {"SuspiciousActivity"},
	triage.ClassBenignPositive: {"SuspiciousButExpected"},
	triage.ClassFalsePositive:  {"IncorrectAlertLogic", "InaccurateData"},
	triage.ClassUndetermined:   nil,
}

// IsZero reports whether ch changes nothing.
func (ch Change) IsZero() bool { return ch == Change{} }

// Apply returns inc with ch applied. Fields ch does not set are kept.
func (ch Change) Apply(inc triage.Incident) triage.Incident {
	if ch.Status != nil {
		inc.Status = *ch.Status
	}
	if ch.Severity != nil {
		inc.Severity = *ch.Severity
	}
	if ch.Owner != nil {
		inc.Owner = *ch.Owner
	}
	if ch.Labels != nil {
		inc.Labels = slices.Clone(*ch.Labels)
	}
	if ch.Classification != nil {
		inc.Classification = *ch.Classification
	}
	if ch.ClassificationReason != nil {
		inc.ClassificationReason = *ch.ClassificationReason
	}
	if ch.ClassificationComment != nil {
		inc.ClassificationComment = *ch.ClassificationComment
	}
	return inc
}

// Validate checks ch against the incident it applies to: known status,
// severity and classification values, a classification when the result is
// Closed (Sentinel refuses to close without one), and a reason that goes with
// the classification. The error says what to add or change.
func (ch Change) Validate(inc triage.Incident) error {
	if ch.IsZero() {
		return errors.New("nothing to change: give at least one of status, severity, owner, labels, classification")
	}
	var errs []error
	if ch.Status != nil && !slices.Contains([]triage.Status{triage.StatusNew, triage.StatusActive, triage.StatusClosed}, *ch.Status) {
		errs = append(errs, fmt.Errorf("status %q is not one of New, Active, Closed", *ch.Status))
	}
	if ch.Severity != nil && ch.Severity.Rank() == 0 {
		errs = append(errs, fmt.Errorf("severity %q is not one of Informational, Low, Medium, High", *ch.Severity))
	}
	if ch.Classification != nil {
		if _, ok := ClassificationReasons[*ch.Classification]; !ok {
			errs = append(errs, fmt.Errorf("classification %q is not one of TruePositive, BenignPositive, FalsePositive, Undetermined", *ch.Classification))
		}
	}
	after := ch.Apply(inc)
	if after.Status == triage.StatusClosed && after.Classification == "" {
		errs = append(errs, errors.New("closing an incident needs a classification (TruePositive, BenignPositive, FalsePositive or Undetermined)"))
	}
	if after.Status != triage.StatusClosed && ch.Classification != nil {
		errs = append(errs, errors.New("a classification is only set when closing: add status Closed"))
	}
	if ch.ClassificationReason != nil && *ch.ClassificationReason != "" {
		reasons, known := ClassificationReasons[after.Classification]
		if known && !slices.Contains(reasons, *ch.ClassificationReason) {
			want := "none"
			if len(reasons) > 0 {
				want = strings.Join(reasons, " or ")
			}
			errs = append(errs, fmt.Errorf("classification reason %q does not go with %s (use %s)",
				*ch.ClassificationReason, after.Classification, want))
		}
	}
	return errors.Join(errs...)
}

// ErrConflict is wrapped by *ConflictError.
var ErrConflict = errors.New("the incident changed since it was read")

// ConflictError reports that an incident changed between the read and the
// write; nothing was written.
type ConflictError struct {
	Incident string          // number or name
	Current  triage.Incident // as it is now
	// Changed lists what differs between the incident as read and as it is
	// now, one "field: old → new" line each.
	Changed []string
}

func (e *ConflictError) Error() string {
	s := "incident " + e.Incident + " changed since it was read; nothing was written"
	if len(e.Changed) > 0 {
		s += " (" + strings.Join(e.Changed, "; ") + ")"
	}
	return s
}

func (e *ConflictError) Unwrap() error { return ErrConflict }

// Diff lists the fields an analyst cares about that differ between two
// versions of an incident, one "field: old → new" line each.
func Diff(old, cur triage.Incident) []string {
	var out []string
	add := func(field, a, b string) {
		if a != b {
			out = append(out, fmt.Sprintf("%s: %q → %q", field, a, b))
		}
	}
	add("title", old.Title, cur.Title)
	add("status", string(old.Status), string(cur.Status))
	add("severity", string(old.Severity), string(cur.Severity))
	add("owner", old.Owner.String(), cur.Owner.String())
	add("labels", strings.Join(old.Labels, ", "), strings.Join(cur.Labels, ", "))
	add("classification", string(old.Classification), string(cur.Classification))
	add("classification reason", old.ClassificationReason, cur.ClassificationReason)
	add("classification comment", old.ClassificationComment, cur.ClassificationComment)
	add("description", old.Description, cur.Description)
	if len(out) == 0 && !old.LastModified.Equal(cur.LastModified) {
		out = append(out, fmt.Sprintf("last modified: %s → %s",
			old.LastModified.UTC().Format(time.RFC3339), cur.LastModified.UTC().Format(time.RFC3339)))
	}
	return out
}
