package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/workspace/local"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

// TestEntityCapsFromConfiguration: triage.yaml's caps on entities reach the
// workspace `run` triages: the report holds the configured number of
// entities, names the rest in a problem, and the run exits partial.
func TestEntityCapsFromConfiguration(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "big.db")
	ctx := context.Background()
	ws, err := local.Open(ctx, "big", db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.Load(ctx, workspacetest.Emitter(workspacetest.LargeIncident(testNow.Add(-48*time.Hour), 1, 120))); err != nil {
		t.Fatal(err)
	}
	ws.Close()
	cfg := filepath.Join(dir, "triage.yaml")
	yaml := "workspaces:\n  big:\n    kind: local\n    path: " + db + "\ntriage:\n  max_entities_per_alert: 30\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "--config", cfg, "-w", "big", "run", "1", "--format", "json")
	if code != ExitPartial || !strings.Contains(errOut, "the caps on entities left 90 entities out") {
		t.Errorf("exit %d, stderr %q; want %d, partial, saying what the caps left out", code, errOut, ExitPartial)
	}
	var r struct {
		Entities []json.RawMessage `json:"entities"`
		Problems []struct{ Where, What string }
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	if len(r.Entities) != 30 {
		t.Errorf("%d entities in the report, want the configured 30", len(r.Entities))
	}
	found := false
	for _, p := range r.Problems {
		found = found || strings.Contains(p.What, "names 120 entities; the first 30 were kept, 90 left out")
	}
	if !found {
		t.Errorf("no problem names the counts: %+v", r.Problems)
	}
}
