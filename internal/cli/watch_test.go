package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/history"
	"github.com/triage-dev/triage/internal/report/comment"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

// importedLab imports two incidents (7 and 8, created two hours before
// testNow) into workspace lab of a fresh data directory and returns the
// args that select it and the workspace file.
func importedLab(t *testing.T) (args []string, db string) {
	t.Helper()
	cfg, dataDir := historyConfig(t)
	args = []string{"--config", cfg, "-w", "lab"}
	if _, errOut, code := run(t, append(args, "import", writeExport(t, filepath.Dir(cfg)))...); code != ExitOK {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	return args, filepath.Join(dataDir, "workspaces", "lab.db")
}

// summaries returns the triage summary comments of incident ref.
func summaries(t *testing.T, db, ref string) []string {
	t.Helper()
	var out []string
	for _, c := range labComments(t, db, ref) {
		if comment.IsSummary(c.Message) {
			out = append(out, c.Message)
		}
	}
	return out
}

// logLines returns the lines of stderr that log msg.
func logLines(errOut, msg string) []string {
	var out []string
	for _, l := range strings.Split(errOut, "\n") {
		if strings.Contains(l, "msg="+msg+" ") || strings.Contains(l, `msg="`+msg+`"`) {
			out = append(out, l)
		}
	}
	return out
}

func TestWatchOnce(t *testing.T) {
	args, db := importedLab(t)
	watch := func() string {
		t.Helper()
		_, errOut, code := run(t, append(args, "watch", "--once", "--post", "--label", "triaged", "--window", "1d")...)
		if code != ExitOK {
			t.Fatalf("watch: exit %d: %s", code, errOut)
		}
		return errOut
	}
	errOut := watch()
	if lines := logLines(errOut, "triaged"); len(lines) != 2 {
		t.Fatalf("first pass: %d incidents triaged, want 2:\n%s", len(lines), errOut)
	}
	for _, want := range []string{"workspace=lab", "incident=7", "verdict=", "posted=true", "labelled=true", "duration="} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the log lacks %q:\n%s", want, errOut)
		}
	}
	for _, ref := range []string{"7", "8"} {
		if n := len(summaries(t, db, ref)); n != 1 {
			t.Errorf("incident %s: %d summary comments, want 1", ref, n)
		}
		if inc := labIncident(t, db, ref); len(inc.Labels) != 1 || inc.Labels[0] != "triaged" {
			t.Errorf("incident %s: labels %v", ref, inc.Labels)
		}
		if recs := historyJSON(t, append(args, "history", ref)...); len(recs) != 1 {
			t.Errorf("incident %s: %d records after the first pass, want 1", ref, len(recs))
		}
	}

	// Nothing changed, not even by the first pass's own comment and label.
	errOut = watch()
	if lines := logLines(errOut, "triaged"); len(lines) != 0 {
		t.Errorf("second pass triaged again:\n%s", errOut)
	}
	before := summaries(t, db, "7")

	// Incident 7 gains an alert: only it is triaged again, its comment
	// replaced.
	grown := `{"value": [{"name": "11111111-2222-3333-4444-555555555507", "type": "Microsoft.SecurityInsights/incidents",
	  "properties": {"incidentNumber": 7, "title": "Imported 7", "severity": "Medium", "status": "New",
	    "createdTimeUtc": "2026-11-26T10:00:00Z", "lastModifiedTimeUtc": "2026-11-26T11:05:00Z"},
	  "alerts": {"value": [
	    {"kind": "SecurityAlert", "name": "a7", "properties": {"systemAlertId": "a7", "alertDisplayName": "Bad thing", "severity": "Medium", "timeGenerated": "2026-11-26T09:59:00Z"}},
	    {"kind": "SecurityAlert", "name": "a7b", "properties": {"systemAlertId": "a7b", "alertDisplayName": "Worse thing", "severity": "High", "timeGenerated": "2026-11-26T11:00:00Z"}}]},
	  "entities": [{"kind": "Ip", "name": "e7", "properties": {"address": "203.0.113.7"}}]}]}`
	src := filepath.Join(t.TempDir(), "grown.json")
	if err := os.WriteFile(src, []byte(grown), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := run(t, append(args, "import", src)...); code != ExitOK {
		t.Fatalf("second import: exit %d: %s", code, errOut)
	}
	errOut = watch()
	lines := logLines(errOut, "triaged")
	if len(lines) != 1 || !strings.Contains(lines[0], "incident=7 ") {
		t.Fatalf("third pass: want incident 7 alone triaged:\n%s", errOut)
	}
	after := summaries(t, db, "7")
	if len(after) != 1 || after[0] == before[0] || !strings.Contains(after[0], "Worse thing") {
		t.Errorf("incident 7's summary was not replaced: %d summaries:\n%s", len(after), strings.Join(after, "\n---\n"))
	}
	if recs := historyJSON(t, append(args, "history", "8")...); len(recs) != 1 {
		t.Errorf("incident 8: %d records, want 1", len(recs))
	}
}

// watchEnv opens the lab workspace file db afresh, as a watch process
// would, with a store on the history file of dataDir.
func watchEnv(t *testing.T, ws workspace.Workspace, dataDir string, errb *bytes.Buffer) *watcher {
	t.Helper()
	st, err := history.Open(context.Background(), filepath.Join(dataDir, history.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.SetClock(func() time.Time { return testNow })
	s := &IO{Out: io.Discard, Err: errb, Now: func() time.Time { return testNow }}
	e := &env{Sources: sources.Sources{Workspace: ws}, wsName: ws.Name(), cfg: &config.Config{}}
	return newWatcher(s, e, st, &watchOptions{window: 24 * time.Hour, interval: time.Minute, post: true, logFormat: "text"})
}

func openLocal(t *testing.T, db string) *local.Workspace {
	t.Helper()
	ws, err := local.Open(context.Background(), "lab", db, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// Two watches on one store, at once, triage each incident once.
func TestWatchConcurrentPassesTriageOnce(t *testing.T) {
	args, db := importedLab(t)
	dataDir := filepath.Join(filepath.Dir(filepath.Dir(db)))
	var bufs [2]bytes.Buffer
	var errs [2]error
	var wg sync.WaitGroup
	for i := range 2 {
		w := watchEnv(t, openLocal(t, db), dataDir, &bufs[i])
		wg.Go(func() { _, errs[i] = w.pass(context.Background()) })
	}
	wg.Wait()
	triaged := 0
	for i := range 2 {
		if errs[i] != nil {
			t.Errorf("watch %d: %v\n%s", i, errs[i], bufs[i].String())
		}
		triaged += len(logLines(bufs[i].String(), "triaged"))
	}
	if triaged != 2 {
		t.Errorf("%d triages of 2 incidents:\n%s\n%s", triaged, bufs[0].String(), bufs[1].String())
	}
	for _, ref := range []string{"7", "8"} {
		if recs := historyJSON(t, append(args, "history", ref)...); len(recs) != 1 {
			t.Errorf("incident %s: %d records, want 1", ref, len(recs))
		}
		if n := len(summaries(t, db, ref)); n != 1 {
			t.Errorf("incident %s: %d summary comments, want 1", ref, n)
		}
	}
}

// stopping is the lab workspace that cancels the watch's context at a
// given point of the pass.
type stopping struct {
	*local.Workspace
	cancel    context.CancelFunc
	inDetails bool // cancel when the first triage reads the incident's details
	inPost    bool // cancel as the first comment is posted
}

func (s *stopping) Details(ctx context.Context, inc triage.Incident) (triage.Details, error) {
	if s.inDetails {
		s.cancel()
	}
	return s.Workspace.Details(ctx, inc)
}

func (s *stopping) PostComment(ctx context.Context, inc triage.Incident, id, msg string) (workspace.Comment, error) {
	if s.inPost {
		s.cancel()
	}
	return s.Workspace.PostComment(ctx, inc, id, msg)
}

// A watch stopped in the middle of a triage records and posts nothing of
// it and starts no other; stopped as it posts, the comment is posted whole
// and nothing more is done.
func TestWatchStopMidPass(t *testing.T) {
	for _, tt := range []struct {
		name              string
		inDetails, inPost bool
		comments, records int
	}{
		{"in a triage", true, false, 0, 0},
		{"in a post", false, true, 1, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args, db := importedLab(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ws := &stopping{Workspace: openLocal(t, db), cancel: cancel, inDetails: tt.inDetails, inPost: tt.inPost}
			var errb bytes.Buffer
			w := watchEnv(t, ws, filepath.Dir(filepath.Dir(db)), &errb)
			if _, err := w.pass(ctx); !errors.Is(err, context.Canceled) {
				t.Errorf("pass: %v, want context.Canceled", err)
			}
			comments, records := 0, 0
			for _, ref := range []string{"7", "8"} {
				for _, m := range summaries(t, db, ref) {
					comments++
					if !strings.Contains(m, "Imported") {
						t.Errorf("incident %s: a partial comment:\n%s", ref, m)
					}
				}
				records += len(historyJSON(t, append(args, "history", ref)...))
			}
			if comments != tt.comments || records != tt.records {
				t.Errorf("%d comments, %d records; want %d, %d\n%s", comments, records, tt.comments, tt.records, errb.String())
			}
		})
	}
}

// After failed passes the loop waits the interval doubled per failure in a
// row, up to maxBackoff (or the interval, when longer), and at least what
// a throttling service asked for, found through the pass's joined errors.
func TestBackoff(t *testing.T) {
	failed := errors.New("list incidents: connection refused")
	throttled := func(wait time.Duration) error {
		return errors.Join(failed, fmt.Errorf("watch lab: list incidents: %w", &workspace.ThrottledError{Workspace: "sentinel workspace lab", Service: "the service", Wait: wait}))
	}
	for _, tt := range []struct {
		interval time.Duration
		failures int
		err      error
		want     time.Duration
	}{
		{time.Minute, 1, failed, time.Minute},
		{time.Minute, 2, failed, 2 * time.Minute},
		{time.Minute, 4, failed, 8 * time.Minute},
		{time.Minute, 6, failed, maxBackoff},
		{time.Minute, 60, failed, maxBackoff},
		{time.Hour, 3, failed, time.Hour},
		{time.Minute, 1, throttled(5 * time.Minute), 5 * time.Minute},
		{time.Minute, 3, throttled(time.Minute), 4 * time.Minute},
		{time.Minute, 9, throttled(time.Hour), time.Hour},
	} {
		if got := backoff(tt.interval, tt.failures, tt.err); got != tt.want {
			t.Errorf("backoff(%s, %d, %v) = %s, want %s", tt.interval, tt.failures, tt.err, got, tt.want)
		}
	}
}
