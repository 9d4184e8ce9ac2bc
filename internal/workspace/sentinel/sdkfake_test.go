package sentinel_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"
	logsfake "github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs/fake"
	si "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/securityinsights/armsecurityinsights/v2"
	sifake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/securityinsights/armsecurityinsights/v2/fake"

	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/sentinel"
	"github.com/triage-dev/triage/internal/workspace/sentinel/sentineltest"
)

// router sends Log Analytics requests to one fake transport and the rest
// (the incidents API) to another.
type router struct {
	arm, logs interface {
		Do(*http.Request) (*http.Response, error)
	}
}

func (r router) Do(req *http.Request) (*http.Response, error) {
	if req.URL.Host == "logs.example" {
		return r.logs.Do(req)
	}
	return r.arm.Do(req)
}

func decodeFixture[T any](t *testing.T, name string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(fixture(t, name), &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// TestSDKFakes runs the workspace on the SDK's own fake servers fed with the
// service's example payloads: a listing over three pages, details from the
// alerts and entities APIs and the SecurityAlert rows, and an update whose
// etag the service refuses.
func TestSDKFakes(t *testing.T) {
	list := decodeFixture[si.IncidentList](t, "GetIncidents.json")
	one := decodeFixture[si.Incident](t, "GetIncidentById.json")
	alerts := decodeFixture[si.IncidentAlertList](t, "GetAllIncidentAlerts.json")
	entities := decodeFixture[si.IncidentEntitiesResponse](t, "GetAllIncidentEntities.json")
	rows := decodeFixture[azlogs.QueryResults](t, "az_mon_raw_query.json")
	var putEtag string

	arm := sifake.ServerFactory{IncidentsServer: sifake.IncidentsServer{
		NewListPager: func(rg, ws string, o *si.IncidentsClientListOptions) (r azfake.PagerResponder[si.IncidentsClientListResponse]) {
			for range 3 {
				r.AddPage(http.StatusOK, si.IncidentsClientListResponse{IncidentList: list}, nil)
			}
			return r
		},
		Get: func(_ context.Context, rg, ws, id string, _ *si.IncidentsClientGetOptions) (r azfake.Responder[si.IncidentsClientGetResponse], e azfake.ErrorResponder) {
			r.SetResponse(http.StatusOK, si.IncidentsClientGetResponse{Incident: one}, nil)
			return
		},
		ListAlerts: func(_ context.Context, rg, ws, id string, _ *si.IncidentsClientListAlertsOptions) (r azfake.Responder[si.IncidentsClientListAlertsResponse], e azfake.ErrorResponder) {
			r.SetResponse(http.StatusOK, si.IncidentsClientListAlertsResponse{IncidentAlertList: alerts}, nil)
			return
		},
		ListEntities: func(_ context.Context, rg, ws, id string, _ *si.IncidentsClientListEntitiesOptions) (r azfake.Responder[si.IncidentsClientListEntitiesResponse], e azfake.ErrorResponder) {
			r.SetResponse(http.StatusOK, si.IncidentsClientListEntitiesResponse{IncidentEntitiesResponse: entities}, nil)
			return
		},
		CreateOrUpdate: func(_ context.Context, rg, ws, id string, inc si.Incident, _ *si.IncidentsClientCreateOrUpdateOptions) (r azfake.Responder[si.IncidentsClientCreateOrUpdateResponse], e azfake.ErrorResponder) {
			putEtag = *inc.Etag
			e.SetResponseError(http.StatusPreconditionFailed, "PreconditionFailed")
			return
		},
	}}
	logs := logsfake.Server{QueryWorkspace: func(_ context.Context, id string, body azlogs.QueryBody, _ *azlogs.QueryWorkspaceOptions) (r azfake.Responder[azlogs.QueryWorkspaceResponse], e azfake.ErrorResponder) {
		r.SetResponse(http.StatusOK, azlogs.QueryWorkspaceResponse{QueryResults: rows}, nil)
		return
	}}
	wc := sentineltest.New(t, nil).Workspace("sdk")
	wc.Endpoints.ResourceManager, wc.Endpoints.LogAnalytics = "https://arm.example", "https://logs.example"
	cat, _ := workspace.LoadCatalog("")
	ws, err := sentinel.Open(sentinel.Options{Workspace: wc, Credential: &azfake.TokenCredential{}, Catalog: cat,
		Transport: router{arm: sifake.NewServerFactoryTransport(&arm), logs: logsfake.NewServerTransport(&logs)}})
	if err != nil {
		t.Fatal(err)
	}

	n := 0
	err = ws.ListIncidents(ctx, workspace.IncidentFilter{}, func(inc triage.Incident) error {
		n++
		return nil
	})
	if err != nil || n != 3 {
		t.Fatalf("listed %d incidents over three pages (%v), want 3", n, err)
	}
	inc, err := ws.Incident(ctx, *one.Name)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Number != 3177 || inc.ETag != *one.Etag || len(inc.AlertIDs) != 1 {
		t.Errorf("incident = %+v", inc)
	}
	d, err := ws.Details(ctx, inc)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Alerts) != 1 || d.Alerts[0].Name != "myAlert" || len(d.Entities) == 0 {
		t.Errorf("details = %+v", d)
	}

	active := triage.StatusActive
	_, err = ws.Update(ctx, inc, workspace.Change{Status: &active})
	if !errors.Is(err, workspace.ErrConflict) || putEtag != *one.Etag {
		t.Errorf("update refused for its etag: %v (sent etag %q), want a conflict carrying %q", err, putEtag, *one.Etag)
	}
	if err != nil && !strings.Contains(err.Error(), "nothing was written") {
		t.Errorf("conflict error %q does not say nothing was written", err)
	}
}
