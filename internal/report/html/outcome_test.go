package html_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report"
	reporthtml "github.com/triage-dev/triage/internal/report/html"
	"github.com/triage-dev/triage/internal/triage"
)

// The priority and since-last fragments show what the report holds, with
// its values escaped, and nothing when it holds none; the report document
// shows the same blocks.
func TestOutcomeFragments(t *testing.T) {
	prev := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	from, to := 20, 65
	r := &report.Report{
		Priority: &report.Priority{Score: 65, Reasons: []report.PriorityReason{{Factor: "ti_verdict", Points: 40, Detail: "malicious <b>x</b>"}}},
		SinceLast: &report.Changes{
			Previous: prev, PreviousVersion: "v1.2.0",
			NewAlerts:        []report.ChangedAlert{{ID: "a9", Name: "<script>alert(1)</script>", Severity: triage.SeverityHigh}},
			NewEntities:      []report.ChangedEntity{},
			NewRelatedAlerts: []report.RelatedAlert{},
			Verdict:          &report.VerdictMove{From: intel.SeverityUnknown, To: intel.SeverityHigh, ToComplete: true},
			Priority:         &report.PriorityMove{From: &from, To: &to},
		},
	}
	var pb, sb bytes.Buffer
	if err := reporthtml.Priority(&pb, r, reporthtml.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := reporthtml.SinceLast(&sb, r, reporthtml.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="priority"`, "Priority 65/100", "&#43;40", "ti_verdict", "malicious &lt;b&gt;x&lt;/b&gt;"} {
		if !strings.Contains(pb.String(), want) {
			t.Errorf("priority fragment lacks %q:\n%s", want, pb.String())
		}
	}
	for _, want := range []string{`id="since-last"`, "2026-11-25 09:30 UTC", "v1.2.0", "New alert: <bdi>&lt;script&gt;", "Verdict moved", "Priority moved: 20 → <strong>65</strong>"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("since-last fragment lacks %q:\n%s", want, sb.String())
		}
	}
	var doc bytes.Buffer
	if err := reporthtml.Write(&doc, r, reporthtml.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="priority"`, `id="since-last"`, "Priority moved"} {
		if !strings.Contains(doc.String(), want) {
			t.Errorf("the report document lacks %q", want)
		}
	}

	r.SinceLast = &report.Changes{Previous: prev}
	sb.Reset()
	reporthtml.SinceLast(&sb, r, reporthtml.Options{})
	if !strings.Contains(sb.String(), "nothing changed since the triage of 2026-11-25 09:30 UTC") {
		t.Errorf("no change: %s", sb.String())
	}

	empty := &report.Report{}
	pb.Reset()
	sb.Reset()
	reporthtml.Priority(&pb, empty, reporthtml.Options{})
	reporthtml.SinceLast(&sb, empty, reporthtml.Options{})
	if strings.TrimSpace(pb.String()+sb.String()) != "" {
		t.Errorf("a report without priority or comparison writes %q %q", pb.String(), sb.String())
	}
}
