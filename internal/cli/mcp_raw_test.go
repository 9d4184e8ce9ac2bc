package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// These tests speak the Model Context Protocol to triage mcp as a client
// the project has not written against: no SDK, the JSON-RPC 2.0 messages
// of the specification (revision 2025-06-18) written by hand, over the
// stdin and stdout of a real process (this test binary run as triage, see
// TestMain) and over Streamable HTTP with net/http.

// rawProtocol is the protocol revision the raw client asks for.
const rawProtocol = "2025-06-18"

// rpcMessage is any JSON-RPC 2.0 message the server sends: a response
// (id, result or error) or a notification (method, params).
type rpcMessage struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// rawStdio is a triage mcp process and the lines it wrote to stdout.
type rawStdio struct {
	t      *testing.T
	cmd    *exec.Cmd
	in     io.WriteCloser
	lines  chan []byte
	stderr *syncBuffer
	nextID int
	// notes are the notifications read while waiting for responses.
	notes []rpcMessage
}

// startRawMCP starts `triage mcp args...` as a process.
func startRawMCP(t *testing.T, args ...string) *rawStdio {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"mcp"}, args...)...)
	cmd.Env = append(os.Environ(), runCLIEnv+"="+testCacheDir)
	r := &rawStdio{t: t, cmd: cmd, lines: make(chan []byte, 64), stderr: &syncBuffer{}}
	cmd.Stderr = r.stderr
	var err error
	if r.in, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			r.lines <- bytes.Clone(sc.Bytes())
		}
		close(r.lines)
	}()
	t.Cleanup(func() {
		r.in.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("triage mcp: %v\nstderr: %s", err, r.stderr.String())
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Errorf("triage mcp did not end when its stdin closed")
		}
		if t.Failed() {
			t.Logf("stderr of triage mcp:\n%s", r.stderr.String())
		}
	})
	return r
}

// send writes one message, a line of JSON.
func (r *rawStdio) send(msg map[string]any) {
	r.t.Helper()
	msg["jsonrpc"] = "2.0"
	b, err := json.Marshal(msg)
	if err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.in.Write(append(b, '\n')); err != nil {
		r.t.Fatalf("write to triage mcp: %v", err)
	}
}

// request sends a request and returns its result, keeping the
// notifications that come before it; a JSON-RPC error fails the test.
func (r *rawStdio) request(method string, params any) json.RawMessage {
	r.t.Helper()
	r.nextID++
	id := r.nextID
	r.send(map[string]any{"id": id, "method": method, "params": params})
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case line, ok := <-r.lines:
			if !ok {
				r.t.Fatalf("%s: triage mcp closed stdout before answering", method)
			}
			var m rpcMessage
			if err := json.Unmarshal(line, &m); err != nil || m.JSONRPC != "2.0" {
				r.t.Fatalf("%s: a line that is not JSON-RPC 2.0 on stdout (%v): %s", method, err, line)
			}
			if m.Method != "" && len(m.ID) == 0 {
				r.notes = append(r.notes, m)
				continue
			}
			if string(m.ID) != fmt.Sprint(id) {
				r.t.Fatalf("%s: a message with id %s, want a response to %d: %s", method, m.ID, id, line)
			}
			if m.Error != nil {
				r.t.Fatalf("%s: JSON-RPC error %d: %s", method, m.Error.Code, m.Error.Message)
			}
			return m.Result
		case <-timeout:
			r.t.Fatalf("%s: no answer in 2 minutes", method)
		}
	}
}

// initialize is the protocol's handshake.
func (r *rawStdio) initialize() map[string]any {
	r.t.Helper()
	res := decodeObject(r.t, "initialize", r.request("initialize", map[string]any{
		"protocolVersion": rawProtocol, "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "raw-json-rpc", "version": "0"},
	}))
	r.send(map[string]any{"method": "notifications/initialized"})
	return res
}

// callResult is a tools/call result as the specification has it.
type callResult struct {
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	StructuredContent map[string]any `json:"structuredContent"`
	IsError           bool           `json:"isError"`
}

func (c callResult) text() string {
	var sb strings.Builder
	for _, x := range c.Content {
		sb.WriteString(x.Text)
	}
	return sb.String()
}

// call calls a tool, with meta as the request's _meta when not nil.
func (r *rawStdio) call(tool string, args map[string]any, meta map[string]any) callResult {
	r.t.Helper()
	params := map[string]any{"name": tool, "arguments": args}
	if meta != nil {
		params["_meta"] = meta
	}
	return decodeCall(r.t, tool, r.request("tools/call", params))
}

func decodeCall(t *testing.T, tool string, raw json.RawMessage) callResult {
	t.Helper()
	var c callResult
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("%s: %v\n%s", tool, err, raw)
	}
	return c
}

func decodeObject(t *testing.T, what string, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, raw)
	}
	return m
}

// rawTool is a tool as tools/list gives it.
type rawTool struct {
	Name         string         `json:"name"`
	Description  string         `json:"description"`
	InputSchema  map[string]any `json:"inputSchema"`
	OutputSchema map[string]any `json:"outputSchema"`
}

// checkTools checks that tools/list's tools are exactly want, each with
// a description and object schemas for its input and its output, and
// returns them by name.
func checkTools(t *testing.T, raw json.RawMessage, want []string) map[string]rawTool {
	t.Helper()
	var list struct {
		Tools []rawTool `json:"tools"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatalf("tools/list: %v\n%s", err, raw)
	}
	byName := map[string]rawTool{}
	var names []string
	for _, tl := range list.Tools {
		byName[tl.Name] = tl
		names = append(names, tl.Name)
		if tl.Description == "" {
			t.Errorf("tool %s has no description", tl.Name)
		}
		if tl.InputSchema["type"] != "object" {
			t.Errorf("tool %s: inputSchema %v, want an object schema", tl.Name, tl.InputSchema)
		}
		if props, _ := tl.OutputSchema["properties"].(map[string]any); tl.OutputSchema["type"] != "object" || len(props) < 2 {
			t.Errorf("tool %s: outputSchema %v, want an object schema naming its members", tl.Name, tl.OutputSchema)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Errorf("tools %v, want %v", names, want)
	}
	return byName
}

// runJSON is `triage run 121 --format json`'s report, decoded.
func runJSON(t *testing.T, cfg, incident string) map[string]any {
	t.Helper()
	out, errOut, code := run(t, "run", incident, "--format", "json", "--config", cfg)
	if code != ExitOK {
		t.Fatalf("run %s: exit %d: %s", incident, code, errOut)
	}
	return decodeObject(t, "run --format json", json.RawMessage(out))
}

// TestMCPRawStdio: a hand-written client over a real process's stdio.
func TestMCPRawStdio(t *testing.T) {
	cfg, _ := historyConfig(t)
	r := startRawMCP(t, "--config", cfg)
	init := r.initialize()
	if init["protocolVersion"] != rawProtocol {
		t.Errorf("initialize: protocolVersion %v, want %s", init["protocolVersion"], rawProtocol)
	}
	if caps, _ := init["capabilities"].(map[string]any); caps["tools"] == nil || caps["resources"] == nil {
		t.Errorf("initialize: capabilities %v, want tools and resources", init["capabilities"])
	}
	if info, _ := init["serverInfo"].(map[string]any); info["name"] != "triage" {
		t.Errorf("initialize: serverInfo %v", init["serverInfo"])
	}
	checkTools(t, r.request("tools/list", map[string]any{}), readTools)

	// triage_incident on 121, with a progress token: notifications while
	// the steps run, then the report, whose verdict and entities are run's.
	want := runJSON(t, cfg, "121")
	res := r.call("triage_incident", map[string]any{"incident": "121"}, map[string]any{"progressToken": "p-121"})
	if res.IsError {
		t.Fatalf("triage_incident: %s", res.text())
	}
	got := res.StructuredContent
	wti, gti := want["ti"].(map[string]any), got["ti"].(map[string]any)
	if gti["severity"] != wti["severity"] || gti["complete"] != wti["complete"] || gti["explanation"] != wti["explanation"] {
		t.Errorf("verdict %v %v %q; run's %v %v %q", gti["severity"], gti["complete"], gti["explanation"], wti["severity"], wti["complete"], wti["explanation"])
	}
	if g, w := entityKeys(t, got), entityKeys(t, want); !slices.Equal(g, w) || len(g) == 0 {
		t.Errorf("entities\n got %v\nwant %v", g, w)
	}
	// The text content is the same JSON, for clients that read no
	// structured content.
	var fromText map[string]any
	if err := json.Unmarshal([]byte(res.text()), &fromText); err != nil || fromText["ti"].(map[string]any)["severity"] != gti["severity"] {
		t.Errorf("the text content is not the structured content's JSON: %v", err)
	}
	steps := 0
	last := 0.0
	for _, n := range r.notes {
		if n.Method != "notifications/progress" {
			continue
		}
		var p struct {
			Token    string  `json:"progressToken"`
			Progress float64 `json:"progress"`
			Message  string  `json:"message"`
		}
		if err := json.Unmarshal(n.Params, &p); err != nil || p.Token != "p-121" || p.Progress <= last || p.Message == "" {
			t.Errorf("progress notification %s: %v", n.Params, err)
		}
		last = p.Progress
		steps++
	}
	// One per step, the summaries' perhaps twice (without threat intel
	// while lookups run, then with it).
	if sections, _ := want["sections"].([]any); steps < len(sections) || steps > len(sections)+1 {
		t.Errorf("%d progress notifications, want one per step (%d steps)", steps, len(sections))
	}

	// Without a progress token, no notification.
	r.notes = nil
	if res := r.call("triage_incident", map[string]any{"incident": "121", "sections": []string{"ti"}}, nil); res.IsError || res.StructuredContent["alerts"] != nil {
		t.Errorf("triage_incident with sections [ti]: %v %s", res.IsError, res.text())
	}
	if len(r.notes) != 0 {
		t.Errorf("notifications without a progress token: %v", r.notes)
	}

	// The triage was recorded: its report is a resource, listed and read.
	const uri = "triage://demo/incidents/121/report"
	var list struct {
		Resources []struct{ URI, MIMEType string }
	}
	if err := json.Unmarshal(r.request("resources/list", map[string]any{}), &list); err != nil || len(list.Resources) != 1 || list.Resources[0].URI != uri {
		t.Errorf("resources/list: %v %+v, want %s", err, list.Resources, uri)
	}
	var read struct {
		Contents []struct{ URI, MIMEType, Text string }
	}
	if err := json.Unmarshal(r.request("resources/read", map[string]any{"uri": uri}), &read); err != nil || len(read.Contents) != 1 || read.Contents[0].MIMEType != "application/json" {
		t.Fatalf("resources/read: %v %+v", err, read)
	}
	if rep := decodeObject(t, uri, json.RawMessage(read.Contents[0].Text)); rep["incident"].(map[string]any)["number"] != float64(121) {
		t.Errorf("%s: incident %v", uri, rep["incident"])
	}

	// The write tools are not listed, and a call of one is refused.
	res = r.call("update_incident", map[string]any{"incident": "121", "status": "closed"}, nil)
	if !res.IsError || !strings.Contains(res.text(), "--allow-writes") {
		t.Errorf("update_incident without --allow-writes: %v %q", res.IsError, res.text())
	}
}

// TestMCPRawWrites: with --allow-writes, over a real process's stdio, the
// first call returns the change and a token and writes nothing, the
// second, with the token, writes once.
func TestMCPRawWrites(t *testing.T) {
	cfg, _ := historyConfig(t)
	r := startRawMCP(t, "--config", cfg, "--allow-writes")
	r.initialize()
	withWrites := append(slices.Clone(readTools), "comment_incident", "update_incident")
	slices.Sort(withWrites)
	checkTools(t, r.request("tools/list", map[string]any{}), withWrites)

	args := map[string]any{"incident": "121", "severity": "medium"}
	plan := r.call("update_incident", args, nil)
	tok, _ := plan.StructuredContent["confirmation_token"].(string)
	if plan.IsError || plan.StructuredContent["status"] != "confirmation_required" || tok == "" {
		t.Fatalf("first call: %s", plan.text())
	}
	before := func(res callResult) any {
		return res.StructuredContent["change"].(map[string]any)["before"].(map[string]any)["severity"]
	}
	if before(plan) != "High" {
		t.Errorf("the change shown: %v", plan.StructuredContent["change"])
	}
	// The first call wrote nothing: asked again, the incident is as it was.
	if again := r.call("update_incident", args, nil); again.IsError || before(again) != "High" {
		t.Fatalf("after the first call, the incident: %s", again.text())
	}
	done := r.call("update_incident", map[string]any{"incident": "121", "severity": "medium", "confirmation_token": tok}, nil)
	if done.IsError || done.StructuredContent["status"] != "applied" {
		t.Fatalf("the confirmed call: %s", done.text())
	}
	if changed, _ := done.StructuredContent["result"].(map[string]any)["changed"].([]any); len(changed) != 1 {
		t.Errorf("the confirmed call changed %v, want the severity only", changed)
	}
	// Once: the token is spent, and the incident has the change.
	if res := r.call("update_incident", map[string]any{"incident": "121", "severity": "medium", "confirmation_token": tok}, nil); !res.IsError {
		t.Error("the token was good twice")
	}
	if res := r.call("update_incident", args, nil); !res.IsError || !strings.Contains(res.text(), "already has these values") {
		t.Errorf("after the write, the same change: %q", res.text())
	}
}

// TestMCPRawHTTP: a hand-written client over Streamable HTTP with net/http:
// the session, the tools with their schemas, a triage.
func TestMCPRawHTTP(t *testing.T) {
	cfg, _ := historyConfig(t)
	cmd := exec.Command(os.Args[0], "mcp", "--config", cfg, "--listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), runCLIEnv+"="+testCacheDir)
	errb := &syncBuffer{}
	cmd.Stderr = errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if code := cmd.ProcessState.ExitCode(); err != nil && code != ExitInterrupt {
				t.Errorf("triage mcp --listen: %v, exit %d, want %d", err, code, ExitInterrupt)
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Error("triage mcp --listen did not end on SIGINT")
		}
		if t.Failed() {
			t.Logf("stderr of triage mcp:\n%s", errb.String())
		}
	}()
	re := regexp.MustCompile(`mcp serving (http://\S+)`)
	var url string
	for deadline := time.Now().Add(60 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(errb.String()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		t.Fatal("no address on stderr")
	}

	session := ""
	id := 0
	// post sends one message; a request's response comes as JSON or as an
	// event stream whose event carries it.
	var notes []rpcMessage // the notifications of the last request's stream
	post := func(msg map[string]any) (*http.Response, *rpcMessage) {
		t.Helper()
		msg["jsonrpc"] = "2.0"
		isRequest := msg["id"] != nil
		b, _ := json.Marshal(msg)
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
			req.Header.Set("MCP-Protocol-Version", rawProtocol)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if !isRequest {
			return resp, nil
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%v: HTTP %d: %s", msg["method"], resp.StatusCode, body)
		}
		m, n := responseIn(t, resp.Header.Get("Content-Type"), body, fmt.Sprint(msg["id"]))
		notes = n
		if m.Error != nil {
			t.Fatalf("%v: JSON-RPC error %d: %s", msg["method"], m.Error.Code, m.Error.Message)
		}
		return resp, m
	}
	request := func(method string, params any) json.RawMessage {
		t.Helper()
		id++
		_, m := post(map[string]any{"id": id, "method": method, "params": params})
		return m.Result
	}

	id++
	resp, m := post(map[string]any{"id": id, "method": "initialize", "params": map[string]any{
		"protocolVersion": rawProtocol, "capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "raw-http", "version": "0"},
	}})
	session = resp.Header.Get("Mcp-Session-Id")
	if session == "" {
		t.Fatal("initialize: no Mcp-Session-Id header")
	}
	if v := decodeObject(t, "initialize", m.Result)["protocolVersion"]; v != rawProtocol {
		t.Errorf("initialize: protocolVersion %v", v)
	}
	if resp, _ := post(map[string]any{"method": "notifications/initialized"}); resp.StatusCode != http.StatusAccepted {
		t.Errorf("notifications/initialized: HTTP %d, want 202", resp.StatusCode)
	}
	checkTools(t, request("tools/list", map[string]any{}), readTools)

	res := decodeCall(t, "triage_incident", request("tools/call", map[string]any{"name": "triage_incident", "arguments": map[string]any{"incident": "121"},
		"_meta": map[string]any{"progressToken": 7}}))
	progress := 0
	for _, n := range notes {
		var p struct {
			Token float64 `json:"progressToken"`
		}
		if n.Method == "notifications/progress" && json.Unmarshal(n.Params, &p) == nil && p.Token == 7 {
			progress++
		}
	}
	if progress < 3 {
		t.Errorf("%d progress notifications in the call's event stream, want one per step", progress)
	}
	want := runJSON(t, cfg, "121")
	if res.IsError || res.StructuredContent["ti"].(map[string]any)["severity"] != want["ti"].(map[string]any)["severity"] {
		t.Errorf("triage_incident over HTTP: %v %.300s", res.IsError, res.text())
	} else if g, w := entityKeys(t, res.StructuredContent), entityKeys(t, want); !slices.Equal(g, w) {
		t.Errorf("entities over HTTP\n got %v\nwant %v", g, w)
	}

	// A request naming no session, or one that is not this server's, is
	// refused.
	session = "not-a-session"
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 99, "method": "tools/list"})
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Session-Id", session)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown session: %v %v, want 404", err, resp.Status)
	} else {
		resp.Body.Close()
	}
}

// responseIn finds the response with id in an HTTP body, JSON or a
// server-sent event stream whose data lines carry messages, and the
// notifications the stream carried before it.
func responseIn(t *testing.T, contentType string, body []byte, id string) (*rpcMessage, []rpcMessage) {
	t.Helper()
	var payloads [][]byte
	switch {
	case strings.HasPrefix(contentType, "application/json"):
		payloads = [][]byte{body}
	case strings.HasPrefix(contentType, "text/event-stream"):
		for _, line := range bytes.Split(body, []byte("\n")) {
			if data, ok := bytes.CutPrefix(line, []byte("data:")); ok {
				payloads = append(payloads, bytes.TrimSpace(data))
			}
		}
	default:
		t.Fatalf("a response of type %q: %s", contentType, body)
	}
	var notes []rpcMessage
	for _, p := range payloads {
		var m rpcMessage
		if err := json.Unmarshal(p, &m); err != nil {
			t.Fatalf("a message that is not JSON: %v: %s", err, p)
		}
		if string(m.ID) == id {
			return &m, notes
		}
		if m.Method != "" {
			notes = append(notes, m)
		}
	}
	t.Fatalf("no response with id %s in: %s", id, body)
	return nil, nil
}
