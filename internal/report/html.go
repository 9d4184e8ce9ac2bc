package report

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report/chart"
	"github.com/triage-dev/triage/internal/triage"
)

// HTMLOptions configures the HTML renderings.
type HTMLOptions struct {
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
// order of the report document. HTMLSection documents which step writes
// which.
var stepSections = map[string][]string{
	StepDetails:    {"incident", "alerts", "entities"},
	StepGraph:      {"graph"},
	StepIndicators: {"indicators"},
	StepTI:         {"verdict", "ti"},
	StepRelated:    {"related"},
	StepSummaries:  {"map", "summaries", "problems"},
}

// WriteHTML writes r as one self-contained HTML document: styles and script
// inline, allowed by their hashes in the document's own
// Content-Security-Policy, and no request to anywhere when it is opened.
//
// The document holds, in the guided order, the sections HTMLSection writes
// (incident, verdict, alerts, entities, graph, indicators, ti, map,
// summaries, related, problems), rendered by the same templates, and a
// navigation bar that print hides. Invalid UTF-8 in the report is written as
// U+FFFD. The document is written as it is rendered: an error may leave
// part of it written.
func WriteHTML(w io.Writer, r *Report, o HTMLOptions) error {
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
// large report.
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
	bufs := make([]bytes.Buffer, len(sums))
	errs := make([]error, len(sums))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(sums); i = int(next.Add(1) - 1) {
				bufs[i].Grow(16 << 10)
				errs[i] = htmlT.ExecuteTemplate(&bufs[i], "summary-item", sums[i])
			}
		})
	}
	wg.Wait()
	for i := range bufs {
		if errs[i] != nil {
			return errs[i]
		}
		if _, err := w.Write(bufs[i].Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// HTMLSection writes, as an HTML fragment, the part of the report that the
// step named step (one of the Step constants) fills in: the web UI shows it
// as the step completes. It reads only what that step and the steps before
// it wrote.
//
// Each fragment is one or more <section> elements; their ids, by step:
//
//	StepDetails     incident, alerts, entities
//	StepGraph       graph
//	StepIndicators  indicators
//	StepTI          verdict, ti
//	StepRelated     related
//	StepSummaries   map, summaries, problems (the problems of every step and
//	                how each step went: the last step writes them)
//
// The report document orders them incident, verdict, alerts, entities,
// graph, indicators, ti, map, summaries, related, problems; a page that
// fills slots as steps complete should keep that order. Every section
// shows the status and reason its step recorded in r.Sections. Links to
// entities go to EntityHref, or to the entity's summary (id "e-" and a
// hash of its key, as HTMLSummary writes it) when that is nil.
//
// Fragments hold no script and no style: a page shows them with
// report.css and chart.css and, for the controls they hold (expand or
// collapse every summary, hidden until it runs), report.js, which also
// works on fragments added after it loaded. A page may add its own theme
// switch: <button type="button" class="js-only" data-action="theme" hidden>.
func HTMLSection(w io.Writer, r *Report, step string, o HTMLOptions) error {
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

// HTMLSummary writes one entity's summary as an HTML fragment: the web UI's
// page for an entity. It is a <details id="e-…" class="summary" open>
// element, the same one the report's summaries section holds.
func HTMLSummary(w io.Writer, s *Summary, o HTMLOptions) error {
	v := newView(&Report{}, o)
	return execute(w, "summary", v.Sum(s, true))
}

// execute renders template name to w (see write).
func execute(w io.Writer, name string, data any) error {
	return write(w, func(bw *bufio.Writer) error { return htmlT.ExecuteTemplate(bw, name, data) })
}

// write calls render with a buffered writer to w that writes invalid UTF-8
// as U+FFFD.
func write(w io.Writer, render func(*bufio.Writer) error) error {
	vw := &validWriter{w: &textClipper{w: w}}
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
	f := maps.Clone(funcs)
	delete(f, "md")
	maps.Copy(f, template.FuncMap{
		"sev":     sevClass,
		"tisev":   tiClass,
		"status":  statusClass,
		"anchor":  anchor,
		"aanchor": alertAnchor,
		"set":     func(t time.Time) bool { return !t.IsZero() },
		"lower":   strings.ToLower,
		"isnum":   isNumber,
		// short clips a value that is never long when it is genuine (a
		// kind, a status, a provider, a column name) so a hostile one
		// cannot fill the page.
		"short": func(v any) string { return clip(fmt.Sprint(v), 120) },
	})
	return f
}

// view is what the templates see: the report, the options and what is
// derived from them. Its methods read only the parts of the report the
// template calling them may read (see HTMLSection).
type view struct {
	R *Report
	o HTMLOptions

	entities map[string]*triage.Entity // by key, built on first use
	entityTI map[string]intel.Severity // by entity key, built on first use
}

func newView(r *Report, o HTMLOptions) *view { return &view{R: r, o: o} }

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
func (v *view) Step(name string) *Section {
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
	if st := v.StepFor(id); st != nil && (st.Status == StatusError || st.Status == StatusSkipped) {
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
			row.Class = tiClass(r.Severity)
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
	out := make([]string, 0, len(names))
	for _, n := range names {
		val := e.Prop(n)
		if val == "" && e.Properties[n] != nil {
			b, _ := json.Marshal(e.Properties[n])
			val = string(b)
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
			Time: t, Lane: clip(a.Name, 80), Class: sevClass(a.Severity),
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

// GraphChart draws the entity graph.
func (v *view) GraphChart() template.HTML {
	g := v.R.Graph
	if len(g.Nodes) == 0 {
		return ""
	}
	nodes := make([]chart.Node, 0, len(g.Nodes))
	for _, n := range g.Nodes {
		cn := chart.Node{ID: n.ID, Label: clip(n.Label, 60), Class: sevClass(triage.Severity(n.Severity))}
		switch n.Type {
		case NodeIncident:
			cn.Group, cn.Href = "incident", "#incident"
			cn.Detail = []string{"incident: " + clip(n.Label, 200)}
		case NodeAlert:
			cn.Group = "alert"
			cn.Href = "#" + alertAnchor(strings.TrimPrefix(n.ID, "alert:"))
			cn.Detail = []string{"alert: " + clip(n.Label, 200), "severity: " + n.Severity}
		default:
			cn.Group = string(n.Kind)
			cn.Href = v.Href(n.ID)
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
				Time: a.Time, Lane: lane, Class: sevClass(a.Severity),
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
			Label: clip(label, 200), Weight: activity(s), Class: tiClass(v.EntityTI(s.Entity)),
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
func (v *view) Located() []*Summary {
	var out []*Summary
	for i := range v.R.Summaries {
		if v.R.Summaries[i].Location != nil {
			out = append(out, &v.R.Summaries[i])
		}
	}
	return out
}

// activity is how much a summary found: the rows of its tables, before
// they were cut.
func activity(s *Summary) float64 {
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
	S *Summary
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
	Sec   *SummarySection
	Chart template.HTML
	Table *tableView
}

// tableView is a summary table with its cells sorted out for display:
// numbers align right, long values scroll in their cell.
type tableView struct {
	Columns []string
	Rows    [][]cell
	Cut     string // Table.Cut
}

// cell is one table cell.
type cell struct {
	T string
	// Num cells are numbers, Time cells timestamps (neither wraps); Long
	// ones are long enough to need a scrolling box; Plain ones are none of
	// these.
	Num, Time, Long, Plain bool
}

// Body is the table's rows as HTML. Tables are most of a large report's
// cells, and html/template's reflection costs microseconds a cell: the rows
// are written here instead, each value escaped as text (the escaping
// html/template applies to text content), with fixed markup around it.
func (tv *tableView) Body() template.HTML {
	var b strings.Builder
	for _, row := range tv.Rows {
		b.WriteString("\n<tr>")
		for _, c := range row {
			boxed := false
			switch {
			case c.Plain:
				b.WriteString("<td>")
			case c.Num:
				b.WriteString(`<td class="num">`)
			case c.Time:
				b.WriteString(`<td class="nowrap">`)
			default:
				b.WriteString(`<td><div class="x">`)
				boxed = true
			}
			template.HTMLEscape(&b, []byte(c.T))
			if boxed {
				b.WriteString("</div>")
			}
			b.WriteString("</td>")
		}
		b.WriteString("</tr>")
	}
	return template.HTML(b.String())
}

// longCell is the length from which a cell's value gets a box of its own.
const longCell = 80

func newTableView(t *Table) *tableView {
	if t == nil {
		return nil
	}
	tv := &tableView{Columns: t.Columns, Cut: t.Cut(), Rows: make([][]cell, len(t.Rows))}
	for i, row := range t.Rows {
		cells := make([]cell, len(row))
		for j, c := range row {
			num, tm, long := isNumber(c), isTimestamp(c), len(c) > longCell
			cells[j] = cell{T: c, Num: num, Time: tm, Long: long, Plain: !num && !tm && !long}
		}
		tv.Rows[i] = cells
	}
	return tv
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
func (v *view) Sum(s *Summary, page bool) sumView {
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
func (v *view) Activity(s *Summary) int { return int(activity(s)) }

// StepFor is the recorded status of the step that writes the section with
// id, or nil.
func (v *view) StepFor(id string) *Section {
	for step, ids := range stepSections {
		if slices.Contains(ids, id) {
			return v.Step(step)
		}
	}
	return nil
}

// SectionChart draws what a summary section's table lends itself to: a
// timeline of alerts, bars of a count per label, or events over time.
func (v *view) SectionChart(s *Summary, sec *SummarySection) template.HTML {
	t := sec.Table
	if t == nil || len(t.Rows) < 2 {
		return ""
	}
	col := func(names ...string) int {
		for _, n := range names {
			for i, c := range t.Columns {
				if strings.EqualFold(c, n) {
					return i
				}
			}
		}
		return -1
	}
	cell := func(row []string, i int) string {
		if i < 0 || i >= len(row) {
			return ""
		}
		return row[i]
	}
	title := clip(sec.Name+" · "+s.Name, 200)
	tc := col("Time", "TimeGenerated")
	if tc >= 0 {
		if ac, sc := col("Alert", "AlertName", "Name"), col("Severity", "AlertSeverity"); ac >= 0 && sc >= 0 {
			var evs []chart.Event
			for _, row := range t.Rows {
				if tm, ok := parseTime(cell(row, tc)); ok {
					sv := cell(row, sc)
					evs = append(evs, chart.Event{Time: tm, Lane: clip(cell(row, ac), 80), Class: sevClass(triage.Severity(sv)),
						Label: clip(cell(row, ac), 200) + " · " + clip(sv, 40) + " · " + tm.UTC().Format("2006-01-02 15:04 UTC")})
				}
			}
			if len(evs) > 0 {
				return chart.Timeline(evs, chart.TimeOptions{Title: title, Width: 720})
			}
		}
	}
	if bars, series, what := tableBars(t); len(bars) >= 2 {
		return chart.Bars(bars, chart.BarOptions{Title: clip(what+" · "+s.Name, 200), Series: series, Width: 560})
	}
	if tc >= 0 && len(t.Rows) >= 3 {
		oc := col("Result", "ResultType", "Outcome", "Action", "Actions", "Status")
		var evs []chart.Event
		for _, row := range t.Rows {
			if tm, ok := parseTime(cell(row, tc)); ok {
				evs = append(evs, chart.Event{Time: tm, Class: outcomeClass(cell(row, oc), false), Label: tm.UTC().Format("2006-01-02 15:04 UTC")})
			}
		}
		if len(evs) >= 3 {
			return chart.Histogram(evs, chart.TimeOptions{Title: title, Width: 720})
		}
	}
	return ""
}

// The columns tableBars counts, and the columns it labels bars by, in order
// of preference.
var (
	successCols = []string{"Successes", "Succeeded", "Success"}
	failureCols = []string{"Failures", "Failed", "Failure"}
	countCols   = []string{"Count", "Events", "Sign-ins", "Connections", "Logons", "Hits"}
	outcomeCols = []string{"Result", "ResultType", "Outcome", "Status", "Action", "Actions"}
	labelCols   = []string{"Operation", "Peer", "Host", "Computer", "DeviceName", "Device", "IP address", "Address",
		"Account", "Process", "Activity", "Event", "Application", "Workload", "Name"}
)

// maxBars is the most bars a summary chart draws.
const maxBars = 12

// tableBars turns a table with a count column into bars: the counts summed
// per value of its most telling label column, largest first. It returns
// the series (success and failure, or the count column) and what the chart
// shows ("Count by Operation"); no bars when the table has no count column
// of numbers or no label column whose values differ.
func tableBars(t *Table) (bars []chart.Bar, series []string, what string) {
	find := func(names []string) int {
		for _, n := range names {
			if i := slices.IndexFunc(t.Columns, func(c string) bool { return strings.EqualFold(c, n) }); i >= 0 {
				return i
			}
		}
		return -1
	}
	var (
		vals     []int
		outcomes []string // per row, when a count is split by outcome
	)
	if s, f := find(successCols), find(failureCols); s >= 0 && f >= 0 {
		vals, series = []int{s, f}, []string{chart.ClassSuccess, chart.ClassFailure}
		what = t.Columns[s] + " and " + strings.ToLower(t.Columns[f])
	} else if c := find(countCols); c >= 0 {
		vals, series = []int{c}, []string{t.Columns[c]}
		what = t.Columns[c]
		// A count with an outcome beside it (sign-ins with their result
		// code, operations with their status) stacks successes and
		// failures.
		if oc := find(outcomeCols); oc >= 0 {
			code := strings.HasPrefix(strings.ToLower(t.Columns[oc]), "result")
			outcomes = make([]string, len(t.Rows))
			known := false
			for i, row := range t.Rows {
				if oc < len(row) {
					outcomes[i] = outcomeClass(row[oc], code)
					known = known || outcomes[i] != ""
				}
			}
			if known {
				series = []string{chart.ClassSuccess, chart.ClassFailure, "other"}
				what += " by outcome"
			} else {
				outcomes = nil
			}
		}
	} else {
		return nil, nil, ""
	}
	usable := func(i int) bool {
		return i >= 0 && !slices.Contains(vals, i)
	}
	distinct := func(i int) bool {
		for _, row := range t.Rows[1:] {
			if i < len(row) && len(t.Rows[0]) > i && row[i] != t.Rows[0][i] {
				return true
			}
		}
		return false
	}
	label := -1
	for _, n := range labelCols {
		if i := find([]string{n}); usable(i) && distinct(i) {
			label = i
			break
		}
	}
	if label < 0 {
		return nil, nil, ""
	}
	what += " by " + strings.ToLower(t.Columns[label])
	index := map[string]int{}
	for ri, row := range t.Rows {
		if label >= len(row) {
			continue
		}
		k := row[label]
		i, ok := index[k]
		if !ok {
			i = len(bars)
			index[k] = i
			bars = append(bars, chart.Bar{Label: clip(k, 60), Values: make([]float64, len(series))})
		}
		for j, c := range vals {
			if c >= len(row) {
				continue
			}
			x, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(row[c]), ",", ""), 64)
			if err != nil {
				return nil, nil, "" // not a count column after all
			}
			if outcomes != nil {
				j = map[string]int{chart.ClassSuccess: 0, chart.ClassFailure: 1}[outcomes[ri]]
				if outcomes[ri] == "" {
					j = 2
				}
			}
			bars[i].Values[j] += x
		}
	}
	if outcomes != nil {
		other := false
		for _, b := range bars {
			other = other || b.Values[2] != 0
		}
		if !other {
			series = series[:2]
			for i := range bars {
				bars[i].Values = bars[i].Values[:2]
			}
		}
	}
	sum := func(b chart.Bar) (s float64) {
		for _, x := range b.Values {
			s += x
		}
		return s
	}
	slices.SortStableFunc(bars, func(a, b chart.Bar) int {
		sa, sb := sum(a), sum(b)
		switch {
		case sa > sb:
			return -1
		case sa < sb:
			return 1
		}
		return 0
	})
	if len(bars) > maxBars {
		bars = bars[:maxBars]
	}
	return bars, series, what
}

// parseTime reads the times summary tables hold.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// outcomeClass maps an outcome cell to the success or failure class, or
// "" when it says neither. In a result-code column (code), 0 is success
// and any other number a failure, as sign-in logs have it.
func outcomeClass(s string, code bool) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "":
		return ""
	case code && s == "0":
		return chart.ClassSuccess
	case code && isNumber(s):
		return chart.ClassFailure
	case strings.Contains(s, "fail"), strings.Contains(s, "denied"), strings.Contains(s, "block"),
		strings.Contains(s, "drop"), strings.Contains(s, "reject"), strings.Contains(s, "error"):
		return chart.ClassFailure
	case strings.Contains(s, "success"), strings.Contains(s, "succeeded"), strings.Contains(s, "allow"), s == "ok":
		return chart.ClassSuccess
	}
	return ""
}

// sevClass maps an incident or alert severity, whatever its spelling, to
// one of the chart severity classes, or "unknown".
func sevClass(s triage.Severity) string {
	switch strings.ToLower(strings.TrimSpace(string(s))) {
	case "high":
		return chart.ClassHigh
	case "medium":
		return chart.ClassMedium
	case "low":
		return chart.ClassLow
	case "informational", "information", "info":
		return chart.ClassInformational
	}
	return "unknown"
}

// tiClass maps a threat-intel severity to a fixed class name.
func tiClass(s intel.Severity) string {
	switch s {
	case intel.SeverityHigh:
		return chart.ClassHigh
	case intel.SeverityWarning:
		return chart.ClassMedium
	case intel.SeverityInformation:
		return chart.ClassInformational
	case intel.SeverityNone:
		return "none"
	}
	return "unknown"
}

// statusClass maps a status to a fixed class name.
func statusClass(s any) string {
	switch v := fmt.Sprint(s); v {
	case "ok", "partial", "empty", "skipped", "error", "not_found", "rate_limited", "timeout", "not_configured", "unsupported":
		return v
	}
	return "unknown"
}

// anchor is the id of an entity's summary: a hash of its key, so that any
// key makes a valid, short, unique fragment.
func anchor(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "e-" + hex.EncodeToString(sum[:8])
}

// alertAnchor is the id of an alert's row.
func alertAnchor(id string) string {
	sum := sha256.Sum256([]byte(id))
	return "a-" + hex.EncodeToString(sum[:8])
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

// isTimestamp reports whether a table cell looks like a date and time
// ("2006-01-02T15:04:05Z", "2006-01-02 15:04").
func isTimestamp(s string) bool {
	return len(s) >= 16 && len(s) <= 35 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ') && s[13] == ':'
}

// isNumber reports whether a table cell is a number (it is then aligned
// right): digits with an optional sign, decimal point and thousands commas.
func isNumber(s string) bool {
	if s == "" || len(s) > 24 {
		return false
	}
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case (c == '-' || c == '+') && i == 0:
		case c == '.' && !dot:
			dot = true
		case c == ',' && digits > 0:
		default:
			return false
		}
	}
	return digits > 0
}
