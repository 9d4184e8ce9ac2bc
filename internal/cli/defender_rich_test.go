package cli

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/workspace/defender/defendertest"
	"github.com/triage-dev/triage/internal/workspace/hunting/huntingtest"
)

// fakeVirusTotal is a VirusTotal that knows nothing, recording what it was
// asked (its paths name the indicators).
type fakeVirusTotal struct {
	*httptest.Server
	mu    sync.Mutex
	asked []string
}

func newFakeVirusTotal(t *testing.T) *fakeVirusTotal {
	f := &fakeVirusTotal{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.asked = append(f.asked, r.URL.Path)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":{"code":"NotFoundError","message":"not found"}}`)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeVirusTotal) paths() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.asked)
}

// richReport is what the rich incident's tests read of a JSON report.
type richReport struct {
	Incident struct {
		Name   string            `json:"name"`
		Source map[string]string `json:"source"`
	} `json:"incident"`
	Alerts []struct {
		ID string `json:"id"`
	} `json:"alerts"`
	Entities []struct {
		Key        string         `json:"key"`
		Kind       string         `json:"kind"`
		Properties map[string]any `json:"properties"`
		Alerts     []string       `json:"alerts"`
	} `json:"entities"`
	TI struct {
		Severity string `json:"severity"`
		Reasons  []struct {
			Indicator, Provider, Severity, Summary string
		} `json:"reasons"`
		Results []struct {
			Indicator, Provider, Status, Severity, Reason string
		} `json:"results"`
	} `json:"ti"`
	Sections []struct {
		Name, Status, Reason string
	} `json:"sections"`
	Summaries []struct {
		Kind, Name string
		Sections   []struct {
			Name, Source, Status, Reason string
			Table                        *struct {
				Rows [][]string `json:"rows"`
			} `json:"table"`
		} `json:"sections"`
	} `json:"summaries"`
	Problems []struct{ Where, What string } `json:"problems"`
}

func parseRich(t *testing.T, out string) richReport {
	t.Helper()
	var r richReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("run --format json: %v\n%.500s", err, out)
	}
	return r
}

// entity returns the report's entities of key (any case), with how many
// there are.
func (r richReport) entity(key string) (map[string]any, []string, int) {
	var props map[string]any
	var alerts []string
	n := 0
	for _, e := range r.Entities {
		if strings.EqualFold(e.Key, key) {
			props, alerts = e.Properties, e.Alerts
			n++
		}
	}
	return props, alerts, n
}

func (r richReport) section(name string) (status, reason string) {
	for _, s := range r.Sections {
		if s.Name == name {
			return s.Status, s.Reason
		}
	}
	return "", ""
}

// The check, end to end through the binary against the fake
// Graph: the richest incident triaged (evidence of every kind merged by
// identity, Defender's verdicts per entity and in the verdict), its public
// indicators sent to threat intel and never its private address, a merged
// incident followed, a comment posted.
func TestDefenderRichIncident(t *testing.T) {
	vt := newFakeVirusTotal(t)
	e := newDefenderEnvWith(t, defenderEnvOptions{intel: "providers:\n  virustotal:\n    api_key: vt-test-key\n    base_url: " + vt.URL +
		"\n    quota: {per_minute: 100}\n"})
	inc, alerts := defendertest.Rich("77", time.Now().Add(-2*time.Hour))
	e.srv.Add(inc, alerts...)

	out, errOut, code := e.run(t, "run", "77", "--format", "json", "--provider", "virustotal")
	// Partial at most: RDAP and DNS cannot reach out from the test.
	if code != ExitOK && code != ExitPartial {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	r := parseRich(t, out)
	if len(r.Alerts) != 2 {
		t.Errorf("%d alerts, want 2", len(r.Alerts))
	}

	// Every kind, each entity once, merged across the alerts and the
	// shapes that name it (a process's user and image file, a malware's
	// file, a message's sender address, a connection's addresses).
	both := []string{"da77endpoint", "fa77email"}
	for key, inBoth := range map[string]bool{
		"Host:" + defendertest.RichDeviceFQDN:                                            true,
		"Account:" + defendertest.RichUserUPN:                                            true,
		"Ip:" + defendertest.RichPublicIP:                                                true,
		"Ip:" + defendertest.RichPrivateIP:                                               false,
		"Url:" + defendertest.RichURL:                                                    false,
		"FileHash:" + defendertest.RichSHA256:                                            false,
		"FileHash:" + defendertest.RichSHA1:                                              false,
		"FileHash:" + defendertest.RichMD5:                                               false,
		`File:c:\users\jdoe\appdata\local\temp\payload.exe`:                              false,
		"Mailbox:" + defendertest.RichUserUPN:                                            false,
		"CloudApplication:11161":                                                         false,
		"AzureResource:" + defendertest.RichAzureVM:                                      false,
		"RegistryKey:hkey_current_user\\" + defendertest.RichRegistryKey:                 false,
		"RegistryValue:hkey_current_user\\" + defendertest.RichRegistryKey + "\\updater": false,
		"DnsResolution:cdn-update.example.net":                                           false,
	} {
		_, as, n := r.entity(key)
		if n != 1 {
			t.Errorf("entity %s appears %d times, want once", key, n)
		} else if inBoth && !slices.Equal(sortedCopy(as), both) {
			t.Errorf("entity %s is linked to alerts %v, want both", key, as)
		}
	}
	kinds := map[string]bool{}
	for _, en := range r.Entities {
		kinds[en.Kind] = true
	}
	for _, k := range []string{"Host", "Account", "Ip", "Url", "File", "FileHash", "Process", "RegistryKey", "RegistryValue", "Mailbox",
		"MailMessage", "MailCluster", "CloudApplication", "AzureResource", "SecurityGroup", "DnsResolution", "Malware",
		"NetworkConnection", "kubernetesPodEvidence"} {
		if !kinds[k] {
			t.Errorf("no %s entity among %v", k, kinds)
		}
	}

	// Defender's verdicts: on each entity, and a source of the verdict.
	for key, want := range map[string]string{
		"Ip:" + defendertest.RichPublicIP:     "malicious",
		"Url:" + defendertest.RichURL:         "suspicious",
		"Ip:" + defendertest.RichPrivateIP:    "noThreatsFound",
		"Host:" + defendertest.RichDeviceFQDN: "unknown",
	} {
		if p, _, _ := r.entity(key); p["verdict"] != want {
			t.Errorf("%s: Defender's verdict %v, want %s", key, p["verdict"], want)
		}
	}
	if r.TI.Severity != "high" {
		t.Errorf("verdict %s, want high from Defender's malicious evidence", r.TI.Severity)
	}
	if !slices.ContainsFunc(r.TI.Reasons, func(x struct{ Indicator, Provider, Severity, Summary string }) bool {
		return x.Provider == "Microsoft Defender XDR" && x.Indicator == defendertest.RichPublicIP && strings.HasPrefix(x.Summary, "malicious")
	}) {
		t.Errorf("the verdict's reasons %+v do not name Defender's verdict on %s", r.TI.Reasons, defendertest.RichPublicIP)
	}
	defenderSays := map[string]string{}
	for _, x := range r.TI.Results {
		if x.Provider == "Microsoft Defender XDR" {
			defenderSays[x.Indicator] = x.Severity
		}
	}
	if defenderSays[defendertest.RichURL] != "warning" || defenderSays[defendertest.RichSHA256] != "high" || defenderSays["payload.exe"] != "high" {
		t.Errorf("Defender's results %v: want the URL suspicious (warning), the file and its hash malicious (high)", defenderSays)
	}
	if st, reason := r.section("threat intel"); !strings.Contains(reason, "Microsoft Defender XDR judged") {
		t.Errorf("threat intel section %s %q does not count Defender's verdicts", st, reason)
	}

	// Threat intel: the public indicators asked, the private address never.
	asked := strings.Join(vt.paths(), "\n")
	for _, want := range []string{
		"/ip_addresses/" + defendertest.RichPublicIP, "/files/" + defendertest.RichSHA256, "/files/" + defendertest.RichMD5,
		"/domains/cdn-update.example.net", "/urls/" + base64.RawURLEncoding.EncodeToString([]byte(defendertest.RichURL)),
	} {
		if !strings.Contains(asked, want) {
			t.Errorf("virustotal was not asked %s; it was asked:\n%s", want, asked)
		}
	}
	if strings.Contains(asked, defendertest.RichPrivateIP) {
		t.Errorf("the private address %s was sent to virustotal:\n%s", defendertest.RichPrivateIP, asked)
	}
	if !slices.ContainsFunc(r.TI.Results, func(x struct{ Indicator, Provider, Status, Severity, Reason string }) bool {
		return x.Indicator == defendertest.RichPrivateIP && x.Provider == "virustotal" && x.Status == "skipped" && strings.Contains(x.Reason, "private")
	}) {
		t.Errorf("the report does not say %s was withheld from virustotal as private", defendertest.RichPrivateIP)
	}
	if strings.Contains(out+errOut, "vt-test-key") || strings.Contains(out+errOut, "graph-token") {
		t.Error("a key or token appears in the output")
	}
	// Every log query runs (through the fake Log Analytics): the only
	// failures are the outside services the test cannot reach.
	for _, p := range r.Problems {
		t.Errorf("problem: %s: %s", p.Where, p.What)
	}
	for _, sm := range r.Summaries {
		for _, sec := range sm.Sections {
			if sec.Status == "error" && sec.Source != "RDAP" && sec.Source != "DNS" {
				t.Errorf("%s %s: section %s (%s) failed: %s", sm.Kind, sm.Name, sec.Name, sec.Source, sec.Reason)
			}
		}
	}

	// A merged incident is followed to the one it went into, and says so.
	e.srv.Redirect("2", "77")
	out, errOut, code = e.run(t, "run", "2", "--format", "json", "--provider", "virustotal")
	if code != ExitOK && code != ExitPartial {
		t.Fatalf("run 2 (merged into 77): exit %d: %s", code, errOut)
	}
	r = parseRich(t, out)
	if r.Incident.Name != "77" || r.Incident.Source["redirectedFrom"] != "2" || len(r.Alerts) < 3 {
		t.Errorf("run 2: incident %s (source %v) with %d alerts; want 77, redirected from 2, with its alerts and 2's", r.Incident.Name, r.Incident.Source, len(r.Alerts))
	}
	if !slices.ContainsFunc(r.Problems, func(p struct{ Where, What string }) bool {
		return strings.Contains(p.What, "incident 2 was merged into this one")
	}) {
		t.Errorf("the report of run 2 does not say 2 was merged into 77: %+v", r.Problems)
	}
	out, errOut, code = e.run(t, "run", "2")
	if code != ExitOK && code != ExitPartial || !strings.Contains(out, "incident 2 was merged into this one") {
		t.Errorf("run 2 as Markdown: exit %d, does not say it was merged: %s\n%.2000s", code, errOut, out)
	}

	// A comment posts; on the merged incident, it goes to the survivor.
	if _, errOut, code = e.run(t, "comment", "77", "-m", "Contained: WKS-FIN-07 isolated"); code != ExitOK {
		t.Fatalf("comment: exit %d: %s", code, errOut)
	}
	if _, errOut, code = e.run(t, "comment", "2", "-m", "Payload blocked tenant-wide"); code != ExitOK {
		t.Fatalf("comment on the merged incident: exit %d: %s", code, errOut)
	}
	if cs := e.srv.Comments("77"); !slices.Equal(cs, []string{"Contained: WKS-FIN-07 isolated", "Payload blocked tenant-wide"}) {
		t.Errorf("comments of 77: %q", cs)
	}
	if cs := e.srv.Comments("2"); len(cs) != 0 {
		t.Errorf("a comment was written to the merged incident 2: %q", cs)
	}
	// So does a change.
	if _, errOut, code = e.run(t, "update", "2", "--label", "phish"); code != ExitOK {
		t.Fatalf("update on the merged incident: exit %d: %s", code, errOut)
	}
	g77, _ := e.srv.Incident("77")
	g2, _ := e.srv.Incident("2")
	if fmt.Sprint(g77["customTags"]) != "[phish]" || strings.Contains(fmt.Sprint(g2["customTags"]), "phish") || g2["status"] != "redirected" {
		t.Errorf("after update 2 --label phish: 77's tags %v, 2's %v (status %v); want the label on 77 only", g77["customTags"], g2["customTags"], g2["status"])
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// A defender workspace without workspace_id answers the summary sections
// that have hunting bodies through advanced hunting, saying so; a table
// advanced hunting lacks, and every section without a hunting body, is a
// missing table, not an error; a window longer than the 30 days advanced
// hunting keeps is cut and the section says so; a throttled call's wait is
// said on stderr, and the tenant's queue never provokes a 429.
func TestDefenderAdvancedHuntingInATriage(t *testing.T) {
	e := newDefenderEnvWith(t, defenderEnvOptions{noLogAnalytics: true})
	inc, alerts := defendertest.Rich("77", time.Now().Add(-2*time.Hour))
	e.srv.Add(inc, alerts...)
	e.srv.Hunting.PerMinute = 45
	var calls atomic.Int32
	processes := regexp.MustCompile(`(?m)^DeviceProcessEvents\b`)
	network := regexp.MustCompile(`(?m)^DeviceNetworkEvents\b`)
	e.srv.Hunting.Answer = func(r huntingtest.Request) huntingtest.Response {
		switch {
		case calls.Add(1) == 1:
			resp := huntingtest.Error(http.StatusTooManyRequests, "TooManyRequests", "Rate limit is exceeded.")
			resp.Header = http.Header{"Retry-After": {"1"}}
			return resp
		case network.MatchString(r.Query):
			return huntingtest.Error(http.StatusBadRequest, "BadRequest", "Failed to resolve table or column expression named 'DeviceNetworkEvents'")
		case processes.MatchString(r.Query) && strings.Contains(r.Query, "| project Value, Host, Process, CommandLine"):
			at := time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339)
			return huntingtest.Table([]huntingtest.Column{
				{Name: "Value", Type: "String"}, {Name: "Host", Type: "String"}, {Name: "Process", Type: "String"},
				{Name: "CommandLine", Type: "String"}, {Name: "Account", Type: "String"}, {Name: "Sources", Type: "Object"},
				{Name: "Count", Type: "Int64"}, {Name: "FirstSeen", Type: "DateTime"}, {Name: "LastSeen", Type: "DateTime"},
			}, map[string]any{
				"Value": defendertest.RichDeviceFQDN, "Host": defendertest.RichDeviceFQDN, "Process": "payload.exe",
				"CommandLine": "payload.exe --beacon", "Account": `contoso\jdoe`, "Sources": []string{"DeviceProcessEvents"},
				"Count": 1, "FirstSeen": at, "LastSeen": at,
			})
		}
		return huntingtest.Table(nil)
	}

	out, errOut, code := e.run(t, "run", "77", "--format", "json")
	if code != ExitOK && code != ExitPartial {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	r := parseRich(t, out)
	if !strings.Contains(errOut, "advanced hunting (tenant "+defendertest.TenantID+"): query ") || !strings.Contains(errOut, "trying again in 1s") ||
		strings.Count(errOut, "trying again in 1s") != 1 || strings.Contains(errOut, "throttled by") {
		t.Errorf("stderr does not say, once, that a hunting call waits for the service:\n%s", errOut)
	}
	hunted, skipped := 0, 0
	for _, s := range r.Summaries {
		for _, sec := range s.Sections {
			if sec.Status == "error" {
				t.Errorf("%s %s: section %s failed: %s", s.Kind, s.Name, sec.Name, sec.Reason)
			}
			if strings.HasSuffix(sec.Source, "(advanced hunting)") {
				hunted++
			}
			if sec.Status == "skipped" && strings.Contains(sec.Reason, "the workspace has no ") {
				skipped++
			}
			switch {
			case s.Kind == "Host" && sec.Name == "Processes":
				if sec.Status != "ok" || !strings.HasSuffix(sec.Source, "(advanced hunting)") || sec.Table == nil || len(sec.Table.Rows) != 1 ||
					!slices.Contains(sec.Table.Rows[0], "payload.exe --beacon") {
					t.Errorf("the host's processes: %+v, want advanced hunting's row, saying its source", sec)
				}
			case s.Kind == "Ip" && sec.Name == "Network events":
				if sec.Status != "skipped" || !strings.Contains(sec.Reason, "no DeviceNetworkEvents table") {
					t.Errorf("%s's network events: %s %q, want the table advanced hunting lacks, skipped", s.Name, sec.Status, sec.Reason)
				}
			case s.Kind == "Account" && sec.Name == "Sign-ins":
				if sec.Status != "skipped" || !strings.Contains(sec.Reason, "no SigninLogs table") {
					t.Errorf("%s's sign-ins: %s %q, want a missing table (no Log Analytics, no hunting body)", s.Name, sec.Status, sec.Reason)
				}
			}
		}
	}
	if hunted < 5 || skipped < 10 {
		t.Errorf("%d sections answered by advanced hunting, %d skipped for a missing table; want both", hunted, skipped)
	}
	if st, reason := r.section("related alerts"); st != "skipped" || !strings.Contains(reason, "no SecurityAlert table") {
		t.Errorf("related alerts: %s %q, want skipped: the workspace has no alerts table", st, reason)
	}
	if st, reason := r.section("threat intel"); st == "error" {
		t.Errorf("threat intel: %s %q: sentinel-ti without a table is not a failure", st, reason)
	}
	asked := 0
	for _, x := range r.TI.Results {
		if x.Provider != "sentinel-ti" {
			continue
		}
		asked++
		if x.Status != "not_configured" || !strings.Contains(x.Reason, "no threat-intelligence table") {
			t.Errorf("sentinel-ti on %s: %s %q, want not_configured: the workspace has no threat-intelligence table", x.Indicator, x.Status, x.Reason)
		}
	}
	if asked == 0 {
		t.Error("sentinel-ti has no result: it was not asked")
	}
	for _, q := range e.srv.Hunting.Requests() {
		if !strings.Contains(q.Query, "Timestamp") || q.Timespan == "" {
			t.Errorf("hunting request %q (timespan %q): want a hunting body on Timestamp within the window", q.Query, q.Timespan)
		}
	}

	// A window reaching back 60 days is cut to the 30 advanced hunting keeps.
	start := time.Now().Add(-60 * 24 * time.Hour).UTC().Format(time.RFC3339)
	out, errOut, code = e.run(t, "run", "77", "--format", "json", "--start", start)
	if code != ExitOK && code != ExitPartial {
		t.Fatalf("run --start: exit %d: %s", code, errOut)
	}
	r = parseRich(t, out)
	cut := false
	for _, s := range r.Summaries {
		for _, sec := range s.Sections {
			if s.Kind == "Host" && sec.Name == "Processes" {
				cut = strings.Contains(sec.Reason, "advanced hunting keeps 30 days: the window was cut to")
			}
		}
	}
	if !cut {
		t.Errorf("the host's processes over 60 days do not say the window was cut:\n%.3000s", out)
	}
	if n := e.srv.Hunting.Throttled(); n != 0 {
		t.Errorf("the fake throttled %d calls past its 45 a minute: the client must queue them", n)
	}
}
