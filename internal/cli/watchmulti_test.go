package cli

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/history"
)

// importedLabs imports the same two incidents (7 and 8) into workspaces
// lab and lab2 of one fresh data directory, and returns the config file
// and the data directory.
func importedLabs(t *testing.T) (cfg, dataDir string) {
	t.Helper()
	cfg, dataDir = historyConfig(t)
	export := writeExport(t, filepath.Dir(cfg))
	for _, name := range []string{"lab", "lab2"} {
		if _, errOut, code := run(t, "--config", cfg, "-w", name, "import", export); code != ExitOK {
			t.Fatalf("import -w %s: exit %d: %s", name, code, errOut)
		}
	}
	return cfg, dataDir
}

// triagedIn returns the incidents the log says were triaged in workspace
// name.
func triagedIn(errOut, name string) int {
	n := 0
	for _, l := range logLines(errOut, "triaged") {
		if strings.Contains(l, "workspace="+name+" ") {
			n++
		}
	}
	return n
}

// One pass over two workspaces triages the incidents of both, each under
// its own cursor: the second pass triages nothing.
func TestWatchSeveralWorkspaces(t *testing.T) {
	cfg, _ := importedLabs(t)
	watch := func() string {
		t.Helper()
		_, errOut, code := run(t, "--config", cfg, "-w", "lab", "-w", "lab2", "watch", "--once", "--post", "--window", "1d")
		if code != ExitOK {
			t.Fatalf("watch: exit %d: %s", code, errOut)
		}
		return errOut
	}
	errOut := watch()
	for _, name := range []string{"lab", "lab2"} {
		if n := triagedIn(errOut, name); n != 2 {
			t.Errorf("workspace %s: %d incidents triaged, want 2:\n%s", name, n, errOut)
		}
		for _, ref := range []string{"7", "8"} {
			if recs := historyJSON(t, "--config", cfg, "-w", name, "history", ref); len(recs) != 1 {
				t.Errorf("workspace %s, incident %s: %d records, want 1", name, ref, len(recs))
			}
		}
	}
	if errOut = watch(); len(logLines(errOut, "triaged")) != 0 {
		t.Errorf("second pass triaged again:\n%s", errOut)
	}
}

// A workspace that cannot be opened is logged, and the others are
// triaged; --once then exits 1. --all-workspaces visits every configured
// workspace.
func TestWatchWorkspaceFailsOthersGoOn(t *testing.T) {
	cfg, dataDir := importedLabs(t)
	gone := filepath.Join(t.TempDir(), "nowhere", "gone.db")
	t.Run("--workspace", func(t *testing.T) {
		_, errOut, code := run(t, "--config", cfg, "-w", gone, "-w", "lab", "watch", "--once", "--window", "1d")
		if code == ExitOK {
			t.Errorf("exit 0 with a workspace that cannot be opened:\n%s", errOut)
		}
		if n := triagedIn(errOut, "lab"); n != 2 {
			t.Errorf("workspace lab: %d incidents triaged, want 2:\n%s", n, errOut)
		}
		if l := logLines(errOut, "pass failed"); len(l) != 1 || !strings.Contains(l[0], "workspace="+gone) {
			t.Errorf("the failure to open %s is not logged:\n%s", gone, errOut)
		}
	})
	t.Run("--all-workspaces", func(t *testing.T) {
		yaml := "data_dir: " + dataDir + "\nworkspaces:\n  gone:\n    kind: local\n    path: " + gone +
			"\n  lab2:\n    kind: local\n    path: " + filepath.Join(dataDir, "workspaces", "lab2.db") + "\n"
		if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		_, errOut, code := run(t, "--config", cfg, "watch", "--all-workspaces", "--once", "--window", "1d")
		if code == ExitOK {
			t.Errorf("exit 0 with a workspace that cannot be opened:\n%s", errOut)
		}
		if n := triagedIn(errOut, "lab2"); n != 2 {
			t.Errorf("workspace lab2: %d incidents triaged, want 2:\n%s", n, errOut)
		}
		if n := len(logLines(errOut, "triaged")); n != 2 {
			t.Errorf("%d incidents triaged, want lab2's 2 (lab is not configured):\n%s", n, errOut)
		}
		if l := logLines(errOut, "pass failed"); len(l) != 1 || !strings.Contains(l[0], "workspace=gone ") {
			t.Errorf("the failure to open gone is not logged:\n%s", errOut)
		}
	})
}

// serve --watch triages the workspace's incidents with no page opened,
// records them, logs them on stderr, and stops with the server.
func TestServeWatch(t *testing.T) {
	args, db := importedLab(t)
	dataDir := filepath.Dir(filepath.Dir(db))
	var out, errb lockedBuffer
	s := &IO{
		Out: &out, Err: &errb,
		Now: func() time.Time { return testNow },
		ConfigOptions: func(path string) config.LoadOptions {
			return config.LoadOptions{ConfigPath: path, UserCacheDir: testCacheDir}
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, s, append(args, "serve", "--listen", "127.0.0.1:0", "--watch", "--post", "--interval", "1h"))
	}()

	st, err := history.Open(context.Background(), filepath.Join(dataDir, history.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var latest map[string]history.Record
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if latest, err = st.Latest(context.Background(), "lab"); err != nil {
			t.Fatal(err)
		}
		if len(latest) == 2 {
			break
		}
	}
	if len(latest) != 2 {
		cancel()
		t.Fatalf("%d incidents recorded, want 2:\n%s", len(latest), errb.String())
	}
	// The queue page shows what the watch recorded: each incident's
	// priority, its reasons in the cell's title, and none stale (the
	// watch's own comment did not make its triage stale).
	m := regexp.MustCompile(`triage: serving (http://127\.0\.0\.1:\d+/)`).FindStringSubmatch(errb.String())
	if m == nil {
		cancel()
		t.Fatalf("no URL printed: %s", errb.String())
	}
	var page string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		// The record is current once its writes are made: wait for both.
		if latest, err = st.Latest(context.Background(), "lab"); err != nil {
			t.Fatal(err)
		}
		if latest["11111111-2222-3333-4444-555555555507"].IncidentModified.IsZero() || latest["11111111-2222-3333-4444-555555555508"].IncidentModified.IsZero() {
			continue
		}
		res, err := http.Get(m[1] + "?ws=lab")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		page = string(body)
		break
	}
	for _, rec := range latest {
		if rec.Priority == nil || len(rec.Reasons()) == 0 {
			t.Errorf("incident %d recorded without a priority and its reasons: %+v", rec.Incident, rec)
			continue
		}
		r := rec.Reasons()[0]
		for _, want := range []string{fmt.Sprintf(`<strong class="prio">%d</strong>`, *rec.Priority), fmt.Sprintf("%+d %s: ", r.Points, r.Factor)} {
			if !strings.Contains(html.UnescapeString(page), want) {
				t.Errorf("the queue page lacks incident %d's %q:\n%.3000s", rec.Incident, want, page)
			}
		}
	}
	if strings.Contains(page, ">stale<") {
		t.Errorf("a triage the watch just made is marked stale:\n%.3000s", page)
	}
	cancel()
	select {
	case code := <-done:
		if code != ExitOK && code != ExitInterrupt {
			t.Errorf("exit %d: %s", code, errb.String())
		}
	case <-time.After(40 * time.Second):
		t.Fatal("serve --watch did not stop when its context was cancelled")
	}
	if n := triagedIn(errb.String(), "lab"); n != 2 {
		t.Errorf("%d triaged lines on stderr, want 2:\n%s", n, errb.String())
	}
	for _, ref := range []string{"7", "8"} {
		if n := len(summaries(t, db, ref)); n != 1 {
			t.Errorf("incident %s: %d summary comments, want 1", ref, n)
		}
	}
}

func TestServeWatchFlags(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--post"},
		{"serve", "--watch", "--interval", "0s"},
		{"serve", "--watch", "--label", " "},
		{"serve", "--window", "7d"},
		{"serve", "--log-format", "json"},
		{"serve", "--watch", "--window", "0s"},
		{"serve", "--watch", "--log-format", "xml"},
	} {
		if _, errOut, code := run(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d: %s", args, code, ExitUsage, errOut)
		}
	}
}
