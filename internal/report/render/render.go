// Package render writes a report in the format a user names: JSON (the
// schema of package report), Markdown or the self-contained HTML document.
// It is the one place that maps --format to a renderer.
package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/report/html"
	"github.com/triage-dev/triage/internal/report/markdown"
)

// Format is an output format of a report.
type Format string

// The report formats.
const (
	JSON     Format = "json"
	Markdown Format = "md"
	// HTML is one self-contained HTML document (see html.Write).
	HTML Format = "html"
)

// ParseFormat returns the format named s ("json", "md", "markdown" or
// "html").
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "json":
		return JSON, nil
	case "md", "markdown":
		return Markdown, nil
	case "html":
		return HTML, nil
	}
	return "", fmt.Errorf("unknown report format %q (want json, md or html)", s)
}

// Report writes r to w in format f.
func Report(w io.Writer, r *report.Report, f Format) error {
	switch f {
	case JSON:
		return writeJSON(w, r)
	case Markdown:
		return markdown.Write(w, r)
	case HTML:
		return html.Write(w, r, html.Options{})
	}
	return fmt.Errorf("unknown report format %q", f)
}

// Summaries writes entity summaries on their own (triage summarize): JSON as
// an array, Markdown as the report's summaries section.
func Summaries(w io.Writer, sums []report.Summary, f Format) error {
	switch f {
	case JSON:
		return writeJSON(w, sums)
	case Markdown:
		return markdown.WriteSummaries(w, sums)
	case HTML:
		return fmt.Errorf("summaries on their own are json or md: the html format is for whole reports")
	}
	return fmt.Errorf("unknown report format %q", f)
}

// writeJSON writes v indented, as the report's JSON is read by people too,
// and as it is encoded (streamJSON): a report may be large.
func writeJSON(w io.Writer, v any) error {
	return streamJSON(w, v)
}
