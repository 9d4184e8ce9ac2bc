// Package html renders a report as HTML: one self-contained document, and
// the fragments the web UI shows as each step of a triage completes (Section)
// and on an entity's page (Summary). Charts are drawn by package chart from
// what the report's types say: a table's chart is chosen by its columns'
// types, never by their headers. Every rendering shows hidden characters
// (bidirectional overrides, zero-width and other invisible ones) as their
// visible marks, "⟨U+202E⟩", as package textsafe defines them. The CSS
// class functions here are the one mapping of severities and statuses onto
// report.css's classes; the web UI uses them too.
package html

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/report/chart"
	"github.com/triage-dev/triage/internal/textsafe"
	"github.com/triage-dev/triage/internal/triage"
)

// Options configures the HTML renderings.
type Options struct {
	// EntityHref returns the link to an entity's own page, given its key
	// (the web UI's pivot). Nil links each entity to its summary within
	// the same document. Whatever it returns goes through html/template's
	// URL filtering: a javascript: or other unsafe URL is replaced. It
	// may be called from several goroutines at once.
	EntityHref func(key string) string
}

// Assets holds the stylesheets and scripts the HTML report inlines and the
// web UI serves as files: chart.css, chart.js, report.css, report.js.
// The styles and scripts use no inline style or script of their own, so
// they work under a Content-Security-Policy of "script-src 'self';
// style-src 'self'" when served as files.
//
//go:embed assets
var Assets embed.FS

//go:embed templates/*.html.tmpl
var htmlTemplateFS embed.FS

var htmlT = template.Must(template.New("report.html.tmpl").Funcs(htmlFuncs()).ParseFS(htmlTemplateFS, "templates/*.html.tmpl"))

// inline is the style and script every report document carries inline,
// and the Content-Security-Policy that allows exactly them.
var inline = func() (v struct {
	CSS template.CSS
	JS  template.JS
	CSP string
}) {
	read := func(name string) string {
		b, err := Assets.ReadFile("assets/" + name)
		if err != nil {
			panic(err)
		}
		return string(b)
	}
	css := read("report.css") + "\n" + read("chart.css")
	js := read("report.js") + "\n" + read("chart.js")
	// Neither may end its element early: the hashes would then not
	// cover what the browser runs.
	if strings.Contains(strings.ToLower(css), "</style") || strings.Contains(strings.ToLower(js), "</script") {
		panic("report: an asset closes its own inline element")
	}
	// write marks hidden characters in all it writes: one in an asset
	// would change what the hashes cover.
	if !textsafe.Clean(css) || !textsafe.Clean(js) {
		panic("report: an asset holds a character textsafe marks")
	}
	v.CSS, v.JS = template.CSS(css), template.JS(js)
	v.CSP = "default-src 'none'; style-src '" + cspHash(css) + "'; script-src '" + cspHash(js) +
		"'; img-src data:; base-uri 'none'; form-action 'none'"
	return v
}()

// cspHash is the CSP source expression that allows an inline element with
// exactly the content s.
func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// The ids of the <section> elements each step's fragment holds, in the
// order of the report document. Section documents which step writes
// which.
var stepSections = map[string][]string{
	report.StepDetails:    {"incident", "alerts", "entities"},
	report.StepGraph:      {"graph"},
	report.StepIndicators: {"indicators"},
	report.StepTI:         {"verdict", "grid", "ti"},
	report.StepRelated:    {"related"},
	report.StepSummaries:  {"map", "summaries", "problems"},
}

// Write writes r as one self-contained HTML document: styles and script
// inline, allowed by their hashes in the document's own
// Content-Security-Policy, and no request to anywhere when it is opened.
//
// The document holds, in the guided order, the sections Section writes
// (incident, verdict, alerts, entities, grid, graph, indicators, ti, map,
// summaries, related, problems), rendered by the same templates, and a
// navigation bar that print hides. Invalid UTF-8 in the report is written as
// U+FFFD, and hidden characters (bidirectional overrides, zero-width and
// other invisible ones) as their visible marks (package textsafe). The document is written as it is rendered: an error may leave
// part of it written.
func Write(w io.Writer, r *report.Report, o Options) error {
	if r == nil {
		return errors.New("HTML report: no report")
	}
	v := newView(r, o)
	doc := struct {
		*view
		Inline any
		Title  string
	}{v, inline, clip(fmt.Sprintf("Incident %d: %s", r.Incident.Number, r.Incident.Title), 120)}
	return write(w, func(bw *bufio.Writer) error {
		if err := htmlT.ExecuteTemplate(bw, "document-start", doc); err != nil {
			return err
		}
		if err := v.writeSummaries(bw); err != nil {
			return err
		}
		return htmlT.ExecuteTemplate(bw, "document-end", doc)
	})
}

// writeSummaries writes every summary as the summaries section does,
// rendering them side by side when there are many: they are most of a
// large report. They are rendered a batch at a time, each batch written
// before the next is rendered, so that a large report is never held whole
// in memory and a writer that fails stops the rendering.
func (v *view) writeSummaries(w io.Writer) error {
	sums := v.Sums() // builds the shared lookups before any goroutine reads them
	workers := min(runtime.GOMAXPROCS(0), 8, len(sums)/16)
	if workers < 2 {
		for _, s := range sums {
			if err := htmlT.ExecuteTemplate(w, "summary-item", s); err != nil {
				return err
			}
		}
		return nil
	}
	batch := 4 * workers
	bufs := make([]bytes.Buffer, batch)
	errs := make([]error, batch)
	for start := 0; start < len(sums); start += batch {
		part := sums[start:min(start+batch, len(sums))]
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := int(next.Add(1) - 1); i < len(part); i = int(next.Add(1) - 1) {
					bufs[i].Reset()
					bufs[i].Grow(16 << 10)
					errs[i] = htmlT.ExecuteTemplate(&bufs[i], "summary-item", part[i])
				}
			})
		}
		wg.Wait()
		for i := range part {
			if errs[i] != nil {
				return errs[i]
			}
			if _, err := w.Write(bufs[i].Bytes()); err != nil {
				return err
			}
		}
	}
	return nil
}

// Section writes, as an HTML fragment, the part of the report that the
// step named step (one of the Step constants) fills in: the web UI shows it
// as the step completes. It reads only what that step and the steps before
// it wrote.
//
// Each fragment is one or more <section> elements; their ids, by step:
//
//	report.StepDetails     incident, alerts, entities
//	report.StepGraph       graph
//	report.StepIndicators  indicators
//	report.StepTI          verdict, grid (which alert names which entity,
//	                       with each entity's threat-intel severity), ti
//	report.StepRelated     related
//	report.StepSummaries   map, summaries, problems (the problems of every step and
//	                how each step went: the last step writes them)
//
// The report document orders them incident, verdict, alerts, entities,
// grid, graph, indicators, ti, map, summaries, related, problems; a page that
// fills slots as steps complete should keep that order. Every section
// shows the status and reason its step recorded in r.Sections. Links to
// entities go to EntityHref, or to the entity's summary (id "e-" and a
// hash of its key, as Summary writes it) when that is nil.
//
// Fragments hold no script and no style: a page shows them with
// report.css and chart.css and, for the controls they hold (expand or
// collapse every summary, hidden until it runs), report.js, which also
// works on fragments added after it loaded. A page may add its own theme
// switch: <button type="button" class="js-only" data-action="theme" hidden>.
func Section(w io.Writer, r *report.Report, step string, o Options) error {
	ids, ok := stepSections[step]
	if !ok {
		return fmt.Errorf("HTML report: unknown step %q", step)
	}
	v := newView(r, o)
	return execute(w, "sections", struct {
		*view
		IDs []string
	}{v, ids})
}

// Summary writes one entity's summary as an HTML fragment: the web UI's
// page for an entity. It is a <details id="e-…" class="summary" open>
// element, the same one the report's summaries section holds.
func Summary(w io.Writer, s *report.Summary, o Options) error {
	v := newView(&report.Report{}, o)
	return execute(w, "summary", v.Sum(s, true))
}

// execute renders template name to w (see write).
func execute(w io.Writer, name string, data any) error {
	return write(w, func(bw *bufio.Writer) error { return htmlT.ExecuteTemplate(bw, name, data) })
}

// write calls render with a buffered writer to w that writes invalid UTF-8
// as U+FFFD and every hidden character as its mark (textsafe.Text). The
// marks are made here, on everything the templates write, rather than by a
// function on each value: values reach the output through the templates,
// the table bodies and the charts, and none is missed. The templates' own
// text and the inline assets hold no hidden character (the assets are
// checked when the package loads), and html/template writes one in a URL
// percent-encoded, so what is marked is always a value's.
func write(w io.Writer, render func(*bufio.Writer) error) error {
	vw := &validWriter{w: &textsafe.Writer{W: &textClipper{w: w}}}
	bw := bufio.NewWriterSize(vw, 64<<10)
	if err := render(bw); err != nil {
		return fmt.Errorf("HTML report: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return vw.close()
}

// validWriter passes what it is given on to w with every invalid UTF-8
// sequence replaced by U+FFFD. A rune split between two writes is held
// back until the next.
type validWriter struct {
	w    io.Writer
	held []byte
}

func (v *validWriter) Write(p []byte) (int, error) {
	n := len(p)
	if len(v.held) > 0 {
		p = append(v.held, p...)
		v.held = nil
	}
	// Hold back an incomplete rune at the end.
	cut := len(p)
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				cut = i
			}
			break
		}
	}
	if cut < len(p) {
		v.held = append([]byte(nil), p[cut:]...)
		p = p[:cut]
	}
	if !utf8.Valid(p) {
		p = bytes.ToValidUTF8(p, []byte("\uFFFD"))
	}
	if _, err := v.w.Write(p); err != nil {
		return 0, err
	}
	return n, nil
}

// close writes what is held back: an incomplete rune at the very end.
func (v *validWriter) close() error {
	if len(v.held) == 0 {
		return nil
	}
	_, err := v.w.Write(bytes.ToValidUTF8(v.held, []byte("\uFFFD")))
	v.held = nil
	return err
}

func htmlFuncs() template.FuncMap {
	return template.FuncMap{
		"time":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
		"join":    func(ss []string) string { return strings.Join(ss, ", ") },
		"upper":   strings.ToUpper,
		"plural":  english.Plural,
		"sev":     SeverityClass,
		"tisev":   TIClass,
		"status":  StatusClass,
		"anchor":  anchor,
		"aanchor": alertAnchor,
		"set":     func(t time.Time) bool { return !t.IsZero() },
		"lower":   strings.ToLower,
		// short clips a value that is never long when it is genuine (a
		// kind, a status, a provider, a column header) so a hostile one
		// cannot fill the page.
		"short": func(v any) string { return clip(fmt.Sprint(v), 120) },
		// Expandable cells (cells.go).
		"long": long, "cutcell": cutCell, "many": manyItems, "first": firstItems, "rest": restItems, "pair": pair,
	}
}

// view is what the templates see: the report, the options and what is
// derived from them. Its methods read only the parts of the report the
// template calling them may read (see Section).
type view struct {
	R *report.Report
	o Options

	entities map[string]*triage.Entity // by key, built on first use
	entityTI map[string]intel.Severity // by entity key, built on first use
}

func newView(r *report.Report, o Options) *view { return &view{R: r, o: o} }

// Href is the link to the entity with key.
func (v *view) Href(key string) string {
	if v.o.EntityHref != nil {
		return v.o.EntityHref(key)
	}
	return "#" + anchor(key)
}

// Pages reports whether entities have pages of their own (EntityHref).
func (v *view) Pages() bool { return v.o.EntityHref != nil }

// Step is the recorded status of the step named name, or nil.
func (v *view) Step(name string) *report.Section {
	for i := len(v.R.Sections) - 1; i >= 0; i-- {
		if v.R.Sections[i].Name == name {
			return &v.R.Sections[i]
		}
	}
	return nil
}

// Empty is what a section with nothing to show says: msg when its step
// went well, and that nothing is known when the step failed or was
// skipped, so a failure never reads as "nothing found".
func (v *view) Empty(id, msg string) string {
	if st := v.StepFor(id); st != nil && (st.Status == report.StatusError || st.Status == report.StatusSkipped) {
		return "Not known: this step did not complete (see its status above)."
	}
	return msg
}

// Entity returns the incident's entity with key, or nil.
func (v *view) Entity(key string) *triage.Entity {
	if v.entities == nil {
		v.entities = make(map[string]*triage.Entity, len(v.R.Entities))
		for i := range v.R.Entities {
			v.entities[v.R.Entities[i].Key] = &v.R.Entities[i]
		}
	}
	return v.entities[key]
}

// EntityName is the display name of the entity with key, or the key.
func (v *view) EntityName(key string) string {
	if e := v.Entity(key); e != nil {
		return e.Name
	}
	return key
}

// EntityTI is the highest severity an ok threat-intel result gives an
// indicator found in the entity with key ("" when none). Summaries and later
// steps only.
func (v *view) EntityTI(key string) intel.Severity {
	if v.entityTI == nil {
		byValue := map[string]intel.Severity{}
		for _, res := range v.R.TI.Results {
			if res.Status == intel.StatusOK && res.Severity.Rank() > byValue[res.Indicator].Rank() {
				byValue[res.Indicator] = res.Severity
			}
		}
		v.entityTI = map[string]intel.Severity{}
		for _, ind := range v.R.Indicators {
			s, ok := byValue[ind.Value]
			if !ok {
				continue
			}
			for _, src := range ind.Sources {
				if s.Rank() > v.entityTI[src].Rank() {
					v.entityTI[src] = s
				}
			}
		}
	}
	return v.entityTI[key]
}

// TIRows are the threat-intel results, most severe first, then by
// indicator and provider; failed lookups after the answers.
func (v *view) TIRows() []tiRow {
	rs := slices.Clone(v.R.TI.Results)
	slices.SortStableFunc(rs, func(a, b intel.Result) int {
		if d := tiRank(b) - tiRank(a); d != 0 {
			return d
		}
		if c := strings.Compare(a.Indicator, b.Indicator); c != 0 {
			return c
		}
		return strings.Compare(a.Provider, b.Provider)
	})
	type id struct {
		ind, prov string
		typ       string
	}
	reasons := map[id]bool{}
	for _, r := range v.R.TI.Reasons {
		reasons[id{r.Indicator, r.Provider, string(r.Type)}] = true
	}
	out := make([]tiRow, len(rs))
	for i := range rs {
		r := &rs[i]
		row := tiRow{Result: r, OK: r.Status == intel.StatusOK, Class: "unknown", Because: reasons[id{r.Indicator, r.Provider, string(r.Type)}]}
		if row.OK {
			row.Class = TIClass(r.Severity)
		}
		out[i] = row
	}
	return out
}

// tiRank orders results for the table: ok answers by severity, then not
// found, then everything that did not answer.
func tiRank(r intel.Result) int {
	switch r.Status {
	case intel.StatusOK:
		return 10 + r.Severity.Rank()
	case intel.StatusNotFound:
		return 5
	}
	return 0
}

// kindCount is how many entities of one kind an incident has.
type kindCount struct {
	Kind  triage.Kind
	Count int
}

// Kinds counts the incident's entities by kind, in the order they come.
func (v *view) Kinds() []kindCount {
	var out []kindCount
	for _, e := range v.R.Entities {
		if n := len(out); n > 0 && out[n-1].Kind == e.Kind {
			out[n-1].Count++
			continue
		}
		out = append(out, kindCount{e.Kind, 1})
	}
	return out
}

// Props are an entity's properties as "name: value" lines, by name.
func (v *view) Props(e *triage.Entity) []string {
	if e == nil {
		return nil
	}
	return propLines(e)
}

func propLines(e *triage.Entity) []string {
	names := slices.Sorted(maps.Keys(e.Properties))
	if i := slices.Index(names, triage.PropVerdict); i > 0 && e.DefenderVerdict() != "" {
		// Defender XDR's verdict first: what a reader looks for among
		// the many properties of a piece of evidence.
		names = slices.Insert(slices.Delete(names, i, i+1), 0, triage.PropVerdict)
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		val := e.Prop(n)
		if val == "" && e.Properties[n] != nil {
			val = propText(e.Properties[n], 4)
		}
		out = append(out, clip(n+": "+val, 200))
	}
	return out
}

// AlertsChart draws the incident's alerts on a timeline, one lane per alert
// name, coloured by severity.
func (v *view) AlertsChart() template.HTML {
	var evs []chart.Event
	for _, a := range v.R.Alerts {
		t := alertTime(a)
		if t.IsZero() {
			continue
		}
		evs = append(evs, chart.Event{
			Time: t, Lane: clip(a.Name, 80), Class: SeverityClass(a.Severity),
			Label: fmt.Sprintf("%s · %s · %s", clip(a.Name, 200), a.Severity, t.UTC().Format("2006-01-02 15:04:05 UTC")),
			Href:  "#" + alertAnchor(a.ID),
		})
	}
	if len(evs) == 0 {
		return ""
	}
	return chart.Timeline(evs, chart.TimeOptions{Title: fmt.Sprintf("Alerts of incident %d over time", v.R.Incident.Number)})
}

func alertTime(a triage.Alert) time.Time {
	if !a.Start.IsZero() {
		return a.Start
	}
	return a.TimeGenerated
}

// GraphChart draws the entity graph. Labels go whole (up to a bound a
// hostile value cannot pass): the chart cuts them in the middle, and
// their ends are what tell entities apart.
func (v *view) GraphChart() template.HTML {
	g := v.R.Graph
	if len(g.Nodes) == 0 {
		return ""
	}
	nodes := make([]chart.Node, 0, len(g.Nodes))
	for _, n := range g.Nodes {
		cn := chart.Node{ID: n.ID, Label: clip(n.Label, 1000), Class: SeverityClass(triage.Severity(n.Severity))}
		switch n.Type {
		case report.NodeIncident:
			cn.Group, cn.Href = "incident", "#incident"
			cn.Detail = []string{"incident: " + clip(n.Label, 200)}
		case report.NodeAlert:
			cn.Group = "alert"
			cn.Href = "#" + alertAnchor(strings.TrimPrefix(n.ID, "alert:"))
			cn.Key = alertAnchor(strings.TrimPrefix(n.ID, "alert:"))
			cn.Detail = []string{"alert: " + clip(n.Label, 200), "severity: " + n.Severity}
		default:
			cn.Group = string(n.Kind)
			cn.Href = v.Href(n.ID)
			cn.Key = anchor(n.ID)
			cn.Detail = v.Props(v.Entity(n.ID))
		}
		nodes = append(nodes, cn)
	}
	edges := make([]chart.Edge, len(g.Edges))
	for i, e := range g.Edges {
		edges[i] = chart.Edge{From: e.From, To: e.To, Label: e.Rel}
	}
	return chart.Graph(nodes, edges, chart.GraphOptions{Title: fmt.Sprintf("Alerts and entities of incident %d", v.R.Incident.Number)})
}

// RelatedChart draws the related alerts on a timeline, one lane per entity.
func (v *view) RelatedChart() template.HTML {
	var evs []chart.Event
	var lanes []string
	for _, rel := range v.R.RelatedAlerts {
		lane := clip(string(rel.Kind)+" "+rel.Name, 80)
		lanes = append(lanes, lane)
		for _, a := range rel.Alerts {
			if a.Time.IsZero() {
				continue
			}
			evs = append(evs, chart.Event{
				Time: a.Time, Lane: lane, Class: SeverityClass(a.Severity),
				Label: fmt.Sprintf("%s · %s · %s", clip(a.Name, 200), a.Severity, a.Time.UTC().Format("2006-01-02 15:04 UTC")),
				Href:  v.Href(rel.Entity),
			})
		}
	}
	if len(evs) == 0 {
		return ""
	}
	return chart.Timeline(evs, chart.TimeOptions{Title: "Other alerts naming the incident's entities", Lanes: slices.Compact(lanes)})
}

// MapPoints are the located summaries, sized by activity.
func (v *view) MapPoints() []chart.Point {
	var pts []chart.Point
	for i := range v.R.Summaries {
		s := &v.R.Summaries[i]
		if s.Location == nil {
			continue
		}
		label := s.Name
		if s.Location.Place != "" {
			label += " · " + s.Location.Place
		}
		pts = append(pts, chart.Point{
			Latitude: s.Location.Latitude, Longitude: s.Location.Longitude,
			Label: clip(label, 200), Weight: activity(s), Class: TIClass(v.EntityTI(s.Entity)),
			Href: v.Href(s.Entity),
		})
	}
	return pts
}

// MapChart draws the world map of the located summaries.
func (v *view) MapChart() template.HTML {
	pts := v.MapPoints()
	if len(pts) == 0 {
		return ""
	}
	return chart.WorldMap(pts, chart.MapOptions{Title: "Where the incident's addresses are"})
}

// Located are the summaries with a location, for the map's table.
func (v *view) Located() []*report.Summary {
	var out []*report.Summary
	for i := range v.R.Summaries {
		if v.R.Summaries[i].Location != nil {
			out = append(out, &v.R.Summaries[i])
		}
	}
	return out
}

// activity is how much a summary found: the rows of its tables, before
// they were cut.
func activity(s *report.Summary) float64 {
	n := 0
	for _, sec := range s.Sections {
		if sec.Table == nil {
			continue
		}
		if sec.Table.Total > 0 {
			n += sec.Table.Total
		} else {
			n += len(sec.Table.Rows)
		}
	}
	return float64(n)
}

// sumView is one summary as its template sees it.
type sumView struct {
	*view
	S *report.Summary
	// Open summaries are expanded: an entity page's, and those of entities
	// threat intelligence rates warning or high.
	Open bool
	// Link is set when the summary should link to its entity's own page
	// (EntityHref is set and this is not that page).
	Link bool
	// TI is the entity's threat-intel severity, when the report has one.
	TI intel.Severity
}

// part is one section of a summary with the chart drawn from it.
type part struct {
	Sec   *report.SummarySection
	Chart template.HTML
	Table *tableView
}

// tiRow is one row of the threat-intel table.
type tiRow struct {
	*intel.Result
	// OK is set for answers (status ok); Class is the severity class of an
	// answer and "unknown" otherwise; Because marks the results the
	// verdict rests on.
	OK      bool
	Class   string
	Because bool
}

// Sum returns the view of a summary; page is set for the entity's own page.
func (v *view) Sum(s *report.Summary, page bool) sumView {
	ti := v.EntityTI(s.Entity)
	return sumView{view: v, S: s, TI: ti, Open: page || ti.Rank() >= intel.SeverityWarning.Rank(), Link: !page && v.Pages()}
}

// Sums are the views of the report's summaries.
func (v *view) Sums() []sumView {
	out := make([]sumView, len(v.R.Summaries))
	for i := range v.R.Summaries {
		out[i] = v.Sum(&v.R.Summaries[i], false)
	}
	return out
}

// Parts are the summary's sections with their charts.
func (sv sumView) Parts() []part {
	out := make([]part, len(sv.S.Sections))
	for i := range sv.S.Sections {
		sec := &sv.S.Sections[i]
		out[i] = part{Sec: sec, Chart: sv.SectionChart(sv.S, sec), Table: newTableView(sec.Table)}
	}
	return out
}

// Activity is how much the summary found (see activity).
func (v *view) Activity(s *report.Summary) int { return int(activity(s)) }

// StepFor is the recorded status of the step that writes the section with
// id, or nil.
func (v *view) StepFor(id string) *report.Section {
	for step, ids := range stepSections {
		if slices.Contains(ids, id) {
			return v.Step(step)
		}
	}
	return nil
}

// anchor is the id of an entity's summary: a hash of its key, so that any
// key makes a valid, short, unique fragment.
func anchor(key string) string { return hashID("e-", key) }

// alertAnchor is the id of an alert's row.
func alertAnchor(id string) string { return hashID("a-", id) }

// hashID hashes s as the JSON report writes it, each invalid UTF-8 byte
// a U+FFFD, so that a key read back from the JSON finds its element.
func hashID(prefix, s string) string {
	if !utf8.ValidString(s) {
		s = string([]rune(s))
	}
	sum := sha256.Sum256([]byte(s))
	return prefix + hex.EncodeToString(sum[:8])
}

// clip shortens s to at most n runes, marking the cut with an ellipsis.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n {
			return s[:i] + "…"
		}
		count++
	}
	return s
}
