package markdown

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/report/reporttest"
	"github.com/triage-dev/triage/internal/triage"
)

func TestSinceLast(t *testing.T) {
	prev := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	from, to := 40, 85
	for _, tt := range []struct {
		name string
		c    *report.Changes
		want []string
		not  []string
	}{
		{"not asked", nil, nil, []string{"Since the last triage"}},
		{"first", &report.Changes{First: true}, []string{"## Since the last triage", "No earlier triage of this incident is recorded."}, nil},
		{"nothing", &report.Changes{Previous: prev, PreviousVersion: "v1.2.0"}, []string{"Nothing changed since the triage of 2026-11-25 09:30 UTC (triage v1.2.0)."}, nil},
		{"changes", &report.Changes{
			Previous:         prev,
			NewAlerts:        []report.ChangedAlert{{ID: "a2", Name: "Evil *thing*", Severity: triage.SeverityHigh}},
			NewEntities:      []report.ChangedEntity{{Key: "Ip:203.0.113.9", Kind: triage.KindIP, Name: "203.0.113.9"}},
			Verdict:          &report.VerdictMove{From: intel.SeverityWarning, To: intel.SeverityHigh, FromComplete: false, ToComplete: true},
			Priority:         &report.PriorityMove{From: &from, To: &to},
			NewRelatedAlerts: []report.RelatedAlert{{ID: "r9", Name: "Other", Severity: triage.SeverityLow, Time: prev}},
		}, []string{
			"Since the triage of 2026-11-25 09:30 UTC:",
			`- New alert: Evil \*thing\* (High, a2)`,
			"- New entity: Ip 203.0.113.9",
			"- Verdict moved: warning (incomplete) → **high**",
			"- Priority moved: 40 → **85**",
			"- New related alert: Other (Low, 2026-11-25 09:30 UTC)",
		}, []string{"Nothing changed"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := reporttest.Report("x")
			r.SinceLast = tt.c
			var b bytes.Buffer
			if err := Write(&b, r); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("lacks %q:\n%s", w, b.String())
				}
			}
			for _, w := range tt.not {
				if strings.Contains(b.String(), w) {
					t.Errorf("has %q", w)
				}
			}
		})
	}
}
