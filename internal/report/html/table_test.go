package html

import (
	"slices"
	"strings"
	"testing"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/report/chart"
)

// typed makes columns from pairs of header and type; a column's name is
// its header.
func typed(pairs ...any) []report.Column {
	var out []report.Column
	for i := 0; i+1 < len(pairs); i += 2 {
		h := pairs[i].(string)
		out = append(out, report.Column{Name: h, Header: h, Type: pairs[i+1].(report.ColumnType)})
	}
	return out
}

// chartKind is the kind of chart SectionChart draws for t ("timeline",
// "bars", "histogram"), or "" for none.
func chartKind(t *testing.T, tab *report.Table) string {
	t.Helper()
	v := newView(&report.Report{}, Options{})
	out := string(v.SectionChart(&report.Summary{Name: "e"}, &report.SummarySection{Name: "s", Table: tab}))
	if out == "" {
		return ""
	}
	_, rest, ok := strings.Cut(out, `class="chart chart-`)
	if !ok {
		t.Fatalf("not a chart: %.200s", out)
	}
	kind, _, _ := strings.Cut(rest, `"`)
	return kind
}

// TestSectionChartByType: the chart of a summary table is chosen by its
// columns' types, whatever their headers say, and its times are read in
// the one form of a time column.
func TestSectionChartByType(t *testing.T) {
	const t1, t2, t3 = "2026-11-25T10:00:00Z", "2026-11-25T11:00:00Z", "2026-11-25T12:30:00Z"
	for _, tt := range []struct {
		name string
		tab  *report.Table
		want string
	}{
		{"time, label and severity: the events on a timeline",
			&report.Table{Columns: typed("When", report.ColTime, "What", report.ColLabel, "How bad", report.ColSeverity),
				Rows: [][]string{{t1, "a", "High"}, {t2, "b", "Low"}}}, "timeline"},
		{"a count and a label whose values differ: bars, whatever the headers",
			&report.Table{Columns: typed("x", report.ColLabel, "y", report.ColCount),
				Rows: [][]string{{"a", "3"}, {"b", "4"}}}, "bars"},
		{"the headers of the old guesses, typed as text: no chart",
			&report.Table{Columns: typed("Operation", report.ColText, "Count", report.ColText, "Time", report.ColText),
				Rows: [][]string{{"a", "3", t1}, {"b", "4", t2}, {"c", "5", t3}}}, ""},
		{"a count but no label that differs: no bars",
			&report.Table{Columns: typed("Account", report.ColLabel, "Count", report.ColCount),
				Rows: [][]string{{"a", "3"}, {"a", "4"}}}, ""},
		{"events at a time: a histogram",
			&report.Table{Columns: typed("At", report.ColTime, "Host", report.ColText),
				Rows: [][]string{{t1, "a"}, {t2, "a"}, {t3, "a"}}}, "histogram"},
		{"first and last seen are spans, not events: no histogram",
			&report.Table{Columns: typed("First seen", report.ColFirstSeen, "Last seen", report.ColLastSeen),
				Rows: [][]string{{t1, t2}, {t1, t3}, {t2, t3}}}, ""},
		{"times not in the time column's form are not read",
			&report.Table{Columns: typed("Time", report.ColTime),
				Rows: [][]string{{"2026-11-25 10:00"}, {"2026-11-25 11:00"}, {"2026-11-25 12:30"}}}, ""},
	} {
		if got := chartKind(t, tt.tab); got != tt.want {
			t.Errorf("%s: chart %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestTableBarsByType: the bars' series and label come from the types:
// successes and failures side by side, a count split by an outcome or a
// result code, labelled by the first label or address column that differs.
func TestTableBarsByType(t *testing.T) {
	for _, tt := range []struct {
		name   string
		tab    *report.Table
		series []string
		what   string
		bars   map[string][]float64
	}{
		{"successes and failures, by the first label that differs (the entity's own is the same on every row)",
			&report.Table{Columns: typed("Account", report.ColLabel, "From", report.ColAddress, "Good", report.ColSuccesses, "Bad", report.ColFailures),
				Rows: [][]string{{"sam", "192.0.2.1", "3", "1"}, {"sam", "192.0.2.2", "0", "9"}, {"sam", "192.0.2.1", "2", "0"}}},
			[]string{chart.ClassSuccess, chart.ClassFailure}, "Good and bad by from",
			map[string][]float64{"192.0.2.1": {5, 1}, "192.0.2.2": {0, 9}}},
		{"a count split by a result code: 0 succeeds, any other number fails",
			&report.Table{Columns: typed("App", report.ColLabel, "Code", report.ColResultCode, "N", report.ColCount),
				Rows: [][]string{{"portal", "0", "2"}, {"portal", "50126", "7"}, {"mail", "0", "1"}}},
			[]string{chart.ClassSuccess, chart.ClassFailure}, "N by outcome by app",
			map[string][]float64{"portal": {2, 7}, "mail": {1, 0}}},
		{"a count split by outcome words; one the words do not place is other",
			&report.Table{Columns: typed("Op", report.ColLabel, "Status", report.ColOutcome, "N", report.ColCount),
				Rows: [][]string{{"write", "Succeeded", "2"}, {"write", "Failed", "1"}, {"delete", "Started", "4"}}},
			[]string{chart.ClassSuccess, chart.ClassFailure, "other"}, "N by outcome by op",
			map[string][]float64{"write": {2, 1, 0}, "delete": {0, 0, 4}}},
		{"a result code column's numbers are not counted as an outcome column of words",
			&report.Table{Columns: typed("Op", report.ColLabel, "Status", report.ColOutcome, "N", report.ColCount),
				Rows: [][]string{{"a", "0", "2"}, {"b", "1", "1"}}},
			[]string{"N"}, "N by op",
			map[string][]float64{"a": {2}, "b": {1}}},
	} {
		bars, series, what := tableBars(tt.tab)
		got := map[string][]float64{}
		for _, b := range bars {
			got[b.Label] = b.Values
		}
		if !slices.Equal(series, tt.series) || what != tt.what || len(got) != len(tt.bars) {
			t.Errorf("%s: series %q, %q, %d bars; want %q, %q, %d", tt.name, series, what, len(got), tt.series, tt.what, len(tt.bars))
			continue
		}
		for k, want := range tt.bars {
			if !slices.Equal(got[k], want) {
				t.Errorf("%s: bar %s = %v, want %v", tt.name, k, got[k], want)
			}
		}
	}
}

// TestTableBodyProse: a cell of several words, long enough to wrap, is
// marked prose (the stylesheet keeps it from being squeezed to a word a
// line in a wide table); a long one gets its box; a name, an address or a
// few words do not wrap on screen (printed, they do), nor do counts and
// times.
func TestTableBodyProse(t *testing.T) {
	tab := &report.Table{
		Columns: typed("Host", report.ColLabel, "Details", report.ColText, "Count", report.ColCount, "Last seen", report.ColLastSeen, "Id", report.ColText),
		Rows: [][]string{
			{"wks-fin-07.contoso-demo.example", "join type Hybrid Azure AD Join; sensor Active", "3", "2026-12-06T20:35:59Z", "3C-52-82-9B-CA-06"},
			{"wks", "Defender for Endpoint", "10", "", strings.Repeat("word ", 20)},
		},
	}
	body := string(newTableView(tab).Body())
	rows := strings.Split(strings.TrimSpace(body), "\n")
	if len(rows) != 2 {
		t.Fatalf("%d rows: %s", len(rows), body)
	}
	want := []string{
		`<tr><td class="nobreak">wks-fin-07.contoso-demo.example</td><td class="prose">join type Hybrid Azure AD Join; sensor Active</td><td class="num">3</td><td class="nowrap">2026-12-06T20:35:59Z</td><td class="nobreak">3C-52-82-9B-CA-06</td></tr>`,
		`<tr><td class="nobreak">wks</td><td class="nobreak">Defender for Endpoint</td><td class="num">10</td><td class="nowrap"></td><td><div class="x">` + strings.Repeat("word ", 20) + `</div></td></tr>`,
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d:\n got %s\nwant %s", i, rows[i], want[i])
		}
	}
}
