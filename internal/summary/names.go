package summary

import (
	"context"
	"strconv"
	"strings"

	"github.com/triage-dev/triage/internal/report"
)

// The queries that say what a name stands for
// (internal/workspace/queries/summary_names.yaml).
const (
	qResourceNames = "azure_resource_names"
	qHostNames     = "host_names"
	qAccountNames  = "account_names"
)

// minHintLen is the shortest name the names that contain it are looked
// for: a shorter one is part of almost every name, and no hint.
const minHintLen = 3

// maxListed is how many names a hint lists.
const maxListed = 10

// named asks query (one of the names queries) about names and returns, per
// name asked, the distinct values of column col, in the query's order.
// Names shorter than minHintLen are not asked about.
func (env *Env) named(ctx context.Context, query string, names []string, col string) (map[string][]string, error) {
	var asked []string
	for _, n := range dedupe(names) {
		if len(n) >= minHintLen {
			asked = append(asked, n)
		}
	}
	if len(asked) == 0 {
		return nil, nil
	}
	if env.Workspace == nil {
		return nil, errNoWorkspace
	}
	p := env.window()
	p["names"] = asked
	recs, _, err := env.query(ctx, query, p)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, r := range recs {
		v := r.String("Value")
		out[v] = append(out[v], r.String(col))
	}
	for v, found := range out {
		out[v] = dedupe(found)
	}
	return out, nil
}

// foundNothing reports whether the logs were asked about a summary's
// entity and had nothing: some section is empty, and the others are empty
// or skipped. Then the name it was asked about stands for nothing the
// workspace knows of, and the summary says so.
func foundNothing(s *report.Summary) bool {
	empty := false
	for _, sec := range s.Sections {
		switch sec.Status {
		case report.StatusEmpty:
			empty = true
		case report.StatusSkipped:
		default:
			return false
		}
	}
	return empty
}

// nothingFound makes s empty, with a hint of what would match: none is
// what was not found ("no host named x in the logs between ..."), then
// the names found instead (found: "hosts whose name contains x"), else the
// forms a value may take.
func nothingFound(s *report.Summary, none, found string, names []string, forms string) {
	s.Status = report.StatusEmpty
	if len(names) > 0 {
		s.Reason = none + "; " + found + ": " + listed(names)
	} else {
		s.Reason = none + "; " + forms
	}
}

// listed joins names, the first maxListed of them.
func listed(names []string) string {
	if len(names) <= maxListed {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:maxListed], ", ") + " and " + strconv.Itoa(len(names)-maxListed) + " more"
}
