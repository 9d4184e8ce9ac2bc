package html

import (
	"html/template"
	"slices"
	"strconv"
	"strings"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/report/chart"
	"github.com/triage-dev/triage/internal/triage"
)

// tableView is a summary table with its cells sorted out for display by
// their columns' types: counts align right, times do not wrap, long values
// scroll in their cell.
type tableView struct {
	Headers []string
	Rows    [][]cell
	Cut     string // Table.Cut
}

// cell is one table cell.
type cell struct {
	T string
	// Num cells are counts, Time cells times; Long ones are long enough
	// to need a scrolling box; Prose ones are shorter text of several
	// words, which wraps but keeps a width of its own; Plain ones are
	// none of these: a name, an address, a few words. A table wider than
	// its card scrolls rather than squeeze its cells to a word a line, so
	// only long and prose cells wrap.
	Num, Time, Long, Prose, Plain bool
}

// Body is the table's rows as HTML. Tables are most of a large report's
// cells, and html/template's reflection is slow for each one: the rows are
// written here instead, each value escaped as text (the escaping
// html/template applies to text content), with fixed markup around it.
func (tv *tableView) Body() template.HTML {
	var b strings.Builder
	for _, row := range tv.Rows {
		b.WriteString("\n<tr>")
		for _, c := range row {
			boxed := false
			switch {
			case c.Prose:
				b.WriteString(`<td class="prose">`)
			case c.Num:
				b.WriteString(`<td class="num">`)
			case c.Time:
				b.WriteString(`<td class="nowrap">`)
			case c.Plain:
				b.WriteString(`<td class="nobreak">`)
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

// proseCell is the length from which a cell of several words wraps,
// keeping a width of its own (the stylesheet's td.prose).
const proseCell = 24

func newTableView(t *report.Table) *tableView {
	if t == nil {
		return nil
	}
	tv := &tableView{Headers: t.Headers(), Cut: t.Cut(), Rows: make([][]cell, len(t.Rows))}
	for i, row := range t.Rows {
		cells := make([]cell, len(row))
		for j, c := range row {
			typ := columnType(t, j)
			num, tm, long := typ.IsCount(), typ.IsTime(), len(c) > longCell
			prose := !num && !tm && !long && len(c) >= proseCell && strings.Contains(c, " ")
			cells[j] = cell{T: c, Num: num, Time: tm, Long: long, Prose: prose, Plain: !num && !tm && !long && !prose}
		}
		tv.Rows[i] = cells
	}
	return tv
}

// columnType is the type of column i of t; a cell beyond the columns (a
// table built wrongly) is text.
func columnType(t *report.Table, i int) report.ColumnType {
	if i < len(t.Columns) {
		return t.Columns[i].Type
	}
	return report.ColText
}

// column is the index of t's first column of one of the types, or -1.
func column(t *report.Table, types ...report.ColumnType) int {
	return slices.IndexFunc(t.Columns, func(c report.Column) bool { return slices.Contains(types, c.Type) })
}

// cellAt is row's cell in column i, or "".
func cellAt(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return row[i]
}

// SectionChart draws what a summary section's table lends itself to, as
// its columns' types say: a timeline of events with a severity (alerts)
// when it has a time, a severity and a label column; bars when it has a
// count column (see tableBars); else a histogram of its events when it
// has a time column and at least three rows, coloured by its outcome
// column when it has one. First and last seen times are spans of many
// events, never drawn as events.
func (v *view) SectionChart(s *report.Summary, sec *report.SummarySection) template.HTML {
	t := sec.Table
	if t == nil || len(t.Rows) < 2 {
		return ""
	}
	title := clip(sec.Name+" · "+s.Name, 200)
	tc := column(t, report.ColTime)
	if lc, sc := column(t, report.ColLabel), column(t, report.ColSeverity); tc >= 0 && lc >= 0 && sc >= 0 {
		var evs []chart.Event
		for _, row := range t.Rows {
			if tm, ok := report.ParseTime(cellAt(row, tc)); ok {
				name, sv := cellAt(row, lc), cellAt(row, sc)
				evs = append(evs, chart.Event{Time: tm, Lane: clip(name, 80), Class: SeverityClass(triage.Severity(sv)),
					Label: clip(name, 200) + " · " + clip(sv, 40) + " · " + tm.UTC().Format("2006-01-02 15:04 UTC")})
			}
		}
		if len(evs) > 0 {
			return chart.Timeline(evs, chart.TimeOptions{Title: title, Width: 720})
		}
	}
	if bars, series, what := tableBars(t); len(bars) >= 2 {
		return chart.Bars(bars, chart.BarOptions{Title: clip(what+" · "+s.Name, 200), Series: series, Width: 560})
	}
	if tc >= 0 && len(t.Rows) >= 3 {
		oc := column(t, report.ColOutcome, report.ColResultCode)
		code := oc >= 0 && t.Columns[oc].Type == report.ColResultCode
		var evs []chart.Event
		for _, row := range t.Rows {
			if tm, ok := report.ParseTime(cellAt(row, tc)); ok {
				evs = append(evs, chart.Event{Time: tm, Class: outcomeClass(cellAt(row, oc), code), Label: tm.UTC().Format("2006-01-02 15:04 UTC")})
			}
		}
		if len(evs) >= 3 {
			return chart.Histogram(evs, chart.TimeOptions{Title: title, Width: 720})
		}
	}
	return ""
}

// maxBars is the most bars a summary chart draws.
const maxBars = 12

// tableBars turns a table with counts into bars: the counts summed per
// value of its first label or address column whose values differ, largest
// first. The counts are a successes and a failures column side by side, or
// a count column, split into successes and failures by an outcome or
// result-code column when the table has one. It returns the series and
// what the chart shows ("Count by operation"); no bars when the table has
// no count column, a count cell that is not a number, or no label column
// whose values differ.
func tableBars(t *report.Table) (bars []chart.Bar, series []string, what string) {
	var (
		vals     []int
		outcomes []string // per row, when a count is split by outcome
	)
	if s, f := column(t, report.ColSuccesses), column(t, report.ColFailures); s >= 0 && f >= 0 {
		vals, series = []int{s, f}, []string{chart.ClassSuccess, chart.ClassFailure}
		what = t.Columns[s].Header + " and " + strings.ToLower(t.Columns[f].Header)
	} else if c := column(t, report.ColCount); c >= 0 {
		vals, series = []int{c}, []string{t.Columns[c].Header}
		what = t.Columns[c].Header
		// A count with an outcome beside it (sign-ins with their result
		// code, operations with their status) stacks successes and
		// failures.
		if oc := column(t, report.ColOutcome, report.ColResultCode); oc >= 0 {
			code := t.Columns[oc].Type == report.ColResultCode
			outcomes = make([]string, len(t.Rows))
			known := false
			for i, row := range t.Rows {
				outcomes[i] = outcomeClass(cellAt(row, oc), code)
				known = known || outcomes[i] != ""
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
	distinct := func(i int) bool {
		for _, row := range t.Rows[1:] {
			if cellAt(row, i) != cellAt(t.Rows[0], i) {
				return true
			}
		}
		return false
	}
	label := -1
	for i, c := range t.Columns {
		if (c.Type == report.ColLabel || c.Type == report.ColAddress) && distinct(i) {
			label = i
			break
		}
	}
	if label < 0 {
		return nil, nil, ""
	}
	what += " by " + strings.ToLower(t.Columns[label].Header)
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
			if cellAt(row, c) == "" {
				continue
			}
			x, err := strconv.ParseFloat(row[c], 64)
			if err != nil {
				return nil, nil, "" // not counts after all: a table built wrongly
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
