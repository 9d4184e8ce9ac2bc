package sentinel_test

import (
	"context"
	"testing"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/sentinel"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

// A workspace onboarded to the Defender portal (portal: defender) links
// its incidents there, by their Defender id; one without that id, or a
// workspace without the setting, keeps the incident's own URL.
func TestPortalDefenderLinks(t *testing.T) {
	ctx := context.Background()
	azure := "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident/" + workspacetest.Incident1
	for _, tc := range []struct {
		portal, providerID, want string
	}{
		{config.PortalDefender, "4242", "https://security.microsoft.com/incident2/4242/overview?tid=72f988bf-86f1-41af-91ab-2d7cd011db47"},
		{config.PortalDefender, "", azure},
		{"", "4242", azure},
	} {
		ws, srv := open(t, workspacetest.Records(), func(o *sentinel.Options) { o.Workspace.Portal = tc.portal })
		if tc.providerID != "" {
			srv.SetProperty(workspacetest.Incident1, "providerIncidentId", tc.providerID)
		}
		inc, err := ws.Incident(ctx, "1")
		if err != nil {
			t.Fatal(err)
		}
		var listed string
		ws.ListIncidents(ctx, workspace.IncidentFilter{}, func(x triage.Incident) error {
			if x.Number == 1 {
				listed = x.URL
			}
			return nil
		})
		if inc.URL != tc.want || listed != tc.want {
			t.Errorf("portal %q, provider id %q: URL %s, listed %s; want %s", tc.portal, tc.providerID, inc.URL, listed, tc.want)
		}
	}
}
