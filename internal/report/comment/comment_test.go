package comment

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/report/markdown"
	"github.com/triage-dev/triage/internal/report/reporttest"
	"github.com/triage-dev/triage/internal/triage"
)

const pointer = "run `triage run 7 --format md`"

func TestCommentFits(t *testing.T) {
	r := reporttest.Report("Suspicious sign-in from 10.0.0.1 | <b>x</b> `y` [z](javascript:1)")
	var b bytes.Buffer
	if err := markdown.Write(&b, r); err != nil {
		t.Fatal(err)
	}
	want := Marker + "\n\n" + b.String()
	if got := Render(r, 30000, pointer); got != want {
		t.Errorf("a report that fits changed:\n got %.300q\nwant %.300q", got, want)
	}
	if got := Render(r, 0, pointer); got != want {
		t.Error("limit 0 should mean no limit")
	}

	// Kinds and severities come from the data too: they are escaped.
	r = bigReport("x", 1)
	r.Incident.Status = "New | <b>x</b>"
	got := Render(r, 30000, pointer)
	checkMarkdownLines(t, "hostile kinds", got)
	for _, want := range []string{"| Url\\`x | x 0 | 0 |", "| Status | New \\| &lt;b\\>x&lt;/b\\> (x) |"} {
		if !strings.Contains(got, want) {
			t.Errorf("comment lacks %q:\n%s", want, got)
		}
	}
}

// bigReport has n entities, alerts, results and summaries, every value
// built from s.
func bigReport(s string, n int) *report.Report {
	r := reporttest.Report(s)
	for i := range n {
		v := fmt.Sprintf("%s %d", s, i)
		r.Alerts = append(r.Alerts, triage.Alert{ID: v, Name: v, Product: v, Severity: triage.Severity("High|" + s), Start: time.Unix(int64(i), 0)})
		r.Entities = append(r.Entities, triage.Entity{Kind: triage.Kind("Url`" + s), Name: v})
		r.TI.Results = append(r.TI.Results, intel.Result{Indicator: v, Provider: "p", Status: intel.StatusOK, Summary: v, Reason: v})
		r.Summaries = append(r.Summaries, report.Summary{Kind: triage.KindIP, Name: v, Facts: []report.Fact{{Label: v, Value: v}, {Label: "x", Value: v}}})
		r.RelatedAlerts = append(r.RelatedAlerts, report.Related{Kind: triage.KindIP, Name: v, Alerts: []report.RelatedAlert{{Name: v, Severity: triage.SeverityLow}}})
	}
	return r
}

func TestCommentShortened(t *testing.T) {
	for _, s := range reporttest.Hostile {
		for _, tt := range []struct{ n, limit int }{{2000, 30000}, {300, 30000}, {500, 5000}, {50, 2000}, {100, 600}, {10, 200}} {
			if len(s) > 1000 {
				tt.n = min(tt.n, 5) // each of its values is 100,000 characters already
			}
			name := fmt.Sprintf("%.12q/%d entities/limit %d", s, tt.n, tt.limit)
			r := bigReport(s, tt.n)
			title := r.Incident.Title
			got := Render(r, tt.limit, pointer)
			if n := utf8.RuneCountInString(got); n > tt.limit {
				t.Errorf("%s: %d characters", name, n)
			}
			if !strings.HasPrefix(got, Marker+"\n") && got != Marker {
				t.Errorf("%s: does not start with the marker: %.100q", name, got)
			}
			if r.Incident.Title != title {
				t.Fatalf("%s: Render changed the report", name)
			}
			if tt.limit >= 600 && !strings.HasSuffix(got, "\nFull report: "+pointer) {
				t.Errorf("%s: does not end with the pointer: …%q", name, got[max(0, len(got)-200):])
			}
			if tt.limit >= 2000 && !strings.Contains(got, "# Incident 7:") {
				t.Errorf("%s: the title line was cut", name)
			}
			if tt.limit == 30000 && tt.n == 300 && !strings.Contains(got, "## Verdict\n\n**HIGH**") {
				t.Errorf("%s: the verdict was cut though less important sections could go", name)
			}
			checkMarkdownLines(t, name, got)
			if tt.limit >= 2000 {
				reporttest.CheckVisible(t, name, got, s)
			}
		}
	}
}

func TestCommentCutOrder(t *testing.T) {
	r := bigReport("host", 400)
	got := Render(r, 30000, pointer)
	if !strings.Contains(got, "cut: Entity summaries (all, ") {
		t.Errorf("entity summaries were not cut first:\n%s", got[max(0, len(got)-400):])
	}
	for _, keep := range []string{"## Verdict", "## Alerts", "| Time | Severity | Alert | Product | Entities |", "## How the triage went"} {
		if !strings.Contains(got, keep) {
			t.Errorf("%q was cut", keep)
		}
	}
	// A shortened table keeps whole rows and says how many it lost.
	if !strings.Contains(got, " more cut: see the full report.") {
		t.Error("no section says what it lost")
	}
}

func TestCommentTinyLimit(t *testing.T) {
	r := bigReport("x", 10)
	if got := Render(r, 10, pointer); got != Marker[:10] {
		t.Errorf("limit 10: %q, want the marker cut to 10", got)
	}
	if got := Render(r, utf8.RuneCountInString(Marker)+5, pointer); got != Marker {
		t.Errorf("limit just above the marker: %q, want the marker alone", got)
	}
}

func TestIsSummary(t *testing.T) {
	tests := map[string]bool{
		Marker + "\n\n# Incident 1":                  true,
		"  \n" + Marker:                              true,
		"<p>" + Marker + "</p><p># x</p>":            true,
		"<div><p>" + Marker:                          true,
		"As the bot says: " + Marker:                 false,
		"triage-summary":                             false,
		"Closed as false positive; see the summary.": false,
	}
	for msg, want := range tests {
		if got := IsSummary(msg); got != want {
			t.Errorf("IsSummary(%.40q) = %v, want %v", msg, got, want)
		}
	}
	if !IsSummary(Render(bigReport("x", 2000), 30000, pointer)) {
		t.Error("a shortened comment is not recognised")
	}
}

// checkMarkdownLines checks that every line has balanced code spans and
// brackets (not counting escaped ones), that table rows have a sane number
// of cells, and that no HTML or bidirectional override got through.
func checkMarkdownLines(t *testing.T, name, md string) {
	t.Helper()
	for i, line := range strings.Split(md, "\n") {
		var ticks, open, closed, pipes int
		escaped := false
		for _, r := range line {
			if escaped {
				escaped = false
				continue
			}
			switch r {
			case '\\':
				escaped = true
			case '`':
				ticks++
			case '[':
				open++
			case ']':
				closed++
			case '|':
				pipes++
			}
		}
		if ticks%2 != 0 || open != closed {
			t.Errorf("%s: line %d has %d backticks, %d [ and %d ]: %.120q", name, i, ticks, open, closed, line)
		}
		if strings.HasPrefix(line, "|") && (pipes < 3 || pipes > 7) {
			t.Errorf("%s: line %d is a table row with %d cell separators: %.120q", name, i, pipes, line)
		}
		for _, bad := range []string{"<script", "<img", "<b>", "\u202E", "\x00"} {
			if strings.Contains(line, bad) {
				t.Errorf("%s: line %d contains %q", name, i, bad)
			}
		}
	}
}
