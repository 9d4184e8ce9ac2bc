package cli

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/workspace"
)

// lookup and providers open the workspace only when sentinel-ti looks
// something up: on the demo, nothing else builds its file.
func TestLookupOpensNoWorkspaceItDoesNotNeed(t *testing.T) {
	dir := t.TempDir()
	demoFiles := func() []string {
		t.Helper()
		fs, err := filepath.Glob(filepath.Join(dir, "triage", "demo", "demo-*.db"))
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}

	out, errOut, code := runCached(t, dir, "lookup", "--provider", "virustotal", "203.0.113.66")
	if code != ExitOK || !strings.Contains(out, "not_configured") {
		t.Errorf("lookup --provider virustotal: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	if fs := demoFiles(); len(fs) > 0 {
		t.Errorf("lookup --provider virustotal built the demo workspace: %v", fs)
	}

	out, errOut, code = runCached(t, dir, "providers")
	if code != ExitOK || !strings.Contains(out, "on workspace demo") {
		t.Errorf("providers: exit %d, stderr %q, stdout:\n%s\nwant sentinel-ti's row to name workspace demo", code, errOut, out)
	}
	var rows []struct{ Name, Workspace string }
	out, _, _ = runCached(t, dir, "providers", "--json")
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if (r.Name == "sentinel-ti") != (r.Workspace == "demo") {
			t.Errorf("providers --json: %s has workspace %q; want demo for sentinel-ti alone", r.Name, r.Workspace)
		}
	}
	if fs := demoFiles(); len(fs) > 0 {
		t.Errorf("providers built the demo workspace: %v", fs)
	}
}

// On the demo, sentinel-ti still answers from the demo's threat-intel
// table, opened for its first lookup.
func TestLookupDemoSentinelTI(t *testing.T) {
	var doc struct {
		Verdict struct {
			Severity string
			Reasons  []struct{ Indicator, Provider string }
		}
		Results []struct{ Indicator, Provider, Status, Severity string }
	}
	out, errOut, code := run(t, "lookup", "--json", "203.0.113.66")
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("exit %d, stderr %q: %v", code, errOut, err)
	}
	if code != ExitOK || doc.Verdict.Severity != "high" || len(doc.Results) != 1 ||
		doc.Results[0].Provider != "sentinel-ti" || doc.Results[0].Status != "ok" {
		t.Errorf("lookup 203.0.113.66: exit %d, %+v; want sentinel-ti's high answer", code, doc)
	}
}

// The table and JSON list the most severe results first; the verdict line
// names the indicators that set it; --hits leaves out what is below
// warning, not from the verdict.
func TestLookupOrderHitsAndVerdict(t *testing.T) {
	args := []string{"lookup", "10.1.2.3", "203.0.113.66", "svc-telemetry.example.net"}
	out, errOut, code := run(t, args...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	verdict, table, _ := strings.Cut(out, "\n")
	want := "Verdict: HIGH — 2 of 2 provider answers rate an indicator high: 203.0.113.66 (sentinel-ti), svc-telemetry.example.net (sentinel-ti)"
	if verdict != want {
		t.Errorf("verdict line %q\nwant %q", verdict, want)
	}
	hi, lo := strings.Index(table, "svc-telemetry.example.net"), strings.Index(table, "10.1.2.3")
	if hi < 0 || lo < 0 || lo < hi {
		t.Errorf("the not-found 10.1.2.3 is not after the high rows:\n%s", table)
	}
	if strings.Contains(table, "not shown") {
		t.Errorf("without --hits, the table says rows were left out:\n%s", table)
	}
	// A documentation address is reserved, not ours; the statement is its
	// own line, not a word in the results.
	if want := "\nNever sent to external providers: 10.1.2.3 (internal); 203.0.113.66 (reserved).\n"; !strings.Contains(table, want) {
		t.Errorf("the table does not say %q:\n%s", want, table)
	}

	out, errOut, code = run(t, append(args, "--hits")...)
	if code != ExitOK || strings.Contains(out, "10.1.2.3") || !strings.Contains(out, "1 result not shown") || !strings.HasPrefix(out, want+"\n") {
		t.Errorf("--hits: exit %d, stderr %q, stdout:\n%s\nwant the same verdict, the high rows and 1 result not shown", code, errOut, out)
	}

	var doc struct {
		Indicators []struct{ Value string }
		Verdict    struct{ Severity string }
		Results    []struct{ Indicator, Severity string }
	}
	out, _, _ = run(t, append(args, "--hits", "--json")...)
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Indicators) != 3 || doc.Verdict.Severity != "high" || len(doc.Results) != 2 {
		t.Errorf("--hits --json: %+v; want 3 indicators, verdict high, the 2 high results", doc)
	}
	for _, r := range doc.Results {
		if r.Severity != "high" {
			t.Errorf("--hits --json shows %+v", r)
		}
	}
}

// The workspace is opened once however many lookups ask at once; a
// failure to open it is every lookup's error, not a crash.
func TestLookupLazyWorkspaceOnce(t *testing.T) {
	for _, fail := range []bool{false, true} {
		var opens atomic.Int32
		l := &lazyWorkspace{name: "lab", open: func(context.Context) (workspace.Workspace, error) {
			opens.Add(1)
			time.Sleep(10 * time.Millisecond) // let the others arrive meanwhile
			if fail {
				return nil, errors.New("file is not a database")
			}
			return nil, nil
		}}
		q := l.tiQuery(time.Now)
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				if fail {
					_, errs[i] = q(context.Background(), []string{"203.0.113.66"})
				} else {
					_, errs[i] = l.get(context.Background())
				}
			})
		}
		wg.Wait()
		if n := opens.Load(); n != 1 {
			t.Errorf("fail=%v: opened %d times, want once", fail, n)
		}
		for _, err := range errs {
			if fail && (err == nil || !strings.Contains(err.Error(), "open workspace lab: file is not a database")) {
				t.Errorf("a lookup on a workspace that cannot open: error %v", err)
			}
			if !fail && err != nil {
				t.Errorf("error %v", err)
			}
		}
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
}
