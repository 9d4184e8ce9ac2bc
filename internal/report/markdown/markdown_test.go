package markdown

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/report/reporttest"
)

func TestMarkdownHostile(t *testing.T) {
	for _, s := range reporttest.Hostile {
		var b bytes.Buffer
		if err := Write(&b, reporttest.Report(s)); err != nil {
			t.Fatal(err)
		}
		reporttest.CheckVisible(t, fmt.Sprintf("value %.30q", s), b.String(), s)
		// An escaped bracket opens no link: look at what is left without them.
		out := strings.ReplaceAll(b.String(), `\]`, "")
		for _, bad := range []string{"<script", "<img", "](javascript", "\u202E", "\x00", "\x1b"} {
			if strings.Contains(out, bad) {
				t.Errorf("value %.30q: output contains %q", s, bad)
			}
		}
		// Every table row keeps its column count: the value never adds a cell.
		for _, line := range strings.Split(out, "\n") {
			if !strings.HasPrefix(line, "| ") {
				continue
			}
			cells := strings.Count(line, "|") - strings.Count(line, `\|`)
			if cells < 3 || cells > 7 {
				t.Errorf("value %.30q: table row with %d separators: %.120q", s, cells, line)
			}
		}
	}
}

func TestMarkdownEscape(t *testing.T) {
	tests := map[string]string{
		"plain":       "plain",
		"a|b":         `a\|b`,
		"x\ny":        "x y",
		"<b>":         `&lt;b\>`,
		"[a](b)":      `\[a\](b)`,
		"203.0.113.7": `203.0.113.7`,
		"WKS-FIN-07":  `WKS-FIN-07`,
		// Hidden characters show as their marks, never as escapes a
		// renderer could turn back into them.
		"a\u202Egpj.exe": "a⟨U+202E⟩gpj.exe",
		"\x1b[31m":       `⟨U+001B⟩\[31m`,
		"pay\u200Bpal":   "pay⟨U+200B⟩pal",
	}
	for in, want := range tests {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

// A table shows its columns' headers, escaped, not the fields they name.
func TestTableHeaders(t *testing.T) {
	s := report.Summary{Kind: "Ip", Name: "192.0.2.1", Sections: []report.SummarySection{{Name: "Azure activity", Status: report.StatusOK,
		Table: &report.Table{Columns: []report.Column{{Name: "OperationNameValue", Header: "Operation | <b>", Type: report.ColLabel}},
			Rows: [][]string{{"write"}}}}}}
	var b bytes.Buffer
	if err := WriteSummaries(&b, []report.Summary{s}); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, `| Operation \| &lt;b\> |`) || strings.Contains(out, "OperationNameValue") {
		t.Errorf("the table's header row is not its escaped headers:\n%s", out)
	}
}
