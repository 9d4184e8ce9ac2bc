package workspacetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// Run checks that the workspace returned by open fulfils the
// workspace.Workspace contract. open must return a workspace holding exactly
// recs (Records()), keyed by table name; Run closes it at the end of the test.
// The workspace's catalog must hold the built-in queries.
func Run(t *testing.T, open func(t *testing.T, recs map[string][]map[string]any) workspace.Workspace) {
	t.Helper()
	RunWith(t, Options{}, open)
}

// Options name what a workspace's service cannot hold of the data set, each
// a documented property of the service. The suite then expects what such a
// service gives instead; it never skips the check.
type Options struct {
	// NumberedIncidents: incidents have no GUID, and an incident's name is
	// its number as text (Microsoft Graph's incident ids). Looking an
	// incident up by one of the data set's GUIDs finds nothing.
	NumberedIncidents bool
	// OwnerIsOneName: an owner is one text, the UPN (Graph's assignedTo),
	// without object id, email or display name, so it is found by UPN only.
	OwnerIsOneName bool
	// InlineAlerts: an incident's alerts come with it, whole (Graph's
	// $expand=alerts), so an alert id without an alert (AlertMissing)
	// cannot be named, and the alert ids, count and activity times are
	// those of the alerts present.
	InlineAlerts bool
	// ServiceWords: incidents keep their service's own words in
	// triage.Incident.Source; they are the service's, not compared here.
	ServiceWords bool
}

// RunWith is Run for a workspace whose service has the limits o names.
func RunWith(t *testing.T, o Options, open func(t *testing.T, recs map[string][]map[string]any) workspace.Workspace) {
	t.Helper()
	ws := open(t, Records())
	t.Cleanup(func() {
		if err := ws.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	ctx := context.Background()

	t.Run("Identity", func(t *testing.T) {
		if ws.Name() == "" {
			t.Error("Name() is empty")
		}
		if d := ws.Dialect(); d != workspace.KQL && d != workspace.SQL {
			t.Errorf("Dialect() = %q", d)
		}
	})
	t.Run("ListIncidents", func(t *testing.T) { testList(t, ctx, ws, o) })
	t.Run("ListIncidentsStops", func(t *testing.T) { testListStops(t, ctx, ws) })
	t.Run("Incident", func(t *testing.T) { testIncident(t, ctx, ws, o) })
	t.Run("Details", func(t *testing.T) { testDetails(t, ctx, ws, o) })
	t.Run("Run", func(t *testing.T) { testRun(t, ctx, ws) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, ctx, ws) })
}

func list(t *testing.T, ctx context.Context, ws workspace.Workspace, f workspace.IncidentFilter) []int {
	t.Helper()
	var got []int
	err := ws.ListIncidents(ctx, f, func(inc triage.Incident) error {
		got = append(got, inc.Number)
		return nil
	})
	if err != nil {
		t.Fatalf("ListIncidents(%+v): %v", f, err)
	}
	return got
}

func testList(t *testing.T, ctx context.Context, ws workspace.Workspace, o Options) {
	// A service that keeps only the owner's UPN finds no owner by name.
	byName := func(want ...int) []int {
		if o.OwnerIsOneName {
			return nil
		}
		return want
	}
	sev := func(s ...triage.Severity) []triage.Severity { return s }
	st := func(s ...triage.Status) []triage.Status { return s }
	tests := []struct {
		name string
		f    workspace.IncidentFilter
		want []int
	}{
		{"all, newest first, ties by number", workspace.IncidentFilter{}, []int{4, 3, 2, 1}},
		{"severity", workspace.IncidentFilter{Severities: sev(triage.SeverityHigh)}, []int{1}},
		{"severities", workspace.IncidentFilter{Severities: sev(triage.SeverityMedium, triage.SeverityLow)}, []int{3, 2}},
		{"status of the latest revision", workspace.IncidentFilter{Statuses: st(triage.StatusActive)}, []int{1}},
		{"status New", workspace.IncidentFilter{Statuses: st(triage.StatusNew)}, []int{4, 2}},
		{"unassigned", workspace.IncidentFilter{Owner: "unassigned"}, []int{4, 2}},
		{"owner by UPN, any case", workspace.IncidentFilter{Owner: "ALICE@contoso.com"}, []int{1}},
		{"owner by name", workspace.IncidentFilter{Owner: "alice smith"}, byName(1)},
		{"owner with non-ASCII name", workspace.IncidentFilter{Owner: "BJÖRN ÜNAL"}, byName(3)},
		{"owner by UPN of a non-ASCII name", workspace.IncidentFilter{Owner: "Bjorn@Contoso.com"}, []int{3}},
		{"owner unknown", workspace.IncidentFilter{Owner: "mallory"}, nil},
		{"title", workspace.IncidentFilter{Title: "SIGN-IN"}, []int{1}},
		{"title non-ASCII", workspace.IncidentFilter{Title: "host-ä"}, []int{3}},
		{"start inclusive", workspace.IncidentFilter{Start: at(1)}, []int{4, 3, 2, 1}},
		{"start after", workspace.IncidentFilter{Start: at(1).Add(time.Microsecond)}, []int{4, 3, 2}},
		{"end exclusive", workspace.IncidentFilter{Start: at(3), End: at(5)}, []int{2}},
		{"end just after", workspace.IncidentFilter{End: at(5).Add(time.Microsecond)}, []int{4, 3, 2, 1}},
		{"combined", workspace.IncidentFilter{Start: at(0), End: at(10), Statuses: st(triage.StatusNew), Title: "mass"}, []int{2}},
		// Incident 1 was modified at 2 (its latest revision), 2 at 3, 4
		// at 5 and 3 at 6.
		{"modified since, inclusive", workspace.IncidentFilter{ModifiedSince: at(3)}, []int{4, 3, 2}},
		{"modified since, after", workspace.IncidentFilter{ModifiedSince: at(3).Add(time.Microsecond)}, []int{4, 3}},
		{"modified since, of the latest revision", workspace.IncidentFilter{ModifiedSince: at(1.5)}, []int{4, 3, 2, 1}},
		{"modified since, after every change", workspace.IncidentFilter{ModifiedSince: at(6).Add(time.Microsecond)}, nil},
		{"modified since, created before the start", workspace.IncidentFilter{Start: at(5), ModifiedSince: at(5.5)}, []int{3}},
		{"modified since and end", workspace.IncidentFilter{End: at(5), ModifiedSince: at(2)}, []int{2, 1}},
		{"modified since and status", workspace.IncidentFilter{ModifiedSince: at(2), Statuses: st(triage.StatusNew)}, []int{4, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := list(t, ctx, ws, tt.f)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("incident numbers (-want +got):\n%s", d)
			}
		})
	}
	t.Run("latest revision", func(t *testing.T) {
		var inc1 triage.Incident
		err := ws.ListIncidents(ctx, workspace.IncidentFilter{}, func(inc triage.Incident) error {
			if inc.Number == 1 {
				inc1 = inc
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if inc1.AlertIDs == nil && !o.InlineAlerts {
			// A listing may leave the alert ids to Incident: the incidents
			// API does not list them.
			inc1.AlertIDs = []string{Alert1, AlertMissing}
		}
		checkIncident1(t, inc1, o)
	})
}

func checkIncident1(t *testing.T, inc triage.Incident, o Options) {
	t.Helper()
	want := triage.Incident{
		Name:          Incident1,
		Number:        1,
		Title:         "Suspicious sign-in from 10.0.0.1",
		Description:   "Description of Suspicious sign-in from 10.0.0.1",
		Severity:      triage.SeverityHigh,
		Status:        triage.StatusActive,
		Owner:         triage.Owner{ObjectID: "0c0c0c0c-1111-2222-3333-444444444444", Email: "alice@contoso.com", AssignedTo: "Alice Smith", UPN: "alice@contoso.com"},
		Labels:        []string{"vip"},
		Created:       at(1),
		FirstActivity: at(0.5),
		LastActivity:  at(0.9),
		LastModified:  at(2),
		AlertCount:    2,
		AlertIDs:      []string{Alert1, AlertMissing},
		ProductNames:  []string{"Azure Active Directory Identity Protection"},
		Tactics:       []string{"InitialAccess"},
		URL:           "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident/" + Incident1,
	}
	if o.NumberedIncidents {
		want.Name = "1"
	}
	if o.OwnerIsOneName {
		want.Owner = triage.Owner{UPN: "alice@contoso.com"}
	}
	if o.InlineAlerts {
		// Alert 1 as its latest row has it: active from 1h to 1.1h.
		want.AlertIDs, want.AlertCount = []string{Alert1}, 1
		want.FirstActivity, want.LastActivity = at(1), at(1.1)
	}
	ignore := []string{"ETag"}
	if o.ServiceWords {
		ignore = append(ignore, "Source")
	}
	if inc.ETag == "" {
		t.Error("incident 1 has no ETag")
	}
	// Times may carry a store's precision; compare them to the microsecond.
	// ETags are each store's own.
	opt := cmp.Comparer(func(a, b time.Time) bool { return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond)) })
	if d := cmp.Diff(want, inc, opt, cmpopts.IgnoreFields(triage.Incident{}, ignore...)); d != "" {
		t.Errorf("incident 1 (-want +got):\n%s", d)
	}
}

func testListStops(t *testing.T, ctx context.Context, ws workspace.Workspace) {
	stop := errors.New("stop here")
	calls := 0
	err := ws.ListIncidents(ctx, workspace.IncidentFilter{}, func(triage.Incident) error {
		calls++
		return stop
	})
	if err != stop { //nolint:errorlint // the contract is "returned as is"
		t.Errorf("ListIncidents returned %v, want fn's error as is", err)
	}
	if calls != 1 {
		t.Errorf("fn called %d times after returning an error, want 1", calls)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err = ws.ListIncidents(cctx, workspace.IncidentFilter{}, func(triage.Incident) error { return nil })
	if err == nil {
		t.Error("ListIncidents with a cancelled context: want an error")
	}
}

func testIncident(t *testing.T, ctx context.Context, ws workspace.Workspace, o Options) {
	inc, err := ws.Incident(ctx, "1")
	if err != nil {
		t.Fatalf(`Incident("1"): %v`, err)
	}
	checkIncident1(t, inc, o)
	refs := []string{Incident1, strings.ToUpper(Incident1), " " + Incident1 + " "}
	notFound := []string{"999", "00000000-0000-0000-0000-000000000000", "no such incident"}
	if o.NumberedIncidents {
		// The name is the number: found by it, with spaces too; the data
		// set's GUIDs name nothing.
		refs, notFound = []string{"1", " 1 "}, append(notFound, Incident1)
	}
	for _, ref := range refs {
		inc, err := ws.Incident(ctx, ref)
		if err != nil {
			t.Errorf("Incident(%q): %v", ref, err)
			continue
		}
		if inc.Number != 1 {
			t.Errorf("Incident(%q).Number = %d, want 1", ref, inc.Number)
		}
	}
	inc, err = ws.Incident(ctx, "3")
	if err != nil {
		t.Fatal(err)
	}
	owner := inc.Owner.AssignedTo == "Björn Ünal"
	if o.OwnerIsOneName {
		owner = inc.Owner.UPN == "bjorn@contoso.com"
	}
	if inc.Classification != triage.ClassTruePositive || !owner || inc.Title != "Malware on HOST-Ä" {
		t.Errorf("incident 3: %+v", inc)
	}
	for _, ref := range notFound {
		_, err := ws.Incident(ctx, ref)
		if !errors.Is(err, workspace.ErrNotFound) {
			t.Errorf("Incident(%q) = %v, want ErrNotFound", ref, err)
		} else if !strings.Contains(err.Error(), ref) {
			t.Errorf("Incident(%q) error %q does not name the reference", ref, err)
		}
	}
}

func findEntity(ents []triage.Entity, kind triage.Kind, prop, value string) *triage.Entity {
	for i := range ents {
		if ents[i].Kind == kind && strings.EqualFold(ents[i].Prop(prop), value) {
			return &ents[i]
		}
	}
	return nil
}

func testDetails(t *testing.T, ctx context.Context, ws workspace.Workspace, o Options) {
	get := func(ref string) triage.Incident {
		t.Helper()
		inc, err := ws.Incident(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		return inc
	}
	t.Run("missing alert", func(t *testing.T) {
		d, err := ws.Details(ctx, get("1"))
		if err != nil {
			t.Fatal(err)
		}
		// An alert without a SecurityAlert row may still be listed from
		// what another source (the incidents API) says of it.
		if len(d.Alerts) == 0 || d.Alerts[0].ID != Alert1 || len(d.Alerts) > 2 || len(d.Alerts) == 2 && d.Alerts[1].ID != AlertMissing {
			t.Fatalf("alerts = %+v, want %s (and at most %s)", d.Alerts, Alert1, AlertMissing)
		}
		if d.Alerts[0].Status != "Resolved" {
			t.Errorf("alert status %q, want the latest row's Resolved", d.Alerts[0].Status)
		}
		ip := findEntity(d.Entities, triage.KindIP, "address", "10.0.0.1")
		if ip == nil {
			t.Fatalf("no Ip 10.0.0.1 among %+v", d.Entities)
		}
		if !slices.Contains(ip.Alerts, Alert1) || !slices.Contains(d.Alerts[0].EntityKeys, ip.Key) {
			t.Errorf("Ip entity %+v and alert %+v are not linked", ip, d.Alerts[0])
		}
		if findEntity(d.Entities, triage.KindAccount, "accountName", "alice") == nil {
			t.Errorf("no Account alice among %+v", d.Entities)
		}
		switch {
		case o.InlineAlerts && len(d.Alerts) != 1:
			t.Errorf("alerts = %+v, want %s only: the service has no other", d.Alerts, Alert1)
		case !o.InlineAlerts && !hasProblem(d.Problems, "incident 1", AlertMissing):
			t.Errorf("problems %v do not report alert %s of incident 1", d.Problems, AlertMissing)
		}
	})
	t.Run("alerts in time order", func(t *testing.T) {
		d, err := ws.Details(ctx, get("2"))
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range d.Alerts {
			ids = append(ids, a.ID)
		}
		if want := []string{Alert2, Alert3}; !slices.Equal(ids, want) {
			t.Errorf("alerts of incident 2: %v, want %v (by start time, not as the incident lists them)", ids, want)
		}
	})
	t.Run("malformed entities", func(t *testing.T) {
		d, err := ws.Details(ctx, get("3"))
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Alerts) != 1 || d.Alerts[0].ID != Alert4 || d.Alerts[0].Name != "Malware detected" {
			t.Fatalf("alerts = %+v, want %s", d.Alerts, Alert4)
		}
		if len(d.Problems) == 0 {
			t.Error("malformed Entities gave no problem")
		}
	})
	t.Run("no alerts", func(t *testing.T) {
		d, err := ws.Details(ctx, get("4"))
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Alerts) != 0 || len(d.Entities) != 0 {
			t.Errorf("details = %+v, want nothing", d)
		}
		if !hasProblem(d.Problems, "incident 4") {
			t.Errorf("problems %v do not report incident 4's missing alerts", d.Problems)
		}
	})
}

func hasProblem(ps []triage.Problem, words ...string) bool {
	for _, p := range ps {
		s := p.String()
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return true
		}
	}
	return false
}

func query(t *testing.T, ctx context.Context, ws workspace.Workspace, name string, p workspace.Params) workspace.Table {
	t.Helper()
	tab, err := ws.Run(ctx, name, p)
	if err != nil {
		t.Fatalf("Run(%s): %v", name, err)
	}
	return tab
}

func column(t *testing.T, tab workspace.Table, name string) []any {
	t.Helper()
	i := tab.Col(name)
	if i < 0 {
		t.Fatalf("no column %s in %v", name, tab.Columns)
	}
	out := make([]any, len(tab.Rows))
	for r, row := range tab.Rows {
		out[r] = row[i]
	}
	return out
}

func strs(vs []any) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprint(v)
	}
	sort.Strings(out)
	return out
}

func testRun(t *testing.T, ctx context.Context, ws workspace.Workspace) {
	t.Run("incidents_in_window", func(t *testing.T) {
		// The query itself filters on the modification time (ListIncidents
		// has Match as the last word, which would hide a query that does
		// not): the latest revision of each incident, modified since.
		for _, tt := range []struct {
			since time.Time
			want  []string
		}{
			{time.Time{}, []string{"1", "2", "3", "4"}},
			{at(2), []string{"1", "2", "3", "4"}},
			{at(3), []string{"2", "3", "4"}},
			{at(5).Add(time.Microsecond), []string{"3"}},
		} {
			p := workspace.Params{"start": at(0), "end": at(24)}
			if !tt.since.IsZero() {
				p["modified_since"] = tt.since
			}
			tab := query(t, ctx, ws, "incidents_in_window", p)
			if d := cmp.Diff(tt.want, strs(column(t, tab, "IncidentNumber"))); d != "" {
				t.Errorf("modified since %v: incident numbers (-want +got):\n%s", tt.since, d)
			}
		}
	})
	t.Run("alerts_by_id", func(t *testing.T) {
		tab := query(t, ctx, ws, "alerts_by_id", workspace.Params{"ids": []string{Alert1, Alert3, "nope"}})
		if d := cmp.Diff([]string{Alert1, Alert3}, strs(column(t, tab, "SystemAlertId"))); d != "" {
			t.Errorf("ids (-want +got):\n%s", d)
		}
		types := map[string]string{}
		for _, c := range tab.Columns {
			types[c.Name] = c.Type
		}
		for name, want := range map[string]string{"TimeGenerated": "datetime", "StartTime": "datetime",
			"Entities": "string", "ExtendedProperties": "string", "AlertSeverity": "string",
			"ConfidenceScore": "real", "IsIncident": "bool"} {
			if types[name] != want {
				t.Errorf("column %s has type %q, want %q", name, types[name], want)
			}
		}
		for _, r := range tab.Records() {
			if _, ok := r["TimeGenerated"].(time.Time); !ok {
				t.Errorf("TimeGenerated is %T", r["TimeGenerated"])
			}
			if _, ok := r["Entities"].(string); !ok {
				t.Errorf("Entities is %T, want JSON text", r["Entities"])
			}
			if _, ok := r["IsIncident"].(bool); !ok {
				t.Errorf("IsIncident is %T", r["IsIncident"])
			}
			if r.String("SystemAlertId") == Alert1 && r.String("Status") != "Resolved" {
				t.Errorf("alert 1 status %q, want the latest row's", r.String("Status"))
			}
		}
	})
	t.Run("related_alerts", func(t *testing.T) {
		tab := query(t, ctx, ws, "related_alerts", workspace.Params{
			"start": at(0), "end": at(24), "values": []string{"10.0.0.1"}, "keys": []string{"Ip:10.0.0.1"},
		})
		ids := strs(column(t, tab, "SystemAlertId"))
		for _, want := range []string{Alert1, AlertOther} {
			if !slices.Contains(ids, want) {
				t.Errorf("related_alerts for 10.0.0.1 = %v, missing %s", ids, want)
			}
		}
		if len(ids) != len(slices.Compact(slices.Clone(ids))) {
			t.Errorf("related_alerts returned an alert twice: %v", ids)
		}
		tab = query(t, ctx, ws, "related_alerts", workspace.Params{
			"start": at(4.5), "end": at(24), "values": []string{"10.0.0.1"},
		})
		if ids := strs(column(t, tab, "SystemAlertId")); len(ids) != 0 {
			t.Errorf("related_alerts after the alerts = %v, want none", ids)
		}
	})
	t.Run("ti_indicators", func(t *testing.T) {
		tab := query(t, ctx, ws, "ti_indicators", workspace.Params{
			"values": []string{"203.0.113.7", "evil.example.com", "198.51.100.9", "192.0.2.55", "192.0.2.66", "unknown.example"},
			"as_of":  at(24),
		})
		if d := cmp.Diff([]string{"203.0.113.7", "EVIL.example.com"}, strs(column(t, tab, "ObservableValue"))); d != "" {
			t.Errorf("active unexpired indicators (-want +got):\n%s", d)
		}
		for _, r := range tab.Records() {
			if r.Int("Confidence") != 80 {
				t.Errorf("Confidence = %#v", r["Confidence"])
			}
			if r["IsActive"] != true {
				t.Errorf("IsActive = %#v", r["IsActive"])
			}
			if _, ok := r["ValidUntil"].(time.Time); !ok {
				t.Errorf("ValidUntil is %T", r["ValidUntil"])
			}
			data, ok := r["Data"].(map[string]any)
			if !ok || data["name"] != "Indicator "+r.String("ObservableValue") {
				t.Errorf("Data = %#v, want the decoded object", r["Data"])
			}
		}
	})
	t.Run("ti_indicators as of now", func(t *testing.T) {
		// Without as_of the workspace's clock decides; every indicator of the
		// data set expired in 2024.
		tab := query(t, ctx, ws, "ti_indicators", workspace.Params{"values": []string{"203.0.113.7"}})
		if len(tab.Rows) != 0 {
			t.Errorf("ti_indicators as of now = %v, want none", tab.Rows)
		}
	})
	t.Run("missing table", func(t *testing.T) {
		_, err := ws.Run(ctx, MissingTableQuery, nil)
		var nt *workspace.NoTableError
		switch {
		case !errors.As(err, &nt):
			t.Errorf("Run(%s) = %v, want a *workspace.NoTableError", MissingTableQuery, err)
		case nt.Table != MissingTable:
			t.Errorf("NoTableError names table %q, want %s (%v)", nt.Table, MissingTable, err)
		case !strings.Contains(err.Error(), MissingTable):
			t.Errorf("error %q does not name the table", err)
		}
	})
	t.Run("bad params", func(t *testing.T) {
		for _, p := range []workspace.Params{nil, {"ids": "not a list"}, {"ids": []string{}, "extra": 1}} {
			if _, err := ws.Run(ctx, "alerts_by_id", p); err == nil {
				t.Errorf("Run(alerts_by_id, %v): want an error", p)
			}
		}
	})
	t.Run("unknown name", func(t *testing.T) {
		tab, err := ws.Run(ctx, "no_such_query", workspace.Params{"ids": []string{Alert1}})
		if !errors.Is(err, workspace.ErrNotFound) || !strings.Contains(err.Error(), `"no_such_query"`) {
			t.Errorf("Run(no_such_query) = %v, want an error naming the query and wrapping ErrNotFound", err)
		}
		if len(tab.Rows) != 0 || len(tab.Columns) != 0 {
			t.Errorf("Run(no_such_query) returned a table: %v", tab)
		}
	})
}

func testConcurrent(t *testing.T, ctx context.Context, ws workspace.Workspace) {
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 8 {
		wg.Go(func() {
			err := ws.ListIncidents(ctx, workspace.IncidentFilter{}, func(inc triage.Incident) error {
				// Using the workspace from fn must not deadlock.
				_, err := ws.Details(ctx, inc)
				return err
			})
			if err != nil {
				errs <- err
			}
			if _, err := ws.Run(ctx, "alerts_by_id", workspace.Params{"ids": []string{Alert1}}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// MissingTable is a table no workspace has.
const MissingTable = "TriageConformanceMissing"

// missingTableQuery is a catalog query (a user's, as loaded from a
// directory) that reads MissingTable.
// MissingTableQuery is the suite's own query: it reads MissingTable.
const MissingTableQuery = "conformance_missing_table"

// Catalog is the catalog a workspace under test is opened with: the
// built-in queries and the suite's own.
func Catalog(t testing.TB) *workspace.Catalog {
	t.Helper()
	dir := t.TempDir()
	yaml := `queries:
  - name: ` + MissingTableQuery + `
    description: Reads a table no workspace has.
    kql: |
      ` + MissingTable + `
      | take 1
    sql: |
      SELECT * FROM ` + MissingTable + ` LIMIT 1
`
	if err := os.WriteFile(filepath.Join(dir, "missing.yaml"), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cat, err := workspace.LoadCatalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}
