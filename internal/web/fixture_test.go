package web_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/demo"
	"github.com/triage-dev/triage/internal/enrich"
	"github.com/triage-dev/triage/internal/enrich/geoip"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/sentinelti"
	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/web"
	"github.com/triage-dev/triage/internal/workspace/local"
)

// testNow anchors the demo workspace and the server's clock.
var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// The demo incidents the tests triage: malware on WKS-FIN-07 (a large
// entity graph), and a sign-in from a password-spray address (on the map).
const (
	demoIncident = 121
	mapIncident  = 118
)

// shared holds the workspaces built once per test binary: building the
// demo takes seconds.
var shared struct {
	once    sync.Once
	demo    *local.Workspace
	hostile *local.Workspace
	geo     enrich.Locator
	err     error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.demo != nil {
		shared.demo.Close()
	}
	if shared.hostile != nil {
		shared.hostile.Close()
	}
	os.Exit(code)
}

func buildShared() {
	ctx := context.Background()
	ws, err := local.Open(ctx, "demo", ":memory:", nil)
	if err != nil {
		shared.err = err
		return
	}
	err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
		return demo.Generate(demo.Options{Now: testNow}, emit)
	})
	if err != nil {
		shared.err = fmt.Errorf("demo workspace: %w", err)
		return
	}
	ws.SetClock(func() time.Time { return testNow })
	shared.demo = ws
	shared.geo = geoip.Open(geoip.Options{Static: demo.Locations()})
	shared.hostile, shared.err = hostileWorkspace(ctx)
}

// options returns the server options of the demo and hostile workspaces.
func options(t testing.TB) web.Options {
	t.Helper()
	shared.once.Do(buildShared)
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	now := func() time.Time { return testNow }
	open := func(ctx context.Context, name string) (*web.Env, error) {
		var ws *local.Workspace
		switch name {
		case "demo":
			ws = shared.demo
		case "hostile":
			ws = shared.hostile
		default:
			return nil, fmt.Errorf("no workspace %s", name)
		}
		return &web.Env{
			Sources: sources.Sources{Workspace: ws, Geo: shared.geo, Registry: demo.Registry{}, DNS: demo.DNS{},
				Intel: &intel.Engine{Providers: []intel.Provider{sentinelti.New(pipeline.TIQuery(ws, now))}}},
			Providers: func(context.Context) ([]web.ProviderRow, error) { return testProviders, nil },
			Close:     func() error { return nil }, // shared: closed by TestMain
		}, nil
	}
	return web.Options{
		Workspaces: []string{"demo", "hostile"}, Open: open, Entity: testEntity, Now: now,
	}
}

// testEntity builds a pivot entity as `triage summarize` does, for the
// kinds the tests use.
func testEntity(kind, value string) (triage.Entity, error) {
	switch strings.ToLower(kind) {
	case "ip":
		return triage.NewEntity(triage.KindIP, map[string]any{"address": value})
	case "host":
		name, dom, _ := strings.Cut(value, ".")
		return triage.NewEntity(triage.KindHost, map[string]any{"hostName": name, "dnsDomain": dom})
	case "account":
		return triage.NewEntity(triage.KindAccount, map[string]any{"accountName": value})
	case "url":
		return triage.NewEntity(triage.KindURL, map[string]any{"url": value})
	case "dnsresolution", "domain":
		return triage.NewEntity(triage.KindDNS, map[string]any{"domainName": value})
	case "azureresource":
		return triage.NewEntity(triage.KindAzureResource, map[string]any{"resourceId": value})
	}
	return triage.Entity{}, fmt.Errorf("unknown kind %q", kind)
}

// testServer is the web UI on a real 127.0.0.1 listener, with the Host
// check on, and a client that keeps cookies.
type testServer struct {
	*httptest.Server
	web    *web.Server
	client *http.Client
}

func newServer(t testing.TB) *testServer {
	t.Helper()
	return newServerWith(t, options(t))
}

// newServerWith is newServer with options of the test's own.
func newServerWith(t testing.TB, o web.Options) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o.Addr = ln.Addr().String()
	srv, err := web.New(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv)
	hs.Config = srv.HTTPServer() // the server as serve runs it
	hs.Listener.Close()
	hs.Listener = srv.Listener(ln)
	hs.Start()
	jar, _ := cookiejar.New(nil)
	ts := &testServer{Server: hs, web: srv, client: &http.Client{
		Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return ts
}

// get fetches path and returns the status and the body.
func (ts *testServer) get(t testing.TB, path string) (int, string) {
	t.Helper()
	res, err := ts.client.Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// post sends a form to path as the browser does from the server's pages
// (Origin set), and returns the response.
func (ts *testServer) post(t testing.TB, path string, form url.Values, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", ts.URL)
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var tokenRE = regexp.MustCompile(`<form method="post" action="([^"?]*)[^"]*"[^>]*>\s*<input type="hidden" name="csrf" value="([^"]+)">`)

// token returns the CSRF token of the form on page that posts to action.
func token(t testing.TB, page, action string) string {
	t.Helper()
	for _, m := range tokenRE.FindAllStringSubmatch(page, -1) {
		if m[1] == action {
			return m[2]
		}
	}
	t.Fatalf("no form posting to %s on the page", action)
	return ""
}

// waitTriage reads the incident's events to the end: the triage is done.
func (ts *testServer) waitTriage(t testing.TB, ws string, n int) string {
	t.Helper()
	code, body := ts.get(t, fmt.Sprintf("/incidents/%d/events?ws=%s", n, ws))
	if code != http.StatusOK || !strings.Contains(body, "event: done") {
		t.Fatalf("events of incident %d: %d %.300s", n, code, body)
	}
	return body
}

// triage starts the incident's triage and waits for its end, without a
// test to fail: for warming up in the background.
func (ts *testServer) triage(ws string, n int) {
	res, err := ts.client.Get(fmt.Sprintf("%s/incidents/%d/events?ws=%s", ts.URL, n, ws))
	if err == nil {
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
}

// testProviders is the providers page of a configured setup, as `triage
// providers` would list it.
var testProviders = []web.ProviderRow{
	{Name: "virustotal", State: "runs", NeedsKey: true, KeySet: true, External: true, Kinds: []string{"all"},
		Quota: "4 per minute, 500 per day, 15500 per month (37 today)", Cached: 212},
	{Name: "otx", State: "not configured", Reason: "no API key: set providers.otx.api_key", NeedsKey: true, External: true,
		Kinds: []string{"all"}, Quota: "60 per minute"},
	{Name: "greynoise", State: "runs", External: true, Kinds: []string{"ipv4"}, Quota: "7 per day (3 today)", Cached: 9},
	{Name: "xforce", State: "on request", Reason: "not primary: runs with --all", NeedsKey: true, KeySet: true, External: true,
		Kinds: []string{"all"}, Quota: "5000 per month (0 today)"},
	{Name: "abuseipdb", State: "off", Reason: "not enabled", NeedsKey: true, External: true, Kinds: []string{"ipv4", "ipv6"}, Quota: "1000 per day"},
	{Name: "tor", State: "runs", External: true, Kinds: []string{"ipv4", "ipv6"}, Quota: "no limit", Cached: 1},
	{Name: "localfeed", State: "runs", Kinds: []string{"all"}, Quota: "no limit"},
	{Name: "sentinel-ti", State: "runs", Kinds: []string{"all"}, Quota: "no limit"},
}

// sharedDemoIncident reads incident n of the demo workspace.
func sharedDemoIncident(ctx context.Context, n int) (triage.Incident, error) {
	return shared.demo.Incident(ctx, fmt.Sprint(n))
}
