package importer_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/importer"
)

// Query results written in other JSON shapes than the query API's tables.
func TestLAJSONShapes(t *testing.T) {
	want := time.Date(2019, 1, 15, 5, 15, 2, 0, time.UTC)
	for _, c := range []struct {
		name, body string
		table      string // Options.Table
	}{
		// az monitor log-analytics query: a list of records.
		{"az.json", `[{"TimeGenerated": "2019-01-15T05:15:02Z", "Computer": "h1", "EventID": "4624", "Account": "a", "TableName": "PrimaryResult"}]`, ""},
		// A data export rule's JSON lines.
		{"export.json", `{"TimeGenerated": "2019-01-15T05:15:02Z", "Type": "SecurityEvent", "Computer": "h1", "EventID": 4624}` + "\n" +
			`{"TimeGenerated": "2019-01-15T05:15:02Z", "Type": "SecurityEvent", "Computer": "h2", "EventID": 4625}` + "\n", ""},
		// The older query API's spelling.
		{"old.json", `{"Tables": [{"TableName": "Table_0", "Columns": [
			{"ColumnName": "TimeGenerated", "DataType": "DateTime", "ColumnType": "datetime"},
			{"ColumnName": "Computer", "DataType": "String", "ColumnType": "string"},
			{"ColumnName": "EventCount", "DataType": "Int64", "ColumnType": "long"}],
			"Rows": [["2019-01-15T05:15:02Z", "h1", "23,034"]]}]}`, "SecurityEvent"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ws, count := open(t)
			path := writeFile(t, c.name, c.body)
			res := mustImport(t, ws, path, importer.Options{Table: c.table})
			if res.Format != importer.LAJSON || res.Table != "SecurityEvent" || res.Added == 0 || count("SecurityEvent") != res.Added {
				t.Fatalf("import: %+v", res)
			}
			if res.Added == 1 {
				if got := firstTime(t, ws, "SecurityEvent"); !got.Equal(want) {
					t.Errorf("TimeGenerated %v, want %v", got, want)
				}
			}
			if again := mustImport(t, ws, path, importer.Options{Table: c.table}); again.Added != 0 {
				t.Errorf("second import: %+v", again)
			}
		})
	}
}

func TestRecordErrorsNameRecordAndColumn(t *testing.T) {
	ws, _ := open(t)
	path := writeFile(t, "bad.json", `[{"TimeGenerated": "2019-01-15T05:15:02Z", "Type": "SecurityEvent", "EventID": 1},
		{"TimeGenerated": "2019-01-15T05:15:02Z", "Type": "SecurityEvent", "EventID": "many"}]`)
	_, err := importer.Import(context.Background(), ws, path, importer.Options{})
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{path, "record 2", "column EventID", "many"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

// az sentinel incident list prints incidents with their properties
// flattened into the object.
func TestFlattenedIncidents(t *testing.T) {
	ws, _ := open(t)
	path := writeFile(t, "incidents.json", `[{
	  "id": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w/providers/Microsoft.SecurityInsights/Incidents/6e0e2c1c-0000-4000-8000-000000000001",
	  "name": "6e0e2c1c-0000-4000-8000-000000000001",
	  "incidentNumber": 12, "title": "Flat", "severity": "Low", "status": "Active",
	  "createdTimeUtc": "2024-06-01T08:00:00Z", "lastModifiedTimeUtc": "2024-06-01T09:00:00Z",
	  "alerts": [{"systemAlertId": "flat-1", "alertDisplayName": "Flat alert", "severity": "Low",
	    "timeGenerated": "2024-06-01T07:59:00Z", "startTimeUtc": "2024-06-01T07:50:00Z"}]
	}, {"systemAlertId": "lone-1", "alertDisplayName": "Lone alert", "timeGenerated": "2024-06-01T10:00:00Z"}]`)
	res := mustImport(t, ws, path, importer.Options{})
	if res.Format != importer.IncidentsJSON || res.Read != 3 || res.Linked != 1 || res.Synthetic != 1 {
		t.Fatalf("import: %+v", res)
	}
	// The lone alert's incident takes the number after the file's incident.
	if lone, _ := incident(t, ws, "13"); lone.Title != "Lone alert" {
		t.Errorf("incident 13: %+v", lone)
	}
	inc, d := incident(t, ws, "12")
	if inc.Title != "Flat" || len(d.Alerts) != 1 || d.Alerts[0].Name != "Flat alert" {
		t.Errorf("incident 12: %+v, alerts %+v", inc, d.Alerts)
	}
}
