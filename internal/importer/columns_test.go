package importer_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/importer"
	"github.com/triage-dev/triage/internal/workspace"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// firstTime reads TimeGenerated of the only row of a table.
func firstTime(t *testing.T, ws interface {
	Query(context.Context, *workspace.Query, workspace.Params) (workspace.Table, error)
}, table string) time.Time {
	t.Helper()
	q := &workspace.Query{Name: "test", Bodies: map[workspace.Dialect]string{workspace.SQL: `SELECT TimeGenerated FROM "` + table + `"`}}
	tab, err := ws.Query(context.Background(), q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Rows) != 1 {
		t.Fatalf("%s has %d rows, want 1", table, len(tab.Rows))
	}
	return tab.Records()[0].Time("TimeGenerated")
}

// The portal's CSV export names datetime columns with their zone and writes
// times the US way; other exports use semicolons or tabs, or spaced names.
func TestCSVHeaderVariants(t *testing.T) {
	want := time.Date(2019, 1, 15, 5, 15, 2, 980e6, time.UTC)
	for _, c := range []struct {
		name, body string
		want       time.Time
	}{
		{"portal.csv", "TimeGenerated [UTC],Computer,EventID,Account\n\"1/15/2019, 5:15:02.980 AM\",h1,4624,a\n", want},
		{"offset.csv", "TimeGenerated [UTC+02:00],Computer,EventID,Account\n2019-01-15 07:15:02.98,h1,4624,a\n", want},
		{"semicolon.csv", "TimeGenerated;Computer;EventID;Account\n2019-01-15T05:15:02.98Z;h1;4624;a\n", want},
		{"tabs.tsv", "Time generated\tComputer\tEvent ID\tAccount\n2019-01-15 05:15:02.98\th1\t4624\ta\n", want},
	} {
		t.Run(c.name, func(t *testing.T) {
			ws, count := open(t)
			res := mustImport(t, ws, writeFile(t, c.name, c.body), importer.Options{Table: "SecurityEvent"})
			if res.Added != 1 || count("SecurityEvent") != 1 {
				t.Fatalf("import: %+v", res)
			}
			if got := firstTime(t, ws, "SecurityEvent"); !got.Equal(c.want) {
				t.Errorf("TimeGenerated %v, want %v", got, c.want)
			}
		})
	}
}

func TestCSVErrorsNameFileRowColumn(t *testing.T) {
	for _, c := range []struct {
		name, body string
		want       []string
	}{
		{"zone.csv", "TimeGenerated [Local Time],Computer\n1/15/2019 5:15 AM,h1\n", []string{"TimeGenerated [Local Time]", "Local Time"}},
		{"int.csv", "TimeGenerated,Computer,EventID\n2019-01-15,h1,4624\n2019-01-15,h2,lots\n", []string{"row 2 (line 3)", "column EventID", "lots"}},
		{"incident.csv", "TimeGenerated,IncidentNumber,Title\n2019-01-15,1,x\n", []string{"row 1", "IncidentName"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ws, count := open(t)
			path := writeFile(t, c.name, c.body)
			table := "SecurityEvent"
			if c.name == "incident.csv" {
				table = "SecurityIncident"
			}
			_, err := importer.Import(context.Background(), ws, path, importer.Options{Table: table})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range append(c.want, path) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if count(table) != 0 {
				t.Errorf("rows written by a failed import")
			}
		})
	}
}

// A SecurityIncident export with spaced column names and the alerts it
// lists: no synthetic incident for an alert the export lists.
func TestIncidentCSVListsAlerts(t *testing.T) {
	ws, count := open(t)
	incs := writeFile(t, "incidents.csv", "Incident name,Incident number,Title,Severity,Status,Created time,Alert ids\n"+
		`inc-1,5,Phish,High,New,2024-02-01 10:00:00,"[""al-1""]"`+"\n")
	alerts := writeFile(t, "alerts.csv", "TimeGenerated,SystemAlertId,AlertDisplayName,Severity\n"+
		"2024-02-01 09:58:00,al-1,Phish alert,High\n2024-02-01 11:00:00,al-2,Other alert,Low\n")
	if res := mustImport(t, ws, incs, importer.Options{Table: "SecurityIncident"}); res.Added != 1 || res.Synthetic != 0 {
		t.Fatalf("incidents: %+v", res)
	}
	res := mustImport(t, ws, alerts, importer.Options{})
	if res.Added != 2 || res.Synthetic != 1 || count("SecurityIncident") != 2 {
		t.Fatalf("alerts: %+v", res)
	}
	inc, d := incident(t, ws, "5")
	if inc.Title != "Phish" || len(d.Alerts) != 1 || d.Alerts[0].Name != "Phish alert" {
		t.Errorf("incident 5: %+v, alerts %+v", inc, d.Alerts)
	}
	if syn, _ := incident(t, ws, "6"); syn.Title != "Other alert" || syn.Name != importer.SyntheticIncidentName("al-2") {
		t.Errorf("incident 6: %+v", syn)
	}
}

// Identical rows in one file are two events; importing the file again still
// adds nothing, and an overlapping export adds only its new rows.
func TestIdenticalRowsKept(t *testing.T) {
	ws, count := open(t)
	line := "2019-01-15 05:15:02,h1,4624,a\n"
	header := "TimeGenerated,Computer,EventID,Account\n"
	first := writeFile(t, "a.csv", header+line+line)
	res := mustImport(t, ws, first, importer.Options{Table: "SecurityEvent"})
	if res.Added != 2 || count("SecurityEvent") != 2 {
		t.Fatalf("import: %+v", res)
	}
	res = mustImport(t, ws, first, importer.Options{Table: "SecurityEvent"})
	if res.Added != 0 || res.Duplicates != 2 {
		t.Fatalf("second import: %+v", res)
	}
	overlap := writeFile(t, "b.csv", header+line+line+line+"2019-01-15 05:16:00,h1,4624,a\n")
	res = mustImport(t, ws, overlap, importer.Options{Table: "SecurityEvent"})
	if res.Added != 2 || res.Duplicates != 2 || count("SecurityEvent") != 4 {
		t.Fatalf("overlapping import: %+v", res)
	}
}

func TestCommentsSkipped(t *testing.T) {
	ws, count := open(t)
	res := mustImport(t, ws, fixture(t, api+"GetAllIncidentComments.json"), importer.Options{})
	if res.Read != 0 || res.Added != 0 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "comments") {
		t.Fatalf("import: %+v", res)
	}
	if count("SecurityIncident")+count("SecurityAlert") != 0 {
		t.Error("rows written")
	}
}
