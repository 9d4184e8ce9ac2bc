package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/config"
)

var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// run runs the command line and returns its stdout, stderr and exit code.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	s := &IO{
		Out: &out, Err: &errb,
		Now: func() time.Time { return testNow },
		ConfigOptions: func(path string) config.LoadOptions {
			return config.LoadOptions{ConfigPath: path, UserCacheDir: testCacheDir}
		},
	}
	code := Run(context.Background(), s, args)
	return out.String(), errb.String(), code
}

func TestIncidentsJSON(t *testing.T) {
	out, errOut, code := run(t, "incidents", "--json", "--since", "14d")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var incs []map[string]any
	if err := json.Unmarshal([]byte(out), &incs); err != nil {
		t.Fatalf("stdout is not a JSON array: %v", err)
	}
	if len(incs) < 30 {
		t.Fatalf("%d incidents in 14 days, want at least 30", len(incs))
	}
	for _, f := range []string{"number", "name", "title", "severity", "status", "created", "owner", "alerts"} {
		if _, ok := incs[0][f]; !ok {
			t.Errorf("incident JSON has no %q field", f)
		}
	}

	out, _, _ = run(t, "incidents", "--json")
	var recent []map[string]any
	if err := json.Unmarshal([]byte(out), &recent); err != nil {
		t.Fatal(err)
	}
	if len(recent) < 8 || len(recent) >= len(incs) {
		t.Errorf("default window (48h) lists %d incidents, want at least 8 and fewer than the 14-day %d", len(recent), len(incs))
	}

	out, _, _ = run(t, "incidents", "--since", "14d", "--severity", "high", "--status", "active")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 7 || f[2] != "High" || f[3] != "Active" {
			t.Errorf("filtered TSV line %q, want 7 fields with High and Active", line)
		}
	}
}

func TestRunFormats(t *testing.T) {
	out, errOut, code := run(t, "run", "121", "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	for _, f := range []string{"incident", "alerts", "entities", "graph", "ti", "related_alerts", "summaries", "problems"} {
		if _, ok := r[f]; !ok {
			t.Errorf("JSON report has no %q", f)
		}
	}

	path := filepath.Join(t.TempDir(), "r.md")
	if _, errOut, code := run(t, "run", "121", "-o", path); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	md, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Incident 121:", "## Verdict", "**HIGH**", "## Related alerts"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("Markdown report lacks %q", want)
		}
	}
}

func TestShow(t *testing.T) {
	out, errOut, code := run(t, "show", "121")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Incident 121:", "Alerts (5)", "Process", "Host"} {
		if !strings.Contains(out, want) {
			t.Errorf("show output lacks %q:\n%s", want, out)
		}
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"run"}, ExitUsage, "want one INCIDENT"},
		{[]string{"run", "121", "--format", "pdf"}, ExitUsage, "unknown report format"},
		{[]string{"incidents", "--bogus"}, ExitUsage, "unknown flag"},
		{[]string{"incidents", "--severity", "urgent"}, ExitUsage, "unknown severity"},
		{[]string{"incidents", "--since", "soon"}, ExitUsage, "invalid duration"},
		{[]string{"run", "99999"}, ExitError, "99999"},
		{[]string{"incidents", "--workspace", "prod"}, ExitConfig, `prod`},
		{[]string{"incidents", "--config", "/nonexistent/triage.yaml"}, ExitConfig, `/nonexistent/triage.yaml`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, code := run(t, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d and a message with %q", code, errOut, tt.code, tt.msg)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing on failure", out)
			}
		})
	}
}

func TestClean(t *testing.T) {
	tests := map[string]string{
		"plain":         "plain",
		"a\tb\nc":       "a b c",
		"\u202Egnp.exe": "gnp.exe",
		"\x1b[31mred":   "[31mred",
		"abcdefghij":    "abcdefghij",
		"abcdefghijk":   "abcdefghi…",
	}
	for in, want := range tests {
		if got := clean(in, 10); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfiguredLocalWorkspace(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "triage.yaml")
	db := filepath.Join(dir, "lab.db")
	if err := os.WriteFile(cfg, []byte("workspaces:\n  lab:\n    kind: local\n    path: "+db+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "--config", cfg, "incidents", "--workspace", "lab", "--json")
	if code != ExitOK || strings.TrimSpace(out) != "[]" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want an empty list from the empty local workspace", code, out, errOut)
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("local workspace file not created: %v", err)
	}
	if _, errOut, code := run(t, "--config", cfg, "run", "1", "--workspace", "lab"); code != ExitError || !strings.Contains(errOut, "not found") {
		t.Errorf("run on an empty workspace: exit %d, stderr %q; want exit 1 and not found", code, errOut)
	}
}

func TestConfiguredProviderOff(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "triage.yaml")
	if err := os.WriteFile(cfg, []byte("providers:\n  sentinel-ti:\n    enabled: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "--config", cfg, "run", "121", "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		TI struct {
			Severity  string   `json:"severity"`
			Providers []string `json:"providers"`
		} `json:"ti"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.TI.Providers) != 0 || r.TI.Severity != "unknown" {
		t.Errorf("with the only provider off: providers %v, verdict %s; want none and unknown", r.TI.Providers, r.TI.Severity)
	}
}

func TestIncidentsEmptyWindowSaysWhereTheyAre(t *testing.T) {
	out, errOut, code := run(t, "incidents", "--start", "2020-01-01", "--end", "2020-01-02")
	if code != ExitOK || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	if !strings.Contains(errOut, "the newest, 131") || !strings.Contains(errOut, "--since") {
		t.Errorf("stderr %q does not point at the newest incident", errOut)
	}
}

// TestDemoPrepared checks that the first command of a day says, on a
// terminal, that it is preparing the demo, clears that line when done, and
// that the next command opens the file without a word.
func TestDemoPrepared(t *testing.T) {
	cache := t.TempDir()
	runTTY := func() (string, int) {
		var out, errb bytes.Buffer
		s := &IO{
			Out: &out, Err: &errb, ErrTTY: true,
			Now:           func() time.Time { return testNow },
			ConfigOptions: func(path string) config.LoadOptions { return config.LoadOptions{ConfigPath: path, UserCacheDir: cache} },
		}
		code := Run(context.Background(), s, []string{"incidents", "--json"})
		return errb.String(), code
	}
	errOut, code := runTTY()
	if code != ExitOK || !strings.Contains(errOut, "preparing today's demo workspace in "+filepath.Join(cache, "triage", "demo")) || !strings.HasSuffix(errOut, clearLine) {
		t.Errorf("first command: exit %d, stderr %q; want the preparing line, cleared", code, errOut)
	}
	if errOut, code = runTTY(); code != ExitOK || errOut != "" {
		t.Errorf("second command: exit %d, stderr %q; want nothing said", code, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(cache, "triage", "demo", "demo-*.db"))
	if len(files) != 1 {
		t.Errorf("demo files %v, want one", files)
	}
}
