package local_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/demo"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

// TestRollupDemoAnswers: every entity summary query gives the same answers
// on the demo workspace whether its rollups are built or left empty (the
// rows then read for the whole window), for values of every kind, over the
// whole data and over a window that cuts hours and days.
func TestRollupDemoAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo workspace twice")
	}
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 12, 34, 56, 789012000, time.UTC)
	open := func(minRows int64) *local.Workspace {
		ws, err := local.Open(ctx, "demo", ":memory:", nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.Close() })
		ws.SetRollupMinRows(minRows)
		if err := ws.Load(ctx, func(emit func(string, map[string]any) error) error {
			return demo.Generate(demo.Options{Now: now, Scale: 1}, emit)
		}); err != nil {
			t.Fatal(err)
		}
		if err := ws.BuildIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		return ws
	}
	built, rows := open(0), open(1<<62)
	for ws, want := range map[*local.Workspace]bool{built: true, rows: false} {
		n := rawQuery(t, ws, `SELECT count(*) AS N FROM SigninLogsRollup`, nil).Records()[0].Int("N")
		if (n > 0) != want {
			t.Fatalf("SigninLogsRollup has %d rows, want it built: %v", n, want)
		}
	}

	// Values of each kind, in every form the summaries match: the most
	// frequent names in the logs, their bare and short forms, ids.
	strs := func(sqlText string) []string {
		var out []string
		for _, row := range rawQuery(t, built, sqlText, nil).Rows {
			if s, ok := row[0].(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	top := func(expr, table string) string {
		return fmt.Sprintf(`SELECT * FROM (SELECT %s FROM %s WHERE %[1]s IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3)`, expr, table)
	}
	values := map[string][]string{
		"ip": strs(strings.Join([]string{
			top("lower(IPAddress)", "SigninLogs"), top("lower(ComputerIP)", "Heartbeat"),
			top("lower(IpAddress)", "SecurityEvent"), top("lower(SourceIP)", "CommonSecurityLog"),
			top("lower(RemoteIP)", "DeviceNetworkEvents"), top("lower(CallerIpAddress)", "AzureActivity"),
			top("lower(LocalIP)", "DeviceNetworkEvents"),
			// Heartbeat's private addresses, found through the lists of
			// its rollup (or of its rows, when the rollup is empty).
			top("lower(v)", `(SELECT p.value AS v FROM Heartbeat, json_each(Heartbeat.Record -> '$.ComputerPrivateIPs') AS p
				WHERE lower(p.value) <> lower(Heartbeat.ComputerIP))`),
		}, " UNION ")),
		"account": append(strs(strings.Join([]string{
			top("lower(UserPrincipalName)", "SigninLogs"), top("lower(UserId)", "SigninLogs"),
			top("substr(lower(UserPrincipalName), 1, instr(UserPrincipalName, '@') - 1)", "SigninLogs"),
			top("lower(TargetUserName)", "SecurityEvent"), top("lower(json_extract(Record, '$.TargetUserSid'))", "SecurityEvent"),
			top("lower(Caller)", "AzureActivity"), top("lower(UserId)", "OfficeActivity"),
		}, " UNION ")), "sam.taylor", `contoso\sam.taylor`, "svc-backup", "root"),
		// Resources, and the resource groups and subscriptions above them.
		"resource": strs(strings.Join([]string{
			top("lower(_ResourceId)", "AzureActivity"),
			top("substr(lower(_ResourceId), 1, instr(lower(_ResourceId), '/providers/') - 1)", "AzureActivity"),
			top("substr(lower(_ResourceId), 1, instr(lower(_ResourceId), '/resourcegroups/') - 1)", "AzureActivity"),
		}, " UNION ")),
		"mailbox": strs(strings.Join([]string{
			top("lower(UserId)", "OfficeActivity"), top("lower(json_extract(Record, '$.MailboxOwnerUPN'))", "OfficeActivity"),
		}, " UNION ")),
		"host": append(strs(strings.Join([]string{
			top("lower(Computer)", "Heartbeat"), top("substr(lower(Computer), 1, instr(Computer || '.', '.') - 1)", "Heartbeat"),
			top("lower(json_extract(Record, '$.SourceComputerId'))", "Heartbeat"),
			top("lower(Computer)", "SecurityEvent"), top("substr(lower(Computer), 1, instr(Computer || '.', '.') - 1)", "SecurityEvent"),
			top("lower(DeviceName)", "DeviceProcessEvents"), top("lower(DeviceId)", "DeviceProcessEvents"),
			top("lower(Computer)", "Syslog"),
		}, " UNION ")), "wks-fin-07"),
	}
	for kind, vs := range values {
		if len(vs) < 5 {
			t.Fatalf("only %d %s values: %v", len(vs), kind, vs)
		}
	}
	windows := [][2]time.Time{
		{now.Add(-demo.Window), now},
		{now.Add(-50*time.Hour - 17*time.Minute - 3*time.Second), now.Add(-3*time.Hour - 5*time.Second)},
	}

	cat, err := workspace.LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range cat.Names() {
		kind, _, _ := strings.Cut(strings.TrimPrefix(name, "summary_"), "_")
		param := "values"
		switch {
		case name == "azure_resource_activity":
			kind, param = "resource", "ids"
		case name == "mailbox_activity":
			kind, param = "mailbox", "addresses"
		case !strings.HasPrefix(name, "summary_") || values[kind] == nil:
			continue
		}
		q, err := cat.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range windows {
			p := workspace.Params{param: values[kind], "start": w[0], "end": w[1]}
			want, err := rows.Query(ctx, q, p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := built.Query(ctx, q, p)
			if err != nil {
				t.Fatal(err)
			}
			if len(want.Rows) == 0 && w == windows[0] {
				t.Errorf("%s: no rows over the whole data", name)
			}
			if diff := cmp.Diff(canonRows(want), canonRows(got)); diff != "" {
				t.Errorf("%s, window %s to %s: rollups built and left empty differ (-empty +built):\n%s",
					name, w[0].Format(time.RFC3339Nano), w[1].Format(time.RFC3339Nano), diff)
			}
		}
		checked++
	}
	if checked < 17 {
		t.Errorf("checked %d summary queries, want at least 17", checked)
	}
}

// canonRows returns a table's rows as sorted text, lists sorted too: the
// two paths may list the elements of json_group_array(DISTINCT …) and
// group_concat(DISTINCT …) in another order, and order rows that tie on the
// sort keys differently.
func canonRows(tab workspace.Table) []string {
	out := make([]string, len(tab.Rows))
	for i, row := range tab.Rows {
		cells := make([]string, len(row))
		for j, v := range row {
			if l, ok := v.([]any); ok {
				elems := make([]string, len(l))
				for k, e := range l {
					b, _ := json.Marshal(e)
					elems[k] = string(b)
				}
				slices.Sort(elems)
				v = elems
			}
			if l, ok := v.(string); ok && strings.Contains(l, ",") {
				elems := strings.Split(l, ",")
				slices.Sort(elems)
				v = elems
			}
			cells[j] = fmt.Sprintf("%s=%v", tab.Columns[j].Name, v)
		}
		out[i] = strings.Join(cells, " | ")
	}
	slices.Sort(out)
	return out
}
