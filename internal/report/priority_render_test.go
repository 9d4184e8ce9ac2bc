package report_test

import (
	"strings"
	"testing"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/report/comment"
	"github.com/triage-dev/triage/internal/report/html"
	"github.com/triage-dev/triage/internal/report/markdown"
)

// TestRenderersShowPriority: Markdown, HTML and the comment show the score
// and the reasons with their points; a hostile detail is escaped.
func TestRenderersShowPriority(t *testing.T) {
	r := &report.Report{Priority: &report.Priority{Score: 72, Reasons: []report.PriorityReason{
		{Factor: "ti_high", Points: 40, Detail: "threat intel rates the incident high: 203.0.113.7"},
		{Factor: "crown_jewel", Points: 32, Detail: "crown-jewel host <script>alert(1)</script>"},
	}}}
	var md strings.Builder
	if err := markdown.Write(&md, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| **Priority** | **72/100**: ti_high +40, crown_jewel +32 |", "**Priority 72/100**", "- +40 ti_high: threat intel rates"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if c := comment.Render(r, 0, ""); !strings.Contains(c, "**72/100**: ti_high +40") {
		t.Errorf("comment lacks the priority line:\n%s", c)
	}
	var h strings.Builder
	if err := html.Write(&h, r, html.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Priority 72/100", "&#43;40</span> <code>ti_high</code>", "<code>crown_jewel</code>", "&lt;script&gt;"} {
		if !strings.Contains(h.String(), want) {
			t.Errorf("html lacks %q", want)
		}
	}
	if strings.Contains(h.String(), "<script>alert") {
		t.Error("html renders a detail raw")
	}
}
