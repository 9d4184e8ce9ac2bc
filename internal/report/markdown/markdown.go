// Package markdown renders a report as Markdown: the whole report, or entity
// summaries on their own. Every value from the data goes through Escape.
package markdown

import (
	"embed"
	"fmt"
	"io"
	"strings"
	"text/template"
	"time"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/textsafe"
)

//go:embed templates/*.md.tmpl
var templates embed.FS

var markdown = template.Must(template.New("report.md.tmpl").Funcs(template.FuncMap{
	"md":     func(v any) string { return Escape(fmt.Sprint(v)) },
	"time":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"join":   func(ss []string) string { return strings.Join(ss, ", ") },
	"upper":  strings.ToUpper,
	"plural": english.Plural,
	"signed": func(n int) string { return fmt.Sprintf("%+d", n) },
}).ParseFS(templates, "templates/*.md.tmpl"))

// Write writes r as one Markdown document.
func Write(w io.Writer, r *report.Report) error {
	return markdown.Execute(w, r)
}

// WriteSummaries writes entity summaries on their own (triage summarize), as
// the report's summaries section writes them.
func WriteSummaries(w io.Writer, sums []report.Summary) error {
	for i := range sums {
		if err := markdown.ExecuteTemplate(w, "summary", &sums[i]); err != nil {
			return err
		}
	}
	return nil
}

// Escape makes an attacker-controlled value safe in Markdown text and
// table cells: it escapes the characters that open emphasis, code, links,
// images, tables or HTML, folds line breaks into spaces (a value never starts
// a line), and shows control, bidirectional and other invisible characters
// as their marks, "⟨U+202E⟩" (textsafe.Line). Dots and dashes stay as they
// are so values read and copy well.
func Escape(s string) string {
	var b strings.Builder
	for _, r := range textsafe.Line(s) {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '!', '|', '~', '>', '#':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '<':
			b.WriteString("&lt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
