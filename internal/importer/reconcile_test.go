package importer_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/importer"
	"github.com/triage-dev/triage/internal/triage"
)

func TestAlertListSyntheticIncidents(t *testing.T) {
	path := fixture(t, msticpy+"alertlist.csv")
	ws, count := open(t)
	res := mustImport(t, ws, path, importer.Options{})
	if res.Synthetic != 189 {
		t.Fatalf("import: %+v, want 189 synthetic incidents", res)
	}
	incs := list(t, ws)
	if len(incs) != 189 {
		t.Fatalf("%d incidents listed, want 189", len(incs))
	}
	// Numbered 1… in order of alert time; newest first in the list.
	slices.Reverse(incs)
	for i, inc := range incs {
		if inc.Number != i+1 {
			t.Fatalf("incident %d in time order has number %d", i+1, inc.Number)
		}
		if i > 0 && inc.Created.Before(incs[i-1].Created) {
			t.Errorf("incident %d created %v, before incident %d (%v)", inc.Number, inc.Created, i, incs[i-1].Created)
		}
		if !slices.Contains(inc.Labels, importer.SyntheticLabel) || inc.Status != triage.StatusNew || len(inc.AlertIDs) != 1 || inc.AlertCount != 1 {
			t.Errorf("incident %d: %+v", inc.Number, inc)
		}
	}
	if got, want := incs[0].Created, time.Date(2019, 1, 10, 5, 48, 9, 0, time.UTC); !got.Equal(want) {
		t.Errorf("incident 1 created %v, want the earliest alert's time %v", got, want)
	}

	const id = "047f47d6-79b7-4502-824b-97abc4905a73"
	inc, d := incident(t, ws, importer.SyntheticIncidentName(id))
	if inc.Title != "DC local group addition - Demo" || inc.Severity != triage.SeverityLow ||
		!slices.Equal(inc.AlertIDs, []string{id}) || inc.Description != "Domain controllers local group addition" {
		t.Errorf("synthetic incident: %+v", inc)
	}
	if want := time.Date(2019, 1, 11, 6, 31, 40, 0, time.UTC); !inc.FirstActivity.Equal(want) {
		t.Errorf("first activity %v, want the alert's start %v", inc.FirstActivity, want)
	}
	if len(d.Alerts) != 1 || d.Alerts[0].ID != id {
		t.Fatalf("details: alerts %+v, problems %v", d.Alerts, d.Problems)
	}
	if !hasEntity(d.Entities, "Ip:75.10.91.22") {
		t.Errorf("entities of the synthetic incident lack Ip:75.10.91.22: %v", keys(d.Entities))
	}

	// A second import makes nothing, and SyntheticIncidents finds nothing missing.
	res = mustImport(t, ws, path, importer.Options{})
	if res.Added != 0 || res.Synthetic != 0 || count("SecurityIncident") != 189 {
		t.Fatalf("second import: %+v, %d incident rows", res, count("SecurityIncident"))
	}
	if n, err := importer.SyntheticIncidents(context.Background(), ws); err != nil || n != 0 {
		t.Fatalf("SyntheticIncidents after import = %d, %v; want 0", n, err)
	}
}

func TestSyntheticIncidentsAfterLoad(t *testing.T) {
	ctx := context.Background()
	ws, count := open(t)
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	err := ws.Load(ctx, func(emit func(string, map[string]any) error) error {
		if err := emit("SecurityIncident", map[string]any{
			"TimeGenerated": at, "CreatedTime": at, "IncidentName": "real", "IncidentNumber": 41,
			"Title": "Real", "Severity": "High", "Status": "Active", "AlertIds": []any{"a1"},
		}); err != nil {
			return err
		}
		for _, a := range []struct {
			id  string
			off time.Duration
		}{{"a1", 0}, {"late", 2 * time.Hour}, {"early", time.Hour}} {
			if err := emit("SecurityAlert", map[string]any{
				"TimeGenerated": at.Add(a.off), "SystemAlertId": a.id, "DisplayName": "Alert " + a.id,
				"AlertSeverity": "medium", "Tactics": "InitialAccess, Execution",
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := importer.SyntheticIncidents(ctx, ws)
	if err != nil || n != 2 {
		t.Fatalf("SyntheticIncidents = %d, %v; want 2 (a1 is in incident 41)", n, err)
	}
	for _, c := range []struct {
		id     string
		number int
	}{{"early", 42}, {"late", 43}} {
		inc, _ := incident(t, ws, importer.SyntheticIncidentName(c.id))
		want := triage.Incident{
			Name: importer.SyntheticIncidentName(c.id), Number: c.number, Title: "Alert " + c.id,
			Severity: triage.SeverityMedium, Status: triage.StatusNew, Labels: []string{importer.SyntheticLabel},
			AlertIDs: []string{c.id}, AlertCount: 1, Tactics: []string{"InitialAccess", "Execution"},
		}
		// Times come from the alert (checked in TestAlertListSyntheticIncidents).
		inc.Created, inc.FirstActivity, inc.LastActivity, inc.LastModified = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		inc.ProductNames, inc.ETag = nil, ""
		if diff := cmp.Diff(want, inc); diff != "" {
			t.Errorf("synthetic incident of %s (-want +got):\n%s", c.id, diff)
		}
	}
	if n, err := importer.SyntheticIncidents(ctx, ws); err != nil || n != 0 || count("SecurityIncident") != 3 {
		t.Fatalf("second SyntheticIncidents = %d, %v, %d incident rows; want 0 and 3", n, err, count("SecurityIncident"))
	}
}

func TestAlertsLinkedByIncidentOption(t *testing.T) {
	ws, count := open(t)
	mustImport(t, ws, fixture(t, api+"GetIncidents.json"), importer.Options{})
	alerts := fixture(t, api+"GetAllIncidentAlerts.json")
	res := mustImport(t, ws, alerts, importer.Options{Incident: "3177"})
	if res.Added != 1 || res.Linked != 1 || res.Synthetic != 0 {
		t.Fatalf("alerts import: %+v", res)
	}
	inc, d := incident(t, ws, "3177")
	if !slices.Equal(inc.AlertIDs, []string{"baa8a239-6fde-4ab7-a093-d09f7b75c58c"}) || inc.AlertCount != 1 {
		t.Errorf("incident 3177 after the link: alert ids %v, count %d", inc.AlertIDs, inc.AlertCount)
	}
	if inc.Title != "My incident" || inc.Owner.Email != "john.doe@contoso.com" || inc.Status != triage.StatusClosed {
		t.Errorf("the link row lost the incident's fields: %+v", inc)
	}
	if len(d.Alerts) != 1 || d.Alerts[0].Name != "myAlert" {
		t.Errorf("details: %+v %v", d.Alerts, d.Problems)
	}
	before := count("SecurityIncident")
	res = mustImport(t, ws, alerts, importer.Options{Incident: "3177"})
	if res.Added != 0 || res.Linked != 0 || count("SecurityIncident") != before {
		t.Errorf("second import: %+v", res)
	}
	if _, err := importer.Import(context.Background(), ws, alerts, importer.Options{Incident: "999"}); err == nil || !strings.Contains(err.Error(), "999") {
		t.Errorf("an unknown incident number: %v", err)
	}
}

// The alerts come first (their incident unknown), then the incident: the
// alert's synthetic incident is closed and the real one lists the alert.
func TestAlertsBeforeTheirIncident(t *testing.T) {
	ws, count := open(t)
	const alertID = "baa8a239-6fde-4ab7-a093-d09f7b75c58c"
	alerts := fixture(t, api+"GetAllIncidentAlerts.json")
	opts := importer.Options{Incident: "73e01a99-5cd7-4139-a149-9f2736ff2ab5"}
	res := mustImport(t, ws, alerts, opts)
	if res.Synthetic != 1 || res.Linked != 0 {
		t.Fatalf("alerts import: %+v", res)
	}
	res = mustImport(t, ws, fixture(t, api+"GetIncidentById.json"), importer.Options{})
	if res.Added != 1 || res.Linked != 1 || res.Superseded != 1 || res.Synthetic != 0 {
		t.Fatalf("incident import: %+v", res)
	}
	inc, _ := incident(t, ws, "3177")
	if !slices.Equal(inc.AlertIDs, []string{alertID}) {
		t.Errorf("incident 3177 lists %v", inc.AlertIDs)
	}
	syn, _ := incident(t, ws, importer.SyntheticIncidentName(alertID))
	if syn.Status != triage.StatusClosed || syn.Classification != triage.ClassUndetermined ||
		!strings.Contains(syn.ClassificationComment, "73e01a99-5cd7-4139-a149-9f2736ff2ab5") {
		t.Errorf("superseded synthetic incident: %+v", syn)
	}
	rows := count("SecurityIncident")
	for _, f := range []string{alerts, api + "GetIncidentById.json"} {
		res := mustImport(t, ws, f, opts)
		if res.Added+res.Linked+res.Synthetic+res.Superseded != 0 {
			t.Errorf("re-import of %s: %+v", f, res)
		}
	}
	if count("SecurityIncident") != rows {
		t.Errorf("re-imports added incident rows")
	}
}

func TestIncidentEntitiesBody(t *testing.T) {
	ws, count := open(t)
	mustImport(t, ws, fixture(t, api+"GetIncidents.json"), importer.Options{})
	ents := fixture(t, api+"GetAllIncidentEntities.json")
	res := mustImport(t, ws, ents, importer.Options{Incident: "73e01a99-5cd7-4139-a149-9f2736ff2ab5"})
	if res.Table != "SecurityAlert" || res.Added != 1 || res.Linked != 1 || res.Synthetic != 0 {
		t.Fatalf("entities import: %+v", res)
	}
	inc, d := incident(t, ws, "3177")
	if len(d.Alerts) != 1 || d.Alerts[0].Provider != importer.CarrierProvider || d.Alerts[0].Severity != triage.SeverityInformational {
		t.Fatalf("the incident's alerts: %+v", d.Alerts)
	}
	if inc.AlertCount != 0 {
		t.Errorf("alert count %d: the entity carrier is not an alert", inc.AlertCount)
	}
	if !hasEntity(d.Entities, "Account:domain\\administrator") {
		t.Errorf("entities %v lack the account", keys(d.Entities))
	}
	res = mustImport(t, ws, ents, importer.Options{Incident: "3177"})
	if res.Added != 0 || res.Linked != 0 || count("SecurityAlert") != 1 {
		t.Errorf("second import: %+v", res)
	}
}

// Entities without an incident become one carrier alert with an incident
// of its own, and triage reads from it the entities the API parser reads
// from the body.
func TestEntitiesWithoutIncident(t *testing.T) {
	for _, f := range []string{"GetEntities.json", "GetAllIncidentEntities.json", "GetProcessEntityById.json", "GetIpEntityById.json", "GetDnsEntityById.json"} {
		t.Run(f, func(t *testing.T) {
			path := fixture(t, api+f)
			ws, _ := open(t)
			opts := importer.Options{}
			if f == "GetAllIncidentEntities.json" {
				opts.Incident = "not-imported"
			}
			res := mustImport(t, ws, path, opts)
			if res.Synthetic != 1 {
				t.Fatalf("import: %+v", res)
			}
			incs := list(t, ws)
			if len(incs) != 1 || incs[0].Number != 1 {
				t.Fatalf("incidents: %+v", incs)
			}
			_, d := incident(t, ws, "1")
			body := apiBody(t, path)
			want, _ := triage.ParseAPIEntities(body, "body")
			want = slices.DeleteFunc(want, func(e triage.Entity) bool { return e.Kind == triage.KindSecurityAlert })
			if len(want) == 0 {
				t.Fatal("the fixture has no entities")
			}
			if diff := cmp.Diff(sorted(keys(want)), sorted(keys(d.Entities))); diff != "" {
				t.Errorf("entity keys (-API parser +imported):\n%s", diff)
			}
		})
	}
}

// An incident exported with its alerts and entities.
func TestIncidentBundle(t *testing.T) {
	body := `{"value": [{
	  "name": "11111111-2222-3333-4444-555555555555",
	  "type": "Microsoft.SecurityInsights/incidents",
	  "properties": {"incidentNumber": 7, "title": "Bundle", "severity": "Medium", "status": "New",
	    "createdTimeUtc": "2024-05-01T10:00:00Z", "lastModifiedTimeUtc": "2024-05-01T10:05:00Z"},
	  "alerts": {"value": [{"kind": "SecurityAlert", "name": "a1", "properties": {
	    "systemAlertId": "a1", "alertDisplayName": "Bad thing", "severity": "Medium",
	    "timeGenerated": "2024-05-01T09:59:00Z"}}]},
	  "entities": [{"kind": "Ip", "name": "e1", "properties": {"address": "203.0.113.5"}}]
	}]}`
	path := filepath.Join(t.TempDir(), "bundle.json")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	ws, _ := open(t)
	res := mustImport(t, ws, path, importer.Options{})
	if res.Read != 3 || res.Added != 3 || res.Linked != 2 || res.Synthetic != 0 {
		t.Fatalf("import: %+v", res)
	}
	inc, d := incident(t, ws, "7")
	if len(inc.AlertIDs) != 2 || inc.AlertIDs[0] != "a1" || len(d.Alerts) != 2 {
		t.Fatalf("incident 7: alert ids %v, alerts %+v", inc.AlertIDs, d.Alerts)
	}
	if !hasEntity(d.Entities, "Ip:203.0.113.5") {
		t.Errorf("entities %v", keys(d.Entities))
	}
	if res := mustImport(t, ws, path, importer.Options{}); res.Added+res.Linked+res.Synthetic != 0 {
		t.Errorf("second import: %+v", res)
	}
}

func apiBody(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Responses map[string]struct {
			Body json.RawMessage `json:"body"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(data, &ex); err != nil {
		t.Fatal(err)
	}
	return ex.Responses["200"].Body
}

func keys(es []triage.Entity) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Key
	}
	return out
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}

func hasEntity(es []triage.Entity, key string) bool {
	return slices.ContainsFunc(es, func(e triage.Entity) bool { return strings.EqualFold(e.Key, key) })
}
