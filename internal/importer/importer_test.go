package importer_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/triage-dev/triage/internal/importer"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

// The fixtures, written by others: see testdata/README.md.
const (
	msticpy = "testdata/msticpy/"
	api     = "testdata/sentinel-api/"
)

func fixture(t *testing.T, p string) string {
	t.Helper()
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("fixture %s: %v", p, err)
	}
	return p
}

// open opens a file workspace and a second connection to count rows.
func open(t *testing.T) (*local.Workspace, func(table string) int) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ws.db")
	ws, err := local.Open(ctx, "test", path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	count := func(table string) int {
		t.Helper()
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM "` + table + `"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	return ws, count
}

func mustImport(t *testing.T, ws *local.Workspace, path string, opts importer.Options) importer.Result {
	t.Helper()
	res, err := importer.Import(context.Background(), ws, path, opts)
	if err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	return res
}

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		name, head string
		want       importer.Format
	}{
		{"a.csv", ",TenantId,X\n0,1,2", importer.CSV},
		{"a.json", `{"tables":[{"name":"PrimaryResult"`, importer.LAJSON},
		{"a.json", "\ufeff {\n \"value\": [", importer.IncidentsJSON},
		{"a.json", `{"parameters":{},"responses":{"200":`, importer.IncidentsJSON},
		{"export", "a,b\n1,2\n", importer.CSV},
	} {
		got, err := importer.Detect(c.name, []byte(c.head))
		if err != nil || got != c.want {
			t.Errorf("Detect(%q, %q) = %q, %v; want %q", c.name, c.head, got, err, c.want)
		}
	}
	if _, err := importer.Detect("a.json", []byte("hello")); err == nil {
		t.Error("Detect of a non-JSON .json: no error")
	}
}

func TestAlertListCSV(t *testing.T) {
	ctx := context.Background()
	path := fixture(t, msticpy+"alertlist.csv")
	ws, count := open(t)
	res := mustImport(t, ws, path, importer.Options{}) // table inferred
	if res.Table != "SecurityAlert" || res.Read != 189 || res.Added != 189 || res.Duplicates != 0 || res.Synthetic != 189 {
		t.Fatalf("first import: %+v", res)
	}
	if n := count("SecurityAlert"); n != 189 {
		t.Fatalf("SecurityAlert has %d rows, want 189", n)
	}
	res = mustImport(t, ws, path, importer.Options{Table: "SecurityAlert"})
	if res.Read != 189 || res.Added != 0 || res.Duplicates != 189 || res.Synthetic != 0 || res.Linked != 0 {
		t.Fatalf("second import: %+v", res)
	}
	if n := count("SecurityAlert"); n != 189 {
		t.Fatalf("after the second import SecurityAlert has %d rows, want 189", n)
	}
	if n := count("SecurityIncident"); n != 189 {
		t.Fatalf("after the second import SecurityIncident has %d rows, want 189 (one per alert)", n)
	}

	const id = "047f47d6-79b7-4502-824b-97abc4905a73"
	tab, err := ws.Run(ctx, "alerts_by_id", workspace.Params{"ids": []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	recs := tab.Records()
	if len(recs) != 1 {
		t.Fatalf("alerts_by_id: %d rows", len(recs))
	}
	r := recs[0]
	if r.String("DisplayName") != "DC local group addition - Demo" || r.String("AlertSeverity") != "Low" {
		t.Errorf("aliases not applied: DisplayName %q AlertSeverity %q", r.String("DisplayName"), r.String("AlertSeverity"))
	}
	if st := r.Time("StartTime"); st.Format("2006-01-02 15:04:05") != "2019-01-11 06:31:40" {
		t.Errorf("StartTime = %v", r["StartTime"])
	}
	alert, ents, probs := triage.ParseSecurityAlert(r)
	if alert.ID != id || alert.Severity != "Low" {
		t.Errorf("parsed alert: %+v", alert)
	}
	if len(ents) == 0 {
		t.Errorf("no entities parsed; problems: %v", probs)
	}
}

func TestBadRowRollsBack(t *testing.T) {
	src := fixture(t, msticpy+"alertlist.csv")
	ws, count := open(t)
	mustImport(t, ws, src, importer.Options{})
	before, incBefore := count("SecurityAlert"), count("SecurityIncident")

	// A copy with every row's id changed (so nothing is a duplicate) and a
	// bad StartTimeUtc in data row 7.
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range recs[0] {
		if h == "StartTimeUtc" {
			col = i
		}
	}
	for i := 1; i < len(recs); i++ {
		recs[i][5] = "x-" + recs[i][5]
	}
	recs[7][col] = "yesterday at noon"
	bad := filepath.Join(t.TempDir(), "bad.csv")
	out, err := os.Create(bad)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(out)
	w.WriteAll(recs)
	out.Close()

	_, err = importer.Import(context.Background(), ws, bad, importer.Options{})
	if err == nil {
		t.Fatal("import of a bad file: no error")
	}
	for _, want := range []string{bad, "row 7", "StartTimeUtc", "yesterday at noon"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if after := count("SecurityAlert"); after != before {
		t.Errorf("SecurityAlert had %d rows, has %d after a failed import", before, after)
	}
	if after := count("SecurityIncident"); after != incBefore {
		t.Errorf("SecurityIncident had %d rows, has %d after a failed import", incBefore, after)
	}
}

func TestLAJSON(t *testing.T) {
	path := fixture(t, msticpy+"az_mon_raw_query.json")
	ws, count := open(t)
	res := mustImport(t, ws, path, importer.Options{})
	if res.Read != 3 || res.Added != 3 || res.Table != "SecurityAlert" {
		t.Fatalf("import: %+v", res)
	}
	if n := count("SecurityAlert"); n != 3 {
		t.Fatalf("%d rows", n)
	}
	res = mustImport(t, ws, path, importer.Options{})
	if res.Added != 0 || res.Duplicates != 3 {
		t.Fatalf("second import: %+v", res)
	}
}

func TestLAJSONStringsForNumbers(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "q.json")
	body := `{"tables":[{"name":"PrimaryResult","columns":[
		{"name":"TimeGenerated","type":"datetime"},{"name":"Computer","type":"string"},
		{"name":"EventID","type":"int"},{"name":"LogonType","type":"int"},{"name":"Extra","type":"long"},
		{"name":"Flag","type":"bool"}],
	  "rows":[["2019-01-15T05:15:02.98Z","host1","4624","2",9007199254740993,"True"]]}]}`
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ws, count := open(t)
	if _, err := importer.Import(context.Background(), ws, p, importer.Options{}); err == nil {
		t.Error("rows without Type and no table: no error")
	}
	res := mustImport(t, ws, p, importer.Options{Table: "SecurityEvent"})
	if res.Added != 1 || count("SecurityEvent") != 1 {
		t.Fatalf("import: %+v", res)
	}
}

func TestHostLogonsCSV(t *testing.T) {
	path := fixture(t, msticpy+"host_logons.csv")
	ws, count := open(t)
	res := mustImport(t, ws, path, importer.Options{Table: "SecurityEvent"})
	if res.Added == 0 || res.Added != res.Read || count("SecurityEvent") != res.Added {
		t.Fatalf("import: %+v, %d rows", res, count("SecurityEvent"))
	}
	// The table is inferred too, and nothing is added twice.
	res = mustImport(t, ws, path, importer.Options{})
	if res.Table != "SecurityEvent" || res.Added != 0 {
		t.Fatalf("second import: %+v", res)
	}
}

func TestOtherMsticpyCSVs(t *testing.T) {
	for file, table := range map[string]string{
		"syslog_data.csv":       "Syslog",
		"processes_on_host.csv": "SecurityEvent",
		"host_hb.csv":           "Heartbeat",
	} {
		path := fixture(t, msticpy+file)
		ws, count := open(t)
		res, err := importer.Import(context.Background(), ws, path, importer.Options{Table: table})
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		if res.Added == 0 || count(table) != res.Added {
			t.Errorf("%s: %+v", file, res)
		}
	}
}

func TestIncidentsAPI(t *testing.T) {
	ctx := context.Background()
	ws, count := open(t)
	res := mustImport(t, ws, fixture(t, api+"GetIncidents.json"), importer.Options{})
	if res.Table != "SecurityIncident" || res.Added != 1 {
		t.Fatalf("incidents: %+v", res)
	}
	// The alerts body is for incident afbd324f-… (its parameters say so),
	// which is not in the workspace: the alert gets an incident of its own.
	res = mustImport(t, ws, fixture(t, api+"GetAllIncidentAlerts.json"), importer.Options{})
	if res.Table != "SecurityAlert" || res.Added != 1 || res.Synthetic != 1 || res.Linked != 0 {
		t.Fatalf("alerts: %+v", res)
	}
	if count("SecurityAlert") != 1 || count("SecurityIncident") != 2 {
		t.Fatal("row counts")
	}
	found := list(t, ws)
	if len(found) != 2 || found[1].Number != 3177 || found[1].Title != "My incident" {
		t.Fatalf("ListIncidents: %+v", found)
	}
	if s := found[0]; s.Number != 3178 || s.Title != "myAlert" || s.Status != "New" ||
		s.Name != importer.SyntheticIncidentName("baa8a239-6fde-4ab7-a093-d09f7b75c58c") {
		t.Fatalf("synthetic incident: %+v", s)
	}
	for _, ref := range []string{"3177", "73e01a99-5cd7-4139-a149-9f2736ff2ab5"} {
		inc, err := ws.Incident(ctx, ref)
		if err != nil {
			t.Fatalf("Incident(%s): %v", ref, err)
		}
		if inc.Owner.Email != "john.doe@contoso.com" || inc.Severity != "High" || inc.Status != "Closed" {
			t.Errorf("Incident(%s) = %+v", ref, inc)
		}
	}
	tab, err := ws.Run(ctx, "alerts_by_id", workspace.Params{"ids": []string{"baa8a239-6fde-4ab7-a093-d09f7b75c58c"}})
	if err != nil || len(tab.Rows) != 1 {
		t.Fatalf("alert: %v, %d rows", err, len(tab.Rows))
	}
	if r := tab.Records()[0]; r.String("DisplayName") != "myAlert" || r.String("AlertSeverity") != "Low" {
		t.Errorf("alert row: %v", r)
	}
	// Idempotent.
	res = mustImport(t, ws, api+"GetIncidents.json", importer.Options{})
	if res.Added != 0 || res.Duplicates != 1 {
		t.Fatalf("second import: %+v", res)
	}
}

// list returns every incident of ws, newest first.
func list(t *testing.T, ws *local.Workspace) []triage.Incident {
	t.Helper()
	var found []triage.Incident
	if err := ws.ListIncidents(context.Background(), workspace.IncidentFilter{}, func(i triage.Incident) error {
		found = append(found, i)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return found
}

// incident returns one incident of ws and its alerts and entities.
func incident(t *testing.T, ws *local.Workspace, ref string) (triage.Incident, triage.Details) {
	t.Helper()
	ctx := context.Background()
	inc, err := ws.Incident(ctx, ref)
	if err != nil {
		t.Fatalf("incident %s: %v", ref, err)
	}
	d, err := ws.Details(ctx, inc)
	if err != nil {
		t.Fatalf("details of %s: %v", ref, err)
	}
	return inc, d
}

func TestWrappedLAExample(t *testing.T) {
	path := fixture(t, api+"oms-post-example.json")
	ws, _ := open(t)
	_, err := importer.Import(context.Background(), ws, path, importer.Options{})
	if err == nil || !strings.Contains(err.Error(), `unknown table "Usage"`) || !strings.Contains(err.Error(), "row 1") {
		t.Fatalf("want an unknown-table error for row 1, got %v", err)
	}
}
