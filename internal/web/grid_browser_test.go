package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/report"
	reporthtml "github.com/triage-dev/triage/internal/report/html"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

// anchorOf is the id the report gives an alert ("a-") or an entity ("e-"):
// the first 8 bytes of the SHA-256 of its id or key.
func anchorOf(prefix, s string) string {
	sum := sha256.Sum256([]byte(s))
	return prefix + hex.EncodeToString(sum[:8])
}

// reportPairs are the alert–entity pairs of a report in its JSON form, as
// "alert anchor entity anchor", sorted.
func reportPairs(t *testing.T, body []byte) []string {
	t.Helper()
	var doc struct {
		Alerts []struct {
			ID         string   `json:"id"`
			EntityKeys []string `json:"entity_keys"`
		} `json:"alerts"`
		Entities []struct {
			Key    string   `json:"key"`
			Alerts []string `json:"alerts"`
		} `json:"entities"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("the JSON report: %v", err)
	}
	ents, alerts := map[string]bool{}, map[string]bool{}
	for _, e := range doc.Entities {
		ents[e.Key] = true
	}
	for _, a := range doc.Alerts {
		alerts[a.ID] = true
	}
	set := map[string]bool{}
	for _, a := range doc.Alerts {
		for _, k := range a.EntityKeys {
			if ents[k] {
				set[anchorOf("a-", a.ID)+" "+anchorOf("e-", k)] = true
			}
		}
	}
	for _, e := range doc.Entities {
		for _, id := range e.Alerts {
			if alerts[id] {
				set[anchorOf("a-", id)+" "+anchorOf("e-", e.Key)] = true
			}
		}
	}
	var out []string
	for p := range set {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// gridMarksJS lists the grid's marks as "alert anchor entity anchor",
// sorted and without repeats.
const gridMarksJS = `(() => {
  const out = new Set();
  for (const table of document.querySelectorAll('table.grid-table')) {
    const cols = {};
    for (const th of table.querySelectorAll('th.g-a')) cols[th.dataset.c] = th.dataset.k;
    for (const td of table.querySelectorAll('tbody td.g-m')) out.add(cols[td.dataset.c] + ' ' + td.closest('tr').dataset.k);
  }
  return [...out].sort();
})()`

// gridMisalignedJS lists the grid's cells whose column does not line up
// with its header's, as the browser lays them out: every cell of column c
// (data-c) must have the left edge and width of the header th.g-a of c in
// its block, whatever kind of entity its row is.
const gridMisalignedJS = `(() => {
  const bad = [];
  for (const block of document.querySelectorAll('.grid-block')) {
    const head = {};
    for (const th of block.querySelectorAll('th.g-a[data-c]')) head[th.dataset.c] = th.getBoundingClientRect();
    for (const td of block.querySelectorAll('td[data-c]')) {
      const h = head[td.dataset.c], r = td.getBoundingClientRect();
      if (!h) { bad.push('column ' + td.dataset.c + ': no header in its block'); continue; }
      if (r.width === 0) continue; // a closed kind's row
      if (Math.abs(r.left - h.left) > 1 || Math.abs(r.width - h.width) > 1)
        bad.push('column ' + td.dataset.c + ' of ' + (td.closest('tbody').querySelector('summary') || {}).textContent + ' at ' + r.left + '+' + r.width + ', its header at ' + h.left + '+' + h.width);
    }
  }
  return bad.slice(0, 5);
})()`

// highlightJS reports what the graph highlights: the highlighted nodes'
// keys, how many nodes are faded, and the node the highlight is for with
// its neighbours (by the graph's edges), as the graph itself links them.
const highlightJS = `((key) => {
  const svg = document.querySelector('svg.chart-graph');
  const node = svg.querySelector('.node[data-k="' + key + '"]');
  const i = node ? node.dataset.i : null;
  const want = new Set([i]);
  for (const e of svg.querySelectorAll('.edge[data-a]')) {
    if (e.dataset.a === i) want.add(e.dataset.b);
    if (e.dataset.b === i) want.add(e.dataset.a);
  }
  const lit = [...svg.querySelectorAll('.node.hl')].map(n => n.dataset.i).sort();
  const faded = [...svg.querySelectorAll('.node[data-i]:not(.hl)')].filter(n => getComputedStyle(n).opacity < 0.5).length;
  return {dim: svg.classList.contains('dim'), lit: lit, want: [...want].sort(), faded: faded,
          nodes: svg.querySelectorAll('.node[data-i]').length};
})`

type highlight struct {
	Dim   bool     `json:"dim"`
	Lit   []string `json:"lit"`
	Want  []string `json:"want"`
	Faded int      `json:"faded"`
	Nodes int      `json:"nodes"`
}

// checkHighlight fails t unless the graph highlights the node with key and
// exactly its neighbours, and fades every other node.
func checkHighlight(t *testing.T, ctx context.Context, what, key string) {
	t.Helper()
	h := eval[highlight](t, ctx, fmt.Sprintf("(%s)(%q)", highlightJS, key))
	if !h.Dim || len(h.Lit) < 2 || !slices.Equal(h.Lit, h.Want) {
		t.Errorf("%s: the graph highlights %v (dim %v), want the node and its neighbours %v", what, h.Lit, h.Dim, h.Want)
	}
	if h.Faded != h.Nodes-len(h.Lit) {
		t.Errorf("%s: %d of the %d other nodes are faded", what, h.Faded, h.Nodes-len(h.Lit))
	}
}

// checkGridAndGraph checks, on a page showing an incident's grid and graph
// (the web UI's incident page or the HTML report), that the grid marks
// exactly the report's alert–entity pairs, that focusing a graph node
// highlights it and its neighbours and fades the rest, and that selecting
// an alert's column highlights that alert in the graph.
func checkGridAndGraph(t *testing.T, ctx context.Context, what string, jsonReport []byte) {
	t.Helper()
	checkLabels(t, ctx, what)
	want := reportPairs(t, jsonReport)
	got := eval[[]string](t, ctx, gridMarksJS)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("%s: the grid marks %d pairs, the JSON report has %d; they differ", what, len(got), len(want))
	}
	for _, b := range eval[[]string](t, ctx, gridMisalignedJS) {
		t.Errorf("%s: the grid's columns do not line up: %s", what, b)
	}
	// Focus an entity node with the keyboard's focus (its link, or the
	// node itself).
	key := eval[string](t, ctx, `(() => {
  const n = [...document.querySelectorAll('svg.chart-graph .node[data-k^="e-"]')].find(n => !n.classList.contains('group'));
  (n.closest('a') || n).focus();
  return n.dataset.k;
})()`)
	checkHighlight(t, ctx, what+": a focused node", key)
	// Hover another entity node with the mouse (a real pointer move at
	// its centre): it is highlighted in turn.
	type point struct {
		Key string  `json:"key"`
		X   float64 `json:"x"`
		Y   float64 `json:"y"`
	}
	p := eval[point](t, ctx, `(() => {
  document.activeElement && document.activeElement.blur();
  const ns = [...document.querySelectorAll('svg.chart-graph .node[data-k^="e-"]')].filter(n => !n.classList.contains('group'));
  const n = ns[ns.length - 1];
  n.scrollIntoView({block: 'center'});
  const b = n.querySelector('.shape').getBoundingClientRect();
  return {key: n.dataset.k, x: b.x + b.width / 2, y: b.y + b.height / 2};
})()`)
	run(t, ctx, 10*time.Second, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, p.X, p.Y))
	checkHighlight(t, ctx, what+": a hovered node", p.Key)
	run(t, ctx, 10*time.Second, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 1, 1))
	// Select the first alert's column.
	col := eval[string](t, ctx, `(() => {
  document.activeElement && document.activeElement.blur();
  const th = document.querySelector('table.grid-table th.g-a');
  th.querySelector('a').click();
  return th.dataset.k;
})()`)
	checkHighlight(t, ctx, what+": a selected column", col)
	if n := eval[int](t, ctx, fmt.Sprintf(`document.querySelectorAll('table.grid-table .g-sel[data-c]').length`)); n < 2 {
		t.Errorf("%s: the selected column marks %d cells", what, n)
	}
	// From the keyboard: Tab to the last column's number selects it,
	// Escape clears the selection and the highlight.
	col = eval[string](t, ctx, `(() => {
  const ths = document.querySelectorAll('table.grid-table th.g-a');
  const th = ths[ths.length - 1];
  th.querySelector('a').focus();
  return th.dataset.k;
})()`)
	checkHighlight(t, ctx, what+": a column focused", col)
	run(t, ctx, 10*time.Second, chromedp.KeyEvent(kb.Escape))
	if n := eval[int](t, ctx, `document.querySelectorAll('table.grid-table .g-sel').length + document.querySelectorAll('svg.chart-graph .hl').length + (document.querySelector('svg.chart-graph.dim') ? 1 : 0)`); n != 0 {
		t.Errorf("%s: after Escape, %d cells or graph elements are still selected or highlighted", what, n)
	}
}

// labelOverlapsJS lists the graph's shown labels that overlap another
// shown label or a node, as the browser draws them (its own font metrics):
// the check of the layout's estimate of label widths.
const labelOverlapsJS = `(() => {
  const bad = [];
  for (const svg of document.querySelectorAll('svg.chart-graph')) {
    const box = el => { const b = el.getBBox(); return {x0: b.x + 0.5, y0: b.y + 0.5, x1: b.x + b.width - 0.5, y1: b.y + b.height - 0.5}; };
    const hit = (a, b) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
    const labels = [...svg.querySelectorAll('.lbl:not(.minor)')].map(l => [l.textContent, box(l)]);
    const nodes = [...svg.querySelectorAll('.node[data-i] .shape:not(.ring)')].map(n => box(n));
    const seen = new Set();
    for (let i = 0; i < labels.length; i++) {
      if (seen.has(labels[i][0])) bad.push('two labels read ' + labels[i][0]);
      seen.add(labels[i][0]);
      for (let j = i + 1; j < labels.length; j++) if (hit(labels[i][1], labels[j][1])) bad.push(labels[i][0] + ' overlaps ' + labels[j][0]);
      for (const n of nodes) if (hit(labels[i][1], n)) { bad.push(labels[i][0] + ' overlaps a node'); break; }
    }
  }
  return bad;
})()`

// checkLabels fails t when a shown graph label of the page overlaps
// another or a node, or two read the same.
func checkLabels(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	for _, b := range eval[[]string](t, ctx, labelOverlapsJS) {
		t.Errorf("%s: %s", what, b)
	}
}

// scaleReport is a large hostile incident as a report: 100 alerts, each
// naming ten of 400 entities of six kinds, hostile values among the names.
func scaleReport() *report.Report {
	now := testNow
	r := &report.Report{SchemaVersion: report.SchemaVersion, GeneratedAt: now, Workspace: "scale",
		Incident: triage.Incident{Name: "scale", Number: 9000, Title: hostileStrings[0], Severity: triage.SeverityHigh}}
	r.Graph.Nodes = append(r.Graph.Nodes, report.Node{ID: "incident:scale", Type: report.NodeIncident, Label: r.Incident.Title, Severity: "High"})
	kinds := []triage.Kind{triage.KindIP, triage.KindAccount, triage.KindHost, triage.KindURL, triage.KindFileHash, triage.KindProcess}
	for i := range 400 {
		k := kinds[i%len(kinds)]
		name := fmt.Sprintf("%s-%d-%s", strings.ToLower(string(k)), i, clipTo(hostileStrings[i%len(hostileStrings)], 80))
		key := string(k) + ":" + name
		r.Entities = append(r.Entities, triage.Entity{Kind: k, Key: key, Name: name, Properties: map[string]any{"value": name}})
		r.Graph.Nodes = append(r.Graph.Nodes, report.Node{ID: key, Type: report.NodeEntity, Kind: k, Label: name})
	}
	sevs := []triage.Severity{triage.SeverityHigh, triage.SeverityMedium, triage.SeverityLow, triage.SeverityInformational}
	for i := range 100 {
		id := fmt.Sprintf("alert-%03d", i)
		a := triage.Alert{ID: id, Name: fmt.Sprintf("Alert %d %s", i, clipTo(hostileStrings[i%len(hostileStrings)], 60)), Severity: sevs[i%4],
			Start: now.Add(-time.Duration(i) * 13 * time.Minute)}
		r.Graph.Nodes = append(r.Graph.Nodes, report.Node{ID: "alert:" + id, Type: report.NodeAlert, Label: a.Name, Severity: string(a.Severity)})
		r.Graph.Edges = append(r.Graph.Edges, report.Edge{From: "incident:scale", To: "alert:" + id, Rel: "alert"})
		for j := range 10 {
			e := &r.Entities[(i*5+j*37)%400]
			a.EntityKeys = append(a.EntityKeys, e.Key)
			e.Alerts = append(e.Alerts, id)
			r.Graph.Edges = append(r.Graph.Edges, report.Edge{From: "alert:" + id, To: e.Key, Rel: "entity"})
		}
		r.Alerts = append(r.Alerts, a)
	}
	for _, step := range []string{report.StepDetails, report.StepGraph, report.StepIndicators, report.StepTI, report.StepRelated, report.StepSummaries} {
		r.Sections = append(r.Sections, report.Section{Name: step, Status: report.StatusOK})
	}
	return r
}

// TestBrowserScaleReport opens the HTML report of the large hostile
// incident in chromium: the page is no wider than the window, the grid's
// marks are the JSON's pairs, the shown labels overlap nothing, and a
// selected column highlights its alert in the graph.
func TestBrowserScaleReport(t *testing.T) {
	t.Parallel() // the browser tests wait on chromium more than they compute
	browser := newBrowser(t)
	r := scaleReport()
	var doc bytes.Buffer
	if err := reporthtml.Write(&doc, r, reporthtml.Options{}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "scale.html")
	if err := os.WriteFile(file, doc.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	ctx, _ := newTab(t, browser)
	run(t, ctx, 60*time.Second, chromedp.Navigate("file://"+file), chromedp.WaitVisible(chromedp.CSS(`#grid table.grid-table`)))
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); w > 1 {
		t.Errorf("the report is %dpx wider than the window", w)
	}
	if w := eval[int](t, ctx, `Math.max(...[...document.querySelectorAll('#grid .grid-block')].map(b => b.scrollWidth - b.clientWidth))`); w > 1 {
		t.Errorf("a block of the grid is %dpx wider than the page", w)
	}
	if !eval[bool](t, ctx, `!window.__pwned && document.querySelectorAll('script').length === 1`) {
		t.Error("a hostile value ran or added a script")
	}
	checkLabels(t, ctx, "scale report")
	for _, b := range eval[[]string](t, ctx, gridMisalignedJS) {
		t.Errorf("scale report: the grid's columns do not line up: %s", b)
	}
	want := reportPairs(t, js)
	if got := eval[[]string](t, ctx, gridMarksJS); !slices.Equal(got, want) {
		t.Errorf("the grid marks %d pairs, the JSON %d; they differ", len(got), len(want))
		for i := range got {
			if got[i] != want[i] {
				t.Logf("first difference: %q vs %q", got[i], want[i])
				break
			}
		}
	}
	// On screen, the large kinds start closed; printed on A4 (about 720
	// CSS pixels inside the margins), every row shows and no block of the
	// grid is wider than the page.
	const hiddenRows = `[...document.querySelectorAll('#grid tr[data-k]')].filter(r => r.getBoundingClientRect().height === 0).length`
	if eval[int](t, ctx, hiddenRows) == 0 {
		t.Error("on screen, no kind of the large grid starts closed")
	}
	run(t, ctx, 10*time.Second, chromedp.EmulateViewport(720, 1000), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	}))
	if n := eval[int](t, ctx, hiddenRows); n != 0 {
		t.Errorf("printed, %d rows of the grid are hidden", n)
	}
	if w := eval[int](t, ctx, `Math.max(...[...document.querySelectorAll('#grid table.grid-table')].map(t => Math.ceil(t.getBoundingClientRect().right - t.closest('.grid-block').getBoundingClientRect().right)))`); w > 1 {
		t.Errorf("printed, a table of the grid is %dpx wider than the page", w)
	}
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); w > 1 {
		t.Errorf("printed, the report is %dpx wider than the page", w)
	}
}

// TestBrowserEveryIncident opens, in chromium, the HTML report of the
// alerts, entities and graph of every incident of the demo and of the
// hostile workspace, and checks there what the browser's own font
// metrics decide: no shown graph label overlaps another or a node and no
// two read alike; the grid marks exactly the report's pairs, its columns
// lined up.
func TestBrowserEveryIncident(t *testing.T) {
	t.Parallel() // the browser tests wait on chromium more than they compute
	browser := newBrowser(t)
	options(t) // builds the shared workspaces
	ctx, _ := newTab(t, browser)
	dir := t.TempDir()
	n := 0
	for name, ws := range map[string]*local.Workspace{"demo": shared.demo, "hostile": shared.hostile} {
		var incs []triage.Incident
		if err := ws.ListIncidents(context.Background(), workspace.IncidentFilter{}, func(inc triage.Incident) error {
			incs = append(incs, inc)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, inc := range incs {
			what := fmt.Sprintf("%s %d", name, inc.Number)
			d, err := ws.Details(context.Background(), inc)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			r := &report.Report{SchemaVersion: report.SchemaVersion, GeneratedAt: testNow, Workspace: name, Incident: inc,
				Alerts: d.Alerts, Entities: d.Entities, Graph: pipeline.BuildGraph(inc, d.Alerts, d.Entities)}
			for _, step := range []string{report.StepDetails, report.StepGraph} {
				r.Sections = append(r.Sections, report.Section{Name: step, Status: report.StatusOK})
			}
			var doc bytes.Buffer
			if err := reporthtml.Write(&doc, r, reporthtml.Options{}); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			file := filepath.Join(dir, fmt.Sprintf("%s-%d.html", name, inc.Number))
			if err := os.WriteFile(file, doc.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			js, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			run(t, ctx, 30*time.Second, chromedp.Navigate("file://"+file), chromedp.WaitReady(chromedp.CSS(`footer, body`)))
			if eval[int](t, ctx, `document.querySelectorAll('svg.chart-graph .lbl').length`) == 0 {
				t.Errorf("%s: the graph has no label", what)
			}
			checkLabels(t, ctx, what)
			want := reportPairs(t, js)
			if got := eval[[]string](t, ctx, gridMarksJS); !slices.Equal(got, want) {
				t.Errorf("%s: the grid marks %d pairs, the JSON %d; they differ", what, len(got), len(want))
			}
			for _, b := range eval[[]string](t, ctx, gridMisalignedJS) {
				t.Errorf("%s: the grid's columns do not line up: %s", what, b)
			}
			n++
		}
	}
	if n < 20 {
		t.Errorf("only %d incidents checked", n)
	}
}
