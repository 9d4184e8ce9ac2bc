package cli

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/workspace/sentinel/sentineltest"
)

// triageProcess returns the command that runs triage with args as a process
// of its own (the test binary run again as TestWatchHelperProcess), with a
// home of its own, its stdout and stderr in out.
func triageProcess(t *testing.T, out *bytes.Buffer, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	cmd := exec.Command(exe, "-test.run=^TestWatchHelperProcess$")
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"), "MSTICPYCONFIG="+filepath.Join(home, "none.yaml"),
		helperArgs+"="+strings.Join(args, "\n"))
	cmd.Stdout, cmd.Stderr = out, out
	return cmd
}

// Two watch processes on one data directory, started together, triage
// each incident once and leave one summary comment on each: the leases
// and the records in the history file hold between processes, not only
// between the goroutines of one. The fake holds the first list request
// until both processes have asked, so that their passes overlap.
func TestWatchTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the test binary as two triage processes")
	}
	const n = 6
	lab := newSentinelLab(t, labIncidents(n, time.Now().UTC()), "")
	var mu sync.Mutex
	lists := 0
	both := make(chan struct{})
	lab.srv.Fault = func(r *http.Request, _ []byte) *sentineltest.Fault {
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/incidents"):
			mu.Lock()
			lists++
			if lists == 2 {
				close(both)
			}
			mu.Unlock()
			select {
			case <-both:
			case <-time.After(20 * time.Second): // the other process never asked: go on, the test says so
			}
		case strings.HasSuffix(r.URL.Path, "/query"):
			time.Sleep(5 * time.Millisecond) // triages that take a while, so that the two meet
		}
		return nil
	}
	var outs [2]bytes.Buffer
	var cmds [2]*exec.Cmd
	for i := range cmds {
		cmds[i] = triageProcess(t, &outs[i], "--config", lab.cfg, "watch", "--once", "--post", "--window", "1d")
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	// A watch that hangs is killed, and the test says so, rather than
	// holding the test binary until its timeout.
	hung := time.AfterFunc(90*time.Second, func() {
		for _, c := range cmds {
			c.Process.Kill()
		}
	})
	var errs [2]error
	var wg sync.WaitGroup
	for i := range cmds {
		wg.Go(func() { errs[i] = cmds[i].Wait() })
	}
	wg.Wait()
	if !hung.Stop() {
		t.Fatalf("the watch processes did not end within 90s:\n%s\n%s", outs[0].String(), outs[1].String())
	}
	select {
	case <-both:
	default:
		t.Fatalf("the two processes' passes did not overlap:\n%s\n%s", outs[0].String(), outs[1].String())
	}
	var triaged []int
	for i := range cmds {
		if errs[i] != nil {
			t.Errorf("watch process %d: %v\n%s", i, errs[i], outs[i].String())
		}
		triaged = append(triaged, triagedNumbers(outs[i].String())...)
	}
	if len(triaged) != n {
		t.Errorf("%d triages of %d incidents (%v):\n%s\n%s", len(triaged), n, triaged, outs[0].String(), outs[1].String())
	}
	for i := 1; i <= n; i++ {
		if recs := lab.records(t, labName(i)); len(recs) != 1 {
			t.Errorf("incident %d: %d triages recorded, want 1", i, len(recs))
		}
		if s := lab.summaries(labName(i)); len(s) != 1 {
			t.Errorf("incident %d: %d summary comments, want 1", i, len(s))
		}
	}
}
