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
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

func queueJSON(t *testing.T, args ...string) []queueRow {
	t.Helper()
	out, errOut, code := run(t, append(args, "--json")...)
	if code != ExitOK {
		t.Fatalf("queue: exit %d: %s", code, errOut)
	}
	var rows []queueRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("queue --json: %v\n%s", err, out)
	}
	return rows
}

func rowOf(t *testing.T, rows []queueRow, number int) (int, queueRow) {
	t.Helper()
	for i, r := range rows {
		if r.Incident.Number == number {
			return i, r
		}
	}
	t.Fatalf("incident %d is not in the queue", number)
	return 0, queueRow{}
}

func TestQueueRanksTriaged(t *testing.T) {
	cfg, dataDir := historyConfig(t)
	rows := queueJSON(t, "--config", cfg, "queue")
	if len(rows) < 8 {
		t.Fatalf("the default window's queue has %d incidents, want at least 8", len(rows))
	}
	for _, r := range rows {
		if r.State != stateNotTriaged || r.Triage != nil || r.Priority != nil {
			t.Errorf("before any run, incident %d: %s %+v %+v", r.Incident.Number, r.State, r.Triage, r.Priority)
		}
	}
	// Untriaged, the queue is by severity.
	for i := 1; i < len(rows); i++ {
		if rows[i-1].Incident.Severity.Rank() < rows[i].Incident.Severity.Rank() {
			t.Errorf("untriaged queue not by severity: %d (%s) before %d (%s)", rows[i-1].Incident.Number, rows[i-1].Incident.Severity,
				rows[i].Incident.Number, rows[i].Incident.Severity)
		}
	}
	if _, err := os.Stat(filepath.Join(dataDir, history.FileName)); err == nil {
		t.Error("listing the queue created the history file")
	}

	// 121 is the known-bad incident; 130, an administrator's bulk license
	// assignment, benign.
	for _, n := range []string{"121", "130"} {
		if _, errOut, code := run(t, "--config", cfg, "run", n, "--format", "json"); code != ExitOK {
			t.Fatalf("run %s: exit %d: %s", n, code, errOut)
		}
	}
	rows = queueJSON(t, "--config", cfg, "queue")
	i121, r121 := rowOf(t, rows, 121)
	i130, r130 := rowOf(t, rows, 130)
	if i121 != 0 || i130 != 1 {
		t.Errorf("121 at %d and 130 at %d, want 0 and 1: the triaged first, by priority", i121, i130)
	}
	for _, r := range []queueRow{r121, r130} {
		if r.State != stateCurrent || r.Triage == nil || r.Priority == nil || r.Triage.Priority == nil || *r.Triage.Priority != r.Priority.Score {
			t.Fatalf("triaged incident %d: %s %+v %+v", r.Incident.Number, r.State, r.Triage, r.Priority)
		}
	}
	if r121.Priority.Score <= r130.Priority.Score || r121.Triage.Verdict != intel.SeverityHigh {
		t.Errorf("121 (%d, %s) does not rank above 130 (%d)", r121.Priority.Score, r121.Triage.Verdict, r130.Priority.Score)
	}
	// The reasons are those recorded with the triage, and add up to the score.
	sum := 0
	factors := map[string]bool{}
	for _, reason := range r121.Priority.Reasons {
		sum += reason.Points
		factors[reason.Factor] = true
	}
	if !factors["ti_high"] || !factors["severity_high"] || sum < r121.Priority.Score {
		t.Errorf("121's reasons %+v (sum %d, score %d)", r121.Priority.Reasons, sum, r121.Priority.Score)
	}
	for _, r := range rows[2:] {
		if r.State != stateNotTriaged {
			t.Errorf("incident %d is %s", r.Incident.Number, r.State)
		}
	}

	out, errOut, code := run(t, "--config", cfg, "queue")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != ExitOK || !strings.HasPrefix(lines[0], "NUMBER") || !strings.HasPrefix(lines[1], "121 ") ||
		!strings.Contains(lines[1], "current") || !strings.Contains(lines[3], "not triaged") {
		t.Errorf("queue table: exit %d: %s\n%s", code, errOut, out)
	}
	out, _, _ = run(t, "--config", cfg, "queue", "--tsv")
	f := strings.Split(strings.SplitN(out, "\n", 2)[0], "\t")
	if len(f) != 8 || f[0] != "121" || f[3] != fmt.Sprint(r121.Priority.Score) || f[4] != "high" || f[5] != testNow.Format(time.RFC3339) || f[6] != stateCurrent {
		t.Errorf("queue TSV's first line %q", f)
	}
	if _, _, code := run(t, "--config", cfg, "queue", "--tsv", "--json"); code != ExitUsage {
		t.Errorf("--tsv --json: exit %d, want usage", code)
	}
}

// After an incident changes, its triage is stale.
func TestQueueStale(t *testing.T) {
	cfg, _ := historyConfig(t)
	dir := filepath.Dir(cfg)
	if _, errOut, code := run(t, "--config", cfg, "-w", "lab", "import", writeExport(t, dir)); code != ExitOK {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	// The workspace has no logs: the triage is partial, recorded all the same.
	if _, errOut, code := run(t, "--config", cfg, "-w", "lab", "run", "7"); code != ExitPartial {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	rows := queueJSON(t, "--config", cfg, "-w", "lab", "queue", "--since", "7d")
	if _, r := rowOf(t, rows, 7); r.State != stateCurrent {
		t.Errorf("7 just triaged is %s", r.State)
	}
	if _, r := rowOf(t, rows, 8); r.State != stateNotTriaged {
		t.Errorf("8 is %s", r.State)
	}

	// Incident 7 gains an alert.
	grown := `{"value": [{"name": "11111111-2222-3333-4444-555555555507", "type": "Microsoft.SecurityInsights/incidents",
	  "properties": {"incidentNumber": 7, "title": "Imported 7", "severity": "Medium", "status": "New",
	    "createdTimeUtc": "2026-11-26T10:00:00Z", "lastModifiedTimeUtc": "2026-11-26T11:05:00Z"},
	  "alerts": {"value": [
	    {"kind": "SecurityAlert", "name": "a7", "properties": {"systemAlertId": "a7", "alertDisplayName": "Bad thing", "severity": "Medium", "timeGenerated": "2026-11-26T09:59:00Z"}},
	    {"kind": "SecurityAlert", "name": "a7b", "properties": {"systemAlertId": "a7b", "alertDisplayName": "Worse thing", "severity": "High", "timeGenerated": "2026-11-26T11:00:00Z"}}]},
	  "entities": [{"kind": "Ip", "name": "e7", "properties": {"address": "203.0.113.7"}}]}]}`
	src := filepath.Join(dir, "grown.json")
	if err := os.WriteFile(src, []byte(grown), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := run(t, "--config", cfg, "-w", "lab", "import", src); code != ExitOK {
		t.Fatalf("second import: exit %d: %s", code, errOut)
	}
	rows = queueJSON(t, "--config", cfg, "-w", "lab", "queue", "--since", "7d")
	if _, r := rowOf(t, rows, 7); r.State != stateStale || r.Triage == nil {
		t.Errorf("7 after it gained an alert: %s %+v", r.State, r.Triage)
	}

	// --triage triages the stale and the untriaged (partial here: exit 3).
	if _, errOut, code := run(t, "--config", cfg, "-w", "lab", "queue", "--since", "7d", "--triage"); code != ExitPartial || !strings.Contains(errOut, "triaged 2 incidents") {
		t.Fatalf("queue --triage: exit %d: %s", code, errOut)
	}
	for _, r := range queueJSON(t, "--config", cfg, "-w", "lab", "queue", "--since", "7d") {
		if r.State != stateCurrent {
			t.Errorf("after --triage, %d is %s", r.Incident.Number, r.State)
		}
	}
	if recs := historyJSON(t, "--config", cfg, "-w", "lab", "history", "7"); len(recs) != 2 {
		t.Errorf("7's records after --triage: %d, want 2", len(recs))
	}
}

// --triage triages each incident without a current triage, once, and
// leaves a current one alone.
func TestQueueTriage(t *testing.T) {
	cfg, _ := historyConfig(t)
	// The demo's data ends at the start of the day; in the last 70 minutes
	// of it are incidents 131 and 130.
	window := []string{"--config", cfg, "queue", "--since", "70m"}
	if _, errOut, code := run(t, "--config", cfg, "run", "131"); code != ExitOK {
		t.Fatalf("run 131: exit %d: %s", code, errOut)
	}
	rows := queueJSON(t, window...)
	if len(rows) < 2 {
		t.Fatalf("the window holds %d incidents, want at least 2", len(rows))
	}
	untriaged := 0
	for _, r := range rows {
		if r.State == stateNotTriaged {
			untriaged++
		}
	}
	_, errOut, code := run(t, "--config", cfg, "queue", "--since", "70m", "--triage", "--wait", "0")
	if code != ExitOK || !strings.Contains(errOut, fmt.Sprintf("triaged %d incident", untriaged)) {
		t.Fatalf("queue --triage: exit %d: %s", code, errOut)
	}
	for _, r := range queueJSON(t, window...) {
		if r.State != stateCurrent {
			t.Errorf("after --triage, %d is %s", r.Incident.Number, r.State)
		}
		want := 1
		recs := historyJSON(t, "--config", cfg, "history", fmt.Sprint(r.Incident.Number))
		if len(recs) != want {
			t.Errorf("incident %d has %d records, want %d", r.Incident.Number, len(recs), want)
		}
	}
	// Nothing left to triage: none is triaged again.
	if _, errOut, code := run(t, "--config", cfg, "queue", "--since", "70m", "--triage"); code != ExitOK || strings.Contains(errOut, "triaged") {
		t.Errorf("second queue --triage: exit %d: %s", code, errOut)
	}
}

func TestSortQueue(t *testing.T) {
	p := func(n int) *report.Priority { return &report.Priority{Score: n} }
	t0 := testNow
	rows := []queueRow{
		{Incident: triage.Incident{Number: 1, Severity: triage.SeverityHigh, Created: t0}},
		{Incident: triage.Incident{Number: 2, Severity: triage.SeverityLow, Created: t0}, Priority: p(10)},
		{Incident: triage.Incident{Number: 3, Severity: triage.SeverityLow, Created: t0.Add(time.Hour)}},
		{Incident: triage.Incident{Number: 4, Severity: triage.SeverityMedium, Created: t0}, Priority: p(80)},
		{Incident: triage.Incident{Number: 5, Severity: triage.SeverityHigh, Created: t0}, Priority: p(80)},
		{Incident: triage.Incident{Number: 6, Severity: triage.SeverityLow, Created: t0}},
	}
	sortQueue(rows)
	var got []int
	for _, r := range rows {
		got = append(got, r.Incident.Number)
	}
	if fmt.Sprint(got) != "[5 4 2 1 3 6]" {
		t.Errorf("queue order %v, want [5 4 2 1 3 6]", got)
	}
}

// benchReasons are the reasons of each triage BenchmarkQueue records, as
// many as a triage of a bad incident gives.
var benchReasons = []report.PriorityReason{
	{Factor: "ti_verdict", Points: 40, Detail: "threat intel rates an entity high"},
	{Factor: "incident_severity", Points: 20, Detail: "the incident is High"},
	{Factor: "alert_count", Points: 10, Detail: "12 alerts"},
	{Factor: "entity_kinds", Points: 5, Detail: "4 kinds of entity"},
}

// BenchmarkQueue times what queue does once the workspace has listed the
// incidents: the latest triage of each from the history, with its
// priority's reasons, in one query, the join and the sort.
func BenchmarkQueue(b *testing.B) {
	const n = 10000
	ctx := context.Background()
	st, err := history.Open(ctx, filepath.Join(b.TempDir(), history.FileName))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	st.SetClock(func() time.Time { return testNow })
	incs := make([]triage.Incident, n)
	for i := range incs {
		inc := triage.Incident{
			Name: fmt.Sprintf("00000000-0000-0000-0000-%012d", i), Number: i + 1, Title: "incident",
			Severity: []triage.Severity{triage.SeverityLow, triage.SeverityMedium, triage.SeverityHigh}[i%3],
			Created:  testNow.Add(-time.Duration(i) * time.Minute), AlertCount: 1,
		}
		inc.LastModified = inc.Created
		incs[i] = inc
		r := report.Report{Workspace: "bench", Incident: inc, GeneratedAt: testNow,
			Alerts: []triage.Alert{{}}, Priority: &report.Priority{Score: i * 7 % 101, Reasons: benchReasons}}
		if _, err := st.Add(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		latest, err := latestOf(ctx, st, "bench", incs)
		if err != nil {
			b.Fatal(err)
		}
		rows := joinQueue(incs, latest)
		sortQueue(rows)
		if len(latest) != n || rows[0].Priority == nil || len(rows[0].Triage.Reasons()) != len(benchReasons) || rows[0].State != stateCurrent {
			b.Fatalf("%d latest, first row %+v", len(latest), rows[0])
		}
	}
}
