package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

func TestTIQueryReadsBothTables(t *testing.T) {
	ctx := context.Background()
	ws, err := local.Open(ctx, "ti", ":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
		legacy := func(id, domain, action string, conf float64, active bool, expires time.Time) error {
			return emit("ThreatIntelligenceIndicator", map[string]any{
				"TimeGenerated": now.Add(-time.Hour), "IndicatorId": id, "DomainName": domain, "Action": action,
				"ConfidenceScore": conf, "Active": active, "ExpirationDateTime": expires, "Description": "legacy " + id,
				"SourceSystem": "SecurityGraph", "Tags": `["c2"]`,
			})
		}
		for _, err := range []error{
			legacy("l1", "bad.example.net", "alert", 50, true, now.Add(time.Hour)),
			legacy("l2", "old.example.net", "", 90, true, now.Add(-time.Minute)),
			legacy("l3", "off.example.net", "", 90, false, now.Add(time.Hour)),
			emit("ThreatIntelIndicators", map[string]any{
				"TimeGenerated": now.Add(-time.Hour), "Id": "n1", "ObservableKey": "ipv4-addr:value", "ObservableValue": "198.51.100.23",
				"Confidence": 70, "IsActive": true, "Data": map[string]any{"name": "new table"}, "SourceSystem": "TAXII",
			}),
		} {
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := TIQuery(ws, func() time.Time { return now })(ctx, []string{"bad.example.net", "old.example.net", "off.example.net", "198.51.100.23"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, m := range ms {
		got[m.ObservableValue] = m.Confidence
		if m.ObservableValue == "bad.example.net" && (m.Name != "legacy l1" || len(m.Tags) != 1) {
			t.Errorf("legacy match %+v", m)
		}
	}
	if len(got) != 2 || got["bad.example.net"] != 80 || got["198.51.100.23"] != 70 {
		t.Errorf("matches %v, want the active legacy one (alert raises it to 80) and the new table's", got)
	}
}

// TestNoTable: a missing table is the workspace's NoTableError naming it
// (each workspace recognises its service's wording, tested there and in
// the conformance suite), not a message that looks like one.
func TestNoTable(t *testing.T) {
	missing := func(table string) error {
		return fmt.Errorf("query ti_indicators: %w", &workspace.NoTableError{Table: table, Err: errors.New("no such table: " + table)})
	}
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{missing("ThreatIntelIndicators"), true},
		{missing("ThreatIntelligenceIndicator"), false},
		{errors.New("query ti_indicators: 403 access denied"), false},
		{errors.New("SQL logic error: no such table: ThreatIntelIndicators"), false},
	} {
		if got := noTable(tt.err, "ThreatIntelIndicators"); got != tt.want {
			t.Errorf("noTable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// noTIWorkspace is a workspace without either threat-intelligence table.
type noTIWorkspace struct{ workspace.Workspace }

func (noTIWorkspace) Run(_ context.Context, name string, _ workspace.Params) (workspace.Table, error) {
	table := map[string]string{"ti_indicators": "ThreatIntelIndicators", "ti_indicators_legacy": "ThreatIntelligenceIndicator"}[name]
	return workspace.Table{}, fmt.Errorf("query %s: %w", name, &workspace.NoTableError{Table: table})
}

// TestTIQueryWithoutTables: a workspace with neither table cannot run
// sentinel-ti (intel.ErrNotConfigured, naming both), which is no failure.
func TestTIQueryWithoutTables(t *testing.T) {
	_, err := TIQuery(noTIWorkspace{}, time.Now)(context.Background(), []string{"198.51.100.23"})
	if !errors.Is(err, intel.ErrNotConfigured) || !strings.Contains(err.Error(), "neither ThreatIntelIndicators nor ThreatIntelligenceIndicator") {
		t.Errorf("TIQuery without tables: %v, want ErrNotConfigured naming both", err)
	}
}
