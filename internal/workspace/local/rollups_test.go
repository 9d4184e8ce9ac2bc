package local_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

// signins makes n sign-ins from i0 on, spread over three days and landing
// on hour and day boundaries now and then, for a handful of users and
// addresses.
func signins(i0, n int) []map[string]any {
	rng := rand.New(rand.NewPCG(uint64(i0), 7))
	out := make([]map[string]any, n)
	for k := range out {
		at := t0.Add(time.Duration(rng.Int64N(int64(72 * time.Hour))))
		if k%10 == 0 {
			at = at.Truncate(time.Hour)
		}
		out[k] = map[string]any{
			"TimeGenerated":     at,
			"UserPrincipalName": fmt.Sprintf("User%d@Contoso.example", rng.IntN(4)),
			"IPAddress":         fmt.Sprintf("10.0.0.%d", rng.IntN(3)),
			"ResultType":        fmt.Sprint(rng.IntN(2)),
			"AppDisplayName":    "Portal",
		}
	}
	return out
}

func loadSignins(t *testing.T, ws *local.Workspace, recs []map[string]any) {
	t.Helper()
	loadTable(t, ws, "SigninLogs", recs...)
}

// loadTable loads records into one table.
func loadTable(t *testing.T, ws *local.Workspace, table string, recs ...map[string]any) {
	t.Helper()
	err := ws.Load(context.Background(), func(emit func(string, map[string]any) error) error {
		for _, r := range recs {
			if err := emit(table, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// rollupTotals returns, per grain, how many rows the rollup counts.
func rollupTotals(t *testing.T, ws *local.Workspace) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, r := range rawQuery(t, ws, `SELECT Grain, sum(N) AS Rows FROM ROLLUP(SigninLogsRollup) GROUP BY Grain`, nil).Records() {
		out[r.String("Grain")] = r.Int("Rows")
	}
	return out
}

// TestRollupCountsEveryRowOnce: the rollup counts each row once per grain,
// with the counts, first and last times the rows give, also after a second
// load and after reopening the file.
func TestRollupCountsEveryRowOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ws.db")
	ws, err := local.Open(ctx, "file", path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.SetRollupMinRows(0) // build rollups of small tables too
	loadSignins(t, ws, signins(0, 700))
	if got, want := rollupTotals(t, ws), map[string]int64{"h": 700, "d": 700}; !cmp.Equal(got, want) {
		t.Errorf("after one load, rollup totals %v, want %v", got, want)
	}
	loadSignins(t, ws, signins(700, 300))
	if got, want := rollupTotals(t, ws), map[string]int64{"h": 1000, "d": 1000}; !cmp.Equal(got, want) {
		t.Errorf("after a second load, rollup totals %v, want %v", got, want)
	}
	if err := ws.Close(); err != nil {
		t.Fatal(err)
	}
	if ws, err = local.Open(ctx, "file", path, nil); err != nil {
		t.Fatal(err)
	}
	ws.SetRollupMinRows(0)
	if got, want := rollupTotals(t, ws), map[string]int64{"h": 1000, "d": 1000}; !cmp.Equal(got, want) {
		t.Errorf("after reopening, rollup totals %v, want %v", got, want)
	}
	// Per key and day, the day rows agree with the rows themselves.
	fromRows := rawQuery(t, ws, `
		SELECT Account, IPAddress, ResultType, substr(TimeGenerated, 1, 10) AS Day,
		       count(*) AS N, min(TimeGenerated) AS FirstSeen, max(TimeGenerated) AS LastSeen, max(SourceRowid) AS MaxRowid
		FROM SigninLogsRollupRows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`, nil)
	fromRollup := rawQuery(t, ws, `
		SELECT Account, IPAddress, ResultType, substr(Bucket, 1, 10) AS Day,
		       sum(N) AS N, min(FirstSeen) AS FirstSeen, max(LastSeen) AS LastSeen, max(MaxRowid) AS MaxRowid
		FROM ROLLUP(SigninLogsRollup) WHERE Grain = 'd' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`, nil)
	if len(fromRows.Rows) < 10 {
		t.Fatalf("only %d groups", len(fromRows.Rows))
	}
	if diff := cmp.Diff(fromRows.Rows, fromRollup.Rows); diff != "" {
		t.Errorf("day rollup differs from the rows (-rows +rollup):\n%s", diff)
	}

	// A rollup whose recorded definition differs (one an older version
	// built) is rebuilt from scratch, not added to.
	if err := ws.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE TriageRollupState SET Definition = 'older' WHERE Name = 'SigninLogsRollup'`,
		`DELETE FROM SigninLogsRollup WHERE Grain = 'h'`, // only a rebuild brings these back
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if ws, err = local.Open(ctx, "file", path, nil); err != nil {
		t.Fatal(err)
	}
	ws.SetRollupMinRows(0)
	defer ws.Close()
	if got, want := rollupTotals(t, ws), map[string]int64{"h": 1000, "d": 1000}; !cmp.Equal(got, want) {
		t.Errorf("after a definition change, rollup totals %v, want %v", got, want)
	}
}

// TestRollupWindows: a summary that reads a rollup counts exactly the rows
// in its window, whatever the window's edges (inside an hour, on an hour or
// a day boundary, shorter than an hour, empty, reversed).
func TestRollupWindows(t *testing.T) {
	cat, err := workspace.LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	q, err := cat.Get("summary_ip_signins")
	if err != nil {
		t.Fatal(err)
	}
	recs := signins(0, 2000)
	// The rollup built, and left empty as the table is small: the rows
	// are then read for the whole window.
	for _, built := range []bool{true, false} {
		t.Run(fmt.Sprintf("built=%v", built), func(t *testing.T) {
			ws := openLoaded(t, nil)
			defer ws.Close()
			if built {
				ws.SetRollupMinRows(0)
			}
			loadSignins(t, ws, recs)
			checkRollupWindows(t, ws, q, recs)
			n := rawQuery(t, ws, `SELECT count(*) AS N FROM SigninLogsRollup`, nil).Records()[0].Int("N")
			if built != (n > 0) {
				t.Errorf("built %v, but the rollup has %d rows", built, n)
			}
		})
	}
}

// checkRollupWindows checks summary_ip_signins's counts over many windows
// against recs.
func checkRollupWindows(t *testing.T, ws *local.Workspace, q *workspace.Query, recs []map[string]any) {
	windows := [][2]time.Time{
		{t0, t0.Add(72 * time.Hour)},
		{t0.Add(-time.Hour), t0.Add(100 * time.Hour)},
		{t0.Add(5 * time.Hour), t0.Add(5 * time.Hour)},
		{t0.Add(5 * time.Hour), t0.Add(6*time.Hour - time.Microsecond)},
		{t0.Add(24 * time.Hour), t0.Add(48*time.Hour - time.Microsecond)},
		{t0.Add(23 * time.Hour), t0.Add(49 * time.Hour)},
		{t0.Add(10 * time.Hour), t0.Add(9 * time.Hour)},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 40 {
		start := t0.Add(time.Duration(rng.Int64N(int64(72 * time.Hour)))).Truncate(time.Microsecond)
		length := []time.Duration{20 * time.Minute, 90 * time.Minute, 13 * time.Hour, 40 * time.Hour}[rng.IntN(4)]
		windows = append(windows, [2]time.Time{start, start.Add(time.Duration(rng.Int64N(int64(length))))})
	}
	for _, w := range windows {
		want := map[string]int64{}
		for _, r := range recs {
			if at := r["TimeGenerated"].(time.Time); !at.Before(w[0]) && !at.After(w[1]) {
				want[r["IPAddress"].(string)]++
			}
		}
		tab, err := ws.Query(context.Background(), q, workspace.Params{
			"values": []string{"10.0.0.0", "10.0.0.1", "10.0.0.2"}, "start": w[0], "end": w[1],
		})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, r := range tab.Records() {
			got[r.String("Value")] += r.Int("Count")
		}
		if !cmp.Equal(got, want) {
			t.Errorf("window %s to %s: counts %v, want %v", w[0].Format(time.RFC3339Nano), w[1].Format(time.RFC3339Nano), got, want)
		}
	}
}

// TestAuditAccountsList: the list of accounts audit records name has a row
// per initiator and target with a name or an id, built also for a small
// table, and only the new records' rows after a second load.
func TestAuditAccountsList(t *testing.T) {
	ws, err := local.Open(context.Background(), "list", filepath.Join(t.TempDir(), "ws.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	audit := func(i int, actor string, targets ...map[string]any) map[string]any {
		ts := make([]any, len(targets))
		for k, x := range targets {
			ts[k] = x
		}
		return map[string]any{
			"TimeGenerated": t0.Add(time.Duration(i) * time.Minute), "Category": "GroupManagement", "OperationName": "Add member to group",
			"InitiatedBy":     map[string]any{"user": map[string]any{"userPrincipalName": actor, "id": "ID-" + actor}},
			"TargetResources": ts,
		}
	}
	list := func() [][]any {
		t.Helper()
		return rawQuery(t, ws, `SELECT SourceRowid, Role, Account, AccountId, AccountName, Category
			FROM ROLLUP(AuditLogsAccounts) ORDER BY SourceRowid, Role, Account`, nil).Rows
	}
	group := map[string]any{"id": "G1", "displayName": "Admins", "type": "Group"}
	loadTable(t, ws, "AuditLogs", audit(0, "Grace@Contoso.example", map[string]any{"userPrincipalName": "Sam@Contoso.example", "id": "S1"}, group))
	want := [][]any{
		{int64(1), "actor", "grace@contoso.example", "id-grace@contoso.example", "grace", "GroupManagement"},
		{int64(1), "target", nil, "g1", nil, "GroupManagement"},
		{int64(1), "target", "sam@contoso.example", "s1", "sam", "GroupManagement"},
	}
	if d := cmp.Diff(want, list()); d != "" {
		t.Fatalf("after the first load (-want +got):\n%s", d)
	}
	loadTable(t, ws, "AuditLogs", audit(1, "Mike@Contoso.example", map[string]any{"displayName": "no name, no id"}))
	want = append(want, []any{int64(2), "actor", "mike@contoso.example", "id-mike@contoso.example", "mike", "GroupManagement"})
	if d := cmp.Diff(want, list()); d != "" {
		t.Errorf("after the second load (-want +got):\n%s", d)
	}
}
