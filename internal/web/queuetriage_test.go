package web_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/history"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/web"
)

// fakeHistory is a history of a few records, with their reports.
type fakeHistory struct {
	recs    []history.Record
	reports map[int64]report.Report
}

func (f *fakeHistory) Latest(_ context.Context, ws string, incidents ...string) (map[string]history.Record, error) {
	out := map[string]history.Record{}
	for _, r := range f.recs {
		if r.Workspace != ws {
			continue
		}
		if len(incidents) == 0 {
			out[r.IncidentName] = r
		}
		for _, ref := range incidents {
			if ref == strconv.Itoa(r.Incident) {
				out[ref] = r
			}
		}
	}
	return out, nil
}

func (f *fakeHistory) Report(_ context.Context, id int64) (report.Report, error) {
	r, ok := f.reports[id]
	if !ok {
		return report.Report{}, history.ErrNotFound
	}
	return r, nil
}

// withHistory serves the demo with h as its history.
func withHistory(t *testing.T, h web.History) *testServer {
	o := options(t)
	open := o.Open
	o.Open = func(ctx context.Context, name string) (*web.Env, error) {
		env, err := open(ctx, name)
		if env != nil {
			env.History = h
		}
		return env, err
	}
	return newServerWith(t, o)
}

// The queue shows each incident's latest verdict and priority, with the
// reasons in the cell's title and its detail, sorts the scored incidents
// first, highest first, then the rest as without a history, and says
// "stale" of a triage the incident has changed since.
func TestQueueTriage(t *testing.T) {
	ctx := context.Background()
	options(t) // builds the demo
	cur, err := sharedDemoIncident(ctx, demoIncident)
	if err != nil {
		t.Fatal(err)
	}
	old, err := sharedDemoIncident(ctx, mapIncident)
	if err != nil {
		t.Fatal(err)
	}
	high, low := 80, 30
	h := &fakeHistory{
		recs: []history.Record{
			withReasons(t, history.Record{ID: 1, Workspace: "demo", Incident: cur.Number, IncidentName: cur.Name, At: testNow, Verdict: intel.SeverityHigh, Complete: true,
				Priority: &high, IncidentModified: cur.LastModified, Alerts: cur.AlertCount}, []report.PriorityReason{
				{Factor: "ti_verdict", Points: 50, Detail: "threat intel rates <b>evil</b> high"},
				{Factor: "incident_severity", Points: 30, Detail: "the incident is high"},
			}),
			withReasons(t, history.Record{ID: 2, Workspace: "demo", Incident: old.Number, IncidentName: old.Name, At: testNow.Add(-time.Hour), Verdict: intel.SeverityNone, Complete: true,
				Priority: &low, IncidentModified: old.LastModified.Add(-time.Hour), Alerts: old.AlertCount},
				[]report.PriorityReason{{Factor: "alert_count", Points: 30, Detail: "many alerts"}}),
		},
		// The records carry the reasons; the queue reads no report.
		reports: map[int64]report.Report{},
	}
	_, plain := newServer(t).get(t, "/?ws=demo")
	want := rowNumbers(t, plain)
	if strings.Contains(plain, ">Verdict<") || strings.Contains(plain, "not triaged") {
		t.Error("without a history the queue has a verdict column")
	}

	ts := withHistory(t, h)
	_, page := ts.get(t, "/?ws=demo")
	got := rowNumbers(t, page)
	if len(got) != len(want) || len(got) < 3 || got[0] != demoIncident || got[1] != mapIncident {
		t.Fatalf("rows %v, want %d, %d first", got, demoIncident, mapIncident)
	}
	var rest []int
	for _, n := range want {
		if n != demoIncident && n != mapIncident {
			rest = append(rest, n)
		}
	}
	if fmt.Sprint(got[2:]) != fmt.Sprint(rest) {
		t.Errorf("the incidents without a triage are not in the queue's usual order:\n got %v\nwant %v", got[2:], rest)
	}
	for _, want := range []string{">Verdict<", ">Priority", `<strong class="prio">80</strong>`, `<strong class="prio">30</strong>`,
		`title="&#43;50 ti_verdict: threat intel rates &lt;b&gt;evil&lt;/b&gt; high; &#43;30 incident_severity: the incident is high"`,
		`<code>ti_verdict</code>: threat intel rates &lt;b&gt;evil&lt;/b&gt; high`, "not triaged"} {
		if !strings.Contains(page, want) {
			t.Errorf("the queue lacks %s", want)
		}
	}
	if strings.Contains(page, "<b>evil</b>") {
		t.Error("a reason's detail is written as HTML")
	}
	row := func(n int) string {
		i := strings.Index(page, fmt.Sprintf(`<a href="/incidents/%d?`, n))
		j := strings.Index(page[i:], "</tr>")
		return page[i : i+j]
	}
	if !strings.Contains(row(mapIncident), ">stale</span>") {
		t.Errorf("the changed incident's triage is not marked stale: %s", row(mapIncident))
	}
	if strings.Contains(row(demoIncident), "stale") {
		t.Errorf("the current triage is marked stale")
	}

	// Sorted by another column on request, as without a history.
	_, bynum := ts.get(t, "/?ws=demo&sort=number&dir=desc")
	_, plainnum := newServer(t).get(t, "/?ws=demo&sort=number&dir=desc")
	if fmt.Sprint(rowNumbers(t, bynum)) != fmt.Sprint(rowNumbers(t, plainnum)) {
		t.Error("sorted by number, the queue with a history is in another order")
	}
	// Without a history, sort=priority is the usual order.
	_, p2 := newServer(t).get(t, "/?ws=demo&sort=priority")
	if fmt.Sprint(rowNumbers(t, p2)) != fmt.Sprint(want) {
		t.Error("without a history, sort=priority changes the order")
	}
}

// A history that cannot be read leaves the columns empty and says so.
func TestQueueHistoryFails(t *testing.T) {
	ts := withHistory(t, failingHistory{})
	code, page := ts.get(t, "/?ws=demo")
	if code != 200 || !strings.Contains(page, "The triage history could not be read") || len(rowNumbers(t, page)) == 0 {
		t.Errorf("%d: the queue does not list the incidents and say the history failed", code)
	}
}

type failingHistory struct{}

func (failingHistory) Latest(context.Context, string, ...string) (map[string]history.Record, error) {
	return nil, errors.New("disk on fire")
}
func (failingHistory) Report(context.Context, int64) (report.Report, error) {
	return report.Report{}, errors.New("disk on fire")
}

// withReasons is rec carrying reasons, as the history store records them.
func withReasons(t *testing.T, rec history.Record, reasons []report.PriorityReason) history.Record {
	t.Helper()
	rec, err := rec.WithReasons(reasons)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}
