package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/triage-dev/triage/internal/config"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// mcpIO is the IO of an in-process triage mcp: the test's clock, the
// shared demo cache and the environment env.
func mcpIO(out io.Writer, errb io.Writer, env map[string]string) *IO {
	return &IO{
		Out: out, Err: errb,
		Now: func() time.Time { return testNow },
		ConfigOptions: func(path string) config.LoadOptions {
			return config.LoadOptions{ConfigPath: path, UserCacheDir: testCacheDir, Getenv: func(k string) string { return env[k] }}
		},
	}
}

// startMCP runs `triage mcp args...` in this process, over pipes, and
// connects the SDK's own client to it. It returns the session, the
// server's stderr and the progress notifications the client got.
func startMCP(t *testing.T, args ...string) (*mcp.ClientSession, *syncBuffer, *[]*mcp.ProgressNotificationParams) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	errb := &syncBuffer{}
	s := mcpIO(outW, errb, nil)
	root := NewRootCmd(s)
	root.SetArgs(append([]string{"mcp"}, args...))
	root.SetIn(inR)
	root.SetOut(outW)
	root.SetErr(errb)
	done := make(chan int, 1)
	go func() {
		_, err := root.ExecuteContextC(ctx)
		outW.Close()
		done <- exitCode(ctx, err)
	}()
	var mu sync.Mutex
	progress := &[]*mcp.ProgressNotificationParams{}
	client := mcp.NewClient(&mcp.Implementation{Name: "triage-test", Version: "1"}, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			mu.Lock()
			defer mu.Unlock()
			*progress = append(*progress, req.Params)
		},
	})
	cs, err := client.Connect(ctx, &mcp.IOTransport{Reader: outR, Writer: inW}, nil)
	if err != nil {
		cancel()
		t.Fatalf("connect: %v\nstderr: %s", err, errb.String())
	}
	t.Cleanup(func() {
		cs.Close()
		inW.Close()
		select {
		case code := <-done:
			if code != ExitOK {
				t.Errorf("triage mcp exited %d: %s", code, errb.String())
			}
		case <-time.After(30 * time.Second):
			t.Errorf("triage mcp did not end when its client went away")
		}
		cancel()
	})
	return cs, errb, progress
}

// call calls a tool and returns its result, failing the test on a
// protocol error.
func call(t *testing.T, cs *mcp.ClientSession, tool string, args any) *mcp.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return res
}

// structured returns a successful result's structured output, decoded.
func structured(t *testing.T, tool string, res *mcp.CallToolResult) map[string]any {
	t.Helper()
	if res.IsError {
		t.Fatalf("%s: tool error: %s", tool, textOf(res))
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: structured output is not an object: %v\n%s", tool, err, b)
	}
	return m
}

func textOf(res *mcp.CallToolResult) string {
	var sb strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			sb.WriteString(tc.Text)
		}
	}
	return sb.String()
}

var readTools = []string{"list_incidents", "lookup_indicators", "providers", "related_alerts", "run_named_query", "summarize_entity", "triage_incident"}

func toolNames(t *testing.T, cs *mcp.ClientSession) map[string]*mcp.Tool {
	t.Helper()
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*mcp.Tool{}
	for _, tl := range res.Tools {
		m[tl.Name] = tl
	}
	return m
}

// entityKeys are the keys of a report's entities, sorted.
func entityKeys(t *testing.T, r map[string]any) []string {
	t.Helper()
	ents, ok := r["entities"].([]any)
	if !ok {
		t.Fatalf("report has no entities list: %v", r["entities"])
	}
	var keys []string
	for _, e := range ents {
		keys = append(keys, e.(map[string]any)["key"].(string))
	}
	slices.Sort(keys)
	return keys
}

func TestMCPStdio(t *testing.T) {
	cfg, _ := historyConfig(t)
	logFile := t.TempDir() + "/mcp.log"
	cs, _, progress := startMCP(t, "--config", cfg, "--log", logFile)

	if got := cs.InitializeResult().ServerInfo.Name; got != "triage" {
		t.Errorf("server name %q, want triage", got)
	}
	tools := toolNames(t, cs)
	for _, name := range readTools {
		tl, ok := tools[name]
		if !ok {
			t.Errorf("tool %s is not listed", name)
			continue
		}
		if tl.Description == "" || tl.InputSchema == nil {
			t.Errorf("tool %s has no description or input schema", name)
		}
	}
	for _, name := range []string{"comment_incident", "update_incident"} {
		if _, ok := tools[name]; ok {
			t.Errorf("write tool %s is listed without --allow-writes", name)
		}
	}
	if props, _ := tools["triage_incident"].InputSchema.(map[string]any)["properties"].(map[string]any); props["incident"] == nil || props["sections"] == nil {
		t.Errorf("triage_incident's input schema lacks incident or sections: %v", tools["triage_incident"].InputSchema)
	}

	// triage_incident's report is run's: the same verdict and entities.
	want := map[string]any{}
	out, errOut, code := run(t, "run", "121", "--format", "json", "--config", cfg)
	if code != ExitOK {
		t.Fatalf("run 121: exit %d: %s", code, errOut)
	}
	if err := json.Unmarshal([]byte(out), &want); err != nil {
		t.Fatal(err)
	}
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{
		Meta: mcp.Meta{"progressToken": "t121"}, Name: "triage_incident", Arguments: map[string]any{"incident": "121"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := structured(t, "triage_incident", res)
	wti, gti := want["ti"].(map[string]any), got["ti"].(map[string]any)
	if gti["severity"] != wti["severity"] || gti["complete"] != wti["complete"] || gti["severity"] != "high" {
		t.Errorf("verdict %v (complete %v), run's %v (complete %v), want high", gti["severity"], gti["complete"], wti["severity"], wti["complete"])
	}
	if g, w := entityKeys(t, got), entityKeys(t, want); !slices.Equal(g, w) {
		t.Errorf("entities\n got %v\nwant %v", g, w)
	}
	if len(*progress) == 0 {
		t.Error("no progress notification while the triage ran")
	}

	// sections: part of the report.
	got = structured(t, "triage_incident", call(t, cs, "triage_incident", map[string]any{"incident": "121", "sections": []string{"ti"}, "wait": "0"}))
	if got["ti"] == nil || got["incident"] == nil || got["summaries"] != nil || got["alerts"] != nil {
		t.Errorf("sections [ti] gave members %v, want ti and the incident only", keysOf(got))
	}
	if res := call(t, cs, "triage_incident", map[string]any{"incident": "121", "sections": []string{"bogus"}}); !res.IsError || !strings.Contains(textOf(res), "bogus does not equal any of: [alerts entities") {
		t.Errorf("an unknown section: %v %q, want a tool error", res.IsError, textOf(res))
	}
	if res := call(t, cs, "triage_incident", map[string]any{"incident": "999999"}); !res.IsError {
		t.Error("triage of a missing incident is not a tool error")
	}

	// The triage was recorded: its report is a resource.
	lr, err := cs.ListResources(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	const uri = "triage://demo/incidents/121/report"
	if !slices.ContainsFunc(lr.Resources, func(r *mcp.Resource) bool { return r.URI == uri }) {
		t.Errorf("resources/list lacks %s: %v", uri, lr.Resources)
	}
	rr, err := cs.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: uri})
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(rr.Contents[0].Text), &rep); err != nil || rep["incident"].(map[string]any)["number"] != float64(121) {
		t.Errorf("resource %s: %v, incident %v", uri, err, rep["incident"])
	}
	if _, err := cs.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: "triage://demo/incidents/999/report"}); err == nil {
		t.Error("the report of an incident never triaged was read")
	}

	// lookup_indicators: the verdict and every provider's result.
	got = structured(t, "lookup_indicators", call(t, cs, "lookup_indicators", map[string]any{"text": "callback to hxxps://evil[.]example/a and 203.0.113.66"}))
	if got["verdict"] == nil || len(got["results"].([]any)) == 0 || len(got["indicators"].([]any)) < 2 {
		t.Errorf("lookup: %v", got)
	}
	var wantLookup map[string]any
	out, errOut, code = run(t, "lookup", "--json", "--config", cfg, "callback to hxxps://evil[.]example/a and 203.0.113.66")
	if err := json.Unmarshal([]byte(out), &wantLookup); err != nil {
		t.Fatalf("lookup --json: exit %d, %v: %s", code, err, errOut)
	}
	if g, w := got["verdict"].(map[string]any)["severity"], wantLookup["verdict"].(map[string]any)["severity"]; g != w || g != "high" ||
		len(got["results"].([]any)) != len(wantLookup["results"].([]any)) {
		t.Errorf("lookup_indicators: verdict %v and %d results; lookup --json: %v and %d", g, len(got["results"].([]any)), w, len(wantLookup["results"].([]any)))
	}
	if res := call(t, cs, "lookup_indicators", map[string]any{"values": []string{"nothing here"}}); !res.IsError || !strings.Contains(textOf(res), "is not an indicator") {
		t.Errorf("a value that is no indicator: %q, want lookup's message", textOf(res))
	}

	// list_incidents pages.
	p1 := structured(t, "list_incidents", call(t, cs, "list_incidents", map[string]any{"since": "14d", "limit": 3}))
	if len(p1["incidents"].([]any)) != 3 || p1["next_cursor"] == nil || p1["total"].(float64) < 30 {
		t.Fatalf("first page: %d incidents, next %v, total %v", len(p1["incidents"].([]any)), p1["next_cursor"], p1["total"])
	}
	p2 := structured(t, "list_incidents", call(t, cs, "list_incidents", map[string]any{"since": "14d", "limit": 3, "cursor": p1["next_cursor"]}))
	if n1, n2 := p1["incidents"].([]any)[0].(map[string]any)["number"], p2["incidents"].([]any)[0].(map[string]any)["number"]; n1 == n2 {
		t.Errorf("the second page starts with the first's incident %v", n1)
	}
	if res := call(t, cs, "list_incidents", map[string]any{"since": "7d", "cursor": p1["next_cursor"]}); !res.IsError {
		t.Error("a cursor taken to other filters is not a tool error")
	}
	if res := call(t, cs, "list_incidents", map[string]any{"severity": []string{"extreme"}}); !res.IsError || !strings.Contains(textOf(res), "extreme") {
		t.Errorf("an unknown severity: %q, want the CLI's message", textOf(res))
	}

	// summarize_entity, related_alerts, providers, run_named_query.
	got = structured(t, "summarize_entity", call(t, cs, "summarize_entity", map[string]any{"kind": "ip", "value": "203.0.113.66"}))
	if len(got["summaries"].([]any)) != 1 {
		t.Errorf("summarize: %v", got)
	}
	// An entity's alerts include those run found related to it.
	got = structured(t, "related_alerts", call(t, cs, "related_alerts", map[string]any{"kind": "host", "value": "wks-fin-07.contoso-demo.example", "since": "14d"}))
	wantRelated := 0
	for _, rel := range want["related_alerts"].([]any) {
		if rel := rel.(map[string]any); rel["entity"] == got["entity"] {
			wantRelated = len(rel["alerts"].([]any))
		}
	}
	if rel, _ := got["related"].([]any); wantRelated == 0 || len(rel) != 1 || len(rel[0].(map[string]any)["alerts"].([]any)) < wantRelated {
		t.Errorf("related_alerts of %v: %v, want at least run's %d", got["entity"], got["related"], wantRelated)
	}
	got = structured(t, "providers", call(t, cs, "providers", map[string]any{}))
	if len(got["providers"].([]any)) == 0 {
		t.Errorf("providers: %v", got)
	}
	got = structured(t, "run_named_query", call(t, cs, "run_named_query", map[string]any{"name": "related_alerts", "params": map[string]any{
		"start": testNow.Add(-14 * 24 * time.Hour).Format(time.RFC3339), "end": "2026-11-26", "values": []string{"203.0.113.66"},
	}}))
	if got["columns"] == nil || got["query"] != "related_alerts" {
		t.Errorf("run_named_query: %v", keysOf(got))
	}
	if res := call(t, cs, "run_named_query", map[string]any{"name": "related_alerts", "params": map[string]any{"bogus": 1}}); !res.IsError || !strings.Contains(textOf(res), "bogus") {
		t.Errorf("an unknown parameter: %q, want the catalog's message", textOf(res))
	}

	// Writes are refused, with a message that says why.
	res = call(t, cs, "comment_incident", map[string]any{"incident": "121", "text": "hello"})
	if !res.IsError || !strings.Contains(textOf(res), "--allow-writes") {
		t.Errorf("comment without --allow-writes: error %v, %q", res.IsError, textOf(res))
	}

	logText, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"tool=triage_incident", "outcome=ok", "tool=comment_incident", "outcome=error", `\"incident\":\"121\"`} {
		if !strings.Contains(string(logText), want) {
			t.Errorf("the call log lacks %s:\n%s", want, logText)
		}
	}
}

func keysOf(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// TestMCPWrites: with --allow-writes, a write takes two calls, the second
// with the token the first returned, for the same arguments only, once.
func TestMCPWrites(t *testing.T) {
	cfg, _ := historyConfig(t)
	logFile := t.TempDir() + "/mcp.log"
	cs, _, _ := startMCP(t, "--config", cfg, "--allow-writes", "--log", logFile)
	tools := toolNames(t, cs)
	if tools["comment_incident"] == nil || tools["update_incident"] == nil {
		t.Fatalf("write tools not listed with --allow-writes: %v", keysOf(map[string]any{}))
	}

	args := map[string]any{"incident": "121", "severity": "low", "add_labels": []string{"mcp-test"}}
	plan := structured(t, "update_incident", call(t, cs, "update_incident", args))
	if plan["status"] != "confirmation_required" {
		t.Fatalf("first call: %v", plan)
	}
	change := plan["change"].(map[string]any)
	if change["before"].(map[string]any)["severity"] != "High" || change["after"].(map[string]any)["severity"] != "Low" {
		t.Errorf("the change shown: %v", change)
	}
	tok := plan["confirmation_token"].(string)

	// The token for other arguments: refused, and spent.
	other := map[string]any{"incident": "121", "severity": "informational", "add_labels": []string{"mcp-test"}, "confirmation_token": tok}
	if res := call(t, cs, "update_incident", other); !res.IsError || !strings.Contains(textOf(res), "other arguments") {
		t.Errorf("a token with other arguments: %q", textOf(res))
	}
	withTok := map[string]any{"incident": "121", "severity": "low", "add_labels": []string{"mcp-test"}, "confirmation_token": tok}
	if res := call(t, cs, "update_incident", withTok); !res.IsError || !strings.Contains(textOf(res), "already used") {
		t.Errorf("a spent token: %q", textOf(res))
	}
	// Nothing was written by any of these.
	plan = structured(t, "update_incident", call(t, cs, "update_incident", args))
	if sev := plan["change"].(map[string]any)["before"].(map[string]any)["severity"]; sev != "High" {
		t.Fatalf("the incident changed before a confirmed call: severity %v", sev)
	}

	withTok["confirmation_token"] = plan["confirmation_token"]
	done := structured(t, "update_incident", call(t, cs, "update_incident", withTok))
	if done["status"] != "applied" {
		t.Fatalf("confirmed call: %v", done)
	}
	if res := call(t, cs, "update_incident", withTok); !res.IsError {
		t.Error("a token was used twice")
	}
	// The incident now has the change.
	if res := call(t, cs, "update_incident", args); !res.IsError || !strings.Contains(textOf(res), "already has these values") {
		t.Errorf("after the update, the same change: %q", textOf(res))
	}

	// The incident changed between the change shown and its confirmation:
	// nothing is written.
	stale := structured(t, "update_incident", call(t, cs, "update_incident", map[string]any{"incident": "121", "status": "new"}))
	other = structured(t, "update_incident", call(t, cs, "update_incident", map[string]any{"incident": "121", "owner": "alex@contoso-demo.example"}))
	if done := structured(t, "update_incident", call(t, cs, "update_incident", map[string]any{"incident": "121", "owner": "alex@contoso-demo.example", "confirmation_token": other["confirmation_token"]})); done["status"] != "applied" {
		t.Fatalf("owner change: %v", done)
	}
	res := call(t, cs, "update_incident", map[string]any{"incident": "121", "status": "new", "confirmation_token": stale["confirmation_token"]})
	if !res.IsError || !strings.Contains(textOf(res), "changed since the change was shown") {
		t.Errorf("a confirmation of a change shown before the incident changed: %q", textOf(res))
	}
	if st := structured(t, "update_incident", call(t, cs, "update_incident", map[string]any{"incident": "121", "status": "new"}))["change"].(map[string]any)["before"].(map[string]any)["status"]; st == "New" {
		t.Error("the stale change was written")
	}

	// A comment, in two calls.
	c := map[string]any{"incident": "121", "text": "Checked by the agent."}
	plan = structured(t, "comment_incident", call(t, cs, "comment_incident", c))
	if plan["change"].(map[string]any)["comment"] != "Checked by the agent." {
		t.Errorf("comment plan: %v", plan)
	}
	c["confirmation_token"] = plan["confirmation_token"]
	done = structured(t, "comment_incident", call(t, cs, "comment_incident", c))
	if id, _ := done["result"].(map[string]any)["comment_id"].(string); id == "" {
		t.Errorf("comment applied: %v", done)
	}

	logText, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(logText), tok) {
		t.Error("the call log holds a confirmation token")
	}
}

// TestMCPHTTP: Streamable HTTP, and off loopback's token asked for when
// TRIAGE_SERVE_TOKEN is set.
func TestMCPHTTP(t *testing.T) {
	const token = "0123456789abcdef0123"
	ctx, cancel := context.WithCancel(context.Background())
	errb := &syncBuffer{}
	s := mcpIO(io.Discard, errb, map[string]string{serveTokenEnv: token})
	done := make(chan int, 1)
	go func() { done <- Run(ctx, s, []string{"mcp", "--listen", "127.0.0.1:0", "--max-output", "20000"}) }()
	defer func() {
		cancel()
		if code := <-done; code != ExitOK && code != ExitInterrupt {
			t.Errorf("triage mcp --listen exited %d: %s", code, errb.String())
		}
	}()
	re := regexp.MustCompile(`mcp serving (http://\S+)`)
	var url string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(errb.String()); m != nil {
			url = m[1]
			break
		}
	}
	if url == "" {
		t.Fatalf("no address on stderr: %s", errb.String())
	}
	resp, err := http.Post(url, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a request without the token: %d, want 401", resp.StatusCode)
	}

	client := mcp.NewClient(&mcp.Implementation{Name: "triage-test", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: bearer{token}}}, nil)
	if err != nil {
		t.Fatalf("connect: %v\n%s", err, errb.String())
	}
	defer cs.Close()
	if tools := toolNames(t, cs); len(tools) != len(readTools) {
		t.Errorf("%d tools over HTTP, want %d", len(tools), len(readTools))
	}
	got := structured(t, "lookup_indicators", call(t, cs, "lookup_indicators", map[string]any{"values": []string{"203.0.113.66"}}))
	if got["verdict"] == nil {
		t.Errorf("lookup over HTTP: %v", got)
	}

	// --max-output: the report is cut to it, and says what was cut.
	res := call(t, cs, "triage_incident", map[string]any{"incident": "121"})
	b, _ := json.Marshal(res.StructuredContent)
	got = structured(t, "triage_incident", res)
	tr, _ := got["truncated"].(map[string]any)
	if len(b) > 20000 || tr == nil || len(tr["cuts"].([]any)) == 0 || got["incident"] == nil {
		t.Errorf("a report with --max-output 20000: %d bytes, truncated %v", len(b), tr)
	}
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// TestMCPSubprocess drives triage mcp as a real process (this test binary
// run as the CLI, see TestMain) over its stdin and stdout.
func TestMCPSubprocess(t *testing.T) {
	cfg, _ := historyConfig(t)
	cmd := exec.Command(os.Args[0], "mcp", "--config", cfg)
	cmd.Env = append(os.Environ(), runCLIEnv+"="+testCacheDir)
	var errb syncBuffer
	cmd.Stderr = &errb
	defer func() {
		if t.Failed() {
			t.Logf("stderr of triage mcp:\n%s", errb.String())
		}
	}()
	client := mcp.NewClient(&mcp.Implementation{Name: "triage-test", Version: "1"}, nil)
	cs, err := client.Connect(context.Background(), &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	got := structured(t, "triage_incident", call(t, cs, "triage_incident", map[string]any{"incident": "121", "sections": []string{"ti"}}))
	if got["ti"].(map[string]any)["severity"] != "high" {
		t.Errorf("verdict over a real process: %v", got["ti"])
	}
}

func TestMCPFlags(t *testing.T) {
	for _, args := range [][]string{
		{"mcp", "--max-output", "-1"},
		{"mcp", "--tls-cert", "c.pem", "--tls-key", "k.pem"},
		{"mcp", "--listen", "8808"},
		{"mcp", "--listen", "127.0.0.1:0", "--tls-cert", "c.pem"},
		{"mcp", "extra"},
	} {
		if _, errOut, code := run(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d (%s), want %d", args, code, errOut, ExitUsage)
		}
	}
}

// TestMCPNamedQuery: run_named_query takes a catalog query by name with
// typed parameters, and nothing else: an unknown name, an unknown or
// missing parameter, a value of the wrong type are tool errors with the
// catalog's messages, and a value is data, never query text.
func TestMCPNamedQuery(t *testing.T) {
	cfg, _ := historyConfig(t)
	cs, _, _ := startMCP(t, "--config", cfg)
	tl := toolNames(t, cs)["run_named_query"]
	props, _ := tl.InputSchema.(map[string]any)["properties"].(map[string]any)
	if len(props) != 3 || props["name"] == nil || props["params"] == nil || props["workspace"] == nil {
		t.Errorf("run_named_query takes %v, want name, params and workspace only", keysOf(props))
	}
	if !strings.Contains(tl.Description, "related_alerts(") {
		t.Errorf("the description does not list the catalog's queries: %s", tl.Description)
	}
	window := map[string]any{"start": "2026-11-12", "end": "2026-11-26"}
	with := func(extra map[string]any) map[string]any {
		p := map[string]any{}
		for k, v := range window {
			p[k] = v
		}
		for k, v := range extra {
			p[k] = v
		}
		return p
	}
	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"name": "drop_everything"}, `query "drop_everything" is not in the query catalog`},
		{map[string]any{"name": "drop_everything"}, `(the queries: account_names, `},
		{map[string]any{"name": "related_alerts", "params": with(map[string]any{"values": []string{"203.0.113.66"}, "query": "SecurityAlert | take 1"})}, `query "related_alerts": unknown param query`},
		{map[string]any{"name": "related_alerts", "params": window}, `query "related_alerts": missing required param "values"`},
		{map[string]any{"name": "related_alerts", "params": with(map[string]any{"values": "203.0.113.66"})}, `query "related_alerts": param "values": want`},
		{map[string]any{"name": "related_alerts", "params": with(map[string]any{"values": []string{"x"}, "start": "yesterday"})}, `query "related_alerts": param "start": invalid time "yesterday"`},
	} {
		res := call(t, cs, "run_named_query", c.args)
		if !res.IsError || !strings.Contains(textOf(res), c.want) {
			t.Errorf("%v: error %v %q, want %q", c.args, res.IsError, textOf(res), c.want)
		}
	}
	// A value written as query text matches nothing and changes nothing.
	for _, v := range []string{`203.0.113.66') OR 1=1 --`, `203.0.113.66"]) | union SecurityAlert //`} {
		got := structured(t, "run_named_query", call(t, cs, "run_named_query", map[string]any{"name": "related_alerts", "params": with(map[string]any{"values": []string{v}})}))
		if rows, _ := got["rows"].([]any); len(rows) != 0 {
			t.Errorf("values [%q] matched %d rows, want none", v, len(rows))
		}
	}
	got := structured(t, "run_named_query", call(t, cs, "run_named_query", map[string]any{"name": "related_alerts", "params": with(map[string]any{"values": []string{"203.0.113.66"}})}))
	if rows, _ := got["rows"].([]any); len(rows) == 0 {
		t.Error("related_alerts of 203.0.113.66 found nothing: the injection cases above prove nothing")
	}
}

// TestMCPWorkspaces: the server serves every workspace serve offers (here
// the demo, its default, and one import made in the data dir): each tool
// takes one of them by name, listed in its input schema, and the reports
// of each are resources under its name.
func TestMCPWorkspaces(t *testing.T) {
	cfg, _ := historyConfig(t)
	if _, errOut, code := run(t, "--config", cfg, "import", "-w", "lab", writeExport(t, t.TempDir())); code != ExitOK {
		t.Fatalf("import -w lab: exit %d: %s", code, errOut)
	}
	cs, _, _ := startMCP(t, "--config", cfg)
	for name, tl := range toolNames(t, cs) {
		props, _ := tl.InputSchema.(map[string]any)["properties"].(map[string]any)
		ws, _ := props["workspace"].(map[string]any)
		if enum, _ := ws["enum"].([]any); len(enum) != 2 || enum[0] != "demo" || enum[1] != "lab" {
			t.Errorf("%s's workspace: %v, want the enum [demo lab]", name, ws)
		}
	}
	lab := structured(t, "list_incidents", call(t, cs, "list_incidents", map[string]any{"workspace": "lab", "since": "3650d"}))
	if incs, _ := lab["incidents"].([]any); len(incs) != 2 {
		t.Errorf("lab's incidents: %v", lab["incidents"])
	}
	if demo := structured(t, "list_incidents", call(t, cs, "list_incidents", map[string]any{"since": "14d"})); demo["total"].(float64) < 30 {
		t.Errorf("the default workspace's incidents: %v", demo["total"])
	}
	rep := structured(t, "triage_incident", call(t, cs, "triage_incident", map[string]any{"workspace": "lab", "incident": "7", "sections": []string{"entities"}}))
	if rep["workspace"] != "lab" || rep["incident"].(map[string]any)["title"] != "Imported 7" {
		t.Errorf("lab's incident 7: workspace %v, incident %v", rep["workspace"], rep["incident"])
	}
	structured(t, "triage_incident", call(t, cs, "triage_incident", map[string]any{"incident": "121", "sections": []string{"ti"}}))
	if res := call(t, cs, "list_incidents", map[string]any{"workspace": "prod"}); !res.IsError || !strings.Contains(textOf(res), "prod") {
		t.Errorf("a workspace not served: %v %q", res.IsError, textOf(res))
	}

	lr, err := cs.ListResources(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var uris []string
	for _, r := range lr.Resources {
		uris = append(uris, r.URI)
	}
	if want := []string{"triage://demo/incidents/121/report", "triage://lab/incidents/7/report"}; !slices.Equal(uris, want) {
		t.Errorf("resources %v, want %v", uris, want)
	}
	rr, err := cs.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: "triage://lab/incidents/7/report"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rr.Contents[0].Text, `"title":"Imported 7"`) {
		t.Errorf("lab's report of 7: %.300s", rr.Contents[0].Text)
	}
	if _, err := cs.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: "triage://prod/incidents/7/report"}); err == nil {
		t.Error("a report of a workspace not served was read")
	}
}

// TestMCPBoundedOutputs: an output cut to --max-output still matches its
// tool's output schema (the SDK checks every output against it, and one
// that did not would be a protocol error), and says it was cut.
func TestMCPBoundedOutputs(t *testing.T) {
	cfg, _ := historyConfig(t)
	for _, max := range []string{"300", "3000"} {
		cs, _, _ := startMCP(t, "--config", cfg, "--max-output", max)
		for _, c := range []struct {
			tool string
			args map[string]any
		}{
			{"triage_incident", map[string]any{"incident": "121"}},
			{"list_incidents", map[string]any{"since": "14d"}},
			{"summarize_entity", map[string]any{"kind": "host", "value": "wks-fin-07.contoso-demo.example"}},
			{"run_named_query", map[string]any{"name": "related_alerts", "params": map[string]any{"start": "2026-11-12", "end": "2026-11-26", "values": []string{"203.0.113.66"}}}},
		} {
			got := structured(t, c.tool, call(t, cs, c.tool, c.args))
			if got["truncated"] == nil {
				t.Errorf("--max-output %s: %s's output does not say it was cut: %v", max, c.tool, keysOf(got))
			}
		}
	}
}
