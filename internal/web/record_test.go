package web_test

import (
	"context"
	"sync"
	"testing"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/web"
)

// Every triage the UI completes is given to Env.Record, once, before the
// page hears it is done; a triage whose incident cannot be read is not.
func TestTriageRecorded(t *testing.T) {
	o := options(t)
	var mu sync.Mutex
	var got []*report.Report
	open := o.Open
	o.Open = func(ctx context.Context, name string) (*web.Env, error) {
		env, err := open(ctx, name)
		if env != nil {
			env.Record = func(_ context.Context, r *report.Report) {
				mu.Lock()
				got = append(got, r)
				mu.Unlock()
			}
		}
		return env, err
	}
	ts := newServerWith(t, o)
	ts.waitTriage(t, "demo", demoIncident)
	ts.triage("demo", 999999)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Incident.Number != demoIncident || len(got[0].Sections) == 0 {
		t.Fatalf("recorded %d triages, want incident %d's alone", len(got), demoIncident)
	}
}
