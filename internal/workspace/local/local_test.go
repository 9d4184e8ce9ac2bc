package local_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

var t0 = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

// sampleRecord builds a record for any table from its schema: every hot
// column gets a value of its type.
func sampleRecord(table string, i int) map[string]any {
	cols, hot := local.Columns(table)
	r := map[string]any{}
	for k, c := range cols {
		if !hot[k] {
			continue
		}
		switch c.Type {
		case "datetime":
			r[c.Name] = t0.Add(time.Duration(i) * time.Minute)
		case "long", "int":
			r[c.Name] = i
		case "real":
			r[c.Name] = float64(i) + 0.5
		case "bool":
			r[c.Name] = i%2 == 0
		case "dynamic":
			r[c.Name] = map[string]any{"n": i, "list": []any{"a", "b"}}
		default:
			r[c.Name] = fmt.Sprintf("%s-%d", c.Name, i)
		}
	}
	r["NotAColumn"] = fmt.Sprintf("extra-%d", i)
	return r
}

func rawQuery(t *testing.T, ws *local.Workspace, sqlText string, p workspace.Params, params ...workspace.Param) workspace.Table {
	t.Helper()
	q := &workspace.Query{Name: "test", Params: params, Bodies: map[workspace.Dialect]string{workspace.SQL: sqlText}}
	tab, err := ws.Query(context.Background(), q, p)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func count(t *testing.T, ws *local.Workspace, table string) int64 {
	t.Helper()
	tab := rawQuery(t, ws, fmt.Sprintf(`SELECT count(*) AS N FROM "%s"`, table), nil)
	return tab.Rows[0][0].(int64)
}

func TestLoadEveryTable(t *testing.T) {
	recs := map[string][]map[string]any{}
	for _, table := range local.Tables() {
		for i := range 3 {
			recs[table] = append(recs[table], sampleRecord(table, i))
		}
	}
	ws := openLoaded(t, recs)
	defer ws.Close()
	for _, table := range local.Tables() {
		if n := count(t, ws, table); n != 3 {
			t.Errorf("%s: %d rows, want 3", table, n)
		}
		tab := rawQuery(t, ws, fmt.Sprintf(`SELECT * FROM "%s" ORDER BY TimeGenerated`, table), nil)
		cols, hot := local.Columns(table)
		for k, c := range cols {
			if !hot[k] {
				continue
			}
			i := tab.Col(c.Name)
			if i < 0 {
				t.Errorf("%s: no column %s", table, c.Name)
				continue
			}
			if got := tab.Columns[i].Type; got != c.Type {
				t.Errorf("%s.%s: type %q, want %q", table, c.Name, got, c.Type)
			}
		}
		recs := tab.Records()
		if len(recs) != 3 {
			t.Fatalf("%s: %d records", table, len(recs))
		}
		r := recs[1]
		if got := r.Time("TimeGenerated"); !got.Equal(t0.Add(time.Minute)) {
			t.Errorf("%s: TimeGenerated %v", table, got)
		}
		if r.String("NotAColumn") != "extra-1" {
			t.Errorf("%s: Record not expanded: NotAColumn = %#v", table, r["NotAColumn"])
		}
		if r.String("Type") != table {
			t.Errorf("%s: Type = %#v", table, r["Type"])
		}
		if tab.Col("Record") >= 0 {
			t.Errorf("%s: the Record column was not expanded", table)
		}
		for k, c := range cols {
			if !hot[k] {
				continue
			}
			v := r[c.Name]
			var ok bool
			switch c.Type {
			case "datetime":
				_, ok = v.(time.Time)
			case "long", "int":
				ok = v == int64(1)
			case "real":
				ok = v == 1.5
			case "bool":
				ok = v == false
			case "dynamic":
				m, isMap := v.(map[string]any)
				ok = isMap && m["n"] == 1.0
			default:
				ok = v == c.Name+"-1"
			}
			if !ok {
				t.Errorf("%s.%s (%s) = %#v", table, c.Name, c.Type, v)
			}
		}
	}
}

func TestLoadValueForms(t *testing.T) {
	ws := openLoaded(t, map[string][]map[string]any{
		"SigninLogs": {{
			"TimeGenerated":          "2024-05-01T10:00:00.1234567+02:00", // RFC 3339 text
			"AutonomousSystemNumber": float64(8075),                       // a whole float, as from JSON
			"LocationDetails":        `{"city":"Oslo"}`,                   // JSON text for dynamic
			"DeviceDetail":           "not json",                          // a JSON string
			"IsInteractive":          true,
			"DurationMs":             int64(42), // cold, typed from the schema
			"Status":                 map[string]any{"errorCode": 0},
			"CreatedDateTime":        t0, // cold datetime
		}},
	})
	defer ws.Close()
	tab := rawQuery(t, ws, "SELECT * FROM SigninLogs", nil)
	r := tab.Records()[0]
	want := workspace.Record{
		"TimeGenerated":          time.Date(2024, 5, 1, 8, 0, 0, 123456000, time.UTC),
		"AutonomousSystemNumber": int64(8075),
		"LocationDetails":        map[string]any{"city": "Oslo"},
		"DeviceDetail":           "not json",
		"IsInteractive":          true,
		"DurationMs":             int64(42),
		"Status":                 map[string]any{"errorCode": 0.0},
		"CreatedDateTime":        t0,
		"Type":                   "SigninLogs",
	}
	for k, w := range want {
		if d := cmp.Diff(w, r[k]); d != "" {
			t.Errorf("%s (-want +got):\n%s", k, d)
		}
	}
	types := map[string]string{}
	for _, c := range tab.Columns {
		types[c.Name] = c.Type
	}
	for k, w := range map[string]string{"DurationMs": "long", "Status": "dynamic", "CreatedDateTime": "datetime", "Type": "string", "UserPrincipalName": "string"} {
		if types[k] != w {
			t.Errorf("column %s: type %q, want %q", k, types[k], w)
		}
	}
}

func TestLoadErrorsRollBack(t *testing.T) {
	good := func(i int) map[string]any {
		return map[string]any{"TimeGenerated": t0, "UserPrincipalName": fmt.Sprintf("u%d@contoso.com", i), "ResultType": "0"}
	}
	tests := []struct {
		name  string
		table string
		rec   map[string]any
		want  []string
	}{
		{"string column given an int", "SigninLogs", map[string]any{"TimeGenerated": t0, "ResultType": 0},
			[]string{"SigninLogs", "record 3", "ResultType", "want string, got int"}},
		{"datetime given a bad string", "SigninLogs", map[string]any{"TimeGenerated": "yesterday"},
			[]string{"SigninLogs", "record 3", "TimeGenerated", "RFC 3339"}},
		{"int given a fraction", "SecurityEvent", map[string]any{"TimeGenerated": t0, "EventID": 4624.5},
			[]string{"SecurityEvent", "record 3", "EventID"}},
		{"int out of range", "SecurityEvent", map[string]any{"TimeGenerated": t0, "EventID": int64(1) << 40},
			[]string{"SecurityEvent", "record 3", "EventID", "out of range"}},
		{"bool given a string", "ThreatIntelIndicators", map[string]any{"TimeGenerated": t0, "IsActive": "true"},
			[]string{"ThreatIntelIndicators", "record 3", "IsActive", "want bool"}},
		{"dynamic given broken JSON", "SecurityIncident", map[string]any{"TimeGenerated": t0, "Owner": "{broken"},
			[]string{"SecurityIncident", "record 3", "Owner"}},
		{"real NaN", "SecurityAlert", map[string]any{"TimeGenerated": t0, "ConfidenceScore": nan()},
			[]string{"SecurityAlert", "record 3", "ConfidenceScore"}},
		{"cold value not JSON", "SigninLogs", map[string]any{"TimeGenerated": t0, "Weird": make(chan int)},
			[]string{"SigninLogs", "record 3", "Weird"}},
		{"no TimeGenerated", "SigninLogs", map[string]any{"UserPrincipalName": "x"},
			[]string{"SigninLogs", "record 3", "TimeGenerated", "missing"}},
		{"unknown table", "NoSuchTable", map[string]any{"TimeGenerated": t0},
			[]string{"record 3", `unknown table "NoSuchTable"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			ws, err := local.Open(ctx, "test", ":memory:", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			var emitErr error
			err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
				for i := range 2 {
					if err := emit("SigninLogs", good(i)); err != nil {
						return err
					}
				}
				if err := emit("AuditLogs", map[string]any{"TimeGenerated": t0}); err != nil {
					return err
				}
				emitErr = emit(tt.table, tt.rec)
				// Ignore the error on purpose: Load must still fail.
				return emit("SigninLogs", good(9))
			})
			if err == nil || emitErr == nil {
				t.Fatalf("Load = %v, emit = %v; want errors", err, emitErr)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			for _, table := range []string{"SigninLogs", "AuditLogs"} {
				if n := count(t, ws, table); n != 0 {
					t.Errorf("%s has %d rows after a failed load", table, n)
				}
			}
			// The workspace is still usable, indexes included.
			err = ws.Load(ctx, func(emit func(string, map[string]any) error) error { return emit("SigninLogs", good(1)) })
			if err != nil {
				t.Fatal(err)
			}
			if n := count(t, ws, "SigninLogs"); n != 1 {
				t.Errorf("SigninLogs has %d rows, want 1", n)
			}
		})
	}
}

func nan() float64 { z := 0.0; return z / z }

func TestLoadFnErrorRollsBack(t *testing.T) {
	ctx := context.Background()
	ws, err := local.Open(ctx, "test", ":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	boom := errors.New("generator failed")
	err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
		if err := emit("SigninLogs", map[string]any{"TimeGenerated": t0}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("Load = %v, want the generator's error", err)
	}
	if n := count(t, ws, "SigninLogs"); n != 0 {
		t.Errorf("%d rows after a failed load", n)
	}
}

func indexNames(t *testing.T, ws *local.Workspace) []string {
	t.Helper()
	// The statement names no table, so it builds no deferred index.
	tab := rawQuery(t, ws, `SELECT name AS IndexName FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix%' ORDER BY name`, nil)
	var out []string
	for _, r := range tab.Records() {
		out = append(out, r.String("IndexName"))
	}
	return out
}

func TestDeferredIndexes(t *testing.T) {
	ctx := context.Background()
	ws := openLoaded(t, map[string][]map[string]any{
		"SigninLogs":    {{"TimeGenerated": t0, "IPAddress": "10.0.0.1"}},
		"SecurityEvent": {{"TimeGenerated": t0, "Computer": "host1"}},
	})
	defer ws.Close()
	signin := []string{"ix_SigninLogs_IPAddress", "ix_SigninLogs_TimeGenerated", "ix_SigninLogs_UserPrincipalName"}
	event := []string{"ix_SecurityEvent_Computer", "ix_SecurityEvent_IpAddress", "ix_SecurityEvent_TargetUserName", "ix_SecurityEvent_TimeGenerated"}
	has := func(names []string, want ...string) bool {
		for _, w := range want {
			if !slices.Contains(names, w) {
				return false
			}
		}
		return true
	}
	hasNone := func(names []string, want ...string) bool {
		for _, w := range want {
			if slices.Contains(names, w) {
				return false
			}
		}
		return true
	}
	all := indexNames(t, ws)
	if !hasNone(all, signin...) || !hasNone(all, event...) || !has(all, "ix_SecurityAlert_SystemAlertId") {
		t.Fatalf("after loading, indexes = %v; want those of the loaded tables deferred", all)
	}
	// A query naming a table builds its indexes, and uses them.
	plan := rawQuery(t, ws, `EXPLAIN QUERY PLAN SELECT * FROM SigninLogs WHERE IPAddress = :ip AND TimeGenerated >= :t`,
		workspace.Params{"ip": "10.0.0.1", "t": t0},
		workspace.Param{Name: "ip", Type: workspace.TypeString}, workspace.Param{Name: "t", Type: workspace.TypeDatetime})
	if !strings.Contains(fmt.Sprint(plan.Rows), "ix_SigninLogs_IPAddress") {
		t.Errorf("the entity index is not used: %v", plan.Rows)
	}
	all = indexNames(t, ws)
	if !has(all, signin...) || !hasNone(all, event...) {
		t.Errorf("after a SigninLogs query, indexes = %v", all)
	}
	if err := ws.BuildIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if all = indexNames(t, ws); !has(all, event...) {
		t.Errorf("after BuildIndexes, indexes = %v", all)
	}
	// Loading into a table that has rows keeps its indexes.
	err := ws.Load(ctx, func(emit func(string, map[string]any) error) error {
		return emit("SigninLogs", map[string]any{"TimeGenerated": t0.Add(time.Hour), "IPAddress": "10.0.0.2"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if all = indexNames(t, ws); !has(all, signin...) {
		t.Errorf("after a second load, indexes = %v", all)
	}
	if n := count(t, ws, "SigninLogs"); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
}

func TestLoadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ws, err := local.Open(ctx, "test", ":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
		for i := range 5000 {
			if i == 2000 {
				cancel()
			}
			if err := emit("SigninLogs", map[string]any{"TimeGenerated": t0, "IPAddress": "10.0.0.1"}); err != nil {
				return err
			}
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Load = %v, want context.Canceled", err)
	}
	if n := count(t, ws, "SigninLogs"); n != 0 {
		t.Errorf("%d rows after a cancelled load", n)
	}
}

func TestLoadFnPanicRollsBack(t *testing.T) {
	ws := openLoaded(t, nil)
	defer ws.Close()
	func() {
		defer func() { recover() }()
		ws.Load(context.Background(), func(emit func(string, map[string]any) error) error {
			emit("SigninLogs", map[string]any{"TimeGenerated": t0})
			panic("generator bug")
		})
	}()
	if n := count(t, ws, "SigninLogs"); n != 0 {
		t.Errorf("%d rows after a panicking load", n)
	}
}

// TestCatalogSQLRuns runs every catalog query's SQL body on an empty
// workspace, so a typo in a body fails here.
func TestCatalogSQLRuns(t *testing.T) {
	cat, err := workspace.LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	ws := openLoaded(t, nil)
	defer ws.Close()
	for _, name := range cat.Names() {
		q, _ := cat.Get(name)
		if _, ok := q.Bodies[workspace.SQL]; !ok {
			t.Errorf("query %s has no sql body", name)
			continue
		}
		p := workspace.Params{}
		for _, prm := range q.Params {
			switch prm.Type {
			case workspace.TypeString:
				p[prm.Name] = "x"
			case workspace.TypeDatetime:
				p[prm.Name] = t0
			case workspace.TypeInt:
				p[prm.Name] = 1
			case workspace.TypeReal:
				p[prm.Name] = 1.5
			case workspace.TypeBool:
				p[prm.Name] = true
			case workspace.TypeTimespan:
				p[prm.Name] = time.Hour
			case workspace.TypeList:
				p[prm.Name] = []string{"a", "b"}
			}
		}
		tab, err := ws.Query(context.Background(), q, p)
		if err != nil {
			t.Errorf("query %s: %v", name, err)
			continue
		}
		if len(tab.Rows) != 0 {
			t.Errorf("query %s on an empty workspace returned rows", name)
		}
	}
}

// TestRelatedAlertsCandidates: related_alerts matches the values of the
// entities (without regard to case, and an account's name inside DOMAIN\name),
// not any text: for 10.0.0.1 it no longer returns the alert naming only
// 10.0.0.10, which a text search found (the caller parses each candidate's
// entities and keeps identity matches either way).
func TestRelatedAlertsCandidates(t *testing.T) {
	alert := func(id, entities string) map[string]any {
		return map[string]any{"TimeGenerated": t0, "SystemAlertId": id, "Entities": entities}
	}
	ws := openLoaded(t, map[string][]map[string]any{"SecurityAlert": {
		alert("exact", `[{"$id":"1","Type":"ip","Address":"10.0.0.1"}]`),
		alert("longer", `[{"$id":"1","Type":"ip","Address":"10.0.0.10"}]`),
		alert("other", `[{"$id":"1","Type":"ip","Address":"192.168.1.1"}]`),
		alert("escaped", `[{"$id":"1","Type":"account","Name":"CONTOSO\\alice"}]`),
		alert("late", `[{"$id":"1","Type":"ip","Address":"10.0.0.1"}]`),
	}})
	defer ws.Close()
	if err := ws.Load(context.Background(), func(emit func(string, map[string]any) error) error {
		return emit("SecurityAlert", map[string]any{"TimeGenerated": t0.Add(48 * time.Hour), "SystemAlertId": "later",
			"Entities": `[{"Type":"ip","Address":"10.0.0.1"}]`})
	}); err != nil {
		t.Fatal(err)
	}
	cat, _ := workspace.LoadCatalog("")
	q, _ := cat.Get("related_alerts")
	ids := func(values ...string) []string {
		tab, err := ws.Query(context.Background(), q, workspace.Params{"start": t0, "end": t0.Add(time.Hour), "values": values})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range tab.Records() {
			out = append(out, r.String("SystemAlertId"))
		}
		return sortStrings(out)
	}
	if d := cmp.Diff([]string{"exact", "late"}, ids("10.0.0.1")); d != "" {
		t.Errorf("candidates for 10.0.0.1 (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"escaped"}, ids(`contoso\alice`)); d != "" {
		t.Errorf("candidates for a value with a backslash (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"escaped"}, ids("ALICE")); d != "" {
		t.Errorf("candidates for the name of a DOMAIN\\name (-want +got):\n%s", d)
	}
	if got := ids("", "nothing"); len(got) != 0 {
		t.Errorf("an empty value matched %v", got)
	}
}

func sortStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func TestQueryColumnTypes(t *testing.T) {
	ws := openLoaded(t, map[string][]map[string]any{"SigninLogs": {
		{"TimeGenerated": t0, "UserPrincipalName": "a@x", "LocationDetails": map[string]any{"city": "Oslo"}, "DurationMs": 5, "ResultType": "0"},
		{"TimeGenerated": t0.Add(time.Hour), "UserPrincipalName": "a@x", "DurationMs": 7, "ResultType": "50126"},
	}})
	defer ws.Close()
	q := &workspace.Query{
		Name:    "summary",
		Columns: map[string]string{"FirstSeen": "datetime", "Loc": "dynamic"},
		Bodies: map[workspace.Dialect]string{workspace.SQL: `
			SELECT UserPrincipalName, count(*) AS Logons, min(TimeGenerated) AS FirstSeen,
			       max(TimeGenerated) AS TimeGenerated, avg(json_extract(Record, '$.DurationMs')) AS AvgMs,
			       max(json_extract(Record, '$.LocationDetails')) AS Loc, max(ResultType) AS ResultType,
			       NULL AS Empty
			FROM SigninLogs GROUP BY UserPrincipalName`},
	}
	tab, err := ws.Query(context.Background(), q, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantCols := []workspace.Column{
		{Name: "UserPrincipalName", Type: "string"},
		{Name: "Logons", Type: "long"},            // from the values
		{Name: "FirstSeen", Type: "datetime"},     // declared by the query
		{Name: "TimeGenerated", Type: "datetime"}, // known name in the schema
		{Name: "AvgMs", Type: "real"},
		{Name: "Loc", Type: "dynamic"},
		{Name: "ResultType", Type: "string"},
		{Name: "Empty", Type: "string"},
	}
	if d := cmp.Diff(wantCols, tab.Columns); d != "" {
		t.Errorf("columns (-want +got):\n%s", d)
	}
	wantRow := []any{"a@x", int64(2), t0, t0.Add(time.Hour), 6.0, map[string]any{"city": "Oslo"}, "50126", nil}
	if d := cmp.Diff(wantRow, tab.Rows[0]); d != "" {
		t.Errorf("row (-want +got):\n%s", d)
	}
}

// TestHostileValuesBound stores attacker-controlled text and finds it again
// through bound parameters.
func TestHostileValuesBound(t *testing.T) {
	hostile := []string{`'; DROP TABLE SigninLogs; --`, `" OR 1=1 --`, "a\x00b", "日本\u2028", `\`, `%_`, strings.Repeat("x'", 50000)}
	var recs []map[string]any
	for i, h := range hostile {
		recs = append(recs, map[string]any{"TimeGenerated": t0.Add(time.Duration(i) * time.Second), "UserPrincipalName": h})
	}
	ws := openLoaded(t, map[string][]map[string]any{"SigninLogs": recs})
	defer ws.Close()
	for _, h := range hostile {
		tab := rawQuery(t, ws, "SELECT UserPrincipalName FROM SigninLogs WHERE UserPrincipalName = :v OR UserPrincipalName IN (SELECT value FROM json_each(:vs))",
			workspace.Params{"v": h, "vs": []string{h}},
			workspace.Param{Name: "v", Type: workspace.TypeString}, workspace.Param{Name: "vs", Type: workspace.TypeList})
		if len(tab.Rows) != 1 || tab.Rows[0][0] != h {
			t.Errorf("lookup of %.40q returned %d rows", h, len(tab.Rows))
		}
	}
	if n := count(t, ws, "SigninLogs"); n != int64(len(hostile)) {
		t.Errorf("%d rows, want %d", n, len(hostile))
	}
}

func TestFileWorkspacePersists(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ws.db")
	// A file from an older version whose SigninLogs lacks a hot column.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE SigninLogs (TimeGenerated DATETIME TEXT, Record DYNAMIC TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	ws, err := local.Open(ctx, "file", path, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
		return emit("SigninLogs", map[string]any{"TimeGenerated": t0, "IPAddress": "10.0.0.1"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.Close(); err != nil {
		t.Fatal(err)
	}
	ws, err = local.Open(ctx, "file", path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	tab := rawQuery(t, ws, "SELECT IPAddress FROM SigninLogs", nil)
	if len(tab.Rows) != 1 || tab.Rows[0][0] != "10.0.0.1" {
		t.Errorf("rows after reopening: %v", tab.Rows)
	}
	if _, err := local.Open(ctx, "bad", filepath.Join(t.TempDir(), "a?b.db"), nil); err == nil {
		t.Error("a path with ? was accepted")
	}
}

// TestFileQueriesRunTogether checks the read connections of a workspace
// file: queries see every committed load, including indexes and rollups
// built after the read connections opened, run side by side, and cannot
// write.
func TestFileQueriesRunTogether(t *testing.T) {
	ctx := context.Background()
	ws, err := local.Open(ctx, "file", filepath.Join(t.TempDir(), "ws.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	load := func(from, to int) {
		t.Helper()
		var recs []map[string]any
		for i := from; i < to; i++ {
			recs = append(recs, sampleRecord("SigninLogs", i))
		}
		loadTable(t, ws, "SigninLogs", recs...)
	}
	load(0, 10)
	if n := count(t, ws, "SigninLogs"); n != 10 {
		t.Fatalf("%d rows after the first load, want 10", n)
	}
	load(10, 25)
	const q = `SELECT count(*) FROM SigninLogs AS s, SigninLogsRollupRows AS r WHERE r.SourceRowid = s.rowid`
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if n := rawQuery(t, ws, q, nil).Rows[0][0].(int64); n != 25 {
				t.Errorf("%d rows after the second load, want 25", n)
			}
		})
	}
	wg.Wait()
	bad := &workspace.Query{Name: "write", Bodies: map[workspace.Dialect]string{workspace.SQL: "DELETE FROM SigninLogs RETURNING 1"}}
	if _, err := ws.Query(ctx, bad, nil); err == nil || !strings.Contains(err.Error(), `"write"`) {
		t.Errorf("a query that writes: err = %v, want a named error", err)
	}
	if n := count(t, ws, "SigninLogs"); n != 25 {
		t.Errorf("%d rows after a query tried to delete them, want 25", n)
	}
}

func TestIncidentNotFoundNamesRef(t *testing.T) {
	ws := openLoaded(t, nil)
	defer ws.Close()
	for _, ref := range []string{"42", "5b1c6a3e-0000-0000-0000-000000000000", "/subscriptions/x/incidents/abc"} {
		_, err := ws.Incident(context.Background(), ref)
		if !errors.Is(err, workspace.ErrNotFound) || !strings.Contains(err.Error(), ref) {
			t.Errorf("Incident(%q) = %v", ref, err)
		}
	}
	if _, err := ws.Incident(context.Background(), "  "); err == nil || errors.Is(err, workspace.ErrNotFound) {
		t.Errorf("Incident(blank) = %v, want a non-NotFound error", err)
	}
}
