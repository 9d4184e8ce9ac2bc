package markdown

import (
	"bytes"
	"strings"
	"testing"

	"github.com/triage-dev/triage/internal/report/reporttest"
	"github.com/triage-dev/triage/internal/triage"
)

// TestEntityDefenderVerdict: the entity table says what Defender XDR
// judged an entity, and nothing for a verdict of unknown.
func TestEntityDefenderVerdict(t *testing.T) {
	r := reporttest.Report("x")
	r.Entities = []triage.Entity{
		{Kind: triage.KindFile, Key: "File:a", Name: "payload.exe", Properties: map[string]any{"verdict": "malicious"}},
		{Kind: triage.KindIP, Key: "Ip:203.0.113.1", Name: "203.0.113.1", Properties: map[string]any{"verdict": "unknown"}},
	}
	var b bytes.Buffer
	if err := Write(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "| File | payload.exe (Defender XDR: malicious) |") {
		t.Errorf("no verdict on the file:\n%s", out)
	}
	if !strings.Contains(out, "| Ip | 203.0.113.1 |") {
		t.Errorf("an unknown verdict is shown:\n%s", out)
	}
}
