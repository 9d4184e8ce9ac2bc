package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/history"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

// historyConfig writes a triage.yaml whose data dir is the test's own, so
// that the records a test counts are its own.
func historyConfig(t *testing.T) (cfg, dataDir string) {
	t.Helper()
	dir := t.TempDir()
	dataDir = filepath.Join(dir, "data")
	cfg = filepath.Join(dir, "triage.yaml")
	if err := os.WriteFile(cfg, []byte("data_dir: "+dataDir+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, dataDir
}

func historyJSON(t *testing.T, args ...string) []history.Record {
	t.Helper()
	out, errOut, code := run(t, append(args, "--json")...)
	if code != ExitOK {
		t.Fatalf("history: exit %d: %s", code, errOut)
	}
	var recs []history.Record
	if err := json.Unmarshal([]byte(out), &recs); err != nil {
		t.Fatalf("history --json: %v\n%s", err, out)
	}
	return recs
}

func TestRunRecordsHistory(t *testing.T) {
	cfg, dataDir := historyConfig(t)
	if recs := historyJSON(t, "--config", cfg, "history", "121"); len(recs) != 0 {
		t.Fatalf("before any run: %+v", recs)
	}
	_, errOut, _ := run(t, "--config", cfg, "history", "121")
	if !strings.Contains(errOut, "no triage of incident 121 is recorded in workspace demo") {
		t.Errorf("history with none recorded: stderr %q", errOut)
	}

	if _, errOut, code := run(t, "--config", cfg, "run", "121", "--format", "json"); code != ExitOK {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	recs := historyJSON(t, "--config", cfg, "history", "121")
	if len(recs) != 1 {
		t.Fatalf("after one run: %d records, want 1", len(recs))
	}
	if r := recs[0]; r.Workspace != "demo" || r.Incident != 121 || r.IncidentName == "" || r.Verdict != "high" || !r.At.Equal(testNow) || r.Version == "" {
		t.Errorf("record %+v", r)
	}
	if fi, err := os.Stat(filepath.Join(dataDir, history.FileName)); err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("history file: %v, %v", fi, err)
	}
	// By name too.
	if byName := historyJSON(t, "--config", cfg, "history", recs[0].IncidentName); len(byName) != 1 || byName[0].ID != recs[0].ID {
		t.Errorf("history by name: %+v", byName)
	}

	// A second run, asking what changed: nothing, said in JSON and on stderr.
	out, errOut, code := run(t, "--config", cfg, "run", "121", "--format", "json", "--since-last")
	if code != ExitOK {
		t.Fatalf("second run: exit %d: %s", code, errOut)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.SinceLast == nil || r.SinceLast.First || !r.SinceLast.None() || !r.SinceLast.Previous.Equal(testNow) {
		t.Errorf("since_last on an unchanged incident: %+v", r.SinceLast)
	}
	if !strings.Contains(errOut, "nothing changed since the triage of") {
		t.Errorf("stderr %q", errOut)
	}
	if recs := historyJSON(t, "--config", cfg, "history", "121"); len(recs) != 2 {
		t.Fatalf("after two runs: %d records, want 2", len(recs))
	}
	out, _, _ = run(t, "--config", cfg, "history", "121")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "WHEN") || !strings.Contains(lines[1], "high") {
		t.Errorf("history table:\n%s", out)
	}

	// Without --since-last, no since_last.
	out, _, _ = run(t, "--config", cfg, "run", "121", "--format", "json")
	if strings.Contains(out, `"since_last"`) {
		t.Error("since_last without --since-last")
	}
}

// A run that fails (no such incident) is not recorded.
func TestFailedRunNotRecorded(t *testing.T) {
	cfg, _ := historyConfig(t)
	if _, _, code := run(t, "--config", cfg, "run", "999999"); code == ExitOK {
		t.Fatal("run of a missing incident succeeded")
	}
	if recs := historyJSON(t, "--config", cfg, "history", "999999"); len(recs) != 0 {
		t.Errorf("a failed run was recorded: %+v", recs)
	}
}

// After an incident gains an alert, --since-last names it.
func TestSinceLastNamesNewAlert(t *testing.T) {
	cfg, _ := historyConfig(t)
	dir := filepath.Dir(cfg)
	if _, errOut, code := run(t, "--config", cfg, "-w", "lab", "import", writeExport(t, dir)); code != ExitOK {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	// The workspace has no logs: the report is partial (exit 3), and
	// recorded all the same.
	out, errOut, code := run(t, "--config", cfg, "-w", "lab", "run", "7", "--since-last")
	if code != ExitPartial {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "No earlier triage of this incident is recorded.") {
		t.Errorf("first run's report:\n%s", out)
	}

	// Incident 7 again, with a second alert naming a new address.
	grown := `{"value": [{"name": "11111111-2222-3333-4444-555555555507", "type": "Microsoft.SecurityInsights/incidents",
	  "properties": {"incidentNumber": 7, "title": "Imported 7", "severity": "Medium", "status": "New",
	    "createdTimeUtc": "2026-11-26T10:00:00Z", "lastModifiedTimeUtc": "2026-11-26T11:05:00Z"},
	  "alerts": {"value": [
	    {"kind": "SecurityAlert", "name": "a7", "properties": {"systemAlertId": "a7", "alertDisplayName": "Bad thing", "severity": "Medium", "timeGenerated": "2026-11-26T09:59:00Z"}},
	    {"kind": "SecurityAlert", "name": "a7b", "properties": {"systemAlertId": "a7b", "alertDisplayName": "Worse thing", "severity": "High", "timeGenerated": "2026-11-26T11:00:00Z"}}]},
	  "entities": [{"kind": "Ip", "name": "e7", "properties": {"address": "203.0.113.7"}}, {"kind": "Ip", "name": "e77", "properties": {"address": "203.0.113.77"}}]}]}`
	src := filepath.Join(dir, "grown.json")
	if err := os.WriteFile(src, []byte(grown), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := run(t, "--config", cfg, "-w", "lab", "import", src); code != ExitOK {
		t.Fatalf("second import: exit %d: %s", code, errOut)
	}
	if recs := historyJSON(t, "--config", cfg, "-w", "lab", "history", "7"); len(recs) != 1 || !recs[0].Partial {
		t.Fatalf("a partial triage's record: %+v", recs)
	}
	out, errOut, code = run(t, "--config", cfg, "-w", "lab", "run", "7", "--since-last")
	if code != ExitPartial {
		t.Fatalf("second run: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"- New alert: Worse thing (High, a7b)", "- New entity: Ip 203.0.113.77"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "1 new alert") {
		t.Errorf("stderr %q", errOut)
	}
}

// triage.yaml's history.retention is what a command's triage prunes the
// history by: with a day's retention, a record of three days ago is gone
// after the next triage is recorded, one of an hour ago is kept.
func TestHistoryRetentionConfigured(t *testing.T) {
	cfg, dataDir := historyConfig(t)
	if err := os.WriteFile(cfg, []byte("data_dir: "+dataDir+"\nhistory:\n  retention: 1d\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := history.Open(context.Background(), filepath.Join(dataDir, history.FileName))
	if err != nil {
		t.Fatal(err)
	}
	st.SetClock(func() time.Time { return testNow.Add(-3 * 24 * time.Hour) })
	for n, at := range map[int]time.Time{120: testNow.Add(-3 * 24 * time.Hour), 130: testNow.Add(-time.Hour)} {
		r := report.Report{Workspace: "demo", GeneratedAt: at, Incident: triage.Incident{Number: n, Name: fmt.Sprintf("old-%d", n), LastModified: at}}
		if _, err := st.Add(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	if recs := historyJSON(t, "--config", cfg, "history", "120"); len(recs) != 1 {
		t.Fatalf("the old record: %+v", recs)
	}
	if _, errOut, code := run(t, "--config", cfg, "run", "121", "--format", "json"); code != ExitOK {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	if recs := historyJSON(t, "--config", cfg, "history", "120"); len(recs) != 0 {
		t.Errorf("a record of three days ago is kept with a day's retention: %+v", recs)
	}
	if recs := historyJSON(t, "--config", cfg, "history", "130"); len(recs) != 1 {
		t.Errorf("a record of an hour ago: %+v, want it kept", recs)
	}
}
