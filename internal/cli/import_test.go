package cli

import (
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/triage-dev/triage/internal/importer"
)

// alertList is msticpy's alert export: see testdata/README.md.
const alertList = "testdata/alertlist.csv"

func needFixture(t *testing.T, p string) string {
	t.Helper()
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("fixture %s: %v", p, err)
	}
	return p
}

// countRows counts a table's rows in a workspace file.
func countRows(t *testing.T, db, table string) int {
	t.Helper()
	d, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int
	if err := d.QueryRow(`SELECT count(*) FROM "` + table + `"`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportAlertListEndToEnd(t *testing.T) {
	src := needFixture(t, alertList)
	dir := t.TempDir()
	db := filepath.Join(dir, "imp.db")

	out, errOut, code := run(t, "import", "--db", db, src)
	if code != ExitOK {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	for _, want := range []string{src + ": csv", "SecurityAlert", "189 added, 0 already imported", "189 incidents made for alerts without one"} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}

	cfg := filepath.Join(dir, "triage.yaml")
	if err := os.WriteFile(cfg, []byte("workspaces:\n  imp:\n    kind: local\n    path: "+db+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = run(t, "--config", cfg, "-w", "imp", "incidents", "--json", "--since", "3650d")
	if code != ExitOK {
		t.Fatalf("incidents: exit %d: %s", code, errOut)
	}
	var incs []struct {
		Number   int      `json:"number"`
		Name     string   `json:"name"`
		Title    string   `json:"title"`
		Severity string   `json:"severity"`
		Status   string   `json:"status"`
		Labels   []string `json:"labels"`
		AlertIDs []string `json:"alert_ids"`
	}
	if err := json.Unmarshal([]byte(out), &incs); err != nil {
		t.Fatalf("incidents --json: %v", err)
	}
	if len(incs) != 189 {
		t.Fatalf("%d incidents listed, want one per alert (189)", len(incs))
	}
	const alertID = "047f47d6-79b7-4502-824b-97abc4905a73"
	number := 0
	for _, inc := range incs {
		if len(inc.Labels) != 1 || inc.Labels[0] != "alert-only" || inc.Status != "New" || len(inc.AlertIDs) != 1 {
			t.Fatalf("incident %d: %+v", inc.Number, inc)
		}
		if inc.Name == importer.SyntheticIncidentName(alertID) {
			number = inc.Number
			if inc.Title != "DC local group addition - Demo" || inc.Severity != "Low" || inc.AlertIDs[0] != alertID {
				t.Errorf("the alert's incident: %+v", inc)
			}
		}
	}
	if number == 0 {
		t.Fatalf("no incident for alert %s", alertID)
	}

	out, errOut, code = run(t, "--config", cfg, "-w", "imp", "run", strconv.Itoa(number), "--format", "json")
	if code != ExitOK && code != ExitPartial {
		t.Fatalf("run %d: exit %d: %s", number, code, errOut)
	}
	var r struct {
		Alerts []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"alerts"`
		Entities []struct {
			Kind string `json:"kind"`
			Key  string `json:"key"`
			Name string `json:"name"`
		} `json:"entities"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("run: report is not JSON: %v", err)
	}
	if len(r.Alerts) != 1 || r.Alerts[0].ID != alertID || r.Alerts[0].Name != "DC local group addition - Demo" {
		t.Errorf("report alerts: %+v", r.Alerts)
	}
	var ip, host bool
	for _, e := range r.Entities {
		ip = ip || e.Key == "Ip:75.10.91.22"
		host = host || e.Kind == "Host"
	}
	if !ip || !host {
		t.Errorf("report entities %+v: want the alert's IP 75.10.91.22 and its host", r.Entities)
	}

	// Again, through the configured workspace: nothing is added.
	out, errOut, code = run(t, "--config", cfg, "-w", "imp", "import", "--json", src)
	if code != ExitOK {
		t.Fatalf("second import: exit %d: %s", code, errOut)
	}
	var res []importFileResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("import --json: %v\n%s", err, out)
	}
	want := []importTableCount{{Table: "SecurityAlert", Read: 189, Added: 0, Duplicates: 189}}
	if len(res) != 1 || res[0].Synthetic != 0 || res[0].Linked != 0 || len(res[0].Tables) != 1 || res[0].Tables[0] != want[0] {
		t.Errorf("second import: %+v", res)
	}
	if a, i := countRows(t, db, "SecurityAlert"), countRows(t, db, "SecurityIncident"); a != 189 || i != 189 {
		t.Errorf("after two imports: %d alert rows, %d incident rows; want 189 and 189", a, i)
	}
}

// A file with a bad time is reported with its row and column and leaves the
// workspace as it was; the other files are still imported; the exit status
// is 1.
func TestImportBadFile(t *testing.T) {
	src := needFixture(t, alertList)
	dir := t.TempDir()
	db := filepath.Join(dir, "imp.db")
	if _, errOut, code := run(t, "import", "--db", db, src); code != ExitOK {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}

	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	col, idCol := -1, -1
	for i, h := range recs[0] {
		switch h {
		case "TimeGenerated":
			col = i
		case "SystemAlertId":
			idCol = i
		}
	}
	for i := 1; i < len(recs); i++ {
		recs[i][idCol] = "new-" + recs[i][idCol] // nothing in the file is a duplicate
	}
	recs[12][col] = "2019-13-45 99:00:00"
	bad := filepath.Join(dir, "bad.csv")
	writeCSV(t, bad, recs)
	good := filepath.Join(dir, "good.csv")
	if err := os.WriteFile(good, []byte("TimeGenerated,Computer,EventID,Account\n2019-01-15 05:15:02,h1,4624,a\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	out, errOut, code := run(t, "import", "--db", db, bad, good)
	if code != ExitError {
		t.Fatalf("exit %d, want 1; stderr %s", code, errOut)
	}
	for _, want := range []string{bad, "row 12", "column TimeGenerated", "2019-13-45 99:00:00", "1 of 2 files failed"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if !strings.Contains(out, good) || strings.Contains(out, bad) {
		t.Errorf("stdout should report good.csv only:\n%s", out)
	}
	if a, i, e := countRows(t, db, "SecurityAlert"), countRows(t, db, "SecurityIncident"), countRows(t, db, "SecurityEvent"); a != 189 || i != 189 || e != 1 {
		t.Errorf("rows: %d alerts, %d incidents, %d events; want 189, 189 and 1", a, i, e)
	}

	// With --json the failure is in the file's entry too.
	out, _, code = run(t, "import", "--db", db, "--json", bad)
	var res []importFileResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("import --json: %v\n%s", err, out)
	}
	if code != ExitError || len(res) != 1 || !strings.Contains(res[0].Error, "row 12 (line ") || !strings.Contains(res[0].Error, "column TimeGenerated") {
		t.Errorf("exit %d, result %+v", code, res)
	}
	if a, i := countRows(t, db, "SecurityAlert"), countRows(t, db, "SecurityIncident"); a != 189 || i != 189 {
		t.Errorf("after a failed import: %d alert rows, %d incident rows; want 189 and 189", a, i)
	}
}

func writeCSV(t *testing.T, path string, recs [][]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestImportUsage(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "triage.yaml")
	if err := os.WriteFile(cfg, []byte("workspaces:\n  lab:\n    kind: local\n    path: "+filepath.Join(dir, "lab.db")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	some := filepath.Join(dir, "x.csv")
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"import"}, ExitUsage, "want at least one FILE"},
		{[]string{"import", "--db", filepath.Join(dir, "a.db"), "--format", "xml", some}, ExitUsage, "unknown format"},
		{[]string{"import", "--db", filepath.Join(dir, "a.db"), "--table", "Nope", some}, ExitUsage, "unknown table"},
		{[]string{"--config", cfg, "-w", "lab", "import", "--db", filepath.Join(dir, "a.db"), some}, ExitUsage, "not both"},
		{[]string{"--config", cfg, "import", some}, ExitConfig, "import needs a local workspace: the default workspace, demo"},
		{[]string{"--config", cfg, "-w", "demo", "import", some}, ExitConfig, "import needs a local workspace"},
		{[]string{"--config", cfg, "-w", "prod", "import", some}, ExitConfig, "prod"},
		{[]string{"import", "--db", filepath.Join(dir, "a.db"), filepath.Join(dir, "missing.csv")}, ExitError, "missing.csv"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, code := run(t, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d and a message with %q", code, errOut, tt.code, tt.msg)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "lab.db")); err == nil {
		t.Error("a refused import created the configured workspace's file")
	}
}
