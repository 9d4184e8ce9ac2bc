package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/history"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/web"
)

// Every triage the UI completes is given to Env.Record, once, before the
// page hears it is done; a triage whose incident cannot be read is not.
func TestTriageRecorded(t *testing.T) {
	o := options(t)
	var mu sync.Mutex
	var got []*report.Report
	open := o.Open
	o.Open = func(ctx context.Context, name string) (*web.Env, error) {
		env, err := open(ctx, name)
		if env != nil {
			env.Record = func(_ context.Context, r *report.Report) {
				mu.Lock()
				got = append(got, r)
				mu.Unlock()
			}
		}
		return env, err
	}
	ts := newServerWith(t, o)
	ts.waitTriage(t, "demo", demoIncident)
	ts.triage("demo", 999999)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Incident.Number != demoIncident || len(got[0].Sections) == 0 {
		t.Fatalf("recorded %d triages, want incident %d's alone", len(got), demoIncident)
	}
}

// The incident page shows the priority once the triage is done, with its
// reasons and points, on the page and in the done event.
func TestIncidentPriority(t *testing.T) {
	ts := newServer(t)
	events := ts.waitTriage(t, "demo", demoIncident)
	if !strings.Contains(events, `"priority":"\u003cdiv id=\"priority\"`) {
		t.Errorf("the done event has no priority: %.500s", events[strings.LastIndex(events, "event: done"):])
	}
	_, page := ts.get(t, fmt.Sprintf("/incidents/%d?ws=demo", demoIncident))
	i := strings.Index(page, `id="outcome"`)
	if i < 0 {
		t.Fatal("the incident page has no outcome block")
	}
	head := page[i:]
	if !regexp.MustCompile(`<strong>Priority \d+/100</strong>`).MatchString(head) || !strings.Contains(head, `<ul class="priority-reasons">`) ||
		!regexp.MustCompile(`<span class="badge">(&#43;|-)\d+</span> <code>[a-z_]+</code>`).MatchString(head) {
		t.Errorf("the incident page does not show the priority with its reasons and points: %.1500s", head)
	}
	if strings.Contains(head[:strings.Index(head, "</section>")], `id="since-last"`) {
		t.Error("without a history, the page says what changed since the last triage")
	}
}

// With a history, a triage that is not the incident's first says what
// changed since the last one (compared before it is recorded); the
// first says nothing of it.
func TestIncidentSinceLast(t *testing.T) {
	st, err := history.Open(context.Background(), filepath.Join(t.TempDir(), history.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.SetClock(func() time.Time { return testNow })
	o := options(t)
	open := o.Open
	o.Open = func(ctx context.Context, name string) (*web.Env, error) {
		env, err := open(ctx, name)
		if env != nil {
			env.History = st
			env.Record = func(ctx context.Context, r *report.Report) {
				if _, err := st.Add(ctx, *r); err != nil {
					t.Error(err)
				}
			}
		}
		return env, err
	}
	ts := newServerWith(t, o)
	path := fmt.Sprintf("/incidents/%d?ws=demo", demoIncident)
	ts.waitTriage(t, "demo", demoIncident)
	_, page := ts.get(t, path)
	if strings.Contains(page, `id="since-last"`) {
		t.Error("the incident's first triage says what changed since the last")
	}
	res, _ := ts.post(t, fmt.Sprintf("/incidents/%d/run?ws=demo", demoIncident), url.Values{"csrf": {token(t, page, fmt.Sprintf("/incidents/%d/run", demoIncident))}}, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("run again: %d", res.StatusCode)
	}
	events := ts.waitTriage(t, "demo", demoIncident)
	if !strings.Contains(events, `"since_last":"\u003cdiv id=\"since-last\"`) {
		t.Errorf("the done event does not say what changed: %.800s", events[strings.LastIndex(events, "event: done"):])
	}
	_, page = ts.get(t, path)
	if !strings.Contains(page, `id="since-last"`) || !strings.Contains(page, "Since the last triage:</strong> nothing changed since the triage of") {
		t.Error("the second triage's page does not say that nothing changed since the first")
	}
	recs, err := st.List(context.Background(), "demo", strconv.Itoa(demoIncident))
	if err != nil || len(recs) != 2 {
		t.Fatalf("recorded %d triages (%v), want 2", len(recs), err)
	}
}
