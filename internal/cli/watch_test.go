package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/triage-dev/triage/internal/report/comment"
)

// importedLab imports two incidents (7 and 8, created two hours before
// testNow) into workspace lab of a fresh data directory and returns the
// args that select it and the workspace file.
func importedLab(t *testing.T) (args []string, db string) {
	t.Helper()
	cfg, dataDir := historyConfig(t)
	args = []string{"--config", cfg, "-w", "lab"}
	if _, errOut, code := run(t, append(args, "import", writeExport(t, filepath.Dir(cfg)))...); code != ExitOK {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	return args, filepath.Join(dataDir, "workspaces", "lab.db")
}

// summaries returns the triage summary comments of incident ref.
func summaries(t *testing.T, db, ref string) []string {
	t.Helper()
	var out []string
	for _, c := range labComments(t, db, ref) {
		if comment.IsSummary(c.Message) {
			out = append(out, c.Message)
		}
	}
	return out
}

// logLines returns the lines of stderr that log msg.
func logLines(errOut, msg string) []string {
	var out []string
	for _, l := range strings.Split(errOut, "\n") {
		if strings.Contains(l, "msg="+msg+" ") || strings.Contains(l, `msg="`+msg+`"`) {
			out = append(out, l)
		}
	}
	return out
}

func TestWatchOnce(t *testing.T) {
	args, db := importedLab(t)
	watch := func() string {
		t.Helper()
		_, errOut, code := run(t, append(args, "watch", "--once", "--post", "--label", "triaged", "--window", "1d")...)
		if code != ExitOK {
			t.Fatalf("watch: exit %d: %s", code, errOut)
		}
		return errOut
	}
	errOut := watch()
	if lines := logLines(errOut, "triaged"); len(lines) != 2 {
		t.Fatalf("first pass: %d incidents triaged, want 2:\n%s", len(lines), errOut)
	}
	for _, want := range []string{"workspace=lab", "incident=7", "verdict=", "posted=true", "labelled=true", "duration="} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the log lacks %q:\n%s", want, errOut)
		}
	}
	for _, ref := range []string{"7", "8"} {
		if n := len(summaries(t, db, ref)); n != 1 {
			t.Errorf("incident %s: %d summary comments, want 1", ref, n)
		}
		if inc := labIncident(t, db, ref); len(inc.Labels) != 1 || inc.Labels[0] != "triaged" {
			t.Errorf("incident %s: labels %v", ref, inc.Labels)
		}
		if recs := historyJSON(t, append(args, "history", ref)...); len(recs) != 1 {
			t.Errorf("incident %s: %d records after the first pass, want 1", ref, len(recs))
		}
	}

	// Nothing changed, not even by the first pass's own comment and label.
	errOut = watch()
	if lines := logLines(errOut, "triaged"); len(lines) != 0 {
		t.Errorf("second pass triaged again:\n%s", errOut)
	}
	before := summaries(t, db, "7")

	// Incident 7 gains an alert: only it is triaged again, its comment
	// replaced.
	grown := `{"value": [{"name": "11111111-2222-3333-4444-555555555507", "type": "Microsoft.SecurityInsights/incidents",
	  "properties": {"incidentNumber": 7, "title": "Imported 7", "severity": "Medium", "status": "New",
	    "createdTimeUtc": "2026-11-26T10:00:00Z", "lastModifiedTimeUtc": "2026-11-26T11:05:00Z"},
	  "alerts": {"value": [
	    {"kind": "SecurityAlert", "name": "a7", "properties": {"systemAlertId": "a7", "alertDisplayName": "Bad thing", "severity": "Medium", "timeGenerated": "2026-11-26T09:59:00Z"}},
	    {"kind": "SecurityAlert", "name": "a7b", "properties": {"systemAlertId": "a7b", "alertDisplayName": "Worse thing", "severity": "High", "timeGenerated": "2026-11-26T11:00:00Z"}}]},
	  "entities": [{"kind": "Ip", "name": "e7", "properties": {"address": "203.0.113.7"}}]}]}`
	src := filepath.Join(t.TempDir(), "grown.json")
	if err := os.WriteFile(src, []byte(grown), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := run(t, append(args, "import", src)...); code != ExitOK {
		t.Fatalf("second import: exit %d: %s", code, errOut)
	}
	errOut = watch()
	lines := logLines(errOut, "triaged")
	if len(lines) != 1 || !strings.Contains(lines[0], "incident=7 ") {
		t.Fatalf("third pass: want incident 7 alone triaged:\n%s", errOut)
	}
	after := summaries(t, db, "7")
	if len(after) != 1 || after[0] == before[0] || !strings.Contains(after[0], "Worse thing") {
		t.Errorf("incident 7's summary was not replaced: %d summaries:\n%s", len(after), strings.Join(after, "\n---\n"))
	}
	if recs := historyJSON(t, append(args, "history", "8")...); len(recs) != 1 {
		t.Errorf("incident 8: %d records, want 1", len(recs))
	}
}
