package history_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/buildinfo"
	"github.com/triage-dev/triage/internal/history"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func open(t testing.TB, path string) *history.Store {
	t.Helper()
	s, err := history.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	s.SetClock(func() time.Time { return t0 })
	return s
}

// rep is a report of incident n (name GUID-n) of workspace ws made at at.
func rep(ws string, n int, at time.Time, sev intel.Severity) report.Report {
	return report.Report{
		SchemaVersion: report.SchemaVersion, GeneratedAt: at, Workspace: ws,
		Incident: triage.Incident{Number: n, Name: fmt.Sprintf("00000000-0000-0000-0000-%012d", n), Title: "Bad <thing>", LastModified: at.Add(-time.Hour), AlertCount: 1},
		Alerts:   []triage.Alert{{ID: "a1", Name: "First", Severity: triage.SeverityHigh}},
		TI:       report.TI{Severity: sev, Complete: true},
		Sections: []report.Section{{Name: report.StepTI, Status: report.StatusOK}},
	}
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "history.db"))
	r1 := rep("demo", 42, t0.Add(-2*time.Hour), intel.SeverityInformation)
	r2 := rep("demo", 42, t0.Add(-time.Hour), intel.SeverityHigh)
	r2.Priority = &report.Priority{Score: 73, Reasons: []report.PriorityReason{{Factor: "ti_verdict", Points: 40, Detail: "high"}}}
	r2.Sections = append(r2.Sections, report.Section{Name: report.StepRelated, Status: report.StatusError, Reason: "boom"})
	r2.SinceLast = &report.Changes{First: true}
	other := rep("other", 42, t0, intel.SeverityHigh)
	for _, r := range []report.Report{r1, r2, other, rep("demo", 7, t0, intel.SeverityWarning)} {
		if _, err := s.Add(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, ref := range []string{"42", r1.Incident.Name, "00000000-0000-0000-0000-000000000042"} {
		recs, err := s.List(ctx, "demo", ref)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2 {
			t.Fatalf("List(%s): %d records, want 2", ref, len(recs))
		}
		got := recs[0]
		if !got.At.Equal(r2.GeneratedAt) || got.Verdict != intel.SeverityHigh || !got.Complete || got.Priority == nil || *got.Priority != 73 ||
			!got.Partial || got.Version != buildinfo.Version() || got.Incident != 42 || got.Alerts != 1 || !got.IncidentModified.Equal(r2.Incident.LastModified) {
			t.Errorf("newest record %+v", got)
		}
		if old := recs[1]; old.Priority != nil || old.Partial || old.Verdict != intel.SeverityInformation {
			t.Errorf("older record %+v", old)
		}
	}
	recs, _ := s.List(ctx, "demo", "42")
	back, err := s.Report(ctx, recs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if back.Incident.Title != "Bad <thing>" || back.Priority == nil || back.Priority.Reasons[0].Detail != "high" || len(back.Sections) != 2 {
		t.Errorf("report back: %+v", back)
	}
	if back.SinceLast != nil {
		t.Error("the stored report keeps its since_last")
	}
	if _, err := s.Report(ctx, 9999); !errors.Is(err, history.ErrNotFound) {
		t.Errorf("Report(9999): %v, want ErrNotFound", err)
	}

	latest, err := s.Latest(ctx, "demo", "42", "7", "8", r1.Incident.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(latest) != 3 || latest["42"].ID != recs[0].ID || latest[r1.Incident.Name].ID != recs[0].ID || latest["7"].Incident != 7 {
		t.Errorf("Latest: %+v", latest)
	}
	all, _ := s.Latest(ctx, "demo")
	if len(all) != 2 || all[r1.Incident.Name].ID != recs[0].ID {
		t.Errorf("Latest of every incident: %+v", all)
	}
	if recs, _ := s.List(ctx, "nowhere", "42"); len(recs) != 0 {
		t.Errorf("another workspace's records: %+v", recs)
	}
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "history.db"))
	for _, d := range []time.Duration{100, 50, 1} {
		if _, err := s.Add(ctx, rep("demo", int(d), t0.Add(-d*24*time.Hour), intel.SeverityHigh)); err != nil {
			t.Fatal(err)
		}
	}
	// The first Add pruned at the default retention (90 days), before the
	// others were added: the 100-day-old record is gone.
	if all, _ := s.Latest(ctx, "demo"); len(all) != 2 {
		t.Errorf("after Add with the default retention: %d incidents, want 2", len(all))
	}
	n, err := s.Prune(ctx, t0.Add(-10*24*time.Hour))
	if err != nil || n != 1 {
		t.Errorf("Prune: %d, %v; want 1", n, err)
	}
	if all, _ := s.Latest(ctx, "demo"); len(all) != 1 || all["00000000-0000-0000-0000-000000000001"].Incident != 1 {
		t.Errorf("after Prune: %+v", all)
	}
}

// The retention set is what Add prunes by, on a Store's first Add.
func TestRetention(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	s := open(t, path)
	if _, err := s.Add(ctx, rep("demo", 1, t0.Add(-5*24*time.Hour), intel.SeverityHigh)); err != nil {
		t.Fatal(err)
	}
	s2 := open(t, path)
	s2.SetRetention(2 * 24 * time.Hour)
	if s2.Retention() != 2*24*time.Hour {
		t.Errorf("Retention() = %v", s2.Retention())
	}
	if _, err := s2.Add(ctx, rep("demo", 2, t0, intel.SeverityHigh)); err != nil {
		t.Fatal(err)
	}
	if recs, _ := s2.List(ctx, "demo", "1"); len(recs) != 0 {
		t.Errorf("a record older than the retention is kept: %+v", recs)
	}
}

// Two Stores on one file (as two processes) add at once: every record is
// kept, none fails on a lock.
func TestConcurrentStores(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	a, b := open(t, path), open(t, path)
	const each = 40
	var wg sync.WaitGroup
	errs := make(chan error, 2*each)
	for i, s := range []*history.Store{a, b} {
		for j := range each {
			wg.Go(func() {
				if _, err := s.Add(ctx, rep("demo", 5, t0.Add(time.Duration(i*each+j)*time.Second), intel.SeverityHigh)); err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	recs, err := b.List(ctx, "demo", "5")
	if err != nil || len(recs) != 2*each {
		t.Fatalf("%d records, %v; want %d", len(recs), err, 2*each)
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].At.After(recs[i-1].At) {
			t.Fatalf("records not newest first at %d", i)
		}
	}
}

func TestFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "history.db")
	s := open(t, path)
	if _, err := s.Add(context.Background(), rep("demo", 1, t0, intel.SeverityHigh)); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		path string
		perm os.FileMode
	}{{dir, 0o700}, {path, 0o600}, {path + "-wal", 0o600}} {
		fi, err := os.Stat(f.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got&^f.perm != 0 {
			t.Errorf("%s has mode %v, want at most %v", f.path, got, f.perm)
		}
	}
}

func TestOpenRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte("this is not a database, not at all, not even a little"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := history.Open(context.Background(), garbage); err == nil {
		t.Error("Open of a file that is not SQLite succeeded")
	}
	if _, err := history.Open(context.Background(), filepath.Join(dir, "a?b.db")); err == nil {
		t.Error("Open of a path with ? succeeded")
	}
}

// A record is current while the incident has its alert count and no later
// change.
func TestCurrent(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	rec := history.Record{IncidentModified: t0, Alerts: 2}
	for _, tt := range []struct {
		inc  triage.Incident
		want bool
	}{
		{triage.Incident{LastModified: t0, AlertCount: 2}, true},
		{triage.Incident{LastModified: t0.Add(-time.Minute), AlertCount: 2}, true},
		{triage.Incident{LastModified: t0.Add(time.Second), AlertCount: 2}, false},
		{triage.Incident{LastModified: t0, AlertCount: 3}, false},
	} {
		if got := rec.Current(tt.inc); got != tt.want {
			t.Errorf("Current(modified %v, %d alerts) = %v, want %v", tt.inc.LastModified, tt.inc.AlertCount, got, tt.want)
		}
	}
	if (history.Record{Alerts: 2}).Current(triage.Incident{AlertCount: 2}) {
		t.Error("a record that does not know when the incident changed is current")
	}
}

// A record counts the incident's alerts as the incident gives them, not the
// report's: an imported incident's report has one more, the alert that
// carries its entities, and its triage must still be current.
func TestCurrentImported(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "history.db"))
	r := rep("lab", 7, t0, intel.SeverityHigh)
	r.Alerts = append(r.Alerts, triage.Alert{ID: "entities", Name: "Entities of the incident"})
	rec, err := s.Add(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Alerts != 1 || !rec.Current(r.Incident) {
		t.Errorf("record of %d alerts, current %v; want 1 and current", rec.Alerts, rec.Current(r.Incident))
	}
	if recs, err := s.List(ctx, "lab", "7"); err != nil || len(recs) != 1 || !recs[0].Current(r.Incident) {
		t.Errorf("listed: %+v, %v", recs, err)
	}
}
