package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/triage-dev/triage/internal/priority"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

// TestQueuePrecedents: queue --json shows, from the recorded triages, the
// precedents' factors where the demo's story has them, each true of the
// incident's report: 120 is the second "Multiple failed logons on
// SRV-SQL-01", whose first (#108) was closed as benign; 118's IPv6 address
// was first used after the breach, while its IPv4 address had tried
// before. The known-bad 121 still ranks above 120.
func TestQueuePrecedents(t *testing.T) {
	cfg, _ := historyConfig(t)
	reports := map[int]*report.Report{}
	for _, n := range []int{118, 120, 121} {
		out, errOut, code := run(t, "--config", cfg, "run", fmt.Sprint(n), "--format", "json")
		if code != ExitOK {
			t.Fatalf("run %d: exit %d: %s", n, code, errOut)
		}
		var r report.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("run %d --format json: %v", n, err)
		}
		if r.Precedents == nil {
			t.Fatalf("run %d: no precedents in the JSON", n)
		}
		reports[n] = &r
	}
	rows := queueJSON(t, "--config", cfg, "queue")
	reason := func(n int, factor string) (report.PriorityReason, bool) {
		_, row := rowOf(t, rows, n)
		if row.Priority == nil {
			t.Fatalf("incident %d has no priority in the queue", n)
		}
		i := slices.IndexFunc(row.Priority.Reasons, func(x report.PriorityReason) bool { return x.Factor == factor })
		if i < 0 {
			return report.PriorityReason{}, false
		}
		return row.Priority.Reasons[i], true
	}

	x, ok := reason(120, priority.ClosedBenign)
	cb := reports[120].Precedents.ClosedBenign
	i := slices.IndexFunc(cb.Incidents, func(b report.BenignIncident) bool { return b.Number == 108 })
	if !ok || x.Points != -15 || !strings.Contains(x.Detail, "#108") || i < 0 {
		t.Fatalf("120: closed_benign_history %+v (%v); the report's closed incidents %+v", x, ok, cb)
	}
	b := cb.Incidents[i]
	if b.Classification != triage.ClassBenignPositive || b.Title != reports[120].Incident.Title || len(b.Shared) == 0 {
		t.Errorf("120: #108 is %+v", b)
	}
	for _, name := range b.Shared {
		if !slices.ContainsFunc(reports[120].Entities, func(e triage.Entity) bool { return e.Name == name }) {
			t.Errorf("120: shares %q with #108, which is not one of its entities", name)
		}
	}

	x, ok = reason(118, priority.FirstSeenAddress)
	fs := reports[118].Precedents.FirstSeen
	if !ok || !strings.Contains(x.Detail, "2001:db8:bad:1::66") || strings.Contains(x.Detail, "203.0.113.66") ||
		!slices.Contains(fs.New, "2001:db8:bad:1::66") || !slices.Contains(fs.Checked, "203.0.113.66") || slices.Contains(fs.New, "203.0.113.66") {
		t.Errorf("118: first_seen_address %+v (%v); the report's check %+v", x, ok, fs)
	}

	i121, r121 := rowOf(t, rows, 121)
	i120, r120 := rowOf(t, rows, 120)
	if i121 > i120 || r121.Priority.Score <= r120.Priority.Score {
		t.Errorf("121 (at %d, %d) does not rank above 120 (at %d, %d)", i121, r121.Priority.Score, i120, r120.Priority.Score)
	}
}
