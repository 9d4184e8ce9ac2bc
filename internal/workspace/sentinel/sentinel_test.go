package sentinel_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/sentinel"
	"github.com/triage-dev/triage/internal/workspace/sentinel/sentineltest"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

var ctx = context.Background()

// manyIncidents is the conformance data with extra incidents, for paging.
func manyIncidents(n int) map[string][]map[string]any {
	recs := workspacetest.Records()
	for i := 0; i < n; i++ {
		recs["SecurityIncident"] = append(recs["SecurityIncident"], map[string]any{
			"TimeGenerated": workspacetest.T0.Add(time.Duration(i) * time.Minute), "IncidentName": fmt.Sprintf("5e000000-0000-4000-8000-%012d", i),
			"IncidentNumber": 100 + i, "Title": fmt.Sprintf("Paged incident %d", i), "Severity": "Low", "Status": "New",
			"CreatedTime": workspacetest.T0.Add(time.Duration(i) * time.Minute), "AlertIds": []any{},
		})
	}
	return recs
}

func count(reqs []string, substr string) int {
	n := 0
	for _, r := range reqs {
		if strings.Contains(r, substr) {
			n++
		}
	}
	return n
}

func TestListIncidentsFollowsEveryPage(t *testing.T) {
	ws, srv := open(t, manyIncidents(9), nil)
	srv.PageSize = 3
	var got []int
	err := ws.ListIncidents(ctx, workspace.IncidentFilter{}, func(inc triage.Incident) error {
		got = append(got, inc.Number)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 13 {
		t.Fatalf("listed %d incidents (%v), want all 13", len(got), got)
	}
	if pages := count(srv.Requests(), "GET"); pages != 5 {
		t.Errorf("%d list requests, want 5 pages of 3", pages)
	}
	// Server-side filtering: a window and a severity.
	got = nil
	f := workspace.IncidentFilter{Start: workspacetest.T0, End: workspacetest.T0.Add(5 * time.Minute), Severities: []triage.Severity{triage.SeverityLow}}
	err = ws.ListIncidents(ctx, f, func(inc triage.Incident) error {
		got = append(got, inc.Number)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[104 103 102 101 100]" {
		t.Errorf("filtered listing = %v, want [104 103 102 101 100]", got)
	}
}

func TestIncidentByNumberAcrossPages(t *testing.T) {
	ws, srv := open(t, manyIncidents(9), nil)
	srv.PageSize = 1
	inc, err := ws.Incident(ctx, "3")
	if err != nil {
		t.Fatal(err)
	}
	if inc.Name != workspacetest.Incident3 || inc.ETag == "" {
		t.Errorf("incident 3 = %+v", inc)
	}
}

// throttle answers the first n requests whose path contains substr with 429
// and Retry-After: wait.
func throttle(n int32, substr, wait string) func(*http.Request, []byte) *sentineltest.Fault {
	var seen atomic.Int32
	return func(r *http.Request, _ []byte) *sentineltest.Fault {
		if !strings.Contains(r.URL.Path, substr) || seen.Add(1) > n {
			return nil
		}
		return &sentineltest.Fault{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {wait}},
			Body: `{"error":{"code":"ThrottledError","message":"Too many requests"}}`}
	}
}

func TestThrottlingWaitsAndRetries(t *testing.T) {
	var notes []string
	var mu sync.Mutex
	ws, srv := open(t, workspacetest.Records(), func(o *sentinel.Options) {
		o.Notify = func(s string) { mu.Lock(); notes = append(notes, s); mu.Unlock() }
	})
	srv.Fault = throttle(1, "/query", "1")
	q := mustQuery(t, "alerts_by_id")
	start := time.Now()
	tab, err := ws.Query(ctx, q, workspace.Params{"ids": []string{workspacetest.Alert1}})
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("retried after %s, want the 1 s Retry-After honoured", waited)
	}
	if len(tab.Rows) != 1 {
		t.Errorf("%d rows after the retry, want 1", len(tab.Rows))
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "throttled") || !strings.Contains(notes[0], "1s") {
		t.Errorf("notices = %q, want one saying throttled for 1s", notes)
	}
}

func TestThrottlingBeyondBudgetIsReported(t *testing.T) {
	ws, srv := open(t, workspacetest.Records(), func(o *sentinel.Options) { o.RetryBudget = 2 * time.Second })
	srv.Fault = throttle(100, "/incidents", "120")
	_, err := ws.Incident(ctx, workspacetest.Incident1)
	var te *workspace.ThrottledError
	if !errors.As(err, &te) {
		t.Fatalf("error = %v, want a ThrottledError", err)
	}
	if te.Wait != 120*time.Second || !strings.Contains(err.Error(), "2m0s") || !strings.Contains(err.Error(), "try again after") {
		t.Errorf("error %q (wait %s) does not report the 2-minute wait", err, te.Wait)
	}
}

func TestPartialResultIsAWarning(t *testing.T) {
	ws, srv := open(t, workspacetest.Records(), nil)
	srv.PartialQueries = true
	tab, err := ws.Query(ctx, mustQuery(t, "alerts_by_id"), workspace.Params{"ids": []string{workspacetest.Alert1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Warnings) != 1 || !strings.Contains(tab.Warnings[0], "PartialError") || !strings.Contains(tab.Warnings[0], "record count limit") {
		t.Errorf("warnings = %q, want the PartialError with its detail", tab.Warnings)
	}
	inc, err := ws.Incident(ctx, "1")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ws.Details(ctx, inc)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range d.Problems {
		found = found || strings.Contains(p.What, "partial")
	}
	if !found {
		t.Errorf("details problems %v do not say the alert rows were partial", d.Problems)
	}
	if len(d.Alerts) == 0 {
		t.Error("a partial result dropped the alerts it had")
	}
}

func TestErrorsSayWhatToDo(t *testing.T) {
	tests := []struct {
		name   string
		fault  sentineltest.Fault
		is     error
		substr string
	}{
		{"forbidden", sentineltest.Fault{Status: 403, Body: `{"error":{"code":"AuthorizationFailed","message":"The client does not have authorization"}}`},
			workspace.ErrUnauthorized, "Microsoft Sentinel Reader"},
		{"expired token", sentineltest.Fault{Status: 401, Body: `{"error":{"code":"ExpiredAuthenticationToken","message":"The access token expiry"}}`},
			workspace.ErrUnauthorized, "sign in again"},
		{"server error", sentineltest.Fault{Status: 503, Body: `{"error":{"code":"ServiceUnavailable","message":"down"}}`},
			nil, "try again later"},
		{"malformed page", sentineltest.Fault{Status: 200, Body: `{"value":[{"name":`}, nil, "page 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, srv := open(t, workspacetest.Records(), nil)
			srv.Fault = func(*http.Request, []byte) *sentineltest.Fault { return &tt.fault }
			err := ws.ListIncidents(ctx, workspace.IncidentFilter{}, func(triage.Incident) error { return nil })
			if err == nil || tt.is != nil && !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.substr) || !strings.Contains(err.Error(), "lab") {
				t.Errorf("error = %v, want one naming workspace lab and saying %q", err, tt.substr)
			}
		})
	}
	ws, _ := open(t, workspacetest.Records(), nil)
	_, err := ws.Incident(ctx, "00000000-0000-0000-0000-000000000000")
	if !errors.Is(err, workspace.ErrNotFound) {
		t.Errorf("missing incident: %v, want ErrNotFound", err)
	}
	_, err = ws.Query(ctx, &workspace.Query{Name: "adhoc", Bodies: map[workspace.Dialect]string{workspace.KQL: "SecurityAlert | where"}}, nil)
	if err == nil || !strings.Contains(err.Error(), "SyntaxError") || !strings.Contains(err.Error(), "adhoc") {
		t.Errorf("query error = %v, want the service's SyntaxError naming the query", err)
	}
}

func TestQueriesInFlightAreBounded(t *testing.T) {
	ws, srv := open(t, workspacetest.Records(), func(o *sentinel.Options) { o.Workspace.MaxConcurrentQueries = 2 })
	var now, peak atomic.Int32
	srv.Fault = func(r *http.Request, _ []byte) *sentineltest.Fault {
		if strings.HasSuffix(r.URL.Path, "/query") {
			n := now.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(30 * time.Millisecond)
			now.Add(-1)
		}
		return nil
	}
	q := mustQuery(t, "alerts_by_id")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Go(func() {
			if _, err := ws.Query(ctx, q, workspace.Params{"ids": []string{workspacetest.Alert1}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p != 2 {
		t.Errorf("peak queries in flight = %d, want 2", p)
	}
}

func TestUpdateWithEtag(t *testing.T) {
	ws, srv := open(t, workspacetest.Records(), nil)
	inc, err := ws.Incident(ctx, "2")
	if err != nil {
		t.Fatal(err)
	}
	closed, fp, reason := triage.StatusClosed, triage.ClassFalsePositive, "IncorrectAlertLogic"
	if _, err := ws.Update(ctx, inc, workspace.Change{Status: &closed}); err == nil || !strings.Contains(err.Error(), "classification") {
		t.Fatalf("closing without a classification: %v", err)
	}
	if n := count(srv.Requests(), "PUT"); n != 0 {
		t.Fatalf("%d PUTs for an invalid change, want none", n)
	}
	labels := []string{"triaged"}
	got, err := ws.Update(ctx, inc, workspace.Change{Status: &closed, Classification: &fp, ClassificationReason: &reason, Labels: &labels})
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := srv.Incident(inc.Name)
	if got.Status != closed || stored.Status != closed || stored.Classification != fp || stored.ClassificationReason != reason || fmt.Sprint(stored.Labels) != "[triaged]" {
		t.Errorf("after update: returned %+v, stored %+v", got, stored)
	}
	if got.ETag == inc.ETag {
		t.Error("the etag did not change with the update")
	}
	if stored.Title != inc.Title || stored.Severity != inc.Severity {
		t.Errorf("the update lost fields: %+v", stored)
	}

	// Someone else changes the incident between our read and our write.
	inc, _ = ws.Incident(ctx, "2")
	srv.Touch(inc.Name, func(i *triage.Incident) { i.Severity = triage.SeverityHigh })
	active := triage.StatusActive
	_, err = ws.Update(ctx, inc, workspace.Change{Status: &active})
	var ce *workspace.ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, workspace.ErrConflict) {
		t.Fatalf("stale update: %v, want a ConflictError", err)
	}
	if len(ce.Changed) != 1 || !strings.Contains(ce.Changed[0], "severity") || !strings.Contains(ce.Changed[0], "High") {
		t.Errorf("conflict says %q, want the severity change", ce.Changed)
	}
	if stored, _ := srv.Incident(inc.Name); stored.Status != closed {
		t.Errorf("a stale update overwrote the status: %s", stored.Status)
	}

	// The change lands between our check and our PUT: the service refuses it.
	inc, _ = ws.Incident(ctx, "2")
	srv.Fault = func(r *http.Request, _ []byte) *sentineltest.Fault {
		if r.Method == http.MethodPut {
			srv.Touch(inc.Name, func(i *triage.Incident) { i.Owner = triage.Owner{UPN: "mallory@contoso.com"} })
			return &sentineltest.Fault{Status: http.StatusPreconditionFailed, Body: `{"error":{"code":"PreconditionFailed","message":"etag mismatch"}}`}
		}
		return nil
	}
	_, err = ws.Update(ctx, inc, workspace.Change{Status: &active})
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "mallory") {
		t.Errorf("refused PUT: %v, want a ConflictError naming the new owner", err)
	}
}

func TestComments(t *testing.T) {
	ws, srv := open(t, workspacetest.Records(), nil)
	srv.PageSize = 2
	inc, err := ws.Incident(ctx, "1")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := 0; i < 5; i++ {
		c, err := ws.PostComment(ctx, inc, "", fmt.Sprintf("note %d <b>bold</b>", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if _, err := ws.PostComment(ctx, inc, ids[2], "replaced"); err != nil {
		t.Fatal(err)
	}
	cs, err := ws.Comments(ctx, inc)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 5 || cs[2].Message != "replaced" || cs[0].Message != "note 0 <b>bold</b>" || cs[0].Author == "" {
		t.Errorf("comments = %+v", cs)
	}
	long := strings.Repeat("é", workspace.MaxCommentLength+1)
	if _, err := ws.PostComment(ctx, inc, "", long); err == nil || !strings.Contains(err.Error(), "30000") {
		t.Errorf("over-long comment: %v", err)
	}
}

func TestDecodeExactLongsAndDynamics(t *testing.T) {
	ws, srv := open(t, workspacetest.Records(), nil)
	srv.Fault = func(r *http.Request, _ []byte) *sentineltest.Fault {
		return &sentineltest.Fault{Status: 200, Body: `{"tables":[{"name":"PrimaryResult","columns":[
			{"name":"N","type":"long"},{"name":"T","type":"datetime"},{"name":"D","type":"dynamic"},
			{"name":"B","type":"bool"},{"name":"R","type":"real"},{"name":"S","type":"string"},{"name":"Old","type":"long"}],
			"rows":[[9007199254740993,"2024-05-01T10:11:12.1234567Z","{\"a\":[1,\"x\"]}",true,1.5,"s","42"],
			        [null,"",null,"false","NaN",null,""]]}]}`}
	}
	tab, err := ws.Query(ctx, &workspace.Query{Name: "x", Bodies: map[workspace.Dialect]string{workspace.KQL: "print 1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := tab.Rows[0]
	if r[0] != int64(9007199254740993) {
		t.Errorf("long = %v (%T), want exactly 9007199254740993", r[0], r[0])
	}
	if tm, _ := r[1].(time.Time); tm.Nanosecond() != 123456700 {
		t.Errorf("datetime = %v", r[1])
	}
	if d, _ := r[2].(map[string]any); fmt.Sprint(d["a"]) != "[1 x]" {
		t.Errorf("dynamic = %#v", r[2])
	}
	if r[3] != true || r[4] != 1.5 || r[5] != "s" || r[6] != int64(42) {
		t.Errorf("row = %#v", r)
	}
	r = tab.Rows[1]
	if r[0] != nil || r[1] != nil || r[2] != nil || r[3] != false {
		t.Errorf("empty row = %#v", r)
	}
}

// fixture returns responses["200"] (or "201") .body of a spec example.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Responses map[string]struct {
			Body json.RawMessage `json:"body"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(data, &ex); err != nil || ex.Responses == nil {
		return data // a bare payload
	}
	if b, ok := ex.Responses["200"]; ok {
		return b.Body
	}
	return ex.Responses["201"].Body
}

// TestFixturePayloads runs the workspace against the service's published
// example payloads, served as they are, with the list split into three pages.
func TestFixturePayloads(t *testing.T) {
	list := fixture(t, "GetIncidents.json")
	var page map[string]any
	json.Unmarshal(list, &page)
	var srv *httptest.Server
	var apiVersions []string
	var mu sync.Mutex
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		apiVersions = append(apiVersions, r.URL.Query().Get("api-version"))
		mu.Unlock()
		p := r.URL.Path
		switch {
		case strings.HasSuffix(p, "/query"):
			w.Write(fixture(t, "az_mon_raw_query.json"))
		case strings.HasSuffix(p, "/alerts"):
			w.Write(fixture(t, "GetAllIncidentAlerts.json"))
		case strings.HasSuffix(p, "/entities"):
			w.Write(fixture(t, "GetAllIncidentEntities.json"))
		case strings.HasSuffix(p, "/incidents"):
			tok := r.URL.Query().Get("$skipToken")
			if tok == "3" {
				w.Write(list) // the last page has no nextLink
				return
			}
			next := map[string]string{"": "2", "2": "3"}[tok]
			page["nextLink"] = srv.URL + p + "?api-version=2025-09-01&$skipToken=" + next
			json.NewEncoder(w).Encode(page)
		default:
			w.Write(fixture(t, "GetIncidentById.json"))
		}
	}))
	defer srv.Close()
	cat, _ := workspace.LoadCatalog("")
	wc := sentineltest.New(t, nil).Workspace("fixtures")
	wc.Endpoints.ResourceManager, wc.Endpoints.LogAnalytics = srv.URL, srv.URL
	ws, err := sentinel.Open(sentinel.Options{Workspace: wc, Credential: token{}, Catalog: cat, Transport: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	var incs []triage.Incident
	err = ws.ListIncidents(ctx, workspace.IncidentFilter{}, func(inc triage.Incident) error {
		incs = append(incs, inc)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(incs) != 3 || incs[0].Number != 3177 || incs[0].Owner.UPN != "john@contoso.com" || incs[0].ETag == "" || incs[0].Classification != triage.ClassFalsePositive {
		t.Fatalf("listed %d incidents over three pages: %+v", len(incs), incs)
	}
	for _, v := range apiVersions {
		if v != sentinel.APIVersion {
			t.Errorf("a request carried api-version %q", v)
		}
	}
	d, err := ws.Details(ctx, incs[0])
	if err != nil {
		t.Fatal(err)
	}
	// The alert API names an alert the SecurityAlert rows do not hold: it is
	// kept from the API and the gap is a problem; the entity API's account is there.
	if len(d.Alerts) != 1 || d.Alerts[0].Name != "myAlert" || d.Alerts[0].Severity != triage.SeverityLow {
		t.Errorf("alerts = %+v", d.Alerts)
	}
	var account bool
	for _, e := range d.Entities {
		account = account || e.Kind == triage.KindAccount && e.Prop("accountName") == "administrator"
	}
	if !account {
		t.Errorf("entities %+v lack the API's administrator account", d.Entities)
	}
	if len(d.Problems) == 0 || !strings.Contains(d.Problems[0].What, "no SecurityAlert row") {
		t.Errorf("problems = %v", d.Problems)
	}
}

func mustQuery(t *testing.T, name string) *workspace.Query {
	t.Helper()
	cat, err := workspace.LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	q, err := cat.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// TestDetailsSurviveAFailingSource: the entities API fails, the alerts API
// and the SecurityAlert rows still give the incident's alerts and entities.
func TestDetailsSurviveAFailingSource(t *testing.T) {
	ws, srv := open(t, workspacetest.Records(), nil)
	inc, err := ws.Incident(ctx, "1")
	if err != nil {
		t.Fatal(err)
	}
	srv.Fault = func(r *http.Request, _ []byte) *sentineltest.Fault {
		if strings.HasSuffix(r.URL.Path, "/entities") {
			return &sentineltest.Fault{Status: 400, Body: `{"error":{"code":"BadRequest","message":"entities are unavailable"}}`}
		}
		return nil
	}
	d, err := ws.Details(ctx, inc)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Alerts) == 0 || len(d.Entities) == 0 {
		t.Errorf("details = %+v, want the alerts and entities the other sources gave", d)
	}
	found := false
	for _, p := range d.Problems {
		found = found || strings.Contains(p.What, "entities are unavailable")
	}
	if !found {
		t.Errorf("problems %v do not report the failing entities API", d.Problems)
	}
}
