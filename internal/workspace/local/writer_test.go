package local_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

// openWriter opens a workspace holding workspacetest.Records with its clock
// pinned at now.
func openWriter(t *testing.T, now time.Time) *local.Workspace {
	t.Helper()
	ws := openLoaded(t, workspacetest.Records())
	t.Cleanup(func() { ws.Close() })
	ws.SetClock(func() time.Time { return now })
	return ws
}

func incident(t *testing.T, ws *local.Workspace, ref string) triage.Incident {
	t.Helper()
	inc, err := ws.Incident(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

func ptr[T any](v T) *T { return &v }

func TestIncidentETag(t *testing.T) {
	ws := openWriter(t, workspacetest.T0)
	ctx := context.Background()
	etags := map[string]string{}
	err := ws.ListIncidents(ctx, workspace.IncidentFilter{}, func(inc triage.Incident) error {
		etags[inc.Name] = inc.ETag
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for name, etag := range etags {
		if etag == "" || seen[etag] {
			t.Errorf("incident %s: ETag %q, want a non-empty one of its own", name, etag)
		}
		seen[etag] = true
		if got := incident(t, ws, name).ETag; got != etag {
			t.Errorf("incident %s: Incident gives ETag %q, ListIncidents %q", name, got, etag)
		}
	}
	if len(etags) != 4 {
		t.Errorf("%d incidents listed, want 4", len(etags))
	}
}

func TestUpdate(t *testing.T) {
	now := workspacetest.T0.Add(100 * time.Hour)
	ws := openWriter(t, now)
	ctx := context.Background()
	before := incident(t, ws, "2")
	rows := count(t, ws, "SecurityIncident")

	ch := workspace.Change{
		Status:               ptr(triage.StatusClosed),
		Severity:             ptr(triage.SeverityLow),
		Owner:                ptr(triage.Owner{UPN: "carol@contoso.com", AssignedTo: "Carol"}),
		Labels:               ptr([]string{"triaged", `x'); DROP TABLE SecurityIncident; --`}),
		Classification:       ptr(triage.ClassFalsePositive),
		ClassificationReason: ptr("IncorrectAlertLogic"),
	}
	got, err := ws.Update(ctx, before, ch)
	if err != nil {
		t.Fatal(err)
	}
	want := before
	want.Status = triage.StatusClosed
	want.Severity = triage.SeverityLow
	want.Owner = triage.Owner{UPN: "carol@contoso.com", AssignedTo: "Carol"}
	want.Labels = []string{"triaged", `x'); DROP TABLE SecurityIncident; --`}
	want.Classification = triage.ClassFalsePositive
	want.ClassificationReason = "IncorrectAlertLogic"
	want.LastModified = now
	want.ETag = got.ETag
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Update returned (-want +got):\n%s", d)
	}
	if got.ETag == before.ETag {
		t.Error("the ETag did not change")
	}
	if d := cmp.Diff(got, incident(t, ws, "2")); d != "" {
		t.Errorf("Incident after Update differs from what Update returned (-returned +read):\n%s", d)
	}
	if n := count(t, ws, "SecurityIncident"); n != rows+1 {
		t.Errorf("%d SecurityIncident rows, want %d (one revision added)", n, rows+1)
	}
	tab := rawQuery(t, ws, `SELECT TimeGenerated, ClosedTime, json_extract(Record, '$.ModifiedBy') AS ModifiedBy,
		json_extract(Record, '$.TenantId') AS TenantId, json_extract(Labels, '$[0].labelType') AS LabelType
		FROM SecurityIncident WHERE IncidentNumber = 2 ORDER BY TimeGenerated DESC LIMIT 1`, nil)
	r := tab.Records()[0]
	if !r.Time("TimeGenerated").Equal(now) || !r.Time("ClosedTime").Equal(now) {
		t.Errorf("TimeGenerated %v, ClosedTime %v, want both %v", r["TimeGenerated"], r["ClosedTime"], now)
	}
	if r.String("ModifiedBy") != "triage" || r.String("TenantId") != "72f988bf-0000-0000-0000-000000000000" || r.String("LabelType") != "User" {
		t.Errorf("new revision: ModifiedBy %v, TenantId %v, labelType %v; want triage, the old tenant, User",
			r["ModifiedBy"], r["TenantId"], r["LabelType"])
	}

	// Unassigning stores a null owner; an untouched label keeps its type.
	inc1 := incident(t, ws, "1")
	got, err = ws.Update(ctx, inc1, workspace.Change{Owner: &triage.Owner{}, Labels: ptr([]string{"vip", "new"})})
	if err != nil {
		t.Fatal(err)
	}
	if got.Owner != (triage.Owner{}) || !cmp.Equal(got.Labels, []string{"vip", "new"}) {
		t.Errorf("after unassigning: owner %+v, labels %v", got.Owner, got.Labels)
	}
}

func TestUpdateClockBehindData(t *testing.T) {
	// The clock reads earlier than the incident's latest row: the new row
	// still comes after it, or it would not be the incident's state.
	ws := openWriter(t, workspacetest.T0.Add(-1000*time.Hour))
	inc := incident(t, ws, "1")
	got, err := ws.Update(context.Background(), inc, workspace.Change{Severity: ptr(triage.SeverityMedium)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Severity != triage.SeverityMedium || incident(t, ws, "1").Severity != triage.SeverityMedium {
		t.Errorf("severity after update: returned %s, read %s; want Medium", got.Severity, incident(t, ws, "1").Severity)
	}
	if want := inc.LastModified.Add(time.Microsecond); !got.LastModified.Equal(want) {
		t.Errorf("LastModified %v, want %v", got.LastModified, want)
	}
}

func TestUpdateConflict(t *testing.T) {
	ws := openWriter(t, workspacetest.T0.Add(100*time.Hour))
	ctx := context.Background()
	stale := incident(t, ws, "1")
	// Someone else changes the severity and the owner meanwhile.
	cur, err := ws.Update(ctx, stale, workspace.Change{Severity: ptr(triage.SeverityLow), Owner: &triage.Owner{}})
	if err != nil {
		t.Fatal(err)
	}
	rows := count(t, ws, "SecurityIncident")

	_, err = ws.Update(ctx, stale, workspace.Change{Status: ptr(triage.StatusClosed), Classification: ptr(triage.ClassTruePositive)})
	var ce *workspace.ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, workspace.ErrConflict) {
		t.Fatalf("stale update: %v, want a *ConflictError", err)
	}
	wantChanged := []string{`severity: "High" → "Low"`, `owner: "Alice Smith" → ""`}
	if d := cmp.Diff(wantChanged, ce.Changed); d != "" {
		t.Errorf("Changed (-want +got):\n%s", d)
	}
	if ce.Incident != "1" || ce.Current.ETag != cur.ETag || ce.Current.Severity != triage.SeverityLow {
		t.Errorf("conflict: Incident %q, Current %+v; want 1 and the incident as it is now", ce.Incident, ce.Current)
	}
	if n := count(t, ws, "SecurityIncident"); n != rows {
		t.Errorf("%d SecurityIncident rows after a conflict, want %d (nothing written)", n, rows)
	}
	if now := incident(t, ws, "1"); now.Status != triage.StatusActive || now.ETag != cur.ETag {
		t.Errorf("incident after the conflict: status %s, ETag %s; want Active and unchanged", now.Status, now.ETag)
	}
}

func TestUpdateConcurrentSameETag(t *testing.T) {
	ws := openWriter(t, workspacetest.T0.Add(100*time.Hour))
	inc := incident(t, ws, "2")
	rows := count(t, ws, "SecurityIncident")
	const n = 8
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		ok, confl int
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := ws.Update(context.Background(), inc, workspace.Change{Labels: ptr([]string{string(rune('a' + i))})})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, workspace.ErrConflict):
				confl++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 || confl != n-1 {
		t.Errorf("%d updates succeeded and %d conflicted, want 1 and %d", ok, confl, n-1)
	}
	if got := count(t, ws, "SecurityIncident"); got != rows+1 {
		t.Errorf("%d rows, want %d", got, rows+1)
	}
}

func TestUpdateInvalidWritesNothing(t *testing.T) {
	ws := openWriter(t, workspacetest.T0.Add(100*time.Hour))
	ctx := context.Background()
	inc := incident(t, ws, "2")
	rows := count(t, ws, "SecurityIncident")
	tests := []struct {
		name string
		inc  triage.Incident
		ch   workspace.Change
		msg  string
	}{
		{"close without classification", inc, workspace.Change{Status: ptr(triage.StatusClosed)}, "needs a classification"},
		{"nothing to change", inc, workspace.Change{}, "nothing to change"},
		{"bad reason", inc, workspace.Change{Status: ptr(triage.StatusClosed), Classification: ptr(triage.ClassTruePositive),
			ClassificationReason: ptr("InaccurateData")}, "does not go with"},
		{"no etag", func() triage.Incident { i := inc; i.ETag = ""; return i }(), workspace.Change{Severity: ptr(triage.SeverityLow)}, "read it from the workspace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ws.Update(ctx, tt.inc, tt.ch)
			if err == nil || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), "incident 2") {
				t.Errorf("Update: %v, want an error about incident 2 with %q", err, tt.msg)
			}
		})
	}
	if n := count(t, ws, "SecurityIncident"); n != rows {
		t.Errorf("%d rows, want %d: an invalid change wrote something", n, rows)
	}
	if got := incident(t, ws, "2").ETag; got != inc.ETag {
		t.Errorf("ETag changed from %s to %s", inc.ETag, got)
	}

	missing := inc
	missing.Name, missing.Number = "00000000-0000-0000-0000-000000000000", 0
	if _, err := ws.Update(ctx, missing, workspace.Change{Severity: ptr(triage.SeverityLow)}); !errors.Is(err, workspace.ErrNotFound) {
		t.Errorf("update of an unknown incident: %v, want ErrNotFound", err)
	}
}

func TestComments(t *testing.T) {
	t1 := workspacetest.T0.Add(100 * time.Hour)
	ws := openWriter(t, t1)
	ctx := context.Background()
	inc1, inc2 := incident(t, ws, "1"), incident(t, ws, "2")

	if cs, err := ws.Comments(ctx, inc1); err != nil || len(cs) != 0 {
		t.Fatalf("Comments before any: %v, %v", cs, err)
	}
	hostile := "**Summary** `x` <script>alert(1)</script> '); DROP TABLE TriageIncidentComment; --"
	a, err := ws.PostComment(ctx, inc1, "", hostile)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == "" || a.Message != hostile || a.Author != "triage" || !a.Created.Equal(t1) {
		t.Errorf("new comment %+v", a)
	}
	t2 := t1.Add(time.Hour)
	ws.SetClock(func() time.Time { return t2 })
	b, err := ws.PostComment(ctx, inc1, "", "second")
	if err != nil {
		t.Fatal(err)
	}
	if b.ID == a.ID {
		t.Errorf("two comments with id %s", a.ID)
	}
	if _, err := ws.PostComment(ctx, inc2, "", "on another incident"); err != nil {
		t.Fatal(err)
	}

	t3 := t2.Add(time.Hour)
	ws.SetClock(func() time.Time { return t3 })
	replaced, err := ws.PostComment(ctx, inc1, a.ID, "first, edited")
	if err != nil {
		t.Fatal(err)
	}
	want := []workspace.Comment{
		{ID: a.ID, Message: "first, edited", Author: "triage", Created: t1, Modified: t3},
		{ID: b.ID, Message: "second", Author: "triage", Created: t2, Modified: t2},
	}
	if d := cmp.Diff(want[0], replaced); d != "" {
		t.Errorf("PostComment with an id returned (-want +got):\n%s", d)
	}
	got, err := ws.Comments(ctx, inc1)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Comments (-want +got):\n%s", d)
	}
	if n := count(t, ws, "TriageIncidentComment"); n != 3 {
		t.Errorf("%d comment rows, want 3 (replacing adds none)", n)
	}
	if incident(t, ws, "1").ETag != inc1.ETag {
		t.Error("a comment changed the incident's ETag")
	}
}

func TestPostCommentErrors(t *testing.T) {
	ws := openWriter(t, workspacetest.T0)
	ctx := context.Background()
	inc := incident(t, ws, "1")
	missing := triage.Incident{Name: "00000000-0000-0000-0000-000000000000", Number: 99}
	tests := []struct {
		name     string
		inc      triage.Incident
		id, msg  string
		want     string
		notFound bool
	}{
		{"empty", inc, "", " \n", "empty", false},
		{"too long", inc, "", strings.Repeat("é", workspace.MaxCommentLength+1), "30001 characters, more than the limit of 30000", false},
		{"invalid UTF-8", inc, "", "a\xffb", "UTF-8", false},
		{"unknown incident", missing, "", "x", "incident 99", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ws.PostComment(ctx, tt.inc, tt.id, tt.msg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || errors.Is(err, workspace.ErrNotFound) != tt.notFound {
				t.Errorf("PostComment: %v, want an error with %q (not found: %v)", err, tt.want, tt.notFound)
			}
		})
	}
	if n := count(t, ws, "TriageIncidentComment"); n != 0 {
		t.Errorf("%d comment rows after failed posts, want 0", n)
	}
	// A new id adds a comment under that id, as Sentinel's create-or-update.
	c, err := ws.PostComment(ctx, inc, "chosen-id", "x")
	if err != nil || c.ID != "chosen-id" {
		t.Errorf("PostComment with a new id: %+v, %v", c, err)
	}
	if cs, _ := ws.Comments(ctx, inc); len(cs) != 1 || cs[0].ID != "chosen-id" {
		t.Errorf("comments = %+v, want the one with the chosen id", cs)
	}
	if _, err := ws.PostComment(ctx, inc, "", strings.Repeat("é", workspace.MaxCommentLength)); err != nil {
		t.Errorf("a comment of exactly the limit: %v", err)
	}
	if _, err := ws.Comments(ctx, missing); !errors.Is(err, workspace.ErrNotFound) {
		t.Errorf("Comments of an unknown incident: %v, want ErrNotFound", err)
	}
}
