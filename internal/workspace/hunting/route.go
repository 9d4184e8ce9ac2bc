package hunting

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/triage-dev/triage/internal/workspace"
)

// LogAnalytics is what a table says of itself when Route had it answered by
// Log Analytics though advanced hunting could have answered too.
const LogAnalytics = "Log Analytics"

// Route runs q where its tables are: through Log Analytics (la, nil when
// the workspace has none) when it has them, through advanced hunting (h,
// nil when there is none) otherwise, and says which in Table.Source.
//
//   - la answers, or fails with another error than a *workspace.NoTableError:
//     that is the answer, its Source "Log Analytics" when q has a hunting
//     body and h is set (the choice was made), else as la set it.
//   - la fails with a *workspace.NoTableError, or la is nil: when q has a
//     hunting body and h is set, advanced hunting answers (Source
//     "advanced hunting"); otherwise the NoTableError stands (with la nil,
//     it names the first table q's kql body reads).
//
// A query with union isfuzzy=true that Log Analytics answers from the
// tables it has is its answer, though advanced hunting might have had
// others: Log Analytics says nothing of the legs it dropped.
func Route(ctx context.Context, q *workspace.Query, p workspace.Params,
	la func(context.Context, *workspace.Query, workspace.Params) (workspace.Table, error), h *Client) (workspace.Table, error) {
	_, hunts := q.Bodies[workspace.Hunting]
	hunts = hunts && h != nil
	var missing error
	if la != nil {
		t, err := la(ctx, q, p)
		var nt *workspace.NoTableError
		if err == nil || !errors.As(err, &nt) {
			if err == nil && hunts && t.Source == "" {
				t.Source = LogAnalytics
			}
			return t, err
		}
		missing = err
	}
	if hunts {
		t, err := h.Query(ctx, q, p)
		if err != nil && missing != nil {
			return t, fmt.Errorf("%w (Log Analytics: %v)", err, missing)
		}
		return t, err
	}
	if missing != nil {
		return workspace.Table{}, missing
	}
	return workspace.Table{}, fmt.Errorf("query %s: no Log Analytics workspace to run it, and no advanced hunting body: %w",
		q.Name, &workspace.NoTableError{Table: FirstTable(q.Bodies[workspace.KQL])})
}

// tableRE finds a capitalised name: tables are, KQL's words and the
// catalog's parameters are not.
var tableRE = regexp.MustCompile(`\b[A-Z][A-Za-z0-9_]*\b`)

// FirstTable returns the first table a kql body names (the first
// capitalised name: a union's first leg, a let's table), or "log" when it
// names none that can be told: the table a workspace without Log Analytics
// says it lacks.
func FirstTable(body string) string {
	for _, line := range strings.Split(body, "\n") {
		line, _, _ = strings.Cut(line, "//") // a comment names no table
		if m := tableRE.FindString(line); m != "" {
			return m
		}
	}
	return "log"
}
