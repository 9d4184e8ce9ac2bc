package triage

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// alertListRows reads msticpy's alertlist.csv (2019 SecurityAlert schema) as
// column -> string rows, the way a CSV importer hands them over.
func alertListRows(t testing.TB) []map[string]any {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(readTestdata(t, "alertlist.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	for _, rec := range recs[1:] {
		row := make(map[string]any, len(rec))
		for i, col := range recs[0] {
			row[col] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}

func TestParseSecurityAlertAlertList(t *testing.T) {
	rows := alertListRows(t)
	if len(rows) != 189 {
		t.Fatalf("got %d rows, want 189", len(rows))
	}
	set := NewSet()
	perAlert := map[Kind]int{}
	withEntities, hostLinks := 0, 0
	ids := map[string]bool{}
	for i, row := range rows {
		a, ents, probs := ParseSecurityAlert(row)
		if len(probs) > 0 {
			t.Errorf("row %d: problems: %v", i, probs)
		}
		if a.ID == "" || ids[a.ID] {
			t.Errorf("row %d: id %q empty or repeated", i, a.ID)
		}
		ids[a.ID] = true
		if a.Name == "" || a.Severity.Rank() == 0 || a.Start.IsZero() || a.End.IsZero() || a.TimeGenerated.IsZero() {
			t.Errorf("row %d: incomplete alert %+v", i, a)
		}
		if len(ents) > 0 {
			withEntities++
		}
		checkEntities(t, ents)
		byKey := map[string]Entity{}
		var keys []string
		for _, e := range ents {
			perAlert[e.Kind]++
			byKey[e.Key] = e
			keys = append(keys, e.Key)
			if diff := cmp.Diff([]string{a.ID}, e.Alerts); diff != "" {
				t.Errorf("row %d: %s alerts (-want +got):\n%s", i, e.Key, diff)
			}
			set.Add(e)
		}
		if diff := cmp.Diff(keys, a.EntityKeys, cmp.Comparer(func(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") })); diff != "" {
			t.Errorf("row %d: EntityKeys (-want +got):\n%s", i, diff)
		}
		// Every process is on a host, given by {"$ref": ...} in this file.
		for _, e := range ents {
			if e.Kind != KindProcess {
				continue
			}
			n := 0
			for _, l := range e.Links {
				if l.Rel == "host" && byKey[l.Key].Kind == KindHost {
					n++
				}
			}
			if n != 1 {
				t.Errorf("row %d: %s has %d host links: %v", i, e.Key, n, e.Links)
			}
			hostLinks += n
		}
	}
	// 13 rows have an empty Entities cell.
	if withEntities != 176 {
		t.Errorf("%d alerts with entities, want 176", withEntities)
	}
	if hostLinks != 272 {
		t.Errorf("%d process->host links, want 272", hostLinks)
	}
	wantPerAlert := map[Kind]int{
		KindAccount: 205, KindFile: 272, KindHost: 176, KindLogonSession: 137, KindIP: 26,
		KindProcess: 272, KindRegistryKey: 5, KindRegistryValue: 10,
	}
	if diff := cmp.Diff(wantPerAlert, perAlert); diff != "" {
		t.Errorf("entities per alert by kind (-want +got):\n%s", diff)
	}
	merged := map[Kind]int{}
	names := map[string]bool{}
	for _, e := range set.Entities() {
		merged[e.Kind]++
		if names[strings.ToLower(e.Name)] {
			t.Errorf("name %q used twice", e.Name)
		}
		names[strings.ToLower(e.Name)] = true
	}
	wantMerged := map[Kind]int{
		KindAccount: 12, KindFile: 45, KindHost: 7, KindLogonSession: 6, KindIP: 5,
		KindProcess: 138, KindRegistryKey: 1, KindRegistryValue: 2,
	}
	if diff := cmp.Diff(wantMerged, merged); diff != "" {
		t.Errorf("merged entities by kind (-want +got):\n%s", diff)
	}
	// The host named by 112 alerts (in two spellings) is one entity.
	h, ok := set.Get("Host:msticalertswin1")
	if !ok || len(h.Alerts) < 100 {
		t.Errorf("Host:msticalertswin1: found %v, %d alerts", ok, len(h.Alerts))
	}
	// The same local account, spelled "msticadmin"/"msticalertswin1" in some
	// alerts and "MSTICAdmin"/"MSTICAlertsWin1" with a SID in others, merges.
	acct, ok := set.Get(`Account:msticalertswin1\msticadmin`)
	if !ok || acct.Prop("sid") != "S-1-5-21-996632719-2361334927-4038480536-500" {
		t.Errorf(`Account:msticalertswin1\msticadmin: found %v, sid %q`, ok, acct.Prop("sid"))
	}
}

func TestParseSecurityAlertFirstRow(t *testing.T) {
	a, ents, probs := ParseSecurityAlert(alertListRows(t)[0])
	if len(probs) > 0 {
		t.Errorf("problems: %v", probs)
	}
	want := Alert{
		ID:            "047f47d6-79b7-4502-824b-97abc4905a73",
		Name:          "DC local group addition - Demo",
		AlertType:     "DC local group addition - Demo",
		Severity:      SeverityLow,
		Provider:      "CustomAlertRule",
		Vendor:        "Alert Rule",
		Start:         time.Date(2019, 1, 11, 6, 31, 40, 0, time.UTC),
		End:           time.Date(2019, 1, 12, 6, 31, 40, 0, time.UTC),
		TimeGenerated: time.Date(2019, 1, 12, 6, 41, 44, 0, time.UTC),
		Description:   "Domain controllers local group addition",
		EntityKeys:    []string{"Ip:75.10.91.22", "Host:dhcpcontoso77", "Account:administrator", "Account:admin", "Account:user"},
	}
	ext := a.ExtendedProperties
	a.ExtendedProperties = nil
	if diff := cmp.Diff(want, a); diff != "" {
		t.Errorf("alert mismatch (-want +got):\n%s", diff)
	}
	if len(ext) != 10 || ext["Alert Mode"] != "Aggregated" || ext["Total IP Entities"] != "1" {
		t.Errorf("extended properties: %v", ext)
	}
	if len(ents) != 5 || ents[2].Name != "ADMINISTRATOR" || ents[2].Prop("count") != "5909" {
		t.Errorf("entities: %+v", ents)
	}
}

// TestParseSecurityAlertLogAnalytics reads the SecurityAlert rows of a raw Log
// Analytics response (today's column names; datetimes as text).
func TestParseSecurityAlertLogAnalytics(t *testing.T) {
	var resp struct {
		Tables []struct {
			Columns []struct{ Name, Type string }
			Rows    [][]any
		}
	}
	if err := json.Unmarshal(readTestdata(t, "az_mon_raw_query.json"), &resp); err != nil {
		t.Fatal(err)
	}
	tbl := resp.Tables[0]
	var got []Alert
	for _, r := range tbl.Rows {
		row := map[string]any{}
		for i, c := range tbl.Columns {
			row[c.Name] = r[i]
		}
		a, ents, probs := ParseSecurityAlert(row)
		if len(probs) > 0 || len(ents) > 0 {
			t.Errorf("%s: entities %v, problems %v", a.ID, ents, probs)
		}
		if len(a.ExtendedProperties) != 14 || a.ExtendedProperties["Analytic Rule Name"] != a.Name {
			t.Errorf("%s: extended properties %v", a.ID, a.ExtendedProperties)
		}
		a.ExtendedProperties = nil
		got = append(got, a)
	}
	base := Alert{
		Name:        "Linux security related process termination activity detected",
		Severity:    SeverityMedium,
		Product:     "Azure Sentinel",
		Provider:    "ASI Scheduled Alerts",
		Vendor:      "Microsoft",
		Status:      "New",
		Tactics:     []string{"Unknown"},
		Start:       time.Date(2022, 1, 6, 13, 1, 34, 0, time.UTC),
		End:         time.Date(2022, 1, 6, 13, 4, 53, 0, time.UTC),
		Description: "This query will alert on any attempts to terminate processes related to security monitoring on the host.",
		EntityKeys:  []string{},
	}
	want := []Alert{base, base, base}
	want[0].ID, want[0].AlertType = "c19a6ccd-40a6-9ef9-5a8b-598bcc3c53b0", "52b1ab41-869e-4138-9e40-2a4457f09bf0_1e65fb27-5c2a-4e44-80da-8b5f9d8fdb24"
	want[0].TimeGenerated = time.Date(2023, 2, 20, 11, 4, 2, 637163200, time.UTC)
	want[1].ID, want[1].AlertType = "4422fdcc-ed33-8b4a-fec8-1cfbf799c74b", "52b1ab41-869e-4138-9e40-2a4457f09bf0_2d31af09-e46f-4542-891a-f97dcadd0725"
	want[1].TimeGenerated = time.Date(2023, 2, 20, 15, 45, 37, 466896800, time.UTC)
	want[2].ID, want[2].AlertType = "24242093-7022-7aaf-763c-4d651ffd94ff", "52b1ab41-869e-4138-9e40-2a4457f09bf0_1e65fb27-5c2a-4e44-80da-8b5f9d8fdb24"
	want[2].TimeGenerated = time.Date(2023, 2, 20, 21, 11, 2, 281034100, time.UTC)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("alerts mismatch (-want +got):\n%s", diff)
	}
}

func TestParseSecurityAlertColumns(t *testing.T) {
	gen := time.Date(2024, 5, 1, 10, 0, 0, 0, time.FixedZone("x", 3600))
	tests := []struct {
		name      string
		row       map[string]any
		want      Alert
		wantProbs []string // What of each problem
	}{
		{
			name: "today's columns, decoded values",
			row: map[string]any{
				"SystemAlertId": "A1", "DisplayName": "Shown", "AlertName": "Other", "AlertSeverity": "high",
				"StartTime": gen, "EndTime": "2024-05-01T10:05:00.5Z", "TimeGenerated": gen,
				"ProductName": "Microsoft Defender for Endpoint", "ProviderName": "MDATP", "VendorName": "Microsoft",
				"Tactics": []any{"Execution", "Persistence"}, "Techniques": `["T1059","T1547"]`,
				"ExtendedProperties": map[string]any{"n": 1.5, "b": true, "s": "x", "o": map[string]any{"k": "v"}},
				"Entities":           []any{map[string]any{"$id": "1", "Type": "ip", "Address": "10.0.0.1"}},
				"CompromisedEntity":  "vm1", "Status": "New", "AlertType": "T", "Description": "D",
			},
			want: Alert{
				ID: "A1", Name: "Shown", AlertType: "T", Severity: SeverityHigh, Product: "Microsoft Defender for Endpoint",
				Provider: "MDATP", Vendor: "Microsoft", Status: "New", Tactics: []string{"Execution", "Persistence"},
				Techniques: []string{"T1059", "T1547"}, Start: gen.UTC(), End: time.Date(2024, 5, 1, 10, 5, 0, 5e8, time.UTC),
				TimeGenerated: gen.UTC(), Description: "D", CompromisedEntity: "vm1",
				ExtendedProperties: map[string]string{"n": "1.5", "b": "true", "s": "x", "o": `{"k":"v"}`},
				EntityKeys:         []string{"Ip:10.0.0.1"},
			},
		},
		{
			name: "2019 columns, text values, lower-case names",
			row: map[string]any{
				"systemalertid": "B2", "AlertDisplayName": "Old", "Severity": "Informational",
				"StartTimeUtc": "2019-01-11 06:31:40", "EndTimeUtc": "1/12/2019, 6:31:40.000 AM",
				"Tactics": "Execution, Persistence,", "Techniques": "T1059",
				"ExtendedProperties": "", "Entities": "",
			},
			want: Alert{
				ID: "B2", Name: "Old", Severity: SeverityInformational, Tactics: []string{"Execution", "Persistence"},
				Techniques: []string{"T1059"}, Start: time.Date(2019, 1, 11, 6, 31, 40, 0, time.UTC),
				End: time.Date(2019, 1, 12, 6, 31, 40, 0, time.UTC), EntityKeys: []string{},
			},
		},
		{
			name: "bad values",
			row: map[string]any{
				"SystemAlertId": "C3", "StartTime": "yesterday", "EndTime": int64(5), "Techniques": "[T1059",
				"ExtendedProperties": "{not json", "Entities": "{not json", "AlertSeverity": "Critical",
			},
			want: Alert{ID: "C3", Severity: Severity("Critical"), Techniques: []string{"T1059"}, EntityKeys: []string{}},
			wantProbs: []string{
				`StartTime: unrecognised time "yesterday"`,
				"EndTime: unrecognised time of type int64",
				`Techniques: not a JSON list: "[T1059"`,
				"ExtendedProperties: not JSON: invalid character 'n' looking for beginning of object key string",
				"entities are not valid JSON: invalid character 'n' looking for beginning of object key string",
			},
		},
		{
			name: "entities as a map value",
			row: map[string]any{
				"SystemAlertId": "D4",
				"Entities":      map[string]any{"1": map[string]any{"$id": "1", "Type": "url", "Url": "http://x/a"}},
			},
			want: Alert{ID: "D4", EntityKeys: []string{"Url:http://x/a"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ents, probs := ParseSecurityAlert(tt.row)
			if diff := cmp.Diff(tt.want, a); diff != "" {
				t.Errorf("alert mismatch (-want +got):\n%s", diff)
			}
			var whats []string
			for _, p := range probs {
				whats = append(whats, p.What)
				if !strings.HasPrefix(p.Where, "alert "+tt.want.ID) {
					t.Errorf("problem where %q does not name the alert", p.Where)
				}
			}
			if diff := cmp.Diff(tt.wantProbs, whats); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
			for _, e := range ents {
				if diff := cmp.Diff([]string{tt.want.ID}, e.Alerts); diff != "" {
					t.Errorf("entity alerts mismatch: %s", diff)
				}
			}
		})
	}
}

func TestParseSecurityAlertMissingID(t *testing.T) {
	row := map[string]any{"DisplayName": "No id", "StartTime": "2024-01-01T00:00:00Z", "Entities": `[{"$id":"1","Type":"ip","Address":"10.0.0.1"}]`}
	a1, ents, probs := ParseSecurityAlert(row)
	a2, _, _ := ParseSecurityAlert(row)
	if !strings.HasPrefix(a1.ID, "nosystemalertid-") || len(a1.ID) != len("nosystemalertid-")+16 {
		t.Errorf("fallback id = %q", a1.ID)
	}
	if a1.ID != a2.ID {
		t.Errorf("fallback id is not stable: %q, %q", a1.ID, a2.ID)
	}
	other, _, _ := ParseSecurityAlert(map[string]any{"DisplayName": "Another"})
	if other.ID == a1.ID {
		t.Errorf("two different rows share fallback id %q", a1.ID)
	}
	want := []Problem{{"alert " + a1.ID + " (No id)", "no SystemAlertId; using an id made from a hash of the row"}}
	if diff := cmp.Diff(want, probs); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
	if len(ents) != 1 || ents[0].Alerts[0] != a1.ID {
		t.Errorf("entities: %+v", ents)
	}
}
