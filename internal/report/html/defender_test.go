package html

import (
	"testing"

	"github.com/triage-dev/triage/internal/triage"
)

// TestPropsDefenderVerdictFirst: Defender XDR's verdict leads an entity's
// properties; without one they stay in name order.
func TestPropsDefenderVerdictFirst(t *testing.T) {
	e := &triage.Entity{Kind: triage.KindFile, Properties: map[string]any{"fileName": "a.exe", "directory": `c:\t`, "verdict": "suspicious"}}
	got := propLines(e)
	if len(got) != 3 || got[0] != "verdict: suspicious" || got[1] != `directory: c:\t` {
		t.Errorf("props = %q, want the verdict first", got)
	}
	e.Properties["verdict"] = "not a verdict"
	if got := propLines(e); got[2] != "verdict: not a verdict" {
		t.Errorf("props = %q, want name order", got)
	}
}
