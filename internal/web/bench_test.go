package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/web"
	"github.com/triage-dev/triage/internal/workspace"
)

// memWorkspace is an in-memory workspace of incidents only, for the queue
// benchmark.
type memWorkspace struct {
	incs []triage.Incident // newest first
}

func (m *memWorkspace) Name() string               { return "bench" }
func (m *memWorkspace) Dialect() workspace.Dialect { return workspace.SQL }
func (m *memWorkspace) Close() error               { return nil }
func (m *memWorkspace) Details(context.Context, triage.Incident) (triage.Details, error) {
	return triage.Details{}, nil
}
func (m *memWorkspace) Run(context.Context, string, workspace.Params) (workspace.Table, error) {
	return workspace.Table{}, nil
}
func (m *memWorkspace) Incident(_ context.Context, ref string) (triage.Incident, error) {
	for _, inc := range m.incs {
		if fmt.Sprint(inc.Number) == ref || strings.EqualFold(inc.Name, ref) {
			return inc, nil
		}
	}
	return triage.Incident{}, fmt.Errorf("incident %s: %w", ref, workspace.ErrNotFound)
}
func (m *memWorkspace) ListIncidents(ctx context.Context, f workspace.IncidentFilter, fn func(triage.Incident) error) error {
	for _, inc := range m.incs {
		if !f.Match(inc) {
			continue
		}
		if err := fn(inc); err != nil {
			return err
		}
	}
	return nil
}

var _ workspace.Workspace = (*memWorkspace)(nil)

// benchIncidents returns n incidents spread over the last 30 days.
func benchIncidents(n int) []triage.Incident {
	sevs := []triage.Severity{triage.SeverityHigh, triage.SeverityMedium, triage.SeverityLow, triage.SeverityInformational}
	sts := []triage.Status{triage.StatusNew, triage.StatusActive, triage.StatusClosed}
	owners := []triage.Owner{{}, {AssignedTo: "Priya Shah", UPN: "priya@contoso.com"}, {AssignedTo: "Tom Becker", UPN: "tom@contoso.com"}}
	step := 30 * 24 * time.Hour / time.Duration(n)
	incs := make([]triage.Incident, n)
	for i := range incs {
		num := n - i
		incs[i] = triage.Incident{
			Name: fmt.Sprintf("00000000-0000-4000-8000-%012d", num), Number: num,
			Title:    fmt.Sprintf("Suspicious sign-in activity for user%d@contoso.com from 203.0.113.%d", num%977, num%250),
			Severity: sevs[num%4], Status: sts[num%3], Owner: owners[num%3],
			Created: testNow.Add(-time.Duration(i) * step), AlertCount: 1 + num%7,
			Tactics: []string{"InitialAccess", "CredentialAccess"},
		}
	}
	return incs
}

// BenchmarkQueue serves the queue page of a workspace of 10,000
// incidents, all in its 30-day window: listing, sorting, the timeline and
// the page (its first 200 rows).
func BenchmarkQueue(b *testing.B) {
	ws := &memWorkspace{incs: benchIncidents(10000)}
	srv, err := web.New(web.Options{
		Workspaces: []string{"bench"},
		Open: func(context.Context, string) (*web.Env, error) {
			return &web.Env{Sources: sources.Sources{Workspace: ws}}, nil
		},
		Now: func() time.Time { return testNow },
	})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	for _, q := range []string{"window=30d", "window=30d&sort=title&dir=asc", "window=30d&severity=High&q=user1"} {
		b.Run(q, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/?"+q, nil)
			var size int
			for b.Loop() {
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%d: %s", w.Code, w.Body)
				}
				size = w.Body.Len()
			}
			b.ReportMetric(float64(size)/1024, "KB/page")
		})
	}
}
