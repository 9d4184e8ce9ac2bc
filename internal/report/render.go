package report

import (
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/template"
	"time"

	"github.com/triage-dev/triage/internal/english"
)

// Format is an output format of a report.
type Format string

// The report formats.
const (
	FormatJSON     Format = "json"
	FormatMarkdown Format = "md"
	// FormatHTML is one self-contained HTML document (see WriteHTML).
	FormatHTML Format = "html"
)

// ParseFormat returns the format named s ("json", "md", "markdown" or
// "html").
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "json":
		return FormatJSON, nil
	case "md", "markdown":
		return FormatMarkdown, nil
	case "html":
		return FormatHTML, nil
	}
	return "", fmt.Errorf("unknown report format %q (want json, md or html)", s)
}

// Render writes r to w in format f.
func Render(w io.Writer, r *Report, f Format) error {
	switch f {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case FormatMarkdown:
		return markdown.Execute(w, r)
	case FormatHTML:
		return WriteHTML(w, r, HTMLOptions{})
	}
	return fmt.Errorf("unknown report format %q", f)
}

//go:embed templates/*.md.tmpl
var templates embed.FS

var markdown = template.Must(template.New("report.md.tmpl").Funcs(funcs).ParseFS(templates, "templates/*.md.tmpl"))

var funcs = template.FuncMap{
	"md":     func(v any) string { return MarkdownEscape(fmt.Sprint(v)) },
	"time":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"join":   func(ss []string) string { return strings.Join(ss, ", ") },
	"upper":  strings.ToUpper,
	"plural": english.Plural,
}

// MarkdownEscape makes an attacker-controlled value safe in Markdown text and
// table cells: it escapes the characters that open emphasis, code, links,
// images, tables or HTML, folds line breaks into spaces (a value never starts
// a line), and shows control and bidirectional-override characters as
// escapes. Dots and dashes stay as they are so values read and copy well.
func MarkdownEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '!', '|', '~', '>', '#':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '<':
			b.WriteString("&lt;")
		case '&':
			b.WriteString("&amp;")
		case '\n', '\r', '\t', '\u2028', '\u2029':
			b.WriteByte(' ')
		default:
			if r < 0x20 || r == 0x7f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
				fmt.Fprintf(&b, "\\u%04x", r)
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// RenderSummaries writes entity summaries on their own (triage summarize):
// JSON as an array, Markdown as the report's summaries section.
func RenderSummaries(w io.Writer, sums []Summary, f Format) error {
	switch f {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(sums)
	case FormatMarkdown:
		for i := range sums {
			if err := markdown.ExecuteTemplate(w, "summary", &sums[i]); err != nil {
				return err
			}
		}
		return nil
	case FormatHTML:
		return fmt.Errorf("summaries on their own are json or md: the html format is for whole reports")
	}
	return fmt.Errorf("unknown report format %q", f)
}
