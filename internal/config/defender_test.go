package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDefenderWorkspace(t *testing.T) {
	c, _ := mustLoadTriage(t, `
workspaces:
  xdr:
    kind: defender
    tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47
    workspace_id: 8ecf8077-cf51-4820-aadd-14040956f35d
    cloud: custom
    endpoints: {graph: "https://127.0.0.1:8443/", log_analytics: https://127.0.0.1:8444}
    auth: {method: [cli]}
  gov:
    kind: defender
    cloud: usgov-dod
  onboarded:
    workspace_id: 8ecf8077-cf51-4820-aadd-14040956f35d
    portal: defender
`, nil)
	x := c.Workspaces["xdr"]
	if x.Kind != KindDefender || x.Endpoints.Graph != "https://127.0.0.1:8443" || x.Endpoints.LogAnalytics != "https://127.0.0.1:8444" {
		t.Errorf("xdr = %+v", x)
	}
	if g := c.Workspaces["gov"]; g.Cloud != CloudUSGovDoD || g.Endpoints.Graph != "https://dod-graph.microsoft.us" || g.Endpoints.AuthorityHost != "https://login.microsoftonline.us" {
		t.Errorf("gov = %+v", g)
	}
	if o := c.Workspaces["onboarded"]; o.Kind != KindSentinel || o.Portal != PortalDefender {
		t.Errorf("onboarded = %+v", o)
	}
	msgs := findingsOf(c.Check(), "workspace xdr")
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0], "ok: Defender XDR workspace (Microsoft Graph https://127.0.0.1:8443)") {
		t.Fatalf("check of xdr = %q", msgs)
	}
	for _, p := range DefenderPermissions {
		if !strings.Contains(msgs[0], p.Name+" for "+p.For) {
			t.Errorf("check of xdr does not explain %s: %s", p.Name, msgs[0])
		}
	}
	if msgs := strings.Join(findingsOf(c.Check(), "workspace gov"), "\n"); !strings.Contains(msgs, "no workspace_id") ||
		!strings.Contains(msgs, "through advanced hunting") || !strings.Contains(msgs, "need Sentinel's Log Analytics workspace") {
		t.Errorf("check of gov does not say which log queries advanced hunting runs and which need a workspace_id: %q", msgs)
	}
}

func TestDefenderWorkspaceRefused(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"china":                {"kind: defender\n    cloud: china", "not available in Azure China"},
		"custom without graph": {"kind: defender\n    cloud: custom", "needs graph under workspaces.w.endpoints"},
		"custom log analytics": {"kind: defender\n    workspace_id: 8ecf8077-cf51-4820-aadd-14040956f35d\n    cloud: custom\n    endpoints: {graph: https://127.0.0.1:1}", "needs log_analytics"},
		"sentinel fields":      {"kind: defender\n    subscription_id: 3b701f84-d04b-4479-89b1-fa8827eb537e", "subscription_id is only for Sentinel workspaces (this one is defender)"},
		"bad portal":           {"portal: xdr", `want azure or defender, got "xdr"`},
		"bad kind":             {"kind: xdr", `want sentinel, defender or local`},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := loadTriage(t, "workspaces:\n  w:\n    "+tc.yaml+"\n", nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestMissingGraphPermissions(t *testing.T) {
	names := func(ps []GraphPermission) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	if d := cmp.Diff([]string{"SecurityAlert.Read.All", "ThreatHunting.Read.All"},
		names(MissingGraphPermissions([]string{"securityincident.readwrite.all", "User.Read"}))); d != "" {
		t.Errorf("ReadWrite covers Read (-want +got):\n%s", d)
	}
	if got := MissingGraphPermissions(nil); len(got) != len(DefenderPermissions) {
		t.Errorf("nothing granted: %v missing", names(got))
	}
}
