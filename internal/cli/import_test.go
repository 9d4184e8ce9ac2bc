package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/config"
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
	data := filepath.Join(dir, "data")
	cfgData := filepath.Join(dir, "data.yaml")
	if err := os.WriteFile(cfgData, []byte("data_dir: "+data+"\n"), 0o600); err != nil {
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
		// A new workspace in the data dir needs a plain name.
		{[]string{"--config", cfgData, "-w", "Demo", "import", some}, ExitConfig, "workspace demo is of kind demo"},
		{[]string{"--config", cfgData, "-w", "a b", "import", some}, ExitUsage, `--workspace: a b is not configured, and import cannot create a workspace of that name: workspace name "a b": use only letters`},
		{[]string{"--config", cfgData, "-w", ".hidden", "import", some}, ExitUsage, "import cannot create a workspace of that name"},
		{[]string{"--config", cfgData, "-w", "x/y", "import", some}, ExitUsage, "--workspace x/y: no such file and no configured workspace of that name"},
		{[]string{"--config", cfgData, "-w", "new.db", "import", some}, ExitUsage, "give --db new.db instead"},
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
	for _, p := range []string{filepath.Join(data, "workspaces"), filepath.Join(dir, "new.db")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("a refused import created %s", p)
		}
	}

	// With no data dir (no user cache dir, no data_dir), a new name has
	// nowhere to go.
	var errb bytes.Buffer
	sio := &IO{
		Out: &bytes.Buffer{}, Err: &errb, Now: func() time.Time { return testNow },
		ConfigOptions: func(path string) config.LoadOptions { return config.LoadOptions{ConfigPath: path} },
	}
	const msg = "import into a new workspace: no data directory to keep workspace prod in: set data_dir in triage.yaml"
	if code := Run(context.Background(), sio, []string{"--config", cfg, "-w", "prod", "import", some}); code != ExitConfig || !strings.Contains(errb.String(), msg) {
		t.Errorf("import -w prod with no data dir: exit %d, stderr %q; want exit %d and %q", code, errb.String(), ExitConfig, msg)
	}
}

// writeExport writes a Sentinel incidents API export of two incidents, 7 and
// 8, each with an alert and an entity, and returns its path.
func writeExport(t *testing.T, dir string) string {
	t.Helper()
	incident := func(n int, id string) string {
		return `{"name": "` + id + `", "type": "Microsoft.SecurityInsights/incidents",
		  "properties": {"incidentNumber": ` + strconv.Itoa(n) + `, "title": "Imported ` + strconv.Itoa(n) + `", "severity": "Medium", "status": "New",
		    "createdTimeUtc": "2026-11-26T10:00:00Z", "lastModifiedTimeUtc": "2026-11-26T10:05:00Z"},
		  "alerts": {"value": [{"kind": "SecurityAlert", "name": "a` + strconv.Itoa(n) + `", "properties": {
		    "systemAlertId": "a` + strconv.Itoa(n) + `", "alertDisplayName": "Bad thing", "severity": "Medium",
		    "timeGenerated": "2026-11-26T09:59:00Z"}}]},
		  "entities": [{"kind": "Ip", "name": "e` + strconv.Itoa(n) + `", "properties": {"address": "203.0.113.` + strconv.Itoa(n) + `"}}]}`
	}
	body := `{"value": [` + incident(7, "11111111-2222-3333-4444-555555555507") + `, ` + incident(8, "11111111-2222-3333-4444-555555555508") + `]}`
	p := filepath.Join(dir, "incidents.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// incidentNumbers runs incidents --json with args and returns the numbers
// listed.
func incidentNumbers(t *testing.T, runner func(*testing.T, ...string) (string, string, int), args ...string) []int {
	t.Helper()
	out, errOut, code := runner(t, append(args, "incidents", "--json", "--since", "3650d")...)
	if code != ExitOK {
		t.Fatalf("%s incidents: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	var incs []struct {
		Number int `json:"number"`
	}
	if err := json.Unmarshal([]byte(out), &incs); err != nil {
		t.Fatalf("incidents --json: %v\n%s", err, out)
	}
	var n []int
	for _, inc := range incs {
		n = append(n, inc.Number)
	}
	slices.Sort(n)
	return n
}

// import -w NAME with NAME not configured creates the workspace in the data
// dir; every command then finds it by name, with no configuration.
func TestImportCreatesWorkspaceInDataDir(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "triage.yaml")
	if err := os.WriteFile(cfg, []byte("data_dir: "+data+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := writeExport(t, dir)
	db := filepath.Join(data, "workspaces", "lab.db")

	out, errOut, code := run(t, "--config", cfg, "-w", "lab", "import", src)
	if code != ExitOK {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	if want := "triage: created local workspace lab at " + db + "; use it with -w lab\n"; errOut != want {
		t.Errorf("stderr %q, want %q", errOut, want)
	}
	if !strings.Contains(out, "incidents-json") {
		t.Errorf("stdout: %s", out)
	}
	if got := incidentNumbers(t, run, "--config", cfg, "-w", "lab"); !slices.Equal(got, []int{7, 8}) {
		t.Errorf("incidents -w lab: %v, want [7 8]", got)
	}

	// Again: the workspace is found, not created, and nothing is added.
	out, errOut, code = run(t, "--config", cfg, "-w", "lab", "import", src)
	if code != ExitOK || errOut != "" || !strings.Contains(out, "0 added") {
		t.Errorf("second import: exit %d, stderr %q, stdout %s", code, errOut, out)
	}

	out, _, _ = run(t, "--config", cfg, "config", "check")
	if want := "local workspace in " + db + ", found in the data dir"; !strings.Contains(section(out, "workspace lab"), want) {
		t.Errorf("config check lacks %q:\n%s", want, out)
	}

	// An unknown name is an error listing what there is, and creates nothing.
	_, errOut, code = run(t, "--config", cfg, "-w", "lba", "incidents")
	want := `workspace "lba" is not configured and there is no ` + filepath.Join(data, "workspaces", "lba.db") + " (configured: demo; imported in " + filepath.Join(data, "workspaces") + ": lab)"
	if code != ExitConfig || !strings.Contains(errOut, want) {
		t.Errorf("-w lba: exit %d, stderr %q; want exit 4 and %q", code, errOut, want)
	}
}

// After import --db FILE, -w FILE opens it: the path as given, absolute or
// relative to the working directory.
func TestImportDBThenWorkspacePath(t *testing.T) {
	dir := t.TempDir()
	src := writeExport(t, dir)
	db := filepath.Join(dir, "lab.db")
	if _, errOut, code := run(t, "import", "--db", db, src); code != ExitOK {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	inDir := func(t *testing.T, args ...string) (string, string, int) {
		t.Helper()
		var out, errb bytes.Buffer
		s := &IO{
			Out: &out, Err: &errb,
			Now:           func() time.Time { return testNow },
			ConfigOptions: func(path string) config.LoadOptions { return config.LoadOptions{ConfigPath: path, Dir: dir} },
		}
		code := Run(context.Background(), s, args)
		return out.String(), errb.String(), code
	}
	for _, w := range []string{db, "lab.db", "./lab.db"} {
		if got := incidentNumbers(t, inDir, "-w", w); !slices.Equal(got, []int{7, 8}) {
			t.Errorf("incidents -w %s: %v, want [7 8]", w, got)
		}
	}

	// A mistyped path on a read command is an error, and no file is made.
	_, errOut, code := inDir(t, "-w", "./lba.db", "incidents")
	if want := `workspace "./lba.db" is not configured and there is no file ./lba.db (configured: demo)`; code != ExitConfig || !strings.Contains(errOut, want) {
		t.Errorf("-w ./lba.db: exit %d, stderr %q; want exit 4 and %q", code, errOut, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "lba.db")); err == nil {
		t.Error("a mistyped path was created")
	}
}

// triage serve offers the data dir's workspaces in the page's picker.
func TestServeOffersDataDirWorkspaces(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "triage.yaml")
	if err := os.WriteFile(cfg, []byte("data_dir: "+filepath.Join(dir, "data")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := writeExport(t, dir)
	for _, name := range []string{"lab", "other"} {
		if _, errOut, code := run(t, "--config", cfg, "-w", name, "import", src); code != ExitOK {
			t.Fatalf("import -w %s: exit %d: %s", name, code, errOut)
		}
	}

	var out, errb lockedBuffer
	s := &IO{
		Out: &out, Err: &errb,
		Now:           func() time.Time { return testNow },
		ConfigOptions: func(path string) config.LoadOptions { return config.LoadOptions{ConfigPath: path} },
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, s, []string{"--config", cfg, "-w", "lab", "serve", "--listen", "127.0.0.1:0"})
	}()
	defer func() {
		cancel()
		<-done
	}()
	var url string
	for deadline := time.Now().Add(30 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := regexp.MustCompile(`triage: serving (http://127\.0\.0\.1:\d+/)`).FindStringSubmatch(errb.String()); m != nil {
			url = m[1]
		}
		if len(done) > 0 {
			break // serve stopped early
		}
	}
	if url == "" {
		t.Fatalf("no URL printed: %s", errb.String())
	}
	res, err := http.Get(url + "?ws=other")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	picker := regexp.MustCompile(`(?s)<select id="ws-select".*?</select>`).FindString(string(body))
	var names []string
	for _, m := range regexp.MustCompile(`<option value="([^"]*)"`).FindAllStringSubmatch(picker, -1) {
		names = append(names, m[1])
	}
	if res.StatusCode != http.StatusOK || !slices.Equal(names, []string{"lab", "demo", "other"}) || !strings.Contains(string(body), "Imported 7") {
		t.Errorf("GET /?ws=other: %d, picker %v (want lab, demo, other)\n%.500s", res.StatusCode, names, body)
	}
}
