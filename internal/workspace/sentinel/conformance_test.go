package sentinel_test

import (
	"context"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/sentinel"
	"github.com/triage-dev/triage/internal/workspace/sentinel/sentineltest"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

// token is a credential that always has a token.
type token struct{}

func (token) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "fake", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// open starts a fake service with recs and opens a workspace on it.
func open(t *testing.T, recs map[string][]map[string]any, tweak func(*sentinel.Options)) (*sentinel.Workspace, *sentineltest.Server) {
	t.Helper()
	srv := sentineltest.New(t, recs)
	cat := workspacetest.Catalog(t)
	opts := sentinel.Options{
		Workspace: srv.Workspace("lab"), Credential: token{}, Catalog: cat,
		Transport: srv.Client(), RetryDelay: time.Millisecond,
	}
	if tweak != nil {
		tweak(&opts)
	}
	ws, err := sentinel.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	return ws, srv
}

func TestConformance(t *testing.T) {
	workspacetest.Run(t, func(t *testing.T, recs map[string][]map[string]any) workspace.Workspace {
		ws, _ := open(t, recs, nil)
		return ws
	})
}

// TestConformanceLogsOnly runs the suite on a workspace configured with a
// workspace id only: incidents come from the SecurityIncident table.
func TestConformanceLogsOnly(t *testing.T) {
	workspacetest.Run(t, func(t *testing.T, recs map[string][]map[string]any) workspace.Workspace {
		ws, _ := open(t, recs, func(o *sentinel.Options) {
			o.Workspace.SubscriptionID, o.Workspace.ResourceGroup, o.Workspace.WorkspaceName = "", "", ""
		})
		return ws
	})
}
