package cli

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/workspace/defender/defendertest"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

// childArgsEnv carries the arguments of a command run in a child process
// (TestCLIChild): the child trusts the fake's certificate through
// SSL_CERT_FILE, which Go reads once per process, and signs in with an az
// on its PATH.
const childArgsEnv = "TRIAGE_TEST_CHILD_ARGS"

// TestCLIChild is not a test: it runs the command line of childArgsEnv in
// a child process started by runChild, and does nothing otherwise.
func TestCLIChild(t *testing.T) {
	raw := os.Getenv(childArgsEnv)
	if raw == "" {
		return
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	s := &IO{Out: os.Stdout, Err: os.Stderr, Now: time.Now, ConfigOptions: func(path string) config.LoadOptions {
		return config.LoadOptions{ConfigPath: path, UserCacheDir: os.Getenv("TRIAGE_TEST_CACHE")}
	}}
	os.Exit(Run(context.Background(), s, args))
}

// defenderEnv is a fake Graph with the conformance records, a configuration
// naming it as workspace xdr, its certificate, and an az that hands out a
// token.
type defenderEnv struct {
	srv               *defendertest.Server
	config, dir, cert string
	azArgs            string
}

func newDefenderEnv(t *testing.T) *defenderEnv {
	return newDefenderEnvWith(t, defenderEnvOptions{})
}

// newDefenderEnvToken is newDefenderEnv with az handing out token.
func newDefenderEnvToken(t *testing.T, token string) *defenderEnv {
	return newDefenderEnvWith(t, defenderEnvOptions{token: token})
}

// defenderEnvOptions change what newDefenderEnvWith configures.
type defenderEnvOptions struct {
	token string // what az hands out ("graph-token")
	// intel replaces the configuration's intel line (no lookup leaves the
	// machine): its intel and providers settings.
	intel string
	// noLogAnalytics leaves workspace_id out: log queries go to advanced
	// hunting or are missing tables.
	noLogAnalytics bool
}

// newDefenderEnvWith is a defenderEnv configured as o says.
func newDefenderEnvWith(t *testing.T, o defenderEnvOptions) *defenderEnv {
	t.Helper()
	token := cmp.Or(o.token, "graph-token")
	srv := defendertest.New(t, workspacetest.Records())
	dir := t.TempDir()
	e := &defenderEnv{srv: srv, dir: dir, cert: filepath.Join(dir, "fake.pem"), azArgs: filepath.Join(dir, "az-args")}
	pemText := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(e.cert, pemText, 0o600); err != nil {
		t.Fatal(err)
	}
	az := "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '" + e.azArgs + "'\n" +
		`echo '{"accessToken":"` + token + `","expiresOn":"2030-01-01 00:00:00.000000","expires_on":1893456000,"tenant":"t","tokenType":"Bearer"}'` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "az"), []byte(az), 0o755); err != nil {
		t.Fatal(err)
	}
	wc := srv.Workspace("xdr")
	workspaceID := "    workspace_id: " + wc.WorkspaceID + "\n"
	if o.noLogAnalytics {
		workspaceID = ""
	}
	e.config = filepath.Join(dir, "triage.yaml")
	yaml := `data_dir: ` + filepath.Join(dir, "data") + `
default_workspace: xdr
` + cmp.Or(o.intel, "intel: {no_external: true}\n") + `workspaces:
  xdr:
    kind: defender
    tenant_id: ` + wc.TenantID + `
` + workspaceID + `    cloud: custom
    endpoints: {graph: ` + wc.Endpoints.Graph + `, log_analytics: ` + wc.Endpoints.LogAnalytics + `}
    auth: {method: [cli]}
`
	if err := os.WriteFile(e.config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

// run runs triage --config e.config args in a child process.
func (e *defenderEnv) run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	raw, _ := json.Marshal(append([]string{"--config", e.config}, args...))
	cmd := exec.Command(os.Args[0], "-test.run=^TestCLIChild$")
	cmd.Env = append(os.Environ(), childArgsEnv+"="+string(raw), "SSL_CERT_FILE="+e.cert,
		"PATH="+e.dir+string(os.PathListSeparator)+os.Getenv("PATH"), "TRIAGE_TEST_CACHE="+filepath.Join(e.dir, "cache"),
		"AZURE_CONFIG_DIR="+filepath.Join(e.dir, "azure"),
		// Whatever the configuration lets reach out (RDAP) stays on this
		// machine: loopback, where the fakes are, is never proxied.
		"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9", "NO_PROXY=", "no_proxy=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestDefenderWorkspaceCommands(t *testing.T) {
	e := newDefenderEnv(t)

	out, errOut, code := e.run(t, "incidents", "--json", "--since", "1000d")
	if code != ExitOK {
		t.Fatalf("incidents: exit %d: %s", code, errOut)
	}
	var incs []map[string]any
	if err := json.Unmarshal([]byte(out), &incs); err != nil {
		t.Fatalf("incidents --json: %v\n%s", err, out)
	}
	if len(incs) != 4 || incs[0]["name"] != "4" || incs[3]["number"] != float64(1) {
		t.Errorf("incidents: %v", incs)
	}
	if args, _ := os.ReadFile(e.azArgs); !strings.Contains(string(args), e.srv.URL) {
		t.Errorf("az was asked %q, want a token for the Graph endpoint", args)
	}

	out, errOut, code = e.run(t, "show", "1")
	if code != ExitOK || !strings.Contains(out, "Suspicious sign-in from 10.0.0.1") {
		t.Errorf("show 1: exit %d\n%s\n%s", code, out, errOut)
	}

	out, errOut, code = e.run(t, "run", "1", "--format", "json")
	if code != ExitOK && code != ExitPartial {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	var rep struct {
		Incident struct {
			Name   string            `json:"name"`
			Source map[string]string `json:"source"`
		} `json:"incident"`
		Alerts []struct {
			ID string `json:"id"`
		} `json:"alerts"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("run --format json: %v\n%.500s", err, out)
	}
	if rep.Incident.Name != "1" || rep.Incident.Source["status"] != "inProgress" || len(rep.Alerts) != 1 || rep.Alerts[0].ID != workspacetest.Alert1 {
		t.Errorf("report: %+v", rep)
	}
	if strings.Contains(out+errOut, "graph-token") {
		t.Error("the token appears in the output")
	}

	for i := 1; i <= 2; i++ {
		_, errOut, code = e.run(t, "run", "1", "--post")
		if code != ExitOK && code != ExitPartial {
			t.Fatalf("run --post: exit %d: %s", code, errOut)
		}
	}
	if cs := e.srv.Comments("1"); len(cs) != 2 || !strings.Contains(cs[0], "Suspicious sign-in") {
		t.Errorf("comments after two run --post: %d, want 2 summaries (Graph cannot edit one)", len(cs))
	}
	if !strings.Contains(errOut, "cannot edit comments") {
		t.Errorf("the second run --post does not say its summary is a new comment: %s", errOut)
	}
}

// A colleague's change between the read and the write is refused as update
// refuses an etag conflict, though Graph has no etag.
func TestDefenderUpdateRefusesAColleaguesChange(t *testing.T) {
	e := newDefenderEnv(t)
	var gets atomic.Int32
	e.srv.Fault = func(r *http.Request, _ []byte) *defendertest.Fault {
		if r.Method == http.MethodGet && r.URL.Path == "/v1.0/security/incidents/2" && gets.Add(1) == 2 {
			e.srv.Touch("2", func(g map[string]any) { g["assignedTo"] = "dave@contoso.com" })
		}
		return nil
	}
	_, errOut, code := e.run(t, "update", "2", "--status", "active")
	if code == ExitOK || !strings.Contains(errOut, "changed since it was read; nothing was written") || !strings.Contains(errOut, "dave@contoso.com") {
		t.Errorf("update after a colleague's change: exit %d: %s", code, errOut)
	}
	for _, r := range e.srv.Requests() {
		if strings.HasPrefix(r, "PATCH") {
			t.Errorf("a PATCH was sent: %s", r)
		}
	}
	_, errOut, code = e.run(t, "update", "2", "--status", "active")
	if g, _ := e.srv.Incident("2"); code != ExitOK || g["status"] != "inProgress" {
		t.Errorf("update again: exit %d, status %v: %s", code, g["status"], errOut)
	}
}

// config check --permissions signs in and names the Graph permissions the
// token lacks, without printing it.
func TestConfigCheckGraphPermissions(t *testing.T) {
	enc := base64.RawURLEncoding.EncodeToString
	token := enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(`{"roles":["SecurityIncident.ReadWrite.All"],"scp":"User.Read"}`)) + ".c2ln"
	e := newDefenderEnvToken(t, token)
	out, errOut, code := e.run(t, "config", "check")
	if code != ExitOK || strings.Contains(out, "lacks") {
		t.Fatalf("config check without --permissions: exit %d, or it read the token\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(e.azArgs); err == nil {
		t.Error("config check without --permissions ran az")
	}
	out, errOut, code = e.run(t, "config", "check", "--permissions")
	if code != ExitOK {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	for _, want := range []string{"the Graph token lacks SecurityAlert.Read.All", "ThreatHunting.Read.All (for advanced hunting queries)"} {
		if !strings.Contains(out, want) {
			t.Errorf("config check --permissions does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+errOut, token) || strings.Contains(out, "lacks SecurityIncident") {
		t.Errorf("output shows the token or a permission ReadWrite covers:\n%s", out)
	}
}
