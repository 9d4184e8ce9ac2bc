package summary

import (
	"context"
	"testing"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/workspace"
)

// answeredWS answers every query with its table.
type answeredWS struct {
	workspace.Workspace
	t workspace.Table
}

func (w answeredWS) Run(context.Context, string, workspace.Params) (workspace.Table, error) {
	return w.t, nil
}

// TestSectionSaysWhoAnswered: a table a workspace says came from another
// service (advanced hunting) names it in the section's source, and its
// warning (a window cut to what the service keeps) makes the section
// partial with the warning as the reason.
func TestSectionSaysWhoAnswered(t *testing.T) {
	env := &Env{}
	env.Workspace = answeredWS{t: workspace.Table{
		Columns:  []workspace.Column{{Name: "DeviceName", Type: "string"}},
		Rows:     [][]any{{"ws1"}},
		Warnings: []string{"advanced hunting keeps 30 days: the window was cut"},
		Source:   "advanced hunting",
	}}
	recs, n, err := env.query(t.Context(), "any", nil)
	if err != nil {
		t.Fatal(err)
	}
	sec := section("Devices", "DeviceInfo", recs, n, nil, "none", func(*report.SummarySection) {})
	if sec.Source != "DeviceInfo (advanced hunting)" {
		t.Errorf("Source = %q, want the table and the service", sec.Source)
	}
	if sec.Status != report.StatusPartial || sec.Reason != "the workspace marked the answer partial: advanced hunting keeps 30 days: the window was cut" {
		t.Errorf("Status, Reason = %s, %q", sec.Status, sec.Reason)
	}

	env.Workspace = answeredWS{t: workspace.Table{Columns: []workspace.Column{{Name: "DeviceName", Type: "string"}}, Rows: [][]any{{"ws1"}}}}
	recs, n, err = env.query(t.Context(), "any", nil)
	if err != nil {
		t.Fatal(err)
	}
	sec = section("Devices", "DeviceInfo", recs, n, nil, "none", func(*report.SummarySection) {})
	if sec.Source != "DeviceInfo" || sec.Status != report.StatusOK {
		t.Errorf("the workspace's own answer: Source, Status = %q, %s", sec.Source, sec.Status)
	}
}
