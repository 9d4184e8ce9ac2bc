package history_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/history"
	"github.com/triage-dev/triage/internal/intel"
)

// The cursor is kept per workspace and never moves back.
func TestCursor(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	s := open(t, path)
	if c, err := s.Cursor(ctx, "demo"); err != nil || !c.IsZero() {
		t.Fatalf("a new store's cursor: %v, %v", c, err)
	}
	for _, at := range []time.Time{t0, t0.Add(-time.Hour)} {
		if err := s.SetCursor(ctx, "demo", at); err != nil {
			t.Fatal(err)
		}
	}
	if c, _ := open(t, path).Cursor(ctx, "demo"); !c.Equal(t0) {
		t.Errorf("cursor %v, want %v (it moved back, or was not kept)", c, t0)
	}
	if c, _ := s.Cursor(ctx, "other"); !c.IsZero() {
		t.Errorf("another workspace's cursor: %v", c)
	}
}

// A record set to the incident as it stands after the triage's own writes
// is current for it.
func TestSetIncidentModified(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "history.db"))
	r := rep("demo", 42, t0, intel.SeverityHigh)
	rec, err := s.Add(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	after := r.Incident
	after.LastModified = t0.Add(time.Minute)
	if rec.Current(after) {
		t.Fatal("the record is current for a later change")
	}
	if err := s.SetIncidentModified(ctx, rec.ID, after.LastModified, after.AlertCount); err != nil {
		t.Fatal(err)
	}
	recs, _ := s.List(ctx, "demo", "42")
	if len(recs) != 1 || !recs[0].Current(after) {
		t.Errorf("after SetIncidentModified: %+v", recs)
	}
	if err := s.SetIncidentModified(ctx, 9999, t0, 0); !errors.Is(err, history.ErrNotFound) {
		t.Errorf("SetIncidentModified(9999): %v, want ErrNotFound", err)
	}
}

// A pending record is the incident's latest triage, with its report, but
// not current for the incident until SetIncidentModified: the triage's
// writes to the incident are still to be made.
func TestAddPending(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "history.db"))
	r := rep("demo", 42, t0, intel.SeverityHigh)
	rec, err := s.AddPending(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	latest, err := s.Latest(ctx, "demo", "42")
	if err != nil || latest["42"].ID != rec.ID || latest["42"].Verdict != intel.SeverityHigh {
		t.Fatalf("the pending record is not the latest: %+v, %v", latest, err)
	}
	if latest["42"].Current(r.Incident) {
		t.Error("a pending record is current for the incident it triaged")
	}
	if got, err := s.Report(ctx, rec.ID); err != nil || !got.Incident.LastModified.Equal(r.Incident.LastModified) {
		t.Errorf("the pending record's report: %+v, %v", got.Incident, err)
	}
	if err := s.SetIncidentModified(ctx, rec.ID, r.Incident.LastModified, r.Incident.AlertCount); err != nil {
		t.Fatal(err)
	}
	if latest, _ := s.Latest(ctx, "demo", "42"); !latest["42"].Current(r.Incident) {
		t.Errorf("after SetIncidentModified the record is not current: %+v", latest["42"])
	}
}

// A lease is held by one holder until released or expired.
func TestLease(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	a, b := open(t, path), open(t, path)
	now := t0
	b.SetClock(func() time.Time { return now })
	take := func(s *history.Store, holder string) bool {
		t.Helper()
		ok, err := s.Lease(ctx, "demo", "Inc-1", holder, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !take(a, "a") || !take(a, "a") {
		t.Fatal("a cannot take, or extend, a free lease")
	}
	if take(b, "b") {
		t.Fatal("b took a's live lease")
	}
	if ok, _ := b.Lease(ctx, "demo", "INC-1", "b", time.Minute); ok {
		t.Fatal("b took a's live lease under the name in other case")
	}
	if ok, _ := b.Lease(ctx, "other", "Inc-1", "b", time.Minute); !ok {
		t.Fatal("b cannot take the same incident name in another workspace")
	}
	if err := b.Release(ctx, "demo", "Inc-1", "b"); err != nil {
		t.Fatal(err)
	}
	if take(b, "b") {
		t.Fatal("b's release let go of a's lease")
	}
	now = t0.Add(2 * time.Minute)
	if !take(b, "b") {
		t.Fatal("b cannot take an expired lease")
	}
	if err := b.Release(ctx, "demo", "Inc-1", "b"); err != nil {
		t.Fatal(err)
	}
	if !take(a, "a") {
		t.Fatal("a cannot take a released lease")
	}
}

// A file of schema version 1 (before watch) gains the watch's tables and
// keeps its records.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := history.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(ctx, rep("demo", 1, t0, intel.SeverityHigh)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	// Version 3's table and column go too, so that the file is as version
	// 1 wrote it.
	for _, q := range []string{`DROP TABLE cursors`, `DROP TABLE leases`, `DROP TABLE latest`, `ALTER TABLE records DROP COLUMN reasons`, `PRAGMA user_version = 1`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s = open(t, path)
	if err := s.SetCursor(ctx, "demo", t0); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Lease(ctx, "demo", "x", "a", time.Minute); !ok || err != nil {
		t.Errorf("lease after migration: %v, %v", ok, err)
	}
	if recs, _ := s.List(ctx, "demo", "1"); len(recs) != 1 {
		t.Errorf("records after migration: %+v", recs)
	}
	if all, _ := s.Latest(ctx, "demo"); len(all) != 1 {
		t.Errorf("latest after migration: %+v", all)
	}
}

// A held lease is renewed while its holder works, past its TTL: another
// watch cannot take it until it is released. A holder whose lease another
// took (its own expired unrenewed) finds it lost.
func TestHoldRenews(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	a, b := open(t, path), open(t, path)
	const ttl = 1500 * time.Millisecond
	h, err := a.Hold(ctx, "demo", "Inc-1", "a", ttl)
	if err != nil || h == nil {
		t.Fatalf("a cannot hold a free lease: %v", err)
	}
	if other, err := b.Hold(ctx, "demo", "Inc-1", "b", ttl); err != nil || other != nil {
		t.Fatalf("b held a's live lease: %v", err)
	}
	time.Sleep(ttl + ttl/3) // past the TTL the lease was taken with
	if ok, err := b.Lease(ctx, "demo", "Inc-1", "b", ttl); err != nil || ok {
		t.Fatalf("b took a's lease after its first TTL (%v): it was not renewed", err)
	}
	if h.Lost() {
		t.Error("a lost a lease nobody else took")
	}
	if err := h.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, _ := b.Lease(ctx, "demo", "Inc-1", "b", ttl); !ok {
		t.Fatal("b cannot take the lease a released")
	}
	if err := b.Release(ctx, "demo", "Inc-1", "b"); err != nil {
		t.Fatal(err)
	}

	// By b's clock, two hours on, a's lease has expired, and b takes it;
	// a's next renewal finds it gone.
	h2, err := a.Hold(ctx, "demo", "Inc-3", "a", 30*time.Millisecond)
	if err != nil || h2 == nil {
		t.Fatal(err)
	}
	defer h2.Release(ctx)
	b.SetClock(func() time.Time { return time.Now().Add(2 * time.Hour) })
	if ok, _ := b.Lease(ctx, "demo", "Inc-3", "b", time.Hour); !ok {
		t.Fatal("b cannot take a lease expired by its clock")
	}
	for deadline := time.Now().Add(5 * time.Second); !h2.Lost() && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if !h2.Lost() {
		t.Error("a's renewals did not find its lease taken")
	}
}
