package cli

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/workspace/sentinel/sentineltest"
)

// helperArgs, in the environment, makes TestWatchHelperProcess run the
// command line it holds (arguments separated by newlines) as the triage
// binary would, through Main and its signal handling, and exit.
const helperArgs = "TRIAGE_CLI_HELPER_ARGS"

// TestWatchHelperProcess is not a test: it is the triage process that
// TestWatchSIGTERM starts, the test binary run again.
func TestWatchHelperProcess(t *testing.T) {
	args := os.Getenv(helperArgs)
	if args == "" {
		t.Skip("run by TestWatchSIGTERM as a process of its own")
	}
	s := httptest.NewTLSServer(http.NotFoundHandler())
	azureTransport = s.Client()
	s.Close()
	os.Args = append([]string{"triage"}, strings.Split(args, "\n")...)
	os.Exit(Main())
}

// A watch process sent SIGTERM in the middle of a triage posts nothing of
// it; sent SIGTERM as it posts a summary, it finishes that comment, whole,
// and nothing more. Either way it exits promptly.
func TestWatchSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the test binary as a triage process")
	}
	for _, tt := range []struct {
		name string
		at   func(r *http.Request) bool // the request SIGTERM comes with
		want int                        // summary comments left
	}{
		{"in a triage", func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/query") }, 0},
		{"in a post", func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/comments/")
		}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lab := newSentinelLab(t, labIncidents(3, time.Now().UTC()), "")
			var errb bytes.Buffer
			cmd := triageProcess(t, &errb, "--config", lab.cfg, "watch", "--post", "--label", "triaged", "--window", "1d", "--interval", "1h")
			var once sync.Once
			signalled := make(chan struct{})
			lab.srv.Fault = func(r *http.Request, _ []byte) *sentineltest.Fault {
				if tt.at(r) {
					once.Do(func() {
						cmd.Process.Signal(syscall.SIGTERM)
						close(signalled)
						time.Sleep(100 * time.Millisecond) // the signal lands while the request is out
					})
				}
				return nil
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-signalled:
			case err := <-done:
				t.Fatalf("the watch ended before it was signalled: %v\n%s", err, errb.String())
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("the watch never made the request to be signalled at:\n%s", errb.String())
			}
			select {
			case err := <-done:
				var ee *exec.ExitError
				if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == ExitInterrupt) {
					t.Errorf("exit: %v, want 0 or %d\n%s", err, ExitInterrupt, errb.String())
				}
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("the watch did not stop on SIGTERM:\n%s", errb.String())
			}
			comments, labelled := 0, 0
			for i := 1; i <= 3; i++ {
				for _, s := range lab.summaries(labName(i)) {
					comments++
					if !strings.Contains(s, fmt.Sprintf("Lab incident %d", i)) || !strings.Contains(s, "## How the triage went") {
						t.Errorf("incident %d: a partial summary:\n%s", i, s)
					}
				}
				if inc, _ := lab.srv.Incident(labName(i)); len(inc.Labels) > 0 {
					labelled++
				}
			}
			if comments != tt.want || labelled != 0 {
				t.Errorf("%d summary comments and %d labels; want %d and none:\n%s", comments, labelled, tt.want, errb.String())
			}
		})
	}
}
