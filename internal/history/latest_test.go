package history_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/history"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report"
)

// Latest gives each incident's newest record after Adds in any order of
// time, ties going to the record added last, and after Prune the newest
// remaining one.
func TestLatestAfterAddAndPrune(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "history.db"))
	add := func(n int, at time.Time) history.Record {
		t.Helper()
		rec, err := s.Add(ctx, rep("demo", n, at, intel.SeverityHigh))
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	newest := add(1, t0.Add(-time.Hour))
	add(1, t0.Add(-2*time.Hour)) // made earlier, added later: not the latest
	add(2, t0.Add(-3*time.Hour))
	tieB := add(2, t0.Add(-3*time.Hour))
	old := add(3, t0.Add(-30*24*time.Hour))
	// One incident added under its name in lower case, then in upper case.
	lower := rep("demo", 4, t0.Add(-30*24*time.Hour), intel.SeverityHigh)
	lower.Incident.Name = "00000000-0000-0000-0000-00000000000a"
	upper := rep("demo", 4, t0.Add(-20*24*time.Hour), intel.SeverityHigh)
	upper.Incident.Name = "00000000-0000-0000-0000-00000000000A"
	if _, err := s.Add(ctx, lower); err != nil {
		t.Fatal(err)
	}
	recB, err := s.Add(ctx, upper)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := s.Add(ctx, rep("other", 1, t0, intel.SeverityHigh))

	check := func(when string, want map[string]int64) {
		t.Helper()
		got, err := s.Latest(ctx, "demo")
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]int64{}
		for k, rec := range got {
			ids[k] = rec.ID
		}
		if !reflect.DeepEqual(ids, want) {
			t.Errorf("%s: Latest ids %v, want %v", when, ids, want)
		}
	}
	name := func(n int) string { return rep("demo", n, t0, "").Incident.Name }
	check("after Add", map[string]int64{name(1): newest.ID, name(2): tieB.ID, name(3): old.ID, recB.IncidentName: recB.ID})
	if got, _ := s.Latest(ctx, "demo", "2", "00000000-0000-0000-0000-00000000000a"); got["2"].ID != tieB.ID || got["00000000-0000-0000-0000-00000000000a"].ID != recB.ID {
		t.Errorf("Latest by reference: %+v", got)
	}

	// The prune takes all of three's records and the older of four's.
	if _, err := s.Prune(ctx, t0.Add(-25*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	check("after Prune", map[string]int64{name(1): newest.ID, name(2): tieB.ID, recB.IncidentName: recB.ID})
	if _, err := s.Prune(ctx, t0.Add(-time.Hour-time.Minute)); err != nil {
		t.Fatal(err)
	}
	check("after the second Prune", map[string]int64{name(1): newest.ID})
	if got, _ := s.Latest(ctx, "other"); len(got) != 1 || got[other.IncidentName].ID != other.ID {
		t.Errorf("another workspace's latest: %+v", got)
	}
}

// When a prune takes an incident's latest record but not an older one,
// Latest gives the older one.
func TestLatestAfterPruneOfNewest(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	s := open(t, path)
	keep, err := s.Add(ctx, rep("demo", 1, t0.Add(-time.Hour), intel.SeverityHigh))
	if err != nil {
		t.Fatal(err)
	}
	gone, err := s.Add(ctx, rep("demo", 1, t0, intel.SeverityHigh))
	if err != nil {
		t.Fatal(err)
	}
	// A prune by time takes an incident's older records first; to have it
	// take the latest record and leave an older one, the latest record's
	// time is moved back behind latest's back.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE records SET at = ? WHERE id = ?`, t0.Add(-48*time.Hour).UnixNano(), gone.ID); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := s.Prune(ctx, t0.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Latest(ctx, "demo", "1")
	if err != nil || got["1"].ID != keep.ID {
		t.Errorf("Latest after the latest record was pruned: %+v, %v; want record %d", got, err, keep.ID)
	}
}

// The priority's reasons come back with the record from Add, List and
// Latest; a record without a priority has none.
func TestReasonsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "history.db"))
	r := rep("demo", 42, t0, intel.SeverityHigh)
	reasons := []report.PriorityReason{{Factor: "ti_verdict", Points: 40, Detail: "high <b>"}, {Factor: "severity", Points: 10, Detail: "High"}}
	r.Priority = &report.Priority{Score: 50, Reasons: reasons}
	rec, err := s.Add(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rec.Reasons(), reasons) {
		t.Errorf("Add: reasons %+v", rec.Reasons())
	}
	if recs, _ := s.List(ctx, "demo", "42"); len(recs) != 1 || !reflect.DeepEqual(recs[0].Reasons(), reasons) {
		t.Errorf("List: %+v", recs)
	}
	if got, _ := s.Latest(ctx, "demo", "42"); !reflect.DeepEqual(got["42"].Reasons(), reasons) {
		t.Errorf("Latest: %+v", got)
	}
	if _, err := s.Add(ctx, rep("demo", 7, t0, intel.SeverityHigh)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Latest(ctx, "demo", "7"); got["7"].Reasons() != nil {
		t.Errorf("reasons without a priority: %+v", got["7"].Reasons())
	}
}

// A file of schema version 2 gains latest, filled from its records, and
// the reasons of its records from their reports.
func TestMigrateFromVersion2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := history.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	r := rep("demo", 1, t0, intel.SeverityHigh)
	reasons := []report.PriorityReason{{Factor: "ti_verdict", Points: 40, Detail: "high"}}
	r.Priority = &report.Priority{Score: 40, Reasons: reasons}
	newest, err := s.Add(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{t0.Add(-time.Hour), t0} {
		if _, err := s.Add(ctx, rep("demo", 2, at, intel.SeverityHigh)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Add(ctx, rep("demo", 2, t0.Add(-2*time.Hour), intel.SeverityHigh)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TABLE latest`, `ALTER TABLE records DROP COLUMN reasons`, `PRAGMA user_version = 2`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s = open(t, path)
	all, err := s.Latest(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	two, _ := s.List(ctx, "demo", "2")
	if len(all) != 2 || all[newest.IncidentName].ID != newest.ID || len(two) != 3 || all[two[0].IncidentName].ID != two[0].ID || two[0].At != t0 {
		t.Errorf("latest after migration: %+v (records of 2: %+v)", all, two)
	}
	if !reflect.DeepEqual(all[newest.IncidentName].Reasons(), reasons) {
		t.Errorf("reasons after migration: %+v", all[newest.IncidentName].Reasons())
	}
}
