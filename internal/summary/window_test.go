package summary

import (
	"context"
	"strings"
	"testing"

	"github.com/triage-dev/triage/internal/triage"
)

// TestOutsideIncident checks that an entity summarised on its own (the web
// UI's entity page: no Focus, no IncidentAlerts) speaks of its window,
// never of "this incident", though the entity came from an incident and
// lists its alerts; and that an incident's summary still counts them.
func TestOutsideIncident(t *testing.T) {
	h := entityOfKind(t, triage.KindHost, "wks-fin-07")
	if len(h.Alerts) == 0 {
		t.Fatal("the demo host names no alert: nothing checked")
	}
	alone := Summarize(context.Background(), demoEnv(t), []triage.Entity{h})[0]
	for _, f := range alone.Facts {
		if strings.Contains(strings.ToLower(f.Label+" "+f.Value), "incident") {
			t.Errorf("outside an incident, the fact %q: %q", f.Label, f.Value)
		}
	}
	for _, sec := range alone.Sections {
		if strings.Contains(sec.Reason, "this incident") {
			t.Errorf("outside an incident, section %q says %q", sec.Name, sec.Reason)
		}
	}
	env := demoEnv(t)
	env.IncidentAlerts = h.Alerts
	in := Summarize(context.Background(), env, []triage.Entity{h})[0]
	if factOf(in.Facts, "Alerts in this incident") == "" {
		t.Errorf("an incident's summary lacks the count of its alerts: %v", in.Facts)
	}
}
