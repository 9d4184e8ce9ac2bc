package pipeline_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/workspace/sentinel"
	"github.com/triage-dev/triage/internal/workspace/sentinel/sentineltest"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

type fakeToken struct{}

func (fakeToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "t", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// TestRunPartialResults triages on a Sentinel workspace whose every log
// query comes back partial: the sections that read logs say so, the report
// is partial, and what did come back is kept.
func TestRunPartialResults(t *testing.T) {
	srv := sentineltest.New(t, workspacetest.Records())
	srv.PartialQueries = true
	ws, err := sentinel.Open(sentinel.Options{Workspace: srv.Workspace("lab"), Credential: fakeToken{}, Transport: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return workspacetest.T0.Add(24 * time.Hour) }
	r, err := pipeline.Run(context.Background(), pipeline.Options{Sources: sources.Sources{Workspace: ws, Intel: &intel.Engine{Now: clock}}, Now: clock}, "1")
	if err != nil {
		t.Fatal(err)
	}
	rel := section(r, pipeline.SectionRelated)
	if rel.Status != report.StatusPartial || !strings.Contains(rel.Reason, "PartialError") {
		t.Errorf("related section = %+v, want partial naming the PartialError", rel)
	}
	if len(r.RelatedAlerts) == 0 {
		t.Error("the partial answer's related alerts were dropped")
	}
	if !r.Partial() {
		t.Error("the report is not marked partial")
	}
}
