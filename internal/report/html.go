package report

import (
	"embed"
	"errors"
	"io"
)

// HTMLOptions configures the HTML renderings.
type HTMLOptions struct {
	// EntityHref returns the link to an entity's own page, given its key
	// (the web UI's pivot). Nil links each entity to its summary within
	// the same document.
	EntityHref func(key string) string
}

// Assets holds the stylesheets and scripts the HTML report inlines and the
// web UI serves as files: chart.css, chart.js, report.css, report.js.
//
//go:embed assets
var Assets embed.FS

// WriteHTML writes r as one self-contained HTML document: styles and script
// inline, allowed by their hashes in the document's own
// Content-Security-Policy, and no request to anywhere when it is opened.
func WriteHTML(w io.Writer, r *Report, o HTMLOptions) error {
	return errors.New("HTML report: not built yet")
}

// HTMLSection writes, as an HTML fragment, the part of the report that the
// step named step (one of the Step constants) fills in: the web UI shows it
// as the step completes. It reads only what that step and the steps before
// it wrote.
func HTMLSection(w io.Writer, r *Report, step string, o HTMLOptions) error {
	return errors.New("HTML report: not built yet")
}

// HTMLSummary writes one entity's summary as an HTML fragment: the web UI's
// page for an entity.
func HTMLSummary(w io.Writer, s *Summary, o HTMLOptions) error {
	return errors.New("HTML report: not built yet")
}
