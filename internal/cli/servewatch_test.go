package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/history"
)

// serve --watch takes watch's --window and --log-format: one JSON line per
// incident triaged, of the incidents created within the window.
func TestServeWatchWindowAndJSONLog(t *testing.T) {
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
		// Incidents 7 and 8 were created two hours before testNow.
		done <- Run(ctx, s, append(args, "serve", "--listen", "127.0.0.1:0", "--watch",
			"--window", "3h", "--log-format", "json", "--interval", "1h"))
	}()
	st, err := history.Open(context.Background(), filepath.Join(dataDir, history.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var latest map[string]history.Record
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && len(latest) < 2; time.Sleep(50 * time.Millisecond) {
		if latest, err = st.Latest(context.Background(), "lab"); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(40 * time.Second):
		t.Fatal("serve --watch did not stop when its context was cancelled")
	}
	if len(latest) != 2 {
		t.Fatalf("%d incidents recorded, want 2:\n%s", len(latest), errb.String())
	}
	triaged := 0
	for _, l := range strings.Split(errb.String(), "\n") {
		if !strings.HasPrefix(l, "{") {
			continue
		}
		var line struct {
			Msg, Workspace string
			Incident       int
		}
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Errorf("a log line is not JSON: %v: %s", err, l)
		}
		if line.Msg == "triaged" && line.Workspace == "lab" && (line.Incident == 7 || line.Incident == 8) {
			triaged++
		}
	}
	if triaged != 2 {
		t.Errorf("%d JSON lines of incidents triaged, want 2:\n%s", triaged, errb.String())
	}
}
