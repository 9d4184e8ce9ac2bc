package history_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/history"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

func base() report.Report {
	r := rep("demo", 42, t0, intel.SeverityWarning)
	r.Entities = []triage.Entity{{Kind: triage.KindIP, Key: "Ip:203.0.113.7", Name: "203.0.113.7"}}
	r.RelatedAlerts = []report.Related{{Entity: "Ip:203.0.113.7", Alerts: []report.RelatedAlert{{ID: "r1", Name: "Old related"}}}}
	r.Priority = &report.Priority{Score: 40}
	return r
}

func TestDiffNothingChanged(t *testing.T) {
	prev, cur := base(), base()
	cur.GeneratedAt = t0.Add(time.Hour)
	c := history.Diff(prev, cur)
	if !c.None() || !c.Previous.Equal(t0) {
		t.Errorf("Diff of the same triage: %+v", c)
	}
	if c.NewAlerts == nil || c.NewEntities == nil || c.NewRelatedAlerts == nil {
		t.Error("empty lists are nil: JSON would show null")
	}
}

func TestDiffEachChange(t *testing.T) {
	p := func(n int) *int { return &n }
	for _, tt := range []struct {
		name   string
		change func(*report.Report)
		want   func(*history.Changes)
	}{
		{"new alert", func(r *report.Report) {
			r.Alerts = append(r.Alerts, triage.Alert{ID: "a2", Name: "Second", Severity: triage.SeverityMedium})
		}, func(c *history.Changes) {
			c.NewAlerts = []report.ChangedAlert{{ID: "a2", Name: "Second", Severity: triage.SeverityMedium}}
		}},
		{"new entity", func(r *report.Report) {
			r.Entities = append(r.Entities, triage.Entity{Kind: triage.KindAccount, Key: "Account:alice@contoso.com", Name: "alice@contoso.com"})
		}, func(c *history.Changes) {
			c.NewEntities = []report.ChangedEntity{{Key: "Account:alice@contoso.com", Kind: triage.KindAccount, Name: "alice@contoso.com"}}
		}},
		{"verdict moved", func(r *report.Report) { r.TI.Severity = intel.SeverityHigh }, func(c *history.Changes) {
			c.Verdict = &report.VerdictMove{From: intel.SeverityWarning, To: intel.SeverityHigh, FromComplete: true, ToComplete: true}
		}},
		{"verdict completed", func(r *report.Report) { r.TI.Complete = false }, func(c *history.Changes) {
			c.Verdict = &report.VerdictMove{From: intel.SeverityWarning, To: intel.SeverityWarning, FromComplete: true, ToComplete: false}
		}},
		{"priority moved", func(r *report.Report) { r.Priority = &report.Priority{Score: 85} }, func(c *history.Changes) {
			c.Priority = &report.PriorityMove{From: p(40), To: p(85)}
		}},
		{"priority gone", func(r *report.Report) { r.Priority = nil }, func(c *history.Changes) {
			c.Priority = &report.PriorityMove{From: p(40)}
		}},
		{"new related alert, named twice", func(r *report.Report) {
			ra := report.RelatedAlert{ID: "r2", Name: "New related", Severity: triage.SeverityHigh}
			r.RelatedAlerts[0].Alerts = append(r.RelatedAlerts[0].Alerts, ra)
			r.RelatedAlerts = append(r.RelatedAlerts, report.Related{Entity: "Host:web01", Alerts: []report.RelatedAlert{ra}})
		}, func(c *history.Changes) {
			c.NewRelatedAlerts = []report.RelatedAlert{{ID: "r2", Name: "New related", Severity: triage.SeverityHigh}}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			prev, cur := base(), base()
			tt.change(&cur)
			want := history.Diff(prev, prev)
			tt.want(&want)
			got := history.Diff(prev, cur)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("Diff (-want +got):\n%s", d)
			}
			if got.None() {
				t.Error("None() for a change")
			}
		})
	}
}

// What the earlier triage had and the later one lacks is no change to
// report: an alert gone, an entity gone.
func TestDiffIgnoresWhatWent(t *testing.T) {
	prev, cur := base(), base()
	cur.Alerts, cur.Entities, cur.RelatedAlerts = nil, nil, nil
	if c := history.Diff(prev, cur); !c.None() {
		t.Errorf("Diff: %+v", c)
	}
}
