package defender_test

import (
	"context"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/defender"
	"github.com/triage-dev/triage/internal/workspace/defender/defendertest"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

// token is a credential that always has a token, and records the scopes
// asked for.
type token struct{ scopes chan []string }

func (t token) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if t.scopes != nil {
		select {
		case t.scopes <- o.Scopes:
		default:
		}
	}
	return azcore.AccessToken{Token: "fake", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// open starts a fake Graph with recs and opens a workspace on it.
func open(t *testing.T, recs map[string][]map[string]any, tweak func(*defender.Options)) (*defender.Workspace, *defendertest.Server) {
	t.Helper()
	srv := defendertest.New(t, recs)
	opts := defender.Options{
		Workspace: srv.Workspace("xdr"), Credential: token{}, Catalog: workspacetest.Catalog(t),
		Transport: srv.Client(), RetryDelay: time.Millisecond, PageSize: 2,
	}
	if tweak != nil {
		tweak(&opts)
	}
	ws, err := defender.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	return ws, srv
}

// graphOptions are what Microsoft Graph's incidents cannot hold of the
// conformance data set (see workspacetest.Options).
var graphOptions = workspacetest.Options{NumberedIncidents: true, OwnerIsOneName: true, InlineAlerts: true, ServiceWords: true}

func TestConformance(t *testing.T) {
	workspacetest.RunWith(t, graphOptions, func(t *testing.T, recs map[string][]map[string]any) workspace.Workspace {
		ws, _ := open(t, recs, nil)
		return ws
	})
}
