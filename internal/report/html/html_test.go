package html_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/triage-dev/triage/internal/demo"
	"github.com/triage-dev/triage/internal/enrich/geoip"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/sentinelti"
	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/report"
	reporthtml "github.com/triage-dev/triage/internal/report/html"
	reportrender "github.com/triage-dev/triage/internal/report/render"
	"github.com/triage-dev/triage/internal/report/reporttest"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

// guided is the order of the report document's sections.
var guided = []string{"incident", "verdict", "alerts", "entities", "grid", "graph", "indicators", "ti", "map", "summaries", "related", "problems"}

// stepIDs are the sections each step's fragment holds, as Section
// documents them.
var stepIDs = map[string][]string{
	report.StepDetails:    {"incident", "alerts", "entities"},
	report.StepGraph:      {"graph"},
	report.StepIndicators: {"indicators"},
	report.StepTI:         {"verdict", "grid", "ti"},
	report.StepRelated:    {"related"},
	report.StepSummaries:  {"map", "summaries", "problems"},
}

var steps = []string{report.StepDetails, report.StepGraph, report.StepIndicators, report.StepTI, report.StepRelated, report.StepSummaries}

var demoNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

var demoOnce struct {
	sync.Once
	reports map[int]*report.Report
	err     error
}

// demoReports triages the demo's attack incidents once per test binary.
func demoReports(tb testing.TB) map[int]*report.Report {
	tb.Helper()
	demoOnce.Do(func() { demoOnce.reports, demoOnce.err = triageDemo() })
	if demoOnce.err != nil {
		tb.Fatal(demoOnce.err)
	}
	return demoOnce.reports
}

func triageDemo() (map[int]*report.Report, error) {
	ctx := context.Background()
	cat, err := workspace.LoadCatalog("")
	if err != nil {
		return nil, err
	}
	ws, err := local.Open(ctx, "demo", ":memory:", cat)
	if err != nil {
		return nil, err
	}
	defer ws.Close()
	err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
		return demo.Generate(demo.Options{Now: demoNow}, emit)
	})
	if err != nil {
		return nil, err
	}
	geo := geoip.Open(geoip.Options{Static: demo.Locations()})
	now := func() time.Time { return demoNow }
	opts := pipeline.Options{
		Now: now,
		Sources: sources.Sources{Workspace: ws, Geo: geo, Registry: demo.Registry{}, DNS: demo.DNS{},
			Intel: &intel.Engine{Providers: []intel.Provider{sentinelti.New(pipeline.TIQuery(ws, now))}}},
	}
	out := map[int]*report.Report{}
	for _, n := range demo.DefaultStory().AttackIncidents {
		r, err := pipeline.Run(ctx, opts, fmt.Sprint(n))
		if err != nil {
			return nil, fmt.Errorf("incident %d: %w", n, err)
		}
		out[n] = r
	}
	return out, nil
}

func writeHTML(t testing.TB, r *report.Report, o reporthtml.Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := reporthtml.Write(&b, r, o); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func parse(t testing.TB, doc []byte) *html.Node {
	t.Helper()
	n, err := html.Parse(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func parseFragment(t testing.TB, frag []byte) []*html.Node {
	t.Helper()
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	ns, err := html.ParseFragment(bytes.NewReader(frag), body)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// walk calls f on n and every node under it, depth first.
func walk(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func elements(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	walk(n, func(c *html.Node) {
		if c.Type == html.ElementNode && c.Data == tag {
			out = append(out, c)
		}
	})
	return out
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasClass(n *html.Node, class string) bool {
	v, _ := attr(n, "class")
	return slices.Contains(strings.Fields(v), class)
}

func byID(root *html.Node, id string) *html.Node {
	var found *html.Node
	walk(root, func(c *html.Node) {
		if found == nil && c.Type == html.ElementNode {
			if v, ok := attr(c, "id"); ok && v == id {
				found = c
			}
		}
	})
	return found
}

func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

func render(n *html.Node) string {
	var b bytes.Buffer
	if err := html.Render(&b, n); err != nil {
		panic(err)
	}
	return b.String()
}

// sectionIDs are the ids of the <section> elements under n, in order.
func sectionIDs(ns ...*html.Node) []string {
	var ids []string
	for _, n := range ns {
		walk(n, func(c *html.Node) {
			if c.Type == html.ElementNode && c.Data == "section" {
				id, _ := attr(c, "id")
				ids = append(ids, id)
			}
		})
	}
	return ids
}

// checkSafe checks what must hold of any output: no script but the
// document's one, no event handler or style attribute, no element that
// loads anything, and links only to #fragments or, when pages is set
// (EntityHref), also to relative URLs.
func checkSafe(t *testing.T, what string, ns []*html.Node, scripts int, pages bool) {
	t.Helper()
	var nscript int
	for _, n := range ns {
		walk(n, func(c *html.Node) {
			if c.Type != html.ElementNode {
				return
			}
			switch c.Data {
			case "script":
				nscript++
			case "img", "iframe", "object", "embed", "link", "base", "form", "input", "video", "audio", "source", "frame", "meta":
				if c.Data != "meta" || !isHead(c) {
					t.Errorf("%s: <%s> element: %s", what, c.Data, clipped(render(c)))
				}
			}
			for _, a := range c.Attr {
				key := strings.ToLower(a.Key)
				val := strings.ToLower(strings.TrimSpace(a.Val))
				switch {
				case strings.HasPrefix(key, "on"):
					t.Errorf("%s: event handler %s=%q on <%s>", what, a.Key, clipped(a.Val), c.Data)
				case key == "style":
					t.Errorf("%s: style attribute on <%s>", what, c.Data)
				case urlAttrs[key]:
					if !strings.HasPrefix(val, "#") && (!pages || !relative(a.Val)) {
						t.Errorf("%s: %s=%q on <%s>: not an in-document or relative link", what, a.Key, clipped(a.Val), c.Data)
					}
				}
			}
		})
	}
	if nscript != scripts {
		t.Errorf("%s: %d <script> elements, want %d", what, nscript, scripts)
	}
}

// relative reports whether a link stays on the site that serves it: no
// scheme, no host.
func relative(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && u.Scheme == "" && u.Host == "" && !strings.HasPrefix(strings.TrimSpace(s), "//")
}

// urlAttrs are the attributes whose value is a URL a browser may follow or
// fetch. Text attributes (title, aria-label) may hold URLs as text.
var urlAttrs = map[string]bool{"href": true, "src": true, "action": true, "formaction": true, "srcset": true, "poster": true,
	"data": true, "background": true, "ping": true, "cite": true, "longdesc": true, "usemap": true, "manifest": true,
	"codebase": true, "xlink:href": true, "imagesrcset": true}

func isHead(n *html.Node) bool {
	return n.Parent != nil && n.Parent.Type == html.ElementNode && n.Parent.Data == "head"
}

func clipped(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// checkCSP checks the document's policy and that its hashes are those of
// its one <style> and one <script>.
func checkCSP(t *testing.T, doc *html.Node) {
	t.Helper()
	var csp string
	for _, m := range elements(doc, "meta") {
		if v, _ := attr(m, "http-equiv"); strings.EqualFold(v, "Content-Security-Policy") {
			if csp != "" {
				t.Error("two Content-Security-Policy metas")
			}
			csp, _ = attr(m, "content")
			if !isHead(m) {
				t.Error("the Content-Security-Policy meta is not in <head>")
			}
		}
	}
	styles, scripts := elements(doc, "style"), elements(doc, "script")
	if len(styles) != 1 || len(scripts) != 1 {
		t.Fatalf("%d <style> and %d <script> elements, want one each", len(styles), len(scripts))
	}
	hash := func(n *html.Node) string {
		var s string
		if n.FirstChild != nil {
			s = n.FirstChild.Data
		}
		if len(s) < 100 {
			t.Errorf("<%s> holds only %q", n.Data, s)
		}
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	want := "default-src 'none'; style-src " + hash(styles[0]) + "; script-src " + hash(scripts[0]) +
		"; img-src data:; base-uri 'none'; form-action 'none'"
	if csp != want {
		t.Errorf("Content-Security-Policy\n got %q\nwant %q", csp, want)
	}
	css := strings.ToLower(styles[0].FirstChild.Data)
	for i := strings.Index(css, "url("); i >= 0; i = strings.Index(css, "url(") {
		if rest := strings.TrimLeft(css[i+4:], ` "'`); !strings.HasPrefix(rest, "#") && !strings.HasPrefix(rest, "data:") {
			t.Errorf("the style loads %q", clipped(css[i:]))
		}
		css = css[i+4:]
	}
	if strings.Contains(css, "@import") {
		t.Error("the style imports")
	}
}

// checkLinks checks that every #fragment link names an element of the
// document.
func checkLinks(t *testing.T, doc *html.Node) {
	t.Helper()
	ids := map[string]bool{}
	walk(doc, func(c *html.Node) {
		if id, ok := attr(c, "id"); ok && c.Type == html.ElementNode {
			if ids[id] {
				t.Errorf("duplicate id %q", id)
			}
			ids[id] = true
		}
	})
	walk(doc, func(c *html.Node) {
		if c.Type != html.ElementNode || c.Data != "a" {
			return
		}
		if h, _ := attr(c, "href"); strings.HasPrefix(h, "#") && !ids[h[1:]] {
			t.Errorf("link %q (%q) goes nowhere", h, clipped(text(c)))
		}
	})
}

func TestHTMLDemo(t *testing.T) {
	reports := demoReports(t)
	located := 0
	for n, r := range reports {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			out := writeHTML(t, r, reporthtml.Options{})
			if !utf8.Valid(out) {
				t.Error("the document is not valid UTF-8")
			}
			doc := parse(t, out)
			if got := sectionIDs(doc); !slices.Equal(got, guided) {
				t.Errorf("sections %v, want %v", got, guided)
			}
			checkCSP(t, doc)
			checkSafe(t, "document", []*html.Node{doc}, 1, false)
			checkLinks(t, doc)

			// Every step shows its status and reason in each of its sections.
			for _, sec := range r.Sections {
				for _, id := range stepIDs[sec.Name] {
					if id == "incident" || id == "problems" {
						continue
					}
					s := byID(doc, id)
					if s == nil {
						t.Fatalf("no section %s", id)
					}
					st := firstWithClass(s, "step")
					if st == nil || !strings.Contains(text(st), string(sec.Status)) || !strings.Contains(text(st), sec.Reason) {
						t.Errorf("section %s: step line %q, want status %s and reason %q", id, textOf(st), sec.Status, sec.Reason)
					}
				}
			}

			// The verdict shows its working.
			v := text(byID(doc, "verdict"))
			for _, want := range []string{strings.ToUpper(string(r.TI.Severity)), r.TI.Explanation} {
				if !strings.Contains(v, want) {
					t.Errorf("verdict lacks %q", want)
				}
			}
			for _, res := range r.TI.Reasons {
				if !strings.Contains(v, res.Indicator) || !strings.Contains(v, res.Summary) {
					t.Errorf("verdict lacks its reason %s %s", res.Indicator, res.Summary)
				}
			}

			checkTI(t, r, byID(doc, "ti"))
			checkSummaries(t, r, byID(doc, "summaries"))

			for _, a := range r.Alerts {
				if !strings.Contains(text(byID(doc, "alerts")), a.Name) {
					t.Errorf("alerts lack %q", a.Name)
				}
			}
			for _, e := range r.Entities {
				if !strings.Contains(text(byID(doc, "entities")), e.Name) {
					t.Errorf("entities lack %q", e.Name)
				}
			}
			for _, s := range r.Summaries {
				if s.Location != nil {
					located++
					if !strings.Contains(text(byID(doc, "map")), s.Name) {
						t.Errorf("the map's table lacks %s", s.Name)
					}
				}
			}
		})
	}
	if located == 0 {
		t.Error("no demo incident has a located address: the map is not tested")
	}
}

func firstWithClass(n *html.Node, class string) *html.Node {
	var found *html.Node
	walk(n, func(c *html.Node) {
		if found == nil && c.Type == html.ElementNode && hasClass(c, class) {
			found = c
		}
	})
	return found
}

func textOf(n *html.Node) string {
	if n == nil {
		return "<none>"
	}
	return text(n)
}

// checkTI checks that the threat-intel table has a row per result whose
// class says its severity, and that the verdict's reasons are marked.
func checkTI(t *testing.T, r *report.Report, sec *html.Node) {
	t.Helper()
	var rows []*html.Node
	for _, tr := range elements(sec, "tr") {
		if hasClass(tr, "ti-row") {
			rows = append(rows, tr)
		}
	}
	if len(rows) != len(r.TI.Results) {
		t.Fatalf("%d threat-intel rows, want %d", len(rows), len(r.TI.Results))
	}
	want := map[string]int{}
	reasons := 0
	for _, res := range r.TI.Results {
		class := "ti-unknown"
		if res.Status == intel.StatusOK {
			class = map[intel.Severity]string{intel.SeverityHigh: "ti-high", intel.SeverityWarning: "ti-medium",
				intel.SeverityInformation: "ti-informational", intel.SeverityNone: "ti-none"}[res.Severity]
			if class == "" {
				class = "ti-unknown"
			}
		}
		want[class]++
		for _, rr := range r.TI.Reasons {
			if rr.Indicator == res.Indicator && rr.Provider == res.Provider {
				reasons++
			}
		}
	}
	got := map[string]int{}
	marked := 0
	for _, tr := range rows {
		for _, c := range []string{"ti-high", "ti-medium", "ti-informational", "ti-none", "ti-unknown"} {
			if hasClass(tr, c) {
				got[c]++
			}
		}
		if hasClass(tr, "is-reason") {
			marked++
			if !strings.Contains(text(tr), "verdict") {
				t.Errorf("a reason row does not say so in words: %q", text(tr))
			}
		}
	}
	for c, n := range want {
		if got[c] != n {
			t.Errorf("%d rows of class %s, want %d", got[c], c, n)
		}
	}
	if marked != reasons || (r.TI.Severity.Rank() >= intel.SeverityWarning.Rank() && marked == 0) {
		t.Errorf("%d rows marked as reasons, want %d", marked, reasons)
	}
}

// checkSummaries checks that every summary is a keyboard-usable <details>
// showing its status and each of its sections' status and reason.
func checkSummaries(t *testing.T, r *report.Report, sec *html.Node) {
	t.Helper()
	var ds []*html.Node
	for _, d := range elements(sec, "details") {
		if hasClass(d, "summary") {
			ds = append(ds, d)
		}
	}
	if len(ds) != len(r.Summaries) {
		t.Fatalf("%d summaries shown, want %d", len(ds), len(r.Summaries))
	}
	for i, s := range r.Summaries {
		d := ds[i]
		first := d.FirstChild
		for first != nil && first.Type != html.ElementNode {
			first = first.NextSibling
		}
		if first == nil || first.Data != "summary" {
			t.Errorf("summary of %s: <details> does not start with <summary>", s.Name)
			continue
		}
		head := text(first)
		if !strings.Contains(head, s.Name) || !strings.Contains(head, string(s.Status)) {
			t.Errorf("summary of %s: heading %q lacks its name or status %s", s.Name, head, s.Status)
		}
		body := text(d)
		for _, f := range s.Facts {
			if !strings.Contains(body, f.Label) || !strings.Contains(body, f.Value) {
				t.Errorf("summary of %s: lacks fact %s: %s", s.Name, f.Label, f.Value)
			}
		}
		for _, ss := range s.Sections {
			if !strings.Contains(body, ss.Name) || !strings.Contains(body, ss.Reason) {
				t.Errorf("summary of %s: lacks section %s or its reason %q", s.Name, ss.Name, ss.Reason)
			}
			if ss.Table != nil {
				for _, row := range ss.Table.Rows {
					for _, c := range row {
						if !strings.Contains(body, c) {
							t.Errorf("summary of %s: section %s lacks cell %q", s.Name, ss.Name, c)
						}
					}
				}
			}
		}
	}
}

// TestHTMLSections checks that each step's fragment holds the sections
// documented, that they are the very markup of the document's, and that a
// fragment reads nothing a later step writes.
func TestHTMLSections(t *testing.T) {
	reports := map[string]*report.Report{
		// Enough summaries for Write to render them side by side.
		"big": bigReport(20, 120),
	}
	if !testing.Short() {
		for n, r := range demoReports(t) {
			reports[fmt.Sprint(n)] = r
		}
	}
	for n, r := range reports {
		t.Run(n, func(t *testing.T) {
			doc := parse(t, writeHTML(t, r, reporthtml.Options{}))
			for _, step := range steps {
				var b bytes.Buffer
				if err := reporthtml.Section(&b, r, step, reporthtml.Options{}); err != nil {
					t.Fatal(err)
				}
				ns := parseFragment(t, b.Bytes())
				checkSafe(t, step, ns, 0, false)
				if got := sectionIDs(ns...); !slices.Equal(got, stepIDs[step]) {
					t.Fatalf("step %s: sections %v, want %v", step, got, stepIDs[step])
				}
				for _, frag := range ns {
					if frag.Type != html.ElementNode || frag.Data != "section" {
						continue
					}
					id, _ := attr(frag, "id")
					if got, want := render(frag), render(byID(doc, id)); got != want {
						t.Errorf("step %s: section %s differs from the document's:\n%s\n---\n%s", step, id, clipped(got), clipped(want))
					}
				}

				// What the step can see when it completes: the parts filled by
				// it and the steps it depends on, its own section record.
				var b2 bytes.Buffer
				if err := reporthtml.Section(&b2, settledAt(r, step), step, reporthtml.Options{}); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(b.Bytes(), b2.Bytes()) {
					t.Errorf("step %s: the fragment reads a part of the report a later step writes", step)
				}
			}
		})
	}
	if err := reporthtml.Section(io.Discard, &report.Report{}, "no such step", reporthtml.Options{}); err == nil {
		t.Error("Section of an unknown step: no error")
	}
}

// settledAt is r as it may be when step completes: the steps it does not
// depend on have not run (threat intel and related alerts run side by side).
func settledAt(r *report.Report, step string) *report.Report {
	c := &report.Report{
		SchemaVersion: r.SchemaVersion, GeneratedAt: r.GeneratedAt, Workspace: r.Workspace, Window: r.Window,
		Incident: r.Incident, Alerts: r.Alerts, Entities: r.Entities,
	}
	switch step {
	case report.StepSummaries:
		return r
	case report.StepRelated:
		c.Graph, c.Indicators, c.RelatedAlerts = r.Graph, r.Indicators, r.RelatedAlerts
	case report.StepTI:
		c.Graph, c.Indicators, c.TI = r.Graph, r.Indicators, r.TI
	case report.StepIndicators:
		c.Graph, c.Indicators = r.Graph, r.Indicators
	case report.StepGraph:
		c.Graph = r.Graph
	}
	for _, s := range r.Sections {
		if s.Name == step {
			c.Sections = append(c.Sections, s)
		}
	}
	return c
}

// hostileValues are attacker-controlled values that must stay text.
var hostileValues = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`javascript:alert(1)`,
	`<svg onload=alert(1)>`,
	"\xff\xfebroken",
	"\u202Eexe.gnp",
	`{{.}}`,
	`</style><script>alert(2)</script>`,
	`' onmouseover='alert(1)`,
	strings.Repeat("W", 100_000),
}

// hostileReport puts every hostile value in every part of a report.
func hostileReport() *report.Report { return reportWith(hostileValues) }

// reportWith puts every one of values in every part of a report.
func reportWith(hostileValues []string) *report.Report {
	r := &report.Report{SchemaVersion: report.SchemaVersion, Workspace: hostileValues[0],
		Window: report.Window{Start: demoNow.Add(-time.Hour), End: demoNow}, GeneratedAt: demoNow}
	all := strings.Join(hostileValues, " ")
	r.Incident = triage.Incident{Number: 7, Title: all, Description: all, Severity: triage.Severity(hostileValues[1]),
		Status: triage.Status(hostileValues[0]), Classification: triage.Classification(hostileValues[3]),
		ClassificationComment: all, Owner: triage.Owner{AssignedTo: hostileValues[1]}, Labels: hostileValues,
		ProductNames: hostileValues, Tactics: hostileValues, Created: demoNow, URL: "javascript:alert(1)"}
	r.Graph.Nodes = append(r.Graph.Nodes, report.Node{ID: "incident:x", Type: report.NodeIncident, Label: all, Severity: hostileValues[1]})
	for i, v := range hostileValues {
		id := fmt.Sprintf("alert-%d-%s", i, v)
		key := "Url:" + v
		r.Alerts = append(r.Alerts, triage.Alert{ID: id, Name: v, Severity: triage.Severity(v), Product: v, Description: v,
			Tactics: []string{v}, Start: demoNow.Add(-time.Duration(i) * time.Minute), EntityKeys: []string{key}})
		r.Entities = append(r.Entities, triage.Entity{Kind: triage.Kind(v), Key: key, Name: v,
			Properties: map[string]any{"url": v, v: v, "nested": map[string]any{v: v}}, Alerts: []string{id}})
		r.Graph.Nodes = append(r.Graph.Nodes,
			report.Node{ID: "alert:" + id, Type: report.NodeAlert, Label: v, Severity: v},
			report.Node{ID: key, Type: report.NodeEntity, Kind: triage.Kind(v), Label: v})
		r.Graph.Edges = append(r.Graph.Edges, report.Edge{From: "incident:x", To: "alert:" + id, Rel: v}, report.Edge{From: "alert:" + id, To: key, Rel: v})
		r.Indicators = append(r.Indicators, report.Indicator{Value: v, Type: "url", Sources: []string{key, "alert " + v + " text"}})
		res := intel.Result{Indicator: v, Type: "url", Provider: v, Status: intel.StatusOK, Severity: intel.SeverityHigh, Summary: v,
			Link: "javascript:alert(1)", Reason: v}
		r.TI.Results = append(r.TI.Results, res, intel.Result{Indicator: v, Provider: "p", Status: intel.Status(v), Severity: intel.Severity(v), Reason: v})
		r.TI.Reasons = append(r.TI.Reasons, res)
		r.RelatedAlerts = append(r.RelatedAlerts, report.Related{Entity: key, Kind: triage.Kind(v), Name: v,
			Alerts: []report.RelatedAlert{{ID: v, Name: v, Severity: triage.Severity(v), Time: demoNow, Product: v}}})
		r.Summaries = append(r.Summaries, report.Summary{Entity: key, Kind: triage.Kind(v), Name: v, Status: report.Status(v), Reason: v,
			Facts:    []report.Fact{{Label: v, Value: v}},
			Location: &report.Location{Latitude: 10, Longitude: 20, Place: v},
			Sections: []report.SummarySection{{Name: v, Status: report.Status(v), Reason: v, Source: v, Facts: []report.Fact{{Label: v, Value: v}},
				Table: &report.Table{Columns: []report.Column{{Name: v, Header: v, Type: report.ColLabel}, {Name: "Count", Header: "Count", Type: report.ColCount},
					{Name: "Time", Header: "Time", Type: report.ColTime}, {Name: "Alert", Header: "Alert", Type: report.ColLabel}, {Name: "Severity", Header: "Severity", Type: report.ColSeverity}},
					Rows: [][]string{{v, "3", "2026-11-25T10:00:00Z", v, v}, {v + "2", "4", v, v, "High"}, {"x", v, v, v, v}}, Total: 9}}}})
		r.Problems = append(r.Problems, triage.Problem{Where: v, What: v})
	}
	r.TI.Severity, r.TI.Explanation, r.TI.Providers = intel.SeverityHigh, all, hostileValues
	for _, step := range steps {
		r.Sections = append(r.Sections, report.Section{Name: step, Status: report.StatusError, Reason: all})
	}
	return r
}

func TestHTMLHostile(t *testing.T) {
	r := hostileReport()
	pages := reporthtml.Options{EntityHref: func(key string) string { return "/entity/" + url.PathEscape(key) }}
	// A careless EntityHref hands back what it is given: html/template's
	// URL filter must still stop javascript:.
	careless := reporthtml.Options{EntityHref: func(key string) string { return strings.TrimPrefix(key, "Url:") }}

	type output struct {
		name    string
		out     []byte
		doc     bool
		pages   bool
		scripts int
	}
	var outs []output
	for _, o := range []struct {
		name  string
		opts  reporthtml.Options
		pages bool
	}{{"in-document links", reporthtml.Options{}, false}, {"entity pages", pages, true}, {"careless EntityHref", careless, true}} {
		outs = append(outs, output{o.name + ": document", writeHTML(t, r, o.opts), true, o.pages, 1})
		for _, step := range steps {
			var b bytes.Buffer
			if err := reporthtml.Section(&b, r, step, o.opts); err != nil {
				t.Fatal(err)
			}
			outs = append(outs, output{o.name + ": " + step, b.Bytes(), false, o.pages, 0})
		}
		for i := range r.Summaries {
			var b bytes.Buffer
			if err := reporthtml.Summary(&b, &r.Summaries[i], o.opts); err != nil {
				t.Fatal(err)
			}
			outs = append(outs, output{fmt.Sprintf("%s: summary %d", o.name, i), b.Bytes(), false, o.pages, 0})
		}
	}
	for _, o := range outs {
		t.Run(o.name, func(t *testing.T) {
			if !utf8.Valid(o.out) {
				t.Error("output is not valid UTF-8")
			}
			var ns []*html.Node
			if o.doc {
				doc := parse(t, o.out)
				checkCSP(t, doc)
				ns = []*html.Node{doc}
			} else {
				ns = parseFragment(t, o.out)
			}
			checkSafe(t, o.name, ns, o.scripts, o.pages)
			if o.name == "careless EntityHref: document" && !bytes.Contains(o.out, []byte("#ZgotmplZ")) {
				t.Error("a javascript: link from EntityHref was not replaced")
			}
			var all strings.Builder
			for _, n := range ns {
				all.WriteString(text(n))
				walk(n, func(c *html.Node) {
					if c.Type != html.TextNode {
						return
					}
					if strings.ContainsRune(c.Data, '\u202E') && !isolated(c) {
						t.Errorf("U+202E in %s not isolated from what follows", path(c))
					}
					if strings.Contains(c.Data, hostileValues[len(hostileValues)-1]) && !contained(c) {
						t.Errorf("the 100 KB value in %s is not held in a box that scrolls", path(c))
					}
				})
			}
			s := all.String()
			if !strings.Contains(s, "{{.}}") && !strings.Contains(o.name, "summary") {
				t.Error("{{.}} is not shown as text")
			}
			if o.doc {
				for _, want := range []string{"\uFFFDbroken", `"><img src=x onerror=alert(1)>`, `<script>alert(1)</script>`} {
					if !strings.Contains(s, want) {
						t.Errorf("value %q is not shown as text", want)
					}
				}
			}
		})
	}
}

// Every value of every class of hidden character shows as its mark in the
// document, every step's fragment and every summary, wherever the value
// is: text, table cells, facts, chart labels and hover text, attributes.
func TestHTMLInvisible(t *testing.T) {
	var values []string
	for _, v := range reporttest.Invisible {
		values = append(values, v)
	}
	slices.Sort(values)
	r := reportWith(values)
	reporttest.CheckVisible(t, "document", string(writeHTML(t, r, reporthtml.Options{})), values...)
	pages := reporthtml.Options{EntityHref: func(key string) string { return "/entity/" + url.PathEscape(key) }}
	for _, step := range steps {
		var b bytes.Buffer
		if err := reporthtml.Section(&b, r, step, pages); err != nil {
			t.Fatal(err)
		}
		reporttest.CheckVisible(t, "section "+step, b.String())
	}
	for i := range r.Summaries {
		var b bytes.Buffer
		if err := reporthtml.Summary(&b, &r.Summaries[i], pages); err != nil {
			t.Fatal(err)
		}
		reporttest.CheckVisible(t, fmt.Sprintf("summary %q", r.Summaries[i].Name), b.String(), r.Summaries[i].Name)
	}
}

// isolated reports whether a text node sits in an element that isolates
// its direction from the text around it.
func isolated(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type != html.ElementNode {
			continue
		}
		switch p.Data {
		case "bdi", "td", "th", "dd", "dt", "title", "style", "script", "textarea":
			return true
		}
		// report.css isolates these.
		for _, c := range []string{"x", "clip", "ib", "why", "name", "kind", "source", "badge", "status"} {
			if hasClass(p, c) {
				return true
			}
		}
	}
	return false
}

// contained reports whether a text node sits in an element that clips or
// scrolls long text (report.css: .x, .clip, .sub, .props, .ind, badges).
func contained(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type != html.ElementNode {
			continue
		}
		for _, c := range []string{"x", "clip", "ib", "why", "sub", "props", "badge", "status", "name"} {
			if hasClass(p, c) {
				return true
			}
		}
	}
	return false
}

func path(n *html.Node) string {
	var parts []string
	for p := n.Parent; p != nil && p.Type == html.ElementNode; p = p.Parent {
		s := p.Data
		if c, ok := attr(p, "class"); ok {
			s += "." + strings.ReplaceAll(c, " ", ".")
		}
		if id, ok := attr(p, "id"); ok {
			s += "#" + id
		}
		parts = append(parts, s)
	}
	slices.Reverse(parts)
	return strings.Join(parts, " > ")
}

func TestFormatHTML(t *testing.T) {
	f, err := reportrender.ParseFormat("HTML")
	if err != nil || f != reportrender.HTML {
		t.Fatalf("ParseFormat(HTML) = %q, %v", f, err)
	}
	if _, err := reportrender.ParseFormat("pdf"); err == nil || !strings.Contains(err.Error(), "json, md or html") {
		t.Errorf("ParseFormat(pdf): %v", err)
	}
	r := hostileReport()
	var a, b bytes.Buffer
	if err := reportrender.Report(&a, r, reportrender.HTML); err != nil {
		t.Fatal(err)
	}
	if err := reporthtml.Write(&b, r, reporthtml.Options{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("reportrender.Report(reportrender.HTML) is not html.Write")
	}
	if !bytes.HasPrefix(a.Bytes(), []byte("<!DOCTYPE html>")) {
		t.Errorf("the document starts %q", clipped(a.String()))
	}
}

// TestAssetsStandalone checks that the assets work as files under the web
// UI's "script-src 'self'; style-src 'self'" and inline in the report: no
// request, no style attribute set from script, nothing that ends its
// inline element early; and that report.js builds no markup from strings.
func TestAssetsStandalone(t *testing.T) {
	for _, name := range []string{"report.css", "report.js", "chart.css", "chart.js"} {
		b, err := reporthtml.Assets.ReadFile("assets/" + name)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ToLower(string(b))
		bad := []string{"https://", "@import", "fetch(", "xmlhttprequest", "websocket", "sendbeacon", "</script", "</style",
			`setattribute("style"`, "setattribute('style'", "javascript:"}
		if name == "report.js" {
			bad = append(bad, "http://", "eval(", "new function", "innerhtml", "outerhtml", "insertadjacenthtml", "document.write")
		}
		for _, bad := range bad {
			if strings.Contains(s, bad) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
		for i := strings.Index(s, "url("); i >= 0; i = strings.Index(s, "url(") {
			if rest := strings.TrimLeft(s[i+4:], ` "'`); !strings.HasPrefix(rest, "#") && !strings.HasPrefix(rest, "data:") {
				t.Errorf("%s loads %q", name, clipped(s[i:]))
			}
			s = s[i+4:]
		}
	}
}

// TestHTMLLongText checks that text longer than the writer's buffer, in
// runes of every length, comes out valid (no rune split between two writes
// and shown as U+FFFD) and cut to reporthtml.MaxText, saying how much was left
// out, while the inline style and script, longer than that, pass whole.
func TestHTMLLongText(t *testing.T) {
	long := strings.Repeat("aé€😀", 40_000)
	r := &report.Report{Incident: triage.Incident{Number: 1, Title: long, Description: long}}
	out := writeHTML(t, r, reporthtml.Options{})
	if !utf8.Valid(out) || bytes.ContainsRune(out, utf8.RuneError) {
		t.Error("long text came out with invalid or replaced runes")
	}
	shown := long[:reporthtml.MaxText-8]
	if got := strings.Count(text(parse(t, out)), shown); got < 2 {
		t.Errorf("the start of the long title and description appears %d times, want 2", got)
	}
	if strings.Contains(string(out), long[:reporthtml.MaxText+8]) {
		t.Error("more than MaxText of a value is shown")
	}
	if got := strings.Count(string(out), "more characters not shown]"); got < 2 {
		t.Errorf("the cuts are said %d times, want 2", got)
	}
	css, _ := reporthtml.Assets.ReadFile("assets/report.css")
	if len(css) <= reporthtml.MaxText || !bytes.Contains(out, css[len(css)-200:]) {
		t.Error("the inline style was cut")
	}
}

func TestHTMLSummary(t *testing.T) {
	r := demoReports(t)[demo.DefaultStory().AttackIncidents[0]]
	if len(r.Summaries) == 0 {
		t.Fatal("no summaries")
	}
	s := &r.Summaries[0]
	var b bytes.Buffer
	if err := reporthtml.Summary(&b, s, reporthtml.Options{EntityHref: func(k string) string { return "/entity/" + url.PathEscape(k) }}); err != nil {
		t.Fatal(err)
	}
	ns := parseFragment(t, b.Bytes())
	checkSafe(t, "summary", ns, 0, true)
	var ds []*html.Node
	for _, n := range ns {
		if n.Type == html.ElementNode && n.Data == "details" {
			ds = append(ds, n)
		}
	}
	if len(ds) != 1 {
		t.Fatalf("%d top-level <details>, want 1", len(ds))
	}
	if _, open := attr(ds[0], "open"); !open {
		t.Error("an entity's page shows its summary closed")
	}
	// Its own page does not link to itself.
	for _, a := range elements(ds[0], "a") {
		if h, _ := attr(a, "href"); h == "/entity/"+url.PathEscape(s.Entity) {
			t.Errorf("the page of %s links to itself", s.Entity)
		}
	}
	checkSummaries(t, &report.Report{Summaries: []report.Summary{*s}}, &html.Node{Type: html.DocumentNode, FirstChild: ds[0]})
}

// BenchmarkHTMLReport renders a large incident: 100 alerts, 500 entities
// with their graph, threat intel and summaries with tables.
func BenchmarkHTMLReport(b *testing.B) {
	r := bigReport(100, 500)
	var n int
	for b.Loop() {
		var buf bytes.Buffer
		if err := reporthtml.Write(&buf, r, reporthtml.Options{}); err != nil {
			b.Fatal(err)
		}
		n = buf.Len()
	}
	b.ReportMetric(float64(n), "bytes/report")
}

// bigReport builds an incident with alerts and entities of every common
// kind, each alert naming ten entities.
func bigReport(alerts, entities int) *report.Report {
	r := &report.Report{SchemaVersion: report.SchemaVersion, GeneratedAt: demoNow, Workspace: "bench",
		Window: report.Window{Start: demoNow.Add(-48 * time.Hour), End: demoNow}}
	r.Incident = triage.Incident{Name: "inc", Number: 4242, Title: "Big incident", Severity: triage.SeverityHigh, Status: triage.StatusActive,
		Created: demoNow.Add(-24 * time.Hour), FirstActivity: demoNow.Add(-30 * time.Hour), LastActivity: demoNow.Add(-2 * time.Hour)}
	r.Graph.Nodes = append(r.Graph.Nodes, report.Node{ID: "incident:inc", Type: report.NodeIncident, Label: r.Incident.Title, Severity: "High"})
	kinds := []triage.Kind{triage.KindIP, triage.KindAccount, triage.KindHost, triage.KindURL, triage.KindFileHash, triage.KindProcess}
	sevs := []triage.Severity{triage.SeverityHigh, triage.SeverityMedium, triage.SeverityLow, triage.SeverityInformational}
	tisevs := []intel.Severity{intel.SeverityHigh, intel.SeverityWarning, intel.SeverityInformation, intel.SeverityUnknown}
	for i := range entities {
		k := kinds[i%len(kinds)]
		val := fmt.Sprintf("%s-value-%d.example", strings.ToLower(string(k)), i)
		if k == triage.KindIP {
			val = fmt.Sprintf("198.51.%d.%d", i/250, i%250)
		}
		key := string(k) + ":" + val
		r.Entities = append(r.Entities, triage.Entity{Kind: k, Key: key, Name: val,
			Properties: map[string]any{"value": val, "first": "a", "second": i, "third": true}})
		r.Graph.Nodes = append(r.Graph.Nodes, report.Node{ID: key, Type: report.NodeEntity, Kind: k, Label: val})
		r.Indicators = append(r.Indicators, report.Indicator{Value: val, Type: "ipv4", Sources: []string{key}})
		for p := range 2 {
			r.TI.Results = append(r.TI.Results, intel.Result{Indicator: val, Type: "ipv4", Provider: fmt.Sprintf("provider%d", p),
				Status: intel.StatusOK, Severity: tisevs[(i+p)%len(tisevs)], Summary: "seen in a campaign"})
		}
		s := report.Summary{Entity: key, Kind: k, Name: val, Status: report.StatusOK,
			Facts: []report.Fact{{Label: "Alerts in this incident", Value: "3"}, {Label: "value", Value: val}}}
		if k == triage.KindIP {
			s.Location = &report.Location{Latitude: float64(i%150) - 75, Longitude: float64(i%340) - 170, Place: "Somewhere"}
		}
		for j := range 3 {
			t := &report.Table{Columns: columns("Host", report.ColLabel, "Account", report.ColLabel, "Operation", report.ColLabel, "Count", report.ColCount,
				"Successes", report.ColSuccesses, "Failures", report.ColFailures, "Time", report.ColTime, "First seen", report.ColFirstSeen)}
			for row := range 15 {
				t.Rows = append(t.Rows, []string{fmt.Sprintf("host-%d", row%5), "alice", fmt.Sprintf("op-%d", row%7), fmt.Sprint(row * 3),
					fmt.Sprint(row), fmt.Sprint(row % 4), demoNow.Add(-time.Duration(row) * time.Hour).Format(time.RFC3339), "2026-11-20T10:00:00Z"})
			}
			s.Sections = append(s.Sections, report.SummarySection{Name: fmt.Sprintf("Section %d", j), Status: report.StatusOK,
				Source: "SigninLogs", Facts: []report.Fact{{Label: "Sign-ins", Value: "45"}}, Table: t})
		}
		s.Sections = append(s.Sections, report.SummarySection{Name: "Related alerts", Status: report.StatusOK,
			Table: &report.Table{Columns: columns("Time", report.ColTime, "Alert", report.ColLabel, "Severity", report.ColSeverity), Rows: [][]string{
				{"2026-11-25T10:00:00Z", "Alert one", "High"}, {"2026-11-25T11:00:00Z", "Alert two", "Low"}}}})
		r.Summaries = append(r.Summaries, s)
	}
	for i := range alerts {
		id := fmt.Sprintf("alert-%03d", i)
		a := triage.Alert{ID: id, Name: fmt.Sprintf("Suspicious activity %d", i%20), Severity: sevs[i%len(sevs)],
			Product: "Microsoft Defender", Start: demoNow.Add(-time.Duration(i) * 17 * time.Minute), Tactics: []string{"Execution"}}
		r.Graph.Nodes = append(r.Graph.Nodes, report.Node{ID: "alert:" + id, Type: report.NodeAlert, Label: a.Name, Severity: string(a.Severity)})
		r.Graph.Edges = append(r.Graph.Edges, report.Edge{From: "incident:inc", To: "alert:" + id, Rel: "alert"})
		for j := range 10 {
			e := &r.Entities[(i*5+j*37)%entities]
			a.EntityKeys = append(a.EntityKeys, e.Key)
			e.Alerts = append(e.Alerts, id)
			r.Graph.Edges = append(r.Graph.Edges, report.Edge{From: "alert:" + id, To: e.Key, Rel: "entity"})
		}
		r.Alerts = append(r.Alerts, a)
	}
	for i := 0; i < entities; i += 10 {
		e := r.Entities[i]
		r.RelatedAlerts = append(r.RelatedAlerts, report.Related{Entity: e.Key, Kind: e.Kind, Name: e.Name,
			Alerts: []report.RelatedAlert{{ID: "x", Name: "Other alert", Severity: triage.SeverityMedium, Time: demoNow.Add(-5 * time.Hour)}}})
	}
	v := intel.Roll(r.TI.Results)
	r.TI.Severity, r.TI.Explanation, r.TI.Reasons, r.TI.Providers = v.Severity, v.Explanation, v.Reasons, []string{"provider0", "provider1"}
	for _, step := range steps {
		r.Sections = append(r.Sections, report.Section{Name: step, Status: report.StatusOK, Reason: "done"})
	}
	return r
}

// TestHTMLFailedStep checks that a step that failed or was skipped shows
// its status and reason, and that its empty sections do not read as
// "nothing found".
func TestHTMLFailedStep(t *testing.T) {
	r := &report.Report{Incident: triage.Incident{Number: 3, Title: "t"}, Sections: []report.Section{
		{Name: report.StepDetails, Status: report.StatusOK, Reason: "0 alerts"},
		{Name: report.StepTI, Status: report.StatusSkipped, Reason: "no provider is configured"},
		{Name: report.StepRelated, Status: report.StatusError, Reason: "SecurityAlert: table not found"},
	}}
	doc := parse(t, writeHTML(t, r, reporthtml.Options{}))
	for id, want := range map[string][]string{
		"alerts":  {"ok", "0 alerts", "No alerts."},
		"ti":      {"skipped", "no provider is configured", "Not known"},
		"related": {"error", "SecurityAlert: table not found", "Not known"},
	} {
		got := text(byID(doc, id))
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("section %s lacks %q: %q", id, w, got)
			}
		}
		if id != "alerts" && strings.Contains(got, "No ") {
			t.Errorf("section %s of a failed step says there is nothing: %q", id, got)
		}
		if st := firstWithClass(byID(doc, id), "step"); st == nil || !hasClass(st, "step-"+want[0]) {
			t.Errorf("section %s: the step line is not marked %s", id, want[0])
		}
	}
}

// columns makes a table's columns from headers and types, in pairs; each
// column's name is its header.
func columns(pairs ...any) []report.Column {
	var out []report.Column
	for i := 0; i+1 < len(pairs); i += 2 {
		h := pairs[i].(string)
		out = append(out, report.Column{Name: h, Header: h, Type: pairs[i+1].(report.ColumnType)})
	}
	return out
}
