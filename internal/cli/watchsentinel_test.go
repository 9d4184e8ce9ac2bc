package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/history"
	"github.com/triage-dev/triage/internal/report/comment"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace/sentinel/sentineltest"
)

// The tests of this file run triage watch, in-process through its
// command, against the fake Sentinel service (sentineltest: TLS, paging,
// faults, etags) as a workspace configured in triage.yaml: kind sentinel,
// its endpoints the fake's, signing in with the Azure CLI (a fake az on
// PATH). The TLS client that trusts the fake's certificate is the one
// thing set in the code (azureTransport).

var trustFake sync.Once

// sentinelLab is a fake Sentinel holding recs and the configuration that
// points workspace "lab" at it.
type sentinelLab struct {
	srv     *sentineltest.Server
	cfg     string // triage.yaml
	dataDir string
}

// newSentinelLab starts a fake service holding recs, with pages of two
// incidents, and writes a triage.yaml whose default workspace, lab, is it.
// extra is added to the workspace's settings (indented YAML lines).
func newSentinelLab(t *testing.T, recs map[string][]map[string]any, extra string) *sentinelLab {
	t.Helper()
	trustFake.Do(func() {
		// Every httptest TLS server has the same certificate: a client
		// of one trusts them all.
		s := httptest.NewTLSServer(http.NotFoundHandler())
		azureTransport = s.Client()
		s.Close()
	})
	srv := sentineltest.New(t, recs)
	srv.PageSize = 2
	dir := t.TempDir()
	az := "#!/bin/sh\necho '{\"accessToken\":\"cli-token\",\"expiresOn\":\"2099-01-01 00:00:00.000000\",\"expires_on\":4070908800,\"tenant\":\"t\",\"tokenType\":\"Bearer\"}'\n"
	if err := os.WriteFile(filepath.Join(dir, "az"), []byte(az), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	wc := srv.Workspace("lab")
	dataDir := filepath.Join(dir, "data")
	yaml := fmt.Sprintf(`data_dir: %s
default_workspace: lab
workspaces:
  lab:
    kind: sentinel
    cloud: custom
    endpoints:
      resource_manager: %s
      log_analytics: %s
    tenant_id: %s
    subscription_id: %s
    resource_group: %s
    workspace_name: %s
    workspace_id: %s
    auth: {method: cli}
%s`, dataDir, srv.URL, srv.URL, wc.TenantID, wc.SubscriptionID, wc.ResourceGroup, wc.WorkspaceName, wc.WorkspaceID, extra)
	cfg := filepath.Join(dir, "triage.yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return &sentinelLab{srv: srv, cfg: cfg, dataDir: dataDir}
}

// watch runs triage watch on the lab with args, in ctx, on the real
// clock (the fake stamps changes with it), and returns its stderr and exit
// code.
func (l *sentinelLab) watch(ctx context.Context, args ...string) (string, int) {
	var out, errb lockedBuffer
	s := &IO{
		Out: &out, Err: &errb, Now: time.Now,
		ConfigOptions: func(path string) config.LoadOptions {
			return config.LoadOptions{ConfigPath: path, UserCacheDir: testCacheDir}
		},
	}
	code := Run(ctx, s, append([]string{"--config", l.cfg, "watch"}, args...))
	return errb.String(), code
}

// summaries returns the triage summary comments of incident name.
func (l *sentinelLab) summaries(name string) []string {
	var out []string
	for _, c := range l.srv.Comments(name) {
		if comment.IsSummary(c) {
			out = append(out, c)
		}
	}
	return out
}

// records returns the recorded triages of incident name.
func (l *sentinelLab) records(t *testing.T, name string) []history.Record {
	t.Helper()
	st, err := history.Open(context.Background(), filepath.Join(l.dataDir, history.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	recs, err := st.List(context.Background(), "lab", name)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// labName is the name (GUID) of lab incident n.
func labName(n int) string { return fmt.Sprintf("7a000000-0000-4000-8000-%012d", n) }

// labAlert is the SecurityAlert record of alert id, naming address ip,
// raised at.
func labAlert(id, name, severity, ip string, at time.Time) map[string]any {
	return map[string]any{
		"TimeGenerated": at, "SystemAlertId": id, "DisplayName": name, "AlertName": name,
		"AlertSeverity": severity, "Description": "The description of " + name,
		"ProviderName": "ASI Scheduled Alerts", "VendorName": "Microsoft", "ProductName": "Azure Sentinel",
		"StartTime": at.Add(-time.Minute), "EndTime": at, "Status": "New", "Tactics": "InitialAccess",
		"Entities": `[{"$id":"1","Address":"` + ip + `","Type":"ip"}]`, "IsIncident": false,
	}
}

// labIncidents returns n incidents (numbers 1 to n), created and last
// modified an hour apart before now (incident n the latest), each with
// one alert naming its own address; and incident 100, created and last
// modified thirty days ago, outside a one-day window.
func labIncidents(n int, now time.Time) map[string][]map[string]any {
	recs := map[string][]map[string]any{}
	add := func(number int, created time.Time) {
		alert := fmt.Sprintf("a7000000-0000-4000-8000-%012d", number)
		sev := []string{"High", "Medium", "Low"}[number%3]
		recs["SecurityIncident"] = append(recs["SecurityIncident"], map[string]any{
			"TimeGenerated": created, "IncidentName": labName(number), "IncidentNumber": number,
			"Title": fmt.Sprintf("Lab incident %d", number), "Severity": sev, "Status": "New",
			"CreatedTime": created, "FirstActivityTime": created.Add(-time.Minute), "LastActivityTime": created,
			"LastModifiedTime": created, "AlertIds": []any{alert}, "ProviderName": "Azure Sentinel",
			"AdditionalData": map[string]any{"alertsCount": 1},
		})
		recs["SecurityAlert"] = append(recs["SecurityAlert"],
			labAlert(alert, fmt.Sprintf("Alert of incident %d", number), sev, fmt.Sprintf("203.0.113.%d", number%250+1), created.Add(-time.Minute)))
	}
	for i := 1; i <= n; i++ {
		add(i, now.Add(-time.Duration(n-i+1)*time.Hour))
	}
	add(100, now.Add(-30*24*time.Hour))
	return recs
}

// triagedNumbers returns the incident numbers the log says were triaged.
func triagedNumbers(errOut string) []int {
	var out []int
	for _, l := range logLines(errOut, "triaged") {
		var n int
		if i := strings.Index(l, " incident="); i >= 0 {
			fmt.Sscanf(l[i+len(" incident="):], "%d", &n)
		}
		out = append(out, n)
	}
	return out
}

// since returns the requests of reqs after the first n, as "METHOD kind":
// list, get, put, comments, comment, alerts, entities, query.
func since(reqs []string, n int) []string {
	var out []string
	for _, r := range reqs[n:] {
		method, path, _ := strings.Cut(r, " ")
		kind := "query"
		if i := strings.Index(path, "/incidents"); i >= 0 {
			parts := strings.Split(strings.Trim(path[i:], "/"), "/")
			switch len(parts) {
			case 1:
				kind = "list"
			case 2:
				kind = map[string]string{"GET": "get", "PUT": "put"}[method]
			case 3:
				kind = parts[2]
			default:
				kind = "comment"
			}
		}
		out = append(out, method+" "+kind)
	}
	return out
}

// faults is a fake's Fault made of several: the first that answers a
// request with a fault gives it.
func faults(fs ...func(*http.Request, []byte) *sentineltest.Fault) func(*http.Request, []byte) *sentineltest.Fault {
	return func(r *http.Request, body []byte) *sentineltest.Fault {
		for _, f := range fs {
			if x := f(r, body); x != nil {
				return x
			}
		}
		return nil
	}
}

// throttleFirstList answers the first list request of incidents with 429
// and Retry-After: 1, as Sentinel throttles.
func throttleFirstList() func(*http.Request, []byte) *sentineltest.Fault {
	var once sync.Once
	return func(r *http.Request, _ []byte) *sentineltest.Fault {
		var f *sentineltest.Fault
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/incidents") {
			once.Do(func() {
				f = &sentineltest.Fault{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"1"}},
					Body: `{"error":{"code":"TooManyRequests","message":"Rate limit exceeded"}}`}
			})
		}
		return f
	}
}

// The checks, in order, on one fake Sentinel: a pass over a
// window that takes several pages, throttled once, triages every incident
// of the window and leaves one summary comment on each; a second pass
// with nothing changed asks for the list and nothing else; an incident
// that gains an alert is triaged alone and its comment replaced; an
// incident created before the window and changed now is triaged.
func TestWatchSentinel(t *testing.T) {
	now := time.Now().UTC()
	lab := newSentinelLab(t, labIncidents(7, now), "")
	srv := lab.srv
	// Throttled once as it lists, and a colleague changes incident 5 (takes
	// it, raises it to High) just before the watch's label write.
	srv.Fault = faults(throttleFirstList(), colleagueOnLabel(srv, labName(5), 1))
	ctx := context.Background()
	watch := func(what string) (string, []string) {
		t.Helper()
		n := len(srv.Requests())
		errOut, code := lab.watch(ctx, "--once", "--post", "--label", "triaged", "--window", "1d")
		if code != ExitOK {
			t.Fatalf("%s: exit %d:\n%s", what, code, errOut)
		}
		return errOut, since(srv.Requests(), n)
	}

	errOut, reqs := watch("first pass")
	if got := triagedNumbers(errOut); len(got) != 7 {
		t.Errorf("first pass triaged %v, want the window's 7 incidents:\n%s", got, errOut)
	}
	if n := strings.Count(strings.Join(reqs, "\n"), "GET list"); n < 5 {
		t.Errorf("first pass: %d list requests, want 4 pages of 2 and the one throttled", n)
	}
	for i := 1; i <= 7; i++ {
		if s := lab.summaries(labName(i)); len(s) != 1 || !strings.Contains(s[0], fmt.Sprintf("Lab incident %d", i)) {
			t.Errorf("incident %d: %d summary comments, want 1 of it", i, len(s))
		}
		if inc, _ := srv.Incident(labName(i)); strings.Join(inc.Labels, ",") != "triaged" {
			t.Errorf("incident %d: labels %v, want triaged", i, inc.Labels)
		}
		if recs := lab.records(t, labName(i)); len(recs) != 1 {
			t.Errorf("incident %d: %d triages recorded, want 1", i, len(recs))
		}
	}
	if n := len(srv.Comments(labName(100))); n != 0 {
		t.Errorf("incident 100, created before the window, has %d comments", n)
	}
	if inc, _ := srv.Incident(labName(5)); inc.Owner.AssignedTo != "Alice Smith" || inc.Severity != triage.SeverityHigh {
		t.Errorf("the colleague's change to incident 5 was overwritten: owner %+v, severity %s", inc.Owner, inc.Severity)
	}
	if l := logLines(errOut, "changed by someone else while labelling; labelling it as it now stands"); len(l) != 1 || !strings.Contains(l[0], "incident=5") {
		t.Errorf("the colleague's change to incident 5 is not logged:\n%s", errOut)
	}

	// Nothing changed, not even by the first pass's own comments and
	// labels: the service is asked for the list, and nothing else.
	errOut, reqs = watch("second pass")
	if got := triagedNumbers(errOut); len(got) != 0 {
		t.Errorf("second pass triaged %v again:\n%s", got, errOut)
	}
	for _, r := range reqs {
		if r != "GET list" {
			t.Errorf("second pass asked the service %v, want list requests only", reqs)
			break
		}
	}

	// Incident 3 gains an alert: it alone is triaged, and its comment
	// replaced.
	before := lab.summaries(labName(3))
	srv.AddAlert(t, labName(3), labAlert("a7000000-0000-4000-8000-000000000333", "Impossible travel", "High", "198.51.100.33", now))
	errOut, _ = watch("third pass")
	if got := triagedNumbers(errOut); fmt.Sprint(got) != "[3]" {
		t.Errorf("third pass triaged %v, want [3]:\n%s", got, errOut)
	}
	after := lab.summaries(labName(3))
	if len(after) != 1 || after[0] == before[0] || !strings.Contains(after[0], "Impossible travel") {
		t.Errorf("incident 3's summary was not replaced: %d summaries:\n%s", len(after), strings.Join(after, "\n---\n"))
	}
	if recs := lab.records(t, labName(3)); len(recs) != 2 {
		t.Errorf("incident 3: %d triages recorded, want 2", len(recs))
	}
	// Replaced means edited: both passes wrote the one comment, by its id.
	var puts []string
	for _, r := range srv.Requests() {
		if method, path, _ := strings.Cut(r, " "); method == http.MethodPut && strings.Contains(path, labName(3)+"/comments/") {
			puts = append(puts, path)
		}
	}
	if len(puts) != 2 || puts[0] != puts[1] {
		t.Errorf("incident 3's comment writes %v, want two of one comment", puts)
	}

	// Incident 100, created thirty days ago, is reopened by an analyst:
	// a pass lists what changed, however old, and triages it.
	srv.Touch(labName(100), func(inc *triage.Incident) { inc.Status = "Active" })
	errOut, _ = watch("fourth pass")
	if got := triagedNumbers(errOut); fmt.Sprint(got) != "[100]" {
		t.Errorf("fourth pass triaged %v, want [100]:\n%s", got, errOut)
	}
	if s := lab.summaries(labName(100)); len(s) != 1 {
		t.Errorf("incident 100: %d summary comments, want 1", len(s))
	}

	// Closed, incident 100 is left alone: it is from before the window.
	// Incident 7, of the window, is triaged again when closed.
	for _, n := range []int{100, 7} {
		srv.Touch(labName(n), func(inc *triage.Incident) {
			inc.Status, inc.Classification = triage.StatusClosed, triage.Classification("BenignPositive")
		})
	}
	errOut, _ = watch("fifth pass")
	if got := triagedNumbers(errOut); fmt.Sprint(got) != "[7]" {
		t.Errorf("fifth pass triaged %v, want [7]:\n%s", got, errOut)
	}
}

// colleagueOnLabel makes a colleague change incident name (take it,
// raise it to High) just before the watch's label write reaches the
// fake, times times: the write carries the etag read before, and is
// refused.
func colleagueOnLabel(srv *sentineltest.Server, name string, times int) func(*http.Request, []byte) *sentineltest.Fault {
	var mu sync.Mutex
	return func(r *http.Request, _ []byte) *sentineltest.Fault {
		if r.Method != http.MethodPut || !strings.HasSuffix(strings.ToLower(r.URL.Path), "/incidents/"+name) {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if times > 0 {
			times--
			srv.Touch(name, func(inc *triage.Incident) {
				inc.Owner = triage.Owner{AssignedTo: "Alice Smith", UPN: "alice@contoso.example"}
				inc.Severity = triage.SeverityHigh
			})
		}
		return nil
	}
}

// A colleague's change between the watch's read and its label write is
// not overwritten: the write is refused (etag), the watch reads the
// incident again and labels it as it now stands, and says so. Changed on
// every try, the label fails and the failure is reported.
func TestWatchSentinelColleagueEdit(t *testing.T) {
	now := time.Now().UTC()
	for _, tt := range []struct {
		name     string
		times    int
		code     int
		labelled bool
	}{
		{"once", 1, ExitOK, true},
		{"on every try", 100, ExitError, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lab := newSentinelLab(t, labIncidents(1, now), "")
			lab.srv.Fault = colleagueOnLabel(lab.srv, labName(1), tt.times)
			errOut, code := lab.watch(context.Background(), "--once", "--post", "--label", "triaged", "--window", "1d")
			if code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tt.code, errOut)
			}
			inc, _ := lab.srv.Incident(labName(1))
			if inc.Owner.AssignedTo != "Alice Smith" || inc.Severity != triage.SeverityHigh {
				t.Errorf("the colleague's change was overwritten: owner %+v, severity %s", inc.Owner, inc.Severity)
			}
			if got := strings.Join(inc.Labels, ","); (got == "triaged") != tt.labelled {
				t.Errorf("labels %q; labelled: want %v", got, tt.labelled)
			}
			if l := logLines(errOut, "changed by someone else while labelling; labelling it as it now stands"); len(l) != 1 || !strings.Contains(l[0], "incident=1") {
				t.Errorf("the colleague's change is not reported:\n%s", errOut)
			}
			if !tt.labelled {
				l := logLines(errOut, "triage failed")
				if len(l) != 1 || !strings.Contains(l[0], "label the incident") || !strings.Contains(l[0], "changed") {
					t.Errorf("the failed label is not reported:\n%s", errOut)
				}
			}
			if s := lab.summaries(labName(1)); len(s) != 1 {
				t.Errorf("%d summary comments, want 1", len(s))
			}
			if tt.labelled {
				// Labelled as it stood, the incident is current: the next
				// pass leaves it.
				lab.srv.Fault = nil
				if errOut, _ := lab.watch(context.Background(), "--once", "--post", "--label", "triaged", "--window", "1d"); len(triagedNumbers(errOut)) != 0 {
					t.Errorf("the next pass triaged it again:\n%s", errOut)
				}
			}
		})
	}
}

// Two watches on one data directory, at once, triage each incident once
// and leave one summary comment on each.
func TestWatchSentinelTwoWatches(t *testing.T) {
	lab := newSentinelLab(t, labIncidents(6, time.Now().UTC()), "")
	var outs [2]string
	var codes [2]int
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() { outs[i], codes[i] = lab.watch(context.Background(), "--once", "--post", "--window", "1d") })
	}
	wg.Wait()
	var triaged []int
	for i := range 2 {
		if codes[i] != ExitOK {
			t.Errorf("watch %d: exit %d:\n%s", i, codes[i], outs[i])
		}
		triaged = append(triaged, triagedNumbers(outs[i])...)
	}
	if len(triaged) != 6 {
		t.Errorf("%d triages of 6 incidents (%v):\n%s\n%s", len(triaged), triaged, outs[0], outs[1])
	}
	for i := 1; i <= 6; i++ {
		if recs := lab.records(t, labName(i)); len(recs) != 1 {
			t.Errorf("incident %d: %d triages recorded, want 1", i, len(recs))
		}
		if s := lab.summaries(labName(i)); len(s) != 1 {
			t.Errorf("incident %d: %d summary comments, want 1", i, len(s))
		}
	}
}

// A watch stopped (SIGTERM: its context cancelled) in the middle of a
// triage posts nothing of it and starts no other; stopped as it posts a
// summary, it finishes that one comment, whole, and starts nothing more.
func TestWatchSentinelStopped(t *testing.T) {
	for _, tt := range []struct {
		name string
		at   func(r *http.Request) bool // the request the stop comes with
		want int                        // summary comments left
	}{
		{"in a triage", func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/query") }, 0},
		{"in a post", func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/comments/")
		}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lab := newSentinelLab(t, labIncidents(3, time.Now().UTC()), "")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var once sync.Once
			lab.srv.Fault = func(r *http.Request, _ []byte) *sentineltest.Fault {
				if tt.at(r) {
					once.Do(func() {
						cancel()
						time.Sleep(50 * time.Millisecond) // the stop lands while the request is out
					})
				}
				return nil
			}
			errOut, code := lab.watch(ctx, "--post", "--label", "triaged", "--window", "1d", "--interval", "1h")
			if code != ExitOK && code != ExitInterrupt {
				t.Errorf("exit %d:\n%s", code, errOut)
			}
			if len(logLines(errOut, "stopped")) != 1 || len(logLines(errOut, "triage failed")) != 0 {
				t.Errorf("the log does not say the triage in flight was stopped (and only that):\n%s", errOut)
			}
			comments, labelled := 0, 0
			for i := 1; i <= 3; i++ {
				for _, s := range lab.summaries(labName(i)) {
					comments++
					if !strings.Contains(s, fmt.Sprintf("Lab incident %d", i)) || !strings.Contains(s, "## How the triage went") {
						t.Errorf("incident %d: a partial summary:\n%s", i, s)
					}
				}
				if inc, _ := lab.srv.Incident(labName(i)); len(inc.Labels) > 0 {
					labelled++
				}
			}
			if comments != tt.want || labelled != 0 {
				t.Errorf("%d summary comments and %d labels; want %d and none:\n%s", comments, labelled, tt.want, errOut)
			}
		})
	}
}

// The scale: a pass over a workspace with 10,000 incidents in the
// window, 10 of them changed since the cursor, asks the service for those
// 10 (one list request) and triages them, not the queue.
func TestWatchSentinelScale(t *testing.T) {
	now := time.Now().UTC()
	recs := labIncidents(10, now) // 1-10, changed an hour apart before now
	for i := 1; i <= 10_000-10; i++ {
		at := now.Add(-20*time.Hour + time.Duration(i)*time.Second)
		recs["SecurityIncident"] = append(recs["SecurityIncident"], map[string]any{
			"TimeGenerated": at, "IncidentName": fmt.Sprintf("7b000000-0000-4000-8000-%012d", i), "IncidentNumber": 1000 + i,
			"Title": "Quiet incident", "Severity": "Low", "Status": "New", "CreatedTime": at, "LastModifiedTime": at,
			"AlertIds": []any{}, "AdditionalData": map[string]any{"alertsCount": 0},
		})
	}
	lab := newSentinelLab(t, recs, "")
	lab.srv.PageSize = 50
	// A watch has been over them: its cursor is just before the 10 changes.
	st, err := history.Open(context.Background(), filepath.Join(lab.dataDir, history.FileName))
	if err != nil {
		t.Fatal(err)
	}
	err = st.SetCursor(context.Background(), "lab", now.Add(-10*time.Hour-time.Minute).Add(cursorOverlap))
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	n := len(lab.srv.Requests())
	errOut, code := lab.watch(context.Background(), "--once", "--window", "1d")
	if code != ExitOK {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if got := triagedNumbers(errOut); len(got) != 10 {
		t.Errorf("triaged %v, want the 10 changed", got)
	}
	if listed := lab.srv.Listed(); listed != 10 {
		t.Errorf("the service sent %d incidents, want the 10 changed", listed)
	}
	if lists := strings.Count(strings.Join(since(lab.srv.Requests(), n), "\n"), "GET list"); lists != 1 {
		t.Errorf("%d list requests, want 1", lists)
	}
}

// Log Analytics' limit of queries in flight per user holds across every
// incident a watch triages: the watch's triages share the workspace, and
// with it its slots (max_concurrent_queries, here 2).
func TestWatchSentinelQueriesInFlight(t *testing.T) {
	lab := newSentinelLab(t, labIncidents(4, time.Now().UTC()), "    max_concurrent_queries: 2\n")
	var mu sync.Mutex
	inFlight, most := 0, 0
	lab.srv.Fault = func(r *http.Request, _ []byte) *sentineltest.Fault {
		if !strings.HasSuffix(r.URL.Path, "/query") {
			return nil
		}
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond) // the query is out: its slot is held
		mu.Lock()
		inFlight--
		mu.Unlock()
		return nil
	}
	errOut, code := lab.watch(context.Background(), "--once", "--window", "1d")
	if code != ExitOK {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if got := triagedNumbers(errOut); len(got) != 4 {
		t.Errorf("triaged %v, want 4 incidents", got)
	}
	if most != 2 {
		t.Errorf("at most %d queries in flight, want 2 (the limit, reached)", most)
	}
}

// Throttled on the first request of each kind a pass reads and writes
// with (the incident, its label write, its comments, its summary, the log
// queries; the list is throttled in TestWatchSentinel) with 429 and
// Retry-After-Ms, a pass waits as asked and triages every incident, posting
// one summary and one label on each.
func TestWatchSentinelThrottledEverywhere(t *testing.T) {
	lab := newSentinelLab(t, labIncidents(3, time.Now().UTC()), "")
	kinds := []string{"GET get", "PUT put", "GET comments", "PUT comment", "POST query"}
	var mu sync.Mutex
	throttled := map[string]bool{}
	lab.srv.Fault = func(r *http.Request, _ []byte) *sentineltest.Fault {
		kind := since([]string{r.Method + " " + r.URL.Path}, 0)[0]
		mu.Lock()
		defer mu.Unlock()
		if throttled[kind] || !slices.Contains(kinds, kind) {
			return nil
		}
		throttled[kind] = true
		// Azure's header in milliseconds, which the SDK prefers: a second
		// each would make the test long.
		return &sentineltest.Fault{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After-Ms": {"200"}},
			Body: `{"error":{"code":"TooManyRequests","message":"Rate limit exceeded"}}`}
	}
	errOut, code := lab.watch(context.Background(), "--once", "--post", "--label", "triaged", "--window", "1d")
	if code != ExitOK {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if got := triagedNumbers(errOut); len(got) != 3 {
		t.Errorf("triaged %v, want 3 incidents:\n%s", got, errOut)
	}
	for i := 1; i <= 3; i++ {
		if s := lab.summaries(labName(i)); len(s) != 1 {
			t.Errorf("incident %d: %d summary comments, want 1", i, len(s))
		}
		if inc, _ := lab.srv.Incident(labName(i)); strings.Join(inc.Labels, ",") != "triaged" {
			t.Errorf("incident %d: labels %v, want triaged", i, inc.Labels)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, kind := range kinds {
		if !throttled[kind] {
			t.Errorf("no %s request was throttled (throttled: %v)", kind, throttled)
		}
	}
}

// A summary the service refused is posted by the next pass: the triage is
// recorded, but not as current until its writes are made, so the incident
// is not left without its comment (or its label) because it was triaged.
func TestWatchSentinelRetriesAFailedPost(t *testing.T) {
	for _, tt := range []struct {
		name string
		at   func(r *http.Request) bool // the write refused, once
	}{
		{"comment", func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/comments/")
		}},
		{"label", func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.HasSuffix(strings.ToLower(r.URL.Path), "/incidents/"+labName(1))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lab := newSentinelLab(t, labIncidents(1, time.Now().UTC()), "")
			var once sync.Once
			lab.srv.Fault = func(r *http.Request, _ []byte) *sentineltest.Fault {
				var f *sentineltest.Fault
				if tt.at(r) {
					once.Do(func() {
						f = &sentineltest.Fault{Status: http.StatusBadRequest, Body: `{"error":{"code":"BadRequest","message":"refused"}}`}
					})
				}
				return f
			}
			args := []string{"--once", "--post", "--label", "triaged", "--window", "1d"}
			if errOut, code := lab.watch(context.Background(), args...); code != ExitError || len(logLines(errOut, "triage failed")) != 1 {
				t.Fatalf("first pass: exit %d, want %d and the failure logged:\n%s", code, ExitError, errOut)
			}
			errOut, code := lab.watch(context.Background(), args...)
			if code != ExitOK || fmt.Sprint(triagedNumbers(errOut)) != "[1]" {
				t.Errorf("second pass: exit %d, triaged %v; want 1 triaged again:\n%s", code, triagedNumbers(errOut), errOut)
			}
			if s := lab.summaries(labName(1)); len(s) != 1 {
				t.Errorf("%d summary comments, want 1", len(s))
			}
			if inc, _ := lab.srv.Incident(labName(1)); strings.Join(inc.Labels, ",") != "triaged" {
				t.Errorf("labels %v, want triaged", inc.Labels)
			}
			// Done, it is left alone.
			if errOut, _ := lab.watch(context.Background(), args...); len(triagedNumbers(errOut)) != 0 {
				t.Errorf("third pass triaged it again:\n%s", errOut)
			}
		})
	}
}
