package html

import (
	"cmp"
	"html/template"
	"slices"
	"strconv"
	"strings"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/report/chart"
	"github.com/triage-dev/triage/internal/triage"
)

// GridColumns is how many alerts one block of the incidence grid shows
// side by side. An incident with more alerts gets one block per
// GridColumns of them, so the grid is never wider than the page, on
// screen or on paper.
const GridColumns = 40

// gridOpenRows is the most rows a kind may have for its group to be open
// when the grid is shown: larger groups start closed, so a large incident's
// grid is a list of kinds to open rather than a wall of rows.
const gridOpenRows = 30

// gridAlert is one column of the grid: an alert, numbered in time order.
type gridAlert struct {
	a   *triage.Alert
	num int // from 1
}

// gridRow is one row: an entity with the columns that name it.
type gridRow struct {
	e     *triage.Entity
	named map[int]bool // column indexes (0-based) of the alerts that name it
}

// grid is the incidence grid: the alerts, in time order, as columns and the
// entities as rows, grouped by kind, with a mark where an alert names an
// entity.
type grid struct {
	alerts []gridAlert
	kinds  []triage.Kind
	rows   map[triage.Kind][]gridRow
	alone  []*triage.Entity // entities no alert names
}

// newGrid builds the grid of the report. A pair is marked when the alert
// lists the entity's key (Alert.EntityKeys) or the entity lists the alert
// (Entity.Alerts): the report's JSON has each pair in both, and either one
// is enough to show it.
func (v *view) newGrid() *grid {
	r := v.R
	g := &grid{rows: map[triage.Kind][]gridRow{}}
	order := make([]int, len(r.Alerts))
	for i := range order {
		order[i] = i
	}
	// Time order; alerts without a time last, in the order they came.
	slices.SortStableFunc(order, func(a, b int) int {
		ta, tb := alertTime(r.Alerts[a]), alertTime(r.Alerts[b])
		switch {
		case ta.IsZero() && tb.IsZero():
			return 0
		case ta.IsZero():
			return 1
		case tb.IsZero():
			return -1
		}
		return ta.Compare(tb)
	})
	col := make(map[string]int, len(order)) // alert ID → column
	for c, i := range order {
		a := &r.Alerts[i]
		g.alerts = append(g.alerts, gridAlert{a: a, num: c + 1})
		if _, dup := col[a.ID]; !dup {
			col[a.ID] = c
		}
	}
	at := make(map[string]int, len(r.Entities)) // entity key → index
	named := make([]map[int]bool, len(r.Entities))
	for i := range r.Entities {
		if _, dup := at[r.Entities[i].Key]; !dup {
			at[r.Entities[i].Key] = i
		}
		named[i] = map[int]bool{}
	}
	for c, ga := range g.alerts {
		for _, k := range ga.a.EntityKeys {
			if i, ok := at[k]; ok {
				named[i][c] = true
			}
		}
	}
	for i := range r.Entities {
		for _, id := range r.Entities[i].Alerts {
			if c, ok := col[id]; ok {
				named[i][c] = true
			}
		}
	}
	for i := range r.Entities {
		e := &r.Entities[i]
		if at[e.Key] != i {
			continue // a second entity with one key: the first stands for both
		}
		if len(named[i]) == 0 {
			g.alone = append(g.alone, e)
			continue
		}
		if _, ok := g.rows[e.Kind]; !ok {
			g.kinds = append(g.kinds, e.Kind)
		}
		g.rows[e.Kind] = append(g.rows[e.Kind], gridRow{e: e, named: named[i]})
	}
	// Rows: most alerts first, then by name; kinds: the one whose top row
	// most alerts name first, then by name.
	for _, k := range g.kinds {
		slices.SortStableFunc(g.rows[k], func(a, b gridRow) int {
			if c := cmp.Compare(len(b.named), len(a.named)); c != 0 {
				return c
			}
			return strings.Compare(a.e.Name, b.e.Name)
		})
	}
	slices.SortStableFunc(g.kinds, func(a, b triage.Kind) int {
		if c := cmp.Compare(len(g.rows[b][0].named), len(g.rows[a][0].named)); c != 0 {
			return c
		}
		return strings.Compare(string(a), string(b))
	})
	return g
}

// Grid is the incidence grid as HTML: one block per GridColumns alerts,
// each one table whose columns are the block's alerts and whose rows are
// the entities one of them names, a <tbody> per kind of entity. So the
// alert columns line up from one kind to the next, and the header repeats
// on every printed page. A kind's first row names it and repeats the
// column numbers; its <details> closes the kind's rows (the stylesheet
// hides them with :has, no script), closed from the start when the kind
// has many rows. A row links to the entity's summary (Href), says its
// threat-intel severity and how many alerts name it, and lists its links
// to other entities. The alerts are keyed by number below the grid. It
// works without script; report.js lets a column be selected, which
// highlights the alert in the graph.
//
// Like the tables' bodies (tableView.Body), it is written here rather than
// by html/template, for speed at a large incident's size: every value is
// escaped as text, every link goes through chart.SafeHref.
func (v *view) Grid() template.HTML {
	g := v.newGrid()
	if len(g.alerts) == 0 || len(g.kinds) == 0 && len(g.alone) == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(1024 + 64*len(v.R.Entities)*min(len(g.alerts), GridColumns))
	blocks := (len(g.alerts) + GridColumns - 1) / GridColumns
	b.WriteString(`<div class="grid">`)
	for blk := 0; blk < blocks && len(g.kinds) > 0; blk++ {
		lo, hi := blk*GridColumns, min((blk+1)*GridColumns, len(g.alerts))
		v.writeGridBlock(&b, g, lo, hi, blocks > 1)
	}
	if len(g.alone) > 0 {
		b.WriteString(`<p class="grid-alone">Named by no alert (from the incident itself): `)
		for i, e := range g.alone {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`<a class="ent" href="`)
			esc(&b, chart.SafeHref(v.Href(e.Key)))
			b.WriteString(`"><bdi>`)
			esc(&b, chart.CutMiddle(e.Name, 48))
			b.WriteString(`</bdi></a>`)
		}
		b.WriteString(`</p>`)
	}
	// The key of the columns.
	b.WriteString(`<details class="grid-key"`)
	if len(g.alerts) <= 12 {
		b.WriteString(` open`)
	}
	b.WriteString(`><summary>The alerts by number</summary><ol class="grid-alerts">`)
	for _, ga := range g.alerts {
		sev := SeverityClass(ga.a.Severity)
		b.WriteString(`<li value="` + strconv.Itoa(ga.num) + `"><span class="badge sev sev-` + sev + `">`)
		esc(&b, clip(string(ga.a.Severity), 40))
		b.WriteString(`</span> <a href="#` + alertAnchor(ga.a.ID) + `"><bdi>`)
		esc(&b, clip(ga.a.Name, 200))
		b.WriteString(`</bdi></a>`)
		if t := alertTime(*ga.a); !t.IsZero() {
			b.WriteString(` <span class="muted">` + t.UTC().Format("2006-01-02 15:04 UTC") + `</span>`)
		}
		b.WriteString(`</li>`)
	}
	b.WriteString(`</ol></details></div>`)
	return template.HTML(b.String()) // #nosec G203 -- every value is escaped above
}

// writeGridBlock writes the block of the grid's columns lo to hi (0-based,
// hi excluded): its heading when the grid has several blocks, and its table.
func (v *view) writeGridBlock(b *strings.Builder, g *grid, lo, hi int, heading bool) {
	b.WriteString(`<div class="grid-block">`)
	if heading {
		b.WriteString(`<h3 class="grid-cols">Alerts ` + strconv.Itoa(lo+1) + `–` + strconv.Itoa(hi) + ` of ` + strconv.Itoa(len(g.alerts)) + `</h3>`)
	}
	b.WriteString(`<div class="tablewrap grid-wrap"><table class="data grid-table"><thead><tr><th scope="col" class="g-ent">Entity</th><th scope="col" class="g-ti">TI</th><th scope="col" class="num g-n" title="alerts naming it">Alerts</th>`)
	for c := lo; c < hi; c++ {
		ga := g.alerts[c]
		sev := SeverityClass(ga.a.Severity)
		id := alertAnchor(ga.a.ID)
		b.WriteString(`<th scope="col" class="g-a sev-` + sev + `" data-k="` + id + `" data-c="` + strconv.Itoa(c) + `"><a href="#` + id + `" title="`)
		esc(b, alertTitle(ga))
		b.WriteString(`"><span class="g-num">` + strconv.Itoa(ga.num) + `</span><span class="g-sev">`)
		esc(b, sevLetter(sev))
		b.WriteString(`</span></a></th>`)
	}
	b.WriteString(`</tr></thead>`)
	tiKnown := v.Step(report.StepTI) != nil
	var in []gridRow
	for _, k := range g.kinds {
		// The block's rows of the kind: the entities one of its alerts
		// names.
		in = in[:0]
		for _, row := range g.rows[k] {
			for c := lo; c < hi; c++ {
				if row.named[c] {
					in = append(in, row)
					break
				}
			}
		}
		if len(in) == 0 {
			continue
		}
		writeGridKind(b, k, len(in), g.alerts, lo, hi)
		for _, row := range in {
			v.writeGridRow(b, row, tiKnown, lo, hi)
		}
		b.WriteString(`</tbody>`)
	}
	b.WriteString(`</table></div></div>`)
}

// writeGridKind opens a kind's <tbody> with its first row: the kind, its
// count of rows, the <details> that closes them, and the column numbers
// again (for the eye; the header says them to a screen reader).
func writeGridKind(b *strings.Builder, k triage.Kind, rows int, alerts []gridAlert, lo, hi int) {
	b.WriteString(`<tbody class="grid-kind"><tr class="g-kind"><th scope="rowgroup" colspan="3" class="g-kh"><details class="grid-kind"`)
	if rows <= gridOpenRows {
		b.WriteString(` open`)
	}
	b.WriteString(`><summary><span class="kind">`)
	esc(b, clip(string(k), 120))
	b.WriteString(`</span> <span class="count">`)
	b.WriteString(strconv.Itoa(rows))
	b.WriteString(`</span></summary></details></th>`)
	for c := lo; c < hi; c++ {
		b.WriteString(`<td class="g-kc" data-c="` + strconv.Itoa(c) + `" aria-hidden="true">` + strconv.Itoa(alerts[c].num) + `</td>`)
	}
	b.WriteString(`</tr>`)
}

// writeGridRow writes an entity's row over the columns lo to hi.
func (v *view) writeGridRow(b *strings.Builder, row gridRow, tiKnown bool, lo, hi int) {
	e := row.e
	b.WriteString(`<tr data-k="` + anchor(e.Key) + `"><th scope="row" class="g-ent"><a class="ent" href="`)
	esc(b, chart.SafeHref(v.Href(e.Key)))
	b.WriteString(`" title="`)
	esc(b, clip(e.Name, 300))
	b.WriteString(`"><bdi>`)
	esc(b, chart.CutMiddle(e.Name, 48))
	b.WriteString(`</bdi></a>`)
	v.writeLinks(b, e)
	b.WriteString(`</th><td class="g-ti">`)
	switch ti := v.EntityTI(e.Key); {
	case ti != "":
		b.WriteString(`<span class="badge ti ti-` + TIClass(ti) + `">`)
		esc(b, clip(string(ti), 40))
		b.WriteString(`</span>`)
	case tiKnown:
		b.WriteString(`<span class="muted">none</span>`)
	default:
		b.WriteString(`<span class="muted">…</span>`)
	}
	b.WriteString(`</td><td class="num g-n">` + strconv.Itoa(len(row.named)) + `</td>`)
	for c := lo; c < hi; c++ {
		if row.named[c] {
			b.WriteString(`<td class="g-m" data-c="` + strconv.Itoa(c) + `"><span title="named by alert ` + strconv.Itoa(c+1) + `">●</span></td>`)
		} else {
			b.WriteString(`<td></td>`)
		}
	}
	b.WriteString(`</tr>`)
}

// writeLinks lists an entity's links to other entities of the incident
// (a process's file, a host's address) under its row.
func (v *view) writeLinks(b *strings.Builder, e *triage.Entity) {
	n := 0
	for _, l := range e.Links {
		to := v.Entity(l.Key)
		if to == nil || l.Key == e.Key {
			continue
		}
		if n == 0 {
			b.WriteString(`<ul class="g-links">`)
		}
		if n == 8 {
			b.WriteString(`<li class="muted">and ` + english.Plural(len(e.Links)-8, "more link", "more links") + `</li>`)
			break
		}
		n++
		b.WriteString(`<li><span class="muted">`)
		esc(b, clip(l.Rel, 40))
		b.WriteString(` →</span> <span class="kind">`)
		esc(b, clip(string(to.Kind), 40))
		b.WriteString(`</span> <a class="ent" href="`)
		esc(b, chart.SafeHref(v.Href(to.Key)))
		b.WriteString(`"><bdi>`)
		esc(b, chart.CutMiddle(to.Name, 40))
		b.WriteString(`</bdi></a></li>`)
	}
	if n > 0 {
		b.WriteString(`</ul>`)
	}
}

// alertTitle is a column's hover text: number, severity, time and name.
func alertTitle(ga gridAlert) string {
	s := "Alert " + strconv.Itoa(ga.num) + " · " + clip(string(ga.a.Severity), 40)
	if t := alertTime(*ga.a); !t.IsZero() {
		s += " · " + t.UTC().Format("2006-01-02 15:04 UTC")
	}
	return s + " · " + clip(ga.a.Name, 200)
}

// sevLetter is the letter a column shows of its alert's severity class,
// so that severity reads without colour.
func sevLetter(class string) string {
	if class == "unknown" || class == "" {
		return "?"
	}
	return strings.ToUpper(class[:1])
}

// esc writes s escaped as HTML text or attribute value.
func esc(b *strings.Builder, s string) {
	template.HTMLEscape(b, []byte(s))
}
