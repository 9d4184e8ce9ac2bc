package defender_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/defender"
	"github.com/triage-dev/triage/internal/workspace/defender/defendertest"
	"github.com/triage-dev/triage/internal/workspace/hunting"
	"github.com/triage-dev/triage/internal/workspace/hunting/huntingtest"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

var ctx = context.Background()

func numbers(t *testing.T, ws *defender.Workspace, f workspace.IncidentFilter) []int {
	t.Helper()
	var got []int
	if err := ws.ListIncidents(ctx, f, func(inc triage.Incident) error {
		got = append(got, inc.Number)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestListPagesAndFiltersAtTheService(t *testing.T) {
	ws, srv := open(t, workspacetest.Records(), nil)
	if got := numbers(t, ws, workspace.IncidentFilter{}); !slices.Equal(got, []int{4, 3, 2, 1}) {
		t.Errorf("incidents %v, want 4 3 2 1", got)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || !strings.Contains(reqs[0], "%24top=2") || !strings.Contains(reqs[1], "%24skip=2") {
		t.Errorf("requests %q, want two pages of 2, the second by its nextLink", reqs)
	}
	before := len(srv.Requests())
	f := workspace.IncidentFilter{Start: workspacetest.T0, Severities: []triage.Severity{triage.SeverityMedium}, Statuses: []triage.Status{triage.StatusNew}}
	if got := numbers(t, ws, f); !slices.Equal(got, []int{2}) {
		t.Errorf("filtered incidents %v, want 2", got)
	}
	q := srv.Requests()[before]
	for _, want := range []string{"createdDateTime+ge+2024-05-01T00%3A00%3A00Z", "severity+eq+%27medium%27", "status+eq+%27active%27"} {
		if !strings.Contains(q, want) {
			t.Errorf("request %s has no %s: the filter is not sent to the service", q, want)
		}
	}
	if !strings.Contains(q, "%24expand=alerts") {
		t.Errorf("request %s does not expand alerts", q)
	}
	// A watch's later pass asks only for what changed since its cursor.
	before = len(srv.Requests())
	since := time.Date(2024, 5, 1, 3, 0, 0, 123456789, time.UTC)
	numbers(t, ws, workspace.IncidentFilter{ModifiedSince: since})
	if q := srv.Requests()[before]; !strings.Contains(q, "lastUpdateDateTime+ge+2024-05-01T03%3A00%3A00.123456Z") {
		t.Errorf("request %s does not ask for the incidents modified since %s", q, since)
	}
}

func TestListFallsBackWithoutAlerts(t *testing.T) {
	ws, srv := open(t, workspacetest.Records(), nil)
	srv.Fault = func(r *http.Request, _ []byte) *defendertest.Fault {
		if r.URL.Query().Get("$expand") == "alerts" && r.URL.Path == "/v1.0/security/incidents" {
			return &defendertest.Fault{Status: 500, Body: `{"error":{"code":"InternalServerError","message":"boom"}}`}
		}
		return nil
	}
	if got := numbers(t, ws, workspace.IncidentFilter{}); !slices.Equal(got, []int{4, 3, 2, 1}) {
		t.Errorf("incidents %v, want 4 3 2 1 after falling back", got)
	}
}

func TestFakeRefusesTopOver50(t *testing.T) {
	_, srv := open(t, workspacetest.Records(), nil)
	req, _ := http.NewRequest("GET", srv.URL+"/v1.0/security/incidents?$top=51", nil)
	req.Header.Set("Authorization", "Bearer x")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("$top=51: %d, want 400", resp.StatusCode)
	}
}

func TestPageSizeNeverOver50(t *testing.T) {
	ws, srv := open(t, workspacetest.Records(), func(o *defender.Options) { o.PageSize = 500 })
	numbers(t, ws, workspace.IncidentFilter{})
	if q := srv.Requests()[0]; !strings.Contains(q, "%24top=50") {
		t.Errorf("request %s: want $top=50", q)
	}
}

func TestNextLinkElsewhereNotFollowed(t *testing.T) {
	ws, srv := open(t, workspacetest.Records(), nil)
	srv.Fault = func(r *http.Request, _ []byte) *defendertest.Fault {
		return &defendertest.Fault{Status: 200, Body: `{"value":[],"@odata.nextLink":"https://evil.example/v1.0/security/incidents?$skip=2"}`}
	}
	err := ws.ListIncidents(ctx, workspace.IncidentFilter{}, func(triage.Incident) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "not followed") {
		t.Errorf("ListIncidents = %v, want the foreign next link refused", err)
	}
}

func TestRelativeNextLinkResolved(t *testing.T) {
	ws, srv := open(t, workspacetest.Records(), nil)
	srv.Fault = func(r *http.Request, _ []byte) *defendertest.Fault {
		if r.URL.Query().Get("$skip") == "" {
			return &defendertest.Fault{Status: 200, Body: `{"value":[],"@odata.nextLink":"/v1.0/security/incidents?$top=2&$skip=2"}`}
		}
		return nil
	}
	if got := numbers(t, ws, workspace.IncidentFilter{}); !slices.Equal(got, []int{2, 1}) {
		t.Errorf("incidents %v, want the second page's 2 1", got)
	}
}

func TestRequestHeadersAndScope(t *testing.T) {
	scopes := make(chan []string, 1)
	ws, srv := open(t, workspacetest.Records(), func(o *defender.Options) { o.Credential = token{scopes: scopes} })
	var prefer atomic.Value
	srv.Fault = func(r *http.Request, _ []byte) *defendertest.Fault {
		prefer.Store(r.Header.Get("Prefer"))
		return nil
	}
	if _, err := ws.Incident(ctx, "1"); err != nil {
		t.Fatal(err)
	}
	if got := prefer.Load(); got != "include-unknown-enum-members" {
		t.Errorf("Prefer %q, want include-unknown-enum-members", got)
	}
	if got := <-scopes; !slices.Equal(got, []string{srv.URL + "/.default"}) {
		t.Errorf("token scopes %v, want the Graph root's /.default", got)
	}
}

func TestIncidentMapping(t *testing.T) {
	ws, srv := open(t, workspacetest.Records(), nil)
	srv.Touch("2", func(g map[string]any) {
		g["status"], g["severity"], g["classification"], g["determination"] = "awaitingAction", "unknown", "falsePositive", "notEnoughDataToValidate"
		g["assignedTo"], g["incidentWebUrl"] = "Tier 1 queue", ""
	})
	inc, err := ws.Incident(ctx, "2")
	if err != nil {
		t.Fatal(err)
	}
	if inc.Status != triage.StatusActive || inc.Severity != triage.SeverityInformational ||
		inc.Classification != triage.ClassFalsePositive || inc.ClassificationReason != "InaccurateData" ||
		inc.Owner != (triage.Owner{AssignedTo: "Tier 1 queue"}) {
		t.Errorf("incident 2 = %+v", inc)
	}
	if inc.Source["status"] != "awaitingAction" || inc.Source["determination"] != "notEnoughDataToValidate" || inc.Source["severity"] != "unknown" {
		t.Errorf("Source = %v, want Graph's own words", inc.Source)
	}
	// No incidentWebUrl: the portal link is built for the tenant (the
	// custom cloud of the fake builds none).
	if inc.URL != "" {
		t.Errorf("URL %q on a custom cloud, want none built", inc.URL)
	}
	if got := workspace.DefenderPortalURL("2", defendertest.TenantID); got != "https://security.microsoft.com/incident2/2/overview?tid="+defendertest.TenantID {
		t.Errorf("PortalURL = %s", got)
	}
	for _, ref := range []string{"https://security.microsoft.com/incident2/2/overview?tid=" + defendertest.TenantID,
		"https://security.microsoft.com/incidents/2?tid=x", "/security/incidents/2"} {
		if got, err := ws.Incident(ctx, ref); err != nil || got.Number != 2 {
			t.Errorf("Incident(%q) = %d, %v; want incident 2", ref, got.Number, err)
		}
	}
	for _, ref := range []string{"x", "00000000-0000-0000-0000-000000000000", "42", "https://security.microsoft.com/incident2/x/overview"} {
		if _, err := ws.Incident(ctx, ref); !errors.Is(err, workspace.ErrNotFound) {
			t.Errorf("Incident(%q) = %v, want ErrNotFound", ref, err)
		}
	}
}

func TestRedirectFollowed(t *testing.T) {
	ws, srv := open(t, workspacetest.Records(), nil)
	srv.Redirect("2", "1")
	inc, err := ws.Incident(ctx, "2")
	if err != nil {
		t.Fatal(err)
	}
	if inc.Number != 1 || inc.Source["redirectedFrom"] != "2" {
		t.Fatalf("Incident(2) = %d from %q, want 1 from 2", inc.Number, inc.Source["redirectedFrom"])
	}
	d, err := ws.Details(ctx, inc)
	if err != nil {
		t.Fatal(err)
	}
	if !hasProblem(d.Problems, "incident 2 was merged into this one") {
		t.Errorf("problems %v do not say incident 2 was merged", d.Problems)
	}
	if len(d.Alerts) != 3 {
		t.Errorf("alerts of the survivor: %d, want 3 (its own and the merged one's)", len(d.Alerts))
	}
	if _, err := ws.PostComment(ctx, inc, "", "hello"); err != nil {
		t.Fatal(err)
	}
	if got := srv.Comments("1"); !slices.Equal(got, []string{"hello"}) || len(srv.Comments("2")) != 0 {
		t.Errorf("comments: survivor %q, merged %q; want the comment on the survivor", got, srv.Comments("2"))
	}
	srv.Redirect("3", "2")
	srv.Redirect("2", "3")
	if _, err := ws.Incident(ctx, "3"); err == nil || !strings.Contains(err.Error(), "loop") {
		t.Errorf("a redirect loop: %v, want an error saying so", err)
	}
}

func hasProblem(ps []triage.Problem, s string) bool {
	for _, p := range ps {
		if strings.Contains(p.String(), s) {
			return true
		}
	}
	return false
}

func TestDetailsKeepsGoingPastAMalformedAlert(t *testing.T) {
	ws, srv := open(t, workspacetest.Records(), nil)
	srv.Add(map[string]any{"id": "77", "displayName": "odd", "severity": "high", "status": "active",
		"createdDateTime": "2024-05-01T00:00:00Z", "lastUpdateDateTime": "2024-05-01T00:00:00Z"},
		map[string]any{"id": 5},
		map[string]any{"id": "ok-1", "title": "fine", "severity": "low", "evidence": []any{
			map[string]any{"@odata.type": "#microsoft.graph.security.ipEvidence", "ipAddress": "192.0.2.1"}}})
	inc, err := ws.Incident(ctx, "77")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ws.Details(ctx, inc)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Alerts) != 1 || d.Alerts[0].ID != "ok-1" || len(d.Alerts[0].EntityKeys) != 1 {
		t.Errorf("alerts %+v, want ok-1 with its one piece of evidence", d.Alerts)
	}
	if !hasProblem(d.Problems, "incident 77 alert 1") {
		t.Errorf("problems %v do not report the malformed alert", d.Problems)
	}
}

func TestUpdate(t *testing.T) {
	ws, srv := open(t, workspacetest.Records(), nil)
	inc, err := ws.Incident(ctx, "2")
	if err != nil {
		t.Fatal(err)
	}
	closed, fp, reason, note := triage.StatusClosed, triage.ClassFalsePositive, "InaccurateData", "not enough data"
	owner := triage.Owner{UPN: "carol@contoso.com"}
	labels := []string{"triaged", "x"}
	out, err := ws.Update(ctx, inc, workspace.Change{Status: &closed, Classification: &fp, ClassificationReason: &reason,
		ClassificationComment: &note, Owner: &owner, Labels: &labels})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := srv.Incident("2")
	if g["status"] != "resolved" || g["classification"] != "falsePositive" || g["determination"] != "notEnoughDataToValidate" ||
		g["assignedTo"] != "carol@contoso.com" || len(g["customTags"].([]any)) != 2 {
		t.Errorf("stored %v", g)
	}
	if out.Status != closed || out.Classification != fp || out.ClassificationReason != reason || out.Owner != owner {
		t.Errorf("Update returned %+v", out)
	}
	if got := srv.Comments("2"); !slices.Equal(got, []string{note}) {
		t.Errorf("comments %q, want the classification comment", got)
	}
	var patch string
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r, "PATCH") {
			patch = r
		}
	}
	if patch != "PATCH /v1.0/security/incidents/2" {
		t.Errorf("PATCH request %q", patch)
	}
	sev := triage.SeverityHigh
	if _, err := ws.Update(ctx, out, workspace.Change{Severity: &sev}); err == nil || !strings.Contains(err.Error(), "severity") {
		t.Errorf("a severity change: %v, want refused", err)
	}
}

func TestUpdateRefusesAColleaguesChange(t *testing.T) {
	ws, srv := open(t, workspacetest.Records(), nil)
	inc, err := ws.Incident(ctx, "2")
	if err != nil {
		t.Fatal(err)
	}
	srv.Touch("2", func(g map[string]any) { g["assignedTo"] = "dave@contoso.com" })
	active := triage.StatusActive
	_, err = ws.Update(ctx, inc, workspace.Change{Status: &active})
	var ce *workspace.ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, workspace.ErrConflict) {
		t.Fatalf("Update after a colleague's change = %v, want a *workspace.ConflictError", err)
	}
	if !strings.Contains(err.Error(), "dave@contoso.com") {
		t.Errorf("error %q does not say what changed", err)
	}
	if g, _ := srv.Incident("2"); g["status"] != "active" {
		t.Errorf("status %v: something was written", g["status"])
	}
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r, "PATCH") {
			t.Errorf("a PATCH was sent: %s", r)
		}
	}
	// Merged since it was read: refused too.
	inc, _ = ws.Incident(ctx, "3")
	srv.Redirect("3", "1")
	if _, err := ws.Update(ctx, inc, workspace.Change{Status: &active}); !errors.As(err, &ce) || !strings.Contains(err.Error(), "merged into incident 1") {
		t.Errorf("Update of a merged incident = %v, want a conflict naming the survivor", err)
	}
}

func TestComments(t *testing.T) {
	ws, srv := open(t, workspacetest.Records(), nil)
	inc, _ := ws.Incident(ctx, "1")
	for _, m := range []string{"first", "second"} {
		if _, err := ws.PostComment(ctx, inc, "", m); err != nil {
			t.Fatal(err)
		}
	}
	c, err := ws.PostComment(ctx, inc, "1", "again")
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == "1" {
		t.Errorf("PostComment with an existing id returned it: Graph cannot edit a comment")
	}
	cs, err := ws.Comments(ctx, inc)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, c := range cs {
		msgs = append(msgs, c.ID+":"+c.Message)
	}
	if !slices.Equal(msgs, []string{"1:first", "2:second", "3:again"}) {
		t.Errorf("comments %q", msgs)
	}
	if got := srv.Comments("1"); len(got) != 3 {
		t.Errorf("stored comments %q", got)
	}
	if _, err := ws.PostComment(ctx, inc, "", strings.Repeat("x", workspace.MaxCommentLength+1)); err == nil {
		t.Error("an over-long comment was accepted")
	}
}

func TestThrottlingAndErrors(t *testing.T) {
	ws, srv := open(t, workspacetest.Records(), func(o *defender.Options) { o.RetryBudget = 2 * time.Second })
	var n atomic.Int32
	srv.Fault = func(r *http.Request, _ []byte) *defendertest.Fault {
		if n.Add(1) == 1 {
			return &defendertest.Fault{Status: 429, Header: http.Header{"Retry-After": {"0"}}, Body: `{"error":{"code":"TooManyRequests","message":"slow down"}}`}
		}
		return nil
	}
	if _, err := ws.Incident(ctx, "1"); err != nil {
		t.Fatalf("after one 429: %v, want the retry to succeed", err)
	}
	srv.Fault = func(*http.Request, []byte) *defendertest.Fault {
		return &defendertest.Fault{Status: 429, Header: http.Header{"Retry-After": {"120"}}, Body: `{"error":{"code":"TooManyRequests","message":"slow down"}}`}
	}
	var te *workspace.ThrottledError
	if _, err := ws.Incident(ctx, "1"); !errors.As(err, &te) || te.Wait != 120*time.Second {
		t.Errorf("a long throttle: %v, want a *ThrottledError with the wait", err)
	}
	srv.Fault = func(*http.Request, []byte) *defendertest.Fault {
		return &defendertest.Fault{Status: 403, Body: `{"error":{"code":"Forbidden","message":"Missing role permissions on the request."}}`}
	}
	_, err := ws.Incident(ctx, "1")
	if !errors.Is(err, workspace.ErrUnauthorized) || !strings.Contains(err.Error(), "SecurityIncident.Read.All") || !strings.Contains(err.Error(), "Missing role permissions") {
		t.Errorf("403: %v, want ErrUnauthorized naming the permission", err)
	}
	if strings.Contains(err.Error(), "fake") {
		t.Errorf("error %q shows the token", err)
	}
}

func TestRunWithoutLogAnalytics(t *testing.T) {
	ws, _ := open(t, workspacetest.Records(), func(o *defender.Options) { o.Workspace.WorkspaceID = "" })
	_, err := ws.Run(ctx, "alerts_by_id", workspace.Params{"ids": []string{"x"}})
	var nt *workspace.NoTableError
	if !errors.As(err, &nt) || nt.Table != "SecurityAlert" || !errors.Is(err, defender.ErrNoLogAnalytics) {
		t.Errorf("Run without a workspace id = %v, want a NoTableError for SecurityAlert wrapping ErrNoLogAnalytics", err)
	}
	if _, err := ws.Run(ctx, "no_such_query", nil); !errors.Is(err, workspace.ErrNotFound) {
		t.Errorf("unknown query: %v", err)
	}
}

func TestRunThroughLogAnalytics(t *testing.T) {
	ws, _ := open(t, workspacetest.Records(), nil)
	tab, err := ws.Run(ctx, "alerts_by_id", workspace.Params{"ids": []string{workspacetest.Alert1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Rows) != 1 {
		t.Errorf("rows %v", tab.Rows)
	}
}

// A query with a hunting body goes to advanced hunting on a workspace
// without Log Analytics, and to Log Analytics on one with it; the table
// says which.
func TestRunRoutesToAdvancedHunting(t *testing.T) {
	params := workspace.Params{"names": []string{"evil.example"}, "start": time.Now().Add(-time.Hour), "end": time.Now()}
	ws, srv := open(t, workspacetest.Records(), func(o *defender.Options) { o.Workspace.WorkspaceID = "" })
	var queries []string
	srv.Fault = func(r *http.Request, body []byte) *defendertest.Fault {
		if r.URL.Path != huntingtest.Path {
			return nil
		}
		queries = append(queries, string(body))
		answer := huntingtest.Table([]huntingtest.Column{{Name: "RemoteUrl", Type: "String"}, {Name: "DeviceName", Type: "String"}, {Name: "Count", Type: "Int64"}},
			map[string]any{"RemoteUrl": "evil.example", "DeviceName": "ws1", "Count": 3})
		return &defendertest.Fault{Status: http.StatusOK, Body: string(answer.Body)}
	}
	tab, err := ws.Run(ctx, "domain_device_connections", params)
	if err != nil {
		t.Fatal(err)
	}
	if tab.Source != "advanced hunting" || len(tab.Rows) != 1 || len(queries) != 1 || !strings.Contains(queries[0], "Timestamp") {
		t.Errorf("without Log Analytics: source %q, rows %v, hunting calls %q; want one call of the hunting body", tab.Source, tab.Rows, queries)
	}

	ws, srv = open(t, workspacetest.Records(), nil)
	srv.Fault = func(r *http.Request, _ []byte) *defendertest.Fault {
		if r.URL.Path == huntingtest.Path {
			t.Errorf("advanced hunting asked though Log Analytics holds the table")
		}
		return nil
	}
	tab, err = ws.Run(ctx, "domain_device_connections", params)
	if err != nil {
		t.Fatal(err)
	}
	if tab.Source != hunting.LogAnalytics {
		t.Errorf("with Log Analytics: source %q", tab.Source)
	}
}

func TestOpenRefusesChina(t *testing.T) {
	srv := defendertest.New(t, workspacetest.Records())
	wc := srv.Workspace("x")
	wc.Cloud = "china"
	if _, err := defender.Open(defender.Options{Workspace: wc, Credential: token{}}); err == nil || !strings.Contains(err.Error(), "China") {
		t.Errorf("Open in China = %v", err)
	}
}
