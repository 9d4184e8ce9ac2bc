package report_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/report/comment"
	"github.com/triage-dev/triage/internal/report/html"
	"github.com/triage-dev/triage/internal/report/markdown"
)

// TestRenderersShowPrecedentReasons: the reasons the precedents give, a
// negative one and one of 0 points (a check that could not be made), are
// shown with their signed points like any other; the precedents are in the
// JSON.
func TestRenderersShowPrecedentReasons(t *testing.T) {
	r := &report.Report{
		Priority: &report.Priority{Score: 0, Reasons: []report.PriorityReason{
			{Factor: "first_seen_address", Points: 10, Detail: "1 address never seen in sign-ins in the 30 days before the incident's first activity: 203.0.113.66"},
			{Factor: "unchecked", Points: 0, Detail: "could not check whether the same rule and entities were closed as benign before (throttled)"},
			{Factor: "closed_benign_history", Points: -15, Detail: "the same rule and entities were closed as benign before: #108 (BenignPositive, sharing <b>srv</b>)"},
		}},
		Precedents: &report.Precedents{FirstSeen: report.FirstSeen{Status: report.StatusOK, Checked: []string{"203.0.113.66"}, New: []string{"203.0.113.66"}},
			ClosedBenign: report.ClosedBenign{Status: report.StatusError, Reason: "throttled", Incidents: []report.BenignIncident{}}},
	}
	var md strings.Builder
	if err := markdown.Write(&md, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"first_seen_address +10, unchecked +0, closed_benign_history -15", "- -15 closed_benign_history: the same rule", "- +0 unchecked: could not check"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if c := comment.Render(r, 0, ""); !strings.Contains(c, "closed_benign_history -15") {
		t.Errorf("comment lacks the benign history:\n%s", c)
	}
	var h strings.Builder
	if err := html.Write(&h, r, html.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-15</span> <code>closed_benign_history</code>", "&#43;0</span> <code>unchecked</code>", "&lt;b&gt;srv"} {
		if !strings.Contains(h.String(), want) {
			t.Errorf("html lacks %q", want)
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"precedents":{"first_seen":{"status":"ok"`, `"new":["203.0.113.66"]`, `"closed_benign":{"status":"error","reason":"throttled"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
}
