package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/triage-dev/triage/internal/buildinfo"
	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/report/markdown"
	"github.com/triage-dev/triage/internal/report/reporttest"
)

var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// run runs the command line and returns its stdout, stderr and exit code.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return runCached(t, testCacheDir, args...)
}

// runCached is run with cacheDir as the user cache directory.
func runCached(t *testing.T, cacheDir string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	s := &IO{
		Out: &out, Err: &errb,
		Now: func() time.Time { return testNow },
		ConfigOptions: func(path string) config.LoadOptions {
			return config.LoadOptions{ConfigPath: path, UserCacheDir: cacheDir}
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
	for _, want := range []string{"# Incident 121:", "## Verdict", "**HIGH**", "## Related alerts", "| md5 1678dc29219270a9b4a9dbd88a688cc8 |"} {
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
	for _, want := range []string{"Incident 121:", "Alerts (5)", "Process", "Host", "md5 1678dc29219270a9b4a9dbd88a688cc8\n"} {
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
		{[]string{"show"}, ExitUsage, "Usage: triage show <incident>"},
		{[]string{"bogus-cmd"}, ExitUsage, `unknown command "bogus-cmd" for "triage"`},
		{[]string{"incidnets"}, ExitUsage, `did you mean "incidents"`},
		{[]string{"geoip", "bogus"}, ExitUsage, `unknown command "bogus" for "triage geoip"`},
		{[]string{"summarize", "ip"}, ExitUsage, "Usage: triage summarize KIND VALUE"},
		{[]string{"incidents", "extra"}, ExitUsage, "Run 'triage incidents --help' for usage."},
		{[]string{"show", "121", "--bogus"}, ExitUsage, "Usage: triage show"},
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
	// Hidden characters show as their marks, as in every rendering, where
	// they were dropped before: "\u202Egnp.exe" read as "gnp.exe".
	tests := map[string]string{
		"plain":         "plain",
		"a\tb\nc":       "a b c",
		"\u202Egnp.exe": "⟨U+202E⟩g…",
		"a\u200Bb":      "a⟨U+200B⟩b",
		"\x1b[31mred":   "⟨U+001B⟩[…",
		"abcdefghij":    "abcdefghij",
		"abcdefghijk":   "abcdefghi…",
		"abcd\u202Eefg": "abcd…", // never half a mark
	}
	for in, want := range tests {
		if got := clean(in, 10); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
	for _, v := range reporttest.Hostile {
		reporttest.CheckVisible(t, fmt.Sprintf("clean(%.20q)", v), clean(v, 0), v)
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
	if code != ExitOK || !strings.Contains(errOut, "preparing today's demo workspace") || !strings.HasSuffix(errOut, clearLine) {
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

func TestHelpShowsDefaultsAsTyped(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"incidents", "--help"}, "(default 48h)"},
		{[]string{"summarize", "--help"}, "(default 7d)"},
		{[]string{"run", "--help"}, `(default "md")`},
		{[]string{"serve", "--help"}, `(default "127.0.0.1:8080")`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, code := run(t, tt.args...)
			if code != ExitOK || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, stderr %q; want the help to show %s:\n%s", code, errOut, tt.want, out)
			}
			for _, bad := range []string{"default 0s", "h0m0s"} {
				if strings.Contains(out, bad) {
					t.Errorf("help shows %q:\n%s", bad, out)
				}
			}
		})
	}
}

func TestVersion(t *testing.T) {
	want := "triage " + buildinfo.String() + "\n"
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out, errOut, code := run(t, args...)
		if code != ExitOK || out != want {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %q", args, code, out, errOut, want)
		}
	}
	if _, _, code := run(t, "version", "extra"); code != ExitUsage {
		t.Errorf("version extra: exit %d, want %d", code, ExitUsage)
	}
}

// A bad -o is found before the triage: incident 99999 does not exist, so
// any check made after the work would fail with "not found" instead.
func TestRunOutputCheckedFirst(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, msg string
	}{
		{"directory", dir, "is a directory"},
		{"missing parent", filepath.Join(dir, "nope", "r.md"), "does not exist"},
		{"parent is a file", filepath.Join(file, "r.md"), "is not a directory"},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		tests = append(tests, struct{ name, path, msg string }{"unwritable", filepath.Join(ro, "r.md"), "cannot write in"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, "run", "99999", "-o", tt.path)
			if code != ExitUsage || !strings.Contains(errOut, "-o "+tt.path+": ") || !strings.Contains(errOut, tt.msg) {
				t.Errorf("exit %d, stderr %q; want exit 2 naming -o %s with %q", code, errOut, tt.path, tt.msg)
			}
			if strings.Contains(errOut, ".triage-report") || out != "" {
				t.Errorf("stderr %q names a temporary file, or stdout %q is not empty", errOut, out)
			}
		})
	}

	// A good path passes the check, which leaves no file behind.
	good := t.TempDir()
	if _, errOut, code := run(t, "run", "99999", "-o", filepath.Join(good, "r.md")); code != ExitError || !strings.Contains(errOut, "99999") {
		t.Errorf("a writable -o: exit %d, stderr %q; want exit 1 for the missing incident", code, errOut)
	}
	if entries, _ := os.ReadDir(good); len(entries) != 0 {
		t.Errorf("the check left %v in %s", entries, good)
	}
}

func TestIncidentsEmptySaysWhy(t *testing.T) {
	tests := []struct {
		args     []string
		want     []string
		dontWant string
	}{
		{[]string{"incidents", "--title", "nomatch"}, []string{`no incident matches --title "nomatch" (`, "incidents in the window"}, "widen"},
		{[]string{"incidents", "--since", "14d", "--severity", "high", "--owner", "nobody@example.com"}, []string{`no incident matches --severity high --owner "nobody@example.com" (`}, "widen"},
		{[]string{"incidents", "--start", "2020-01-01", "--end", "2020-01-02", "--title", "nomatch"}, []string{"no incident from 2020-01-01", "widen the window"}, "matches"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, code := run(t, tt.args...)
			if code != ExitOK || out != "" {
				t.Fatalf("exit %d, stdout %q; want 0 and nothing", code, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
			if strings.Contains(errOut, tt.dontWant) {
				t.Errorf("stderr %q says %q", errOut, tt.dontWant)
			}
		})
	}
}

// A provider named with --provider that cannot run says so, per indicator,
// in lookup's table and JSON and in run's report.
func TestProviderNamedButNotConfigured(t *testing.T) {
	out, errOut, code := run(t, "lookup", "--provider", "virustotal", "203.0.113.5")
	if code != ExitOK || !strings.Contains(out, "virustotal") || !strings.Contains(out, "not_configured") || !strings.Contains(out, "no API key: set providers.virustotal.api_key") {
		t.Errorf("lookup table: exit %d, stderr %q, stdout:\n%s\nwant a not_configured row of virustotal with its reason", code, errOut, out)
	}

	type results struct {
		Results []struct {
			Indicator, Provider, Status, Reason string
		} `json:"results"`
	}
	var lk results
	out, _, _ = run(t, "lookup", "--provider", "virustotal", "--json", "203.0.113.5", "example.com")
	if err := json.Unmarshal([]byte(out), &lk); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		TI results `json:"ti"`
	}
	out, errOut, code = run(t, "run", "121", "--format", "json", "--provider", "virustotal")
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("run: exit %d, stderr %q: %v", code, errOut, err)
	}
	for name, rs := range map[string]results{"lookup --json": lk, "run": rep.TI} {
		if len(rs.Results) < 2 {
			t.Errorf("%s: %d results, want one per indicator", name, len(rs.Results))
		}
		for _, r := range rs.Results {
			if r.Provider != "virustotal" || r.Status != "not_configured" || !strings.Contains(r.Reason, "api_key") {
				t.Errorf("%s: result %+v, want virustotal not_configured with the reason", name, r)
			}
		}
	}

	_, errOut, code = run(t, "lookup", "--provider", "virustotel", "203.0.113.5")
	if code != ExitUsage || !strings.Contains(errOut, `"virustotel"`) || !strings.Contains(errOut, "virustotal, otx") {
		t.Errorf("unknown provider: exit %d, stderr %q; want a usage error naming the known providers", code, errOut)
	}
}

// The lookup table keeps indicators whole: they are copied into other tools.
func TestPrintResultsWholeIndicators(t *testing.T) {
	sha := "818ede854daf0d8d5da9e8ae4c1a7c9e6f0b2c1d3e4f5a6b7c8d9e0f1a2b3c4d"
	url := "https://files.example.com/" + strings.Repeat("x", 200)
	var b bytes.Buffer
	rs := []intel.Result{
		{Indicator: sha, Type: ioc.SHA256, Provider: "localfeed", Status: intel.StatusNotFound},
		{Indicator: url, Type: ioc.URL, Provider: "localfeed", Status: intel.StatusNotFound},
	}
	if err := printResults(&b, rs, intel.Roll(rs)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{sha + " ", url + " "} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks the whole %q:\n%s", want, b.String())
		}
	}
}

// Incident 121's five alerts are in time order (then by name) in show, its
// JSON, and the JSON, Markdown and HTML reports. The demo lists one of them
// out of order.
func TestAlertsInTimeOrder(t *testing.T) {
	type alert struct {
		Name  string    `json:"name"`
		Start time.Time `json:"start"`
	}
	var shown struct {
		Alerts []alert `json:"alerts"`
	}
	out, errOut, code := run(t, "show", "121", "--json")
	if err := json.Unmarshal([]byte(out), &shown); err != nil || len(shown.Alerts) != 5 {
		t.Fatalf("show --json: exit %d, stderr %q, %d alerts, %v", code, errOut, len(shown.Alerts), err)
	}
	for i := 1; i < len(shown.Alerts); i++ {
		a, b := shown.Alerts[i-1], shown.Alerts[i]
		if a.Start.After(b.Start) || a.Start.Equal(b.Start) && a.Name > b.Name {
			t.Errorf("show --json: %q (%s) before %q (%s)", a.Name, a.Start, b.Name, b.Start)
		}
	}
	var want []string
	for _, a := range shown.Alerts {
		want = append(want, a.Name)
	}

	// inOrder says whether the names occur in text in want's order.
	inOrder := func(name, text string, escape func(string) string) {
		t.Helper()
		at := 0
		for _, n := range want {
			i := strings.Index(text[at:], escape(n))
			if i < 0 {
				t.Errorf("%s: %q missing or out of order (want %q)", name, n, want)
				return
			}
			at += i + len(escape(n))
		}
	}
	same := func(s string) string { return s }
	out, _, _ = run(t, "show", "121")
	inOrder("show", out[strings.Index(out, "Alerts (5)"):strings.Index(out, "Entities (")], same)

	var rep struct {
		Alerts []alert `json:"alerts"`
	}
	out, _, _ = run(t, "run", "121", "--format", "json")
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range rep.Alerts {
		got = append(got, a.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("run --format json: alerts %q, want %q", got, want)
	}
	out, _, _ = run(t, "run", "121", "--format", "md")
	inOrder("markdown", out[strings.Index(out, "## Alerts"):strings.Index(out, "## Entities")], markdown.Escape)
	out, _, _ = run(t, "run", "121", "--format", "html")
	table := out[strings.Index(out, `<table class="data alerts">`):]
	inOrder("html", table[:strings.Index(table, "</table>")], html.EscapeString)
}

// screen is what a terminal shows after printing s: a carriage return goes
// back to the start of the line, ESC [K erases the rest of it.
func screen(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		var cur []rune
		col := 0
		for i := 0; i < len(l); {
			switch {
			case l[i] == '\r':
				col = 0
				i++
			case strings.HasPrefix(l[i:], "\033[K"):
				cur = cur[:col]
				i += len("\033[K")
			default:
				r, n := utf8.DecodeRuneInString(l[i:])
				if col < len(cur) {
					cur[col] = r
				} else {
					cur = append(cur, r)
				}
				col++
				i += n
			}
		}
		lines = append(lines, string(cur))
	}
	return strings.Join(lines, "\n")
}

func TestScreen(t *testing.T) {
	if got := screen("abc\rX\033[Kdone\n"); got != "Xdone\n" {
		t.Errorf("screen = %q", got)
	}
}

// Progress on a terminal's stderr is gone from the screen once the command
// is done: nothing of it is left in front of the answer.
func TestProgressCleared(t *testing.T) {
	tests := []struct {
		args     []string
		progress string // a piece of the progress line
	}{
		{[]string{"lookup", "203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.5", "203.0.113.6"}, "lookups"},
		{[]string{"run", "121", "--format", "json"}, "summaries:"},
	}
	for _, tt := range tests {
		t.Run(tt.args[0], func(t *testing.T) {
			var out, errb bytes.Buffer
			s := &IO{
				Out: &out, Err: &errb, ErrTTY: true,
				Now:           func() time.Time { return testNow },
				ConfigOptions: func(path string) config.LoadOptions { return config.LoadOptions{ConfigPath: path} },
			}
			if code := Run(context.Background(), s, tt.args); code != ExitOK {
				t.Fatalf("exit %d: %q", code, errb.String())
			}
			if !strings.Contains(errb.String(), tt.progress) {
				t.Fatalf("stderr %q shows no progress with %q", errb.String(), tt.progress)
			}
			if left := strings.TrimSpace(screen(errb.String())); left != "" {
				t.Errorf("left on the screen after the command: %q", left)
			}
		})
	}
}
