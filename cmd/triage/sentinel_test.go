package main

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/demo"
	"github.com/triage-dev/triage/internal/workspace/sentinel/sentineltest"
)

// fakeSentinel is a fake Sentinel + Log Analytics service over TLS holding
// the demo's records, and what points the binary at it through
// configuration only: a directory with triage.yaml (workspace "lab"), a fake
// az on PATH that signs in, and an environment that trusts the service's
// certificate through SSL_CERT_FILE, as an analyst's machine would.
type fakeSentinel struct {
	srv                 *sentineltest.Server
	wc                  config.Workspace
	dir, cfgFile, azLog string
	env                 []string
}

func newFakeSentinel(t *testing.T) *fakeSentinel {
	t.Helper()
	dir := t.TempDir()

	now := time.Now().UTC()
	recs := map[string][]map[string]any{}
	err := demo.Generate(demo.Options{Now: now, Scale: 1}, func(table string, rec map[string]any) error {
		recs[table] = append(recs[table], rec)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := sentineltest.New(t, recs)
	srv.PageSize = 10

	certFile := filepath.Join(dir, "fake-ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	must(t, os.WriteFile(certFile, pemBytes, 0o600))
	azLog := filepath.Join(dir, "az.log")
	az := fmt.Sprintf("#!/bin/sh\necho \"$@\" >> %q\necho '{\"accessToken\":\"cli-token\",\"expiresOn\":\"2099-01-01 00:00:00.000000\",\"expires_on\":4070908800,\"tenant\":\"t\",\"tokenType\":\"Bearer\"}'\n", azLog)
	must(t, os.WriteFile(filepath.Join(dir, "az"), []byte(az), 0o755))

	wc := srv.Workspace("lab")
	cfg := fmt.Sprintf(`default_workspace: lab
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
`, srv.URL, srv.URL, wc.TenantID, wc.SubscriptionID, wc.ResourceGroup, wc.WorkspaceName, wc.WorkspaceID)
	cfgFile := filepath.Join(dir, "triage.yaml")
	must(t, os.WriteFile(cfgFile, []byte(cfg), 0o600))

	env := []string{
		"PATH=" + dir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "XDG_CACHE_HOME=" + filepath.Join(dir, "cache"),
		"SSL_CERT_FILE=" + certFile, "MSTICPYCONFIG=" + filepath.Join(dir, "none.yaml"),
	}
	return &fakeSentinel{srv: srv, wc: wc, dir: dir, cfgFile: cfgFile, azLog: azLog, env: env}
}

// TestBinaryAgainstSentinel builds the binary and points it, through
// configuration only, at a fake Sentinel + Log Analytics service over TLS
// that it trusts through SSL_CERT_FILE, signing in with the Azure CLI (a fake
// az on PATH), as an analyst's machine would.
func TestBinaryAgainstSentinel(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	f := newFakeSentinel(t)
	srv, wc, dir, cfgFile, azLog, env := f.srv, f.wc, f.dir, f.cfgFile, f.azLog, f.env
	run := func(args ...string) (string, string, int) {
		t.Helper()
		return runBinary(t, dir, env, append([]string{"--config", cfgFile}, args...)...)
	}

	out, errOut, code := run("incidents", "--json", "--since", "14d")
	if code != 0 {
		t.Fatalf("incidents: exit %d: %s", code, errOut)
	}
	var incs []map[string]any
	must(t, json.Unmarshal([]byte(out), &incs))
	if len(incs) != 31 {
		t.Errorf("listed %d incidents over 14 days, want the demo's 31 (all pages)", len(incs))
	}
	if log, _ := os.ReadFile(azLog); !strings.Contains(string(log), "get-access-token") || !strings.Contains(string(log), "--tenant "+wc.TenantID) {
		t.Errorf("the fake az was not asked for a token in the workspace's tenant: %q", log)
	}

	out, errOut, code = run("show", "121")
	if code != 0 || !strings.Contains(out, "121") {
		t.Errorf("show 121: exit %d\n%s\n%s", code, out, errOut)
	}

	out, errOut, code = run("run", "121", "--format", "json")
	if code != 0 && code != 3 {
		t.Fatalf("run 121: exit %d: %s", code, errOut)
	}
	var rep struct {
		Incident struct{ Number int } `json:"incident"`
		Sections []struct {
			Name, Status string
		} `json:"sections"`
	}
	must(t, json.Unmarshal([]byte(out), &rep))
	if rep.Incident.Number != 121 || len(rep.Sections) == 0 {
		t.Errorf("report = %+v", rep)
	}
	for _, s := range rep.Sections {
		if s.Status == "error" {
			t.Errorf("section %s failed against the fake service: %s", s.Name, errOut)
		}
	}

	name, _ := incs[0]["name"].(string)
	number := fmt.Sprint(incs[0]["number"])

	out, errOut, code = run("comment", number, "-m", "Called the user: **travelling**.")
	if code != 0 || strings.TrimSpace(out) == "" {
		t.Errorf("comment: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if cs := srv.Comments(name); len(cs) != 1 || cs[0] != "Called the user: **travelling**." {
		t.Errorf("comments on the service = %q", cs)
	}

	_, errOut, code = run("update", number, "--status", "closed")
	if code != 2 || !strings.Contains(errOut, "classification") {
		t.Errorf("closing without a classification: exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = run("update", number, "--status", "closed", "--classification", "false-positive",
		"--reason", "IncorrectAlertLogic", "--comment", "rule too broad", "--label", "reviewed", "--dry-run")
	if code != 0 {
		t.Errorf("update --dry-run: exit %d: %s", code, errOut)
	}
	if inc, _ := srv.Incident(name); inc.Status == "Closed" {
		t.Error("a dry run changed the incident")
	}
	_, errOut, code = run("update", number, "--status", "closed", "--classification", "false-positive",
		"--reason", "IncorrectAlertLogic", "--comment", "rule too broad", "--label", "reviewed")
	inc, _ := srv.Incident(name)
	if code != 0 || inc.Status != "Closed" || inc.Classification != "FalsePositive" || inc.ClassificationComment != "rule too broad" || !slices.Contains(inc.Labels, "reviewed") {
		t.Errorf("update: exit %d (%s), incident now %+v", code, errOut, inc)
	}

	for i := 0; i < 2; i++ {
		_, errOut, code = run("run", number, "--post", "-o", filepath.Join(dir, "report.md"))
		if code != 0 && code != 3 {
			t.Fatalf("run --post: exit %d: %s", code, errOut)
		}
	}
	cs := srv.Comments(name)
	if len(cs) != 2 || !strings.HasPrefix(cs[1], "triage-summary") {
		t.Errorf("after two posts the incident has comments %d (want the analyst's and one summary)", len(cs))
	}

	// Signed out of the Azure CLI: a sign-in error, exit 4, saying what to do.
	noLogin := filepath.Join(dir, "signed-out")
	must(t, os.MkdirAll(noLogin, 0o755))
	must(t, os.WriteFile(filepath.Join(noLogin, "az"), []byte("#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n"), 0o755))
	saved := env[0]
	env[0] = "PATH=" + noLogin + string(os.PathListSeparator) + os.Getenv("PATH")
	_, errOut, code = run("incidents")
	env[0] = saved
	if code != 4 || !strings.Contains(errOut, "az login") || !strings.Contains(errOut, "lab") {
		t.Errorf("signed out: exit %d, stderr %q; want 4 naming the workspace and az login", code, errOut)
	}

	_, errOut, code = run("show", "9999")
	if code != 1 || !strings.Contains(errOut, "9999") {
		t.Errorf("show 9999: exit %d, stderr %q; want 1 naming the incident", code, errOut)
	}
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// binary builds the triage binary once per test run and returns its path.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "triage-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "triage")
		if out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// runBinary runs the binary with env in dir and returns stdout, stderr and
// the exit code.
func runBinary(t *testing.T, dir string, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = env
	cmd.Dir = dir
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

func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
