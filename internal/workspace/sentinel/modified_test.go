package sentinel_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

// A listing by modification time is asked of the service ($filter on
// lastModifiedTimeUtc): of a hundred incidents it is sent the few modified
// since, not every one to sift.
func TestListModifiedSinceIsAskedOfTheService(t *testing.T) {
	recs := manyIncidents(100)
	for _, r := range recs["SecurityIncident"] {
		if _, ok := r["LastModifiedTime"]; !ok {
			r["LastModifiedTime"] = r["CreatedTime"]
		}
	}
	ws, srv := open(t, recs, nil)
	srv.PageSize = 3
	// Paged incidents 96-99 (numbers 196-199) and the data set's four,
	// modified hours after T0, are modified since T0+96m.
	since := workspacetest.T0.Add(96 * time.Minute)
	var got []int
	err := ws.ListIncidents(ctx, workspace.IncidentFilter{ModifiedSince: since}, func(inc triage.Incident) error {
		got = append(got, inc.Number)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[4 3 2 199 198 197 196 1]" {
		t.Errorf("modified since %v: %v, want [4 3 2 199 198 197 196 1]", since, got)
	}
	if n := srv.Listed(); n != len(got) {
		t.Errorf("the service sent %d incidents for %d modified since: the filter was not asked of it", n, len(got))
	}
}
