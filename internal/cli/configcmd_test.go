package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/config"
)

// msticpyFixture is the msticpy project's test configuration (see
// testdata/README.md).
func msticpyFixture(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("testdata/msticpyconfig.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("msticpy fixture: %v", err)
	}
	return p
}

// fixtureSecrets are secret values given plainly in the fixture (OTX,
// AzureCLI's clientSecret, RiskIQ, IPStack); none may be printed. The
// OpenPageRank key is left out: it equals MyTestWS's tenant id, which is
// printed as a tenant.
var fixtureSecrets = []string{"987654321", "69d28fd7-42a5-48bc-a619-af56397b3333", "aaaa-bbbb-cccc-dddd-eeee"}

func writeTriageYAML(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "triage.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// runEnv is run with the process environment visible to configuration
// loading (run's is empty).
func runEnv(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	s := &IO{
		Out: &out, Err: &errb,
		Now: func() time.Time { return testNow },
		ConfigOptions: func(path string) config.LoadOptions {
			return config.LoadOptions{ConfigPath: path, Getenv: os.Getenv, UserCacheDir: testCacheDir}
		},
	}
	code := Run(context.Background(), s, args)
	return out.String(), errb.String(), code
}

func assertNoSecrets(t *testing.T, secrets []string, outputs ...string) {
	t.Helper()
	for _, o := range outputs {
		for _, s := range secrets {
			if strings.Contains(o, s) {
				t.Errorf("output contains secret %q:\n%s", s, o)
			}
		}
	}
}

// section returns the lines of subject's findings in the text output.
func section(out, subject string) string {
	_, rest, ok := strings.Cut(out, "\n"+subject+"\n")
	if !ok {
		return ""
	}
	end := strings.Index(rest, "\n\n")
	if end < 0 {
		return rest
	}
	return rest[:end]
}

func TestConfigCheckMsticpy(t *testing.T) {
	fixture := msticpyFixture(t)
	t.Setenv("MSTICPYCONFIG", fixture) // unused by run (empty environment): msticpy_config names it
	cfgPath := writeTriageYAML(t, "msticpy_config: "+strconv.Quote(fixture)+`
workspaces:
  partial:
    workspace_id: 8ecf8077-cf51-4820-aadd-14040956f35d
    resource_group: soc-rg
    workspace_name: contoso-sentinel
    auth: {method: cli}
`)
	out, errOut, code := run(t, "config", "check", "--config", cfgPath)
	if code != ExitConfig {
		t.Errorf("exit %d, want %d: the fixture's VirusTotal key variable is not set\nstderr: %s", code, ExitConfig, errOut)
	}
	for _, want := range []string{"Read " + cfgPath + "\n", "Read " + fixture + "\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not say %q", strings.TrimSpace(want))
		}
	}
	// Every workspace and provider of the fixture is there, with the right
	// verdict.
	for _, tt := range []struct{ subject, want string }{
		{"workspace Default", "ok       the default workspace: Sentinel workspace 52b1ab41-869e-4138-9e40-2a4457f09bf3"},
		{"workspace Default", "also needs subscription_id, resource_group, workspace_name"},
		{"workspace MyTestWS", "ok       Sentinel workspace a927809c-8142-43e1-96b3-4ad87cfe95a3"},
		{"workspace MyTestWS", "sign-in: clientsecret then cli then managedidentity then devicecode"},
		{"workspace partial", "also needs subscription_id: set it under workspaces.partial in triage.yaml"},
		{"provider otx", "ok       enabled, primary, api key in " + fixture},
		{"provider virustotal", "error    api key from environment variable VTAUTHKEY, which is not set"},
		{"provider xforce", "error    api id from environment variable XFORCE_ID, which is not set"},
		{"provider greynoise", "ok       enabled, primary, no api key (community API)"},
		{"provider abuseipdb", "looks like a placeholder"},
		{"provider tor", "ok       enabled, primary"},
		{"provider sentinel-ti", "off      turned off by Provider: --no-load--"},
		{"config", "TIProviders.RiskIQ: provider RiskIQ is not supported by triage; ignored"},
	} {
		if got := section(out, tt.subject); !strings.Contains(got, tt.want) {
			t.Errorf("%s: findings\n%s\nlack %q", tt.subject, got, tt.want)
		}
	}
	if !strings.Contains(errOut, "triage: the configuration has 4 errors; each finding says what to fix") {
		t.Errorf("stderr %q does not give the number of errors", errOut)
	}
	assertNoSecrets(t, fixtureSecrets, out, errOut)
}

func TestConfigCheckJSON(t *testing.T) {
	fixture := msticpyFixture(t)
	t.Setenv("MSTICPYCONFIG", fixture)
	leaks := []string{"LEAK-vt-env-4c1d", "LEAK-xforce-key-9a0b", "LEAK-xforce-id-77e2", "LEAK-maxmind-e5e5"}
	t.Setenv("VTAUTHKEY", leaks[0])
	t.Setenv("XFORCE_KEY", leaks[1])
	t.Setenv("XFORCE_ID", leaks[2])
	t.Setenv("MAXMIND_AUTH", leaks[3])
	// The fixture is found through MSTICPYCONFIG alone.
	cfgPath := writeTriageYAML(t, "default_workspace: MyTestWS\n")
	out, errOut, code := runEnv(t, "config", "check", "--json", "--config", cfgPath)
	if code != ExitConfig {
		t.Errorf("exit %d, want %d: AbuseIPDB's key is a placeholder\nstderr: %s", code, ExitConfig, errOut)
	}
	var r configCheck
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if len(r.Files) != 2 || r.Files[0] != cfgPath || r.Files[1] != fixture || r.MsticpyFile != fixture {
		t.Errorf("files %q (msticpy %q), want %q then %q", r.Files, r.MsticpyFile, cfgPath, fixture)
	}
	if r.DefaultWorkspace != "MyTestWS" {
		t.Errorf("default workspace %q, want MyTestWS", r.DefaultWorkspace)
	}
	levels := map[string]config.Level{}
	errs := 0
	for _, f := range r.Findings {
		if f.Level == config.LevelError {
			errs++
		}
		if levels[f.Subject] != config.LevelError {
			levels[f.Subject] = f.Level
		}
	}
	if errs != r.Errors || errs != 1 {
		t.Errorf("%d error findings, errors %d; want 1 (abuseipdb): %+v", errs, r.Errors, r.Findings)
	}
	for subject, want := range map[string]config.Level{
		"workspace MyTestWS": config.LevelOK, "workspace Default": config.LevelOK,
		"provider virustotal": config.LevelOK, "provider xforce": config.LevelOK,
		"provider abuseipdb": config.LevelError, "provider localfeed": config.LevelOff,
	} {
		if levels[subject] != want {
			t.Errorf("%s is %q, want %q", subject, levels[subject], want)
		}
	}
	if r.Findings[0].Subject != "workspace MyTestWS" {
		t.Errorf("first finding is about %s, want the default workspace", r.Findings[0].Subject)
	}
	assertNoSecrets(t, append(leaks, fixtureSecrets...), out, errOut)
}

func TestConfigCheckExitStatus(t *testing.T) {
	const ws = `msticpy_config: none
default_workspace: soc
workspaces:
  soc:
    workspace_id: 8ecf8077-cf51-4820-aadd-14040956f35d
    tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47
    subscription_id: 3b701f84-d04b-4479-89b1-fa8827eb537e
    resource_group: soc-rg
    workspace_name: contoso-sentinel
`
	tests := []struct {
		name    string
		yaml    string
		env     map[string]string // process environment
		code    int
		want    []string // in stdout
		notWant []string // in stdout
		stderr  string
	}{
		{
			name: "usable",
			yaml: ws + "    auth: {method: [cli, devicecode]}\n",
			code: ExitOK,
			want: []string{"ok       the default workspace: Sentinel workspace 8ecf8077-cf51-4820-aadd-14040956f35d (contoso-sentinel in resource group soc-rg", "sign-in: cli then devicecode", "\nno errors, "},
		},
		{
			name:    "client secret missing",
			yaml:    ws + "    auth: {method: clientsecret, client_id: app}\n",
			code:    ExitConfig,
			want:    []string{"error    sign-in with clientsecret cannot work: client secret from environment variable AZURE_CLIENT_SECRET, which is not set"},
			notWant: []string{"sign-in cannot be set up"}, // Check said it already
			stderr:  "triage: the configuration has 1 error; each finding says what to fix",
		},
		{
			name:    "client secret missing but cli follows",
			yaml:    ws + "    auth: {method: [clientsecret, cli], client_id: app}\n",
			code:    ExitOK,
			want:    []string{"warning  sign-in with clientsecret will be skipped", "sign-in: cli"},
			notWant: []string{"sign-in cannot be set up"},
		},
		{
			name:   "credential cannot be built",
			yaml:   ws,
			env:    map[string]string{"AZURE_TOKEN_CREDENTIALS": "NoSuchCredential"},
			code:   ExitConfig,
			want:   []string{"error    sign-in cannot be set up: default: invalid AZURE_TOKEN_CREDENTIALS value \"NoSuchCredential\""},
			stderr: "triage: the configuration has 1 error",
		},
		{
			name:   "bad triage.yaml",
			yaml:   "workspaces:\n  soc:\n    workspace_idd: x\n",
			code:   ExitConfig,
			stderr: "workspaces.soc.workspace_idd: unknown key",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AZURE_TOKEN_CREDENTIALS", "") // restored after the test
			os.Unsetenv("AZURE_TOKEN_CREDENTIALS")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			cfgPath := writeTriageYAML(t, tt.yaml)
			out, errOut, code := run(t, "config", "check", "--config", cfgPath)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr: %s", code, tt.code, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("stdout has %q:\n%s", w, out)
				}
			}
			if !strings.Contains(errOut, tt.stderr) || (tt.stderr == "") != (errOut == "") {
				t.Errorf("stderr %q, want %q", errOut, tt.stderr)
			}
		})
	}
}
