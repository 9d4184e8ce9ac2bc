package html

import (
	"errors"
	"io"

	"github.com/triage-dev/triage/internal/report"
)

// Priority writes the report's priority as an HTML fragment: a <div
// id="priority" class="priority"> with the score and each reason with its
// points, the block the report document shows under the verdict. It writes
// nothing when the report has no priority (a triage that did not finish).
// Like Section's fragments it holds no script and no style.
func Priority(w io.Writer, r *report.Report, o Options) error {
	if r == nil {
		return errors.New("HTML report: no report")
	}
	return execute(w, "priority", newView(r, o))
}

// SinceLast writes what changed since the incident's previous triage
// (r.SinceLast) as an HTML fragment: a <div id="since-last"
// class="since-last">, the block the report document shows under the
// priority. It writes nothing when r.SinceLast is nil (not compared).
func SinceLast(w io.Writer, r *report.Report, o Options) error {
	if r == nil {
		return errors.New("HTML report: no report")
	}
	return execute(w, "since-last", newView(r, o))
}
