// Package summary answers the analyst's next question about every entity of
// an incident: what else did it touch? For an IP address: where it is, who
// owns it, which hosts have it, who signed in from it; for an account: what
// it did, from where, on which hosts; for a host: what ran on it and who
// logged on; for a domain or URL: what it is and who visited it; for the
// rest, the obvious pivots.
//
// Every summary is built from named queries of the catalog, batched across
// the incident's entities of one kind (one query for all its IPs), and from
// the enrichment sources in Env. Each section of a summary has its own
// status: ok, empty (with what was asked), skipped (with why) or error
// (with what failed); one failing section never hides the others.
package summary

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// Env is what the summaries are built from. Nil sources are skipped, and
// the sections that need them say so. Sources.Intel is not used: TI holds
// the lookups' results.
type Env struct {
	sources.Sources
	// Start and End bound the activity looked at.
	Start, End time.Time
	// TI holds the threat-intel results of the incident's indicators.
	TI []intel.Result
	// TIPending says the lookups have not answered yet: the parts built
	// from threat intel say they wait for it (the summaries are built
	// again when it answers) rather than that nothing was looked up.
	TIPending bool
	// MaxRows cuts every table of a summary (0 means 20).
	MaxRows int
	// Focus, when set, is the incident the summaries are for: a table cut
	// to MaxRows keeps its rows first.
	Focus *Focus
	// IncidentAlerts are the ids of the alerts of the incident the
	// entities come from: the related alerts are the others, as in the
	// incident's Related alerts section. An entity's own alerts
	// (Entity.Alerts) are left out in any case.
	IncidentAlerts []string
}

// Focus is what of an incident a summary's rows are weighed by: where a
// table is cut, the rows inside the incident's activity (an hour either
// side: alerts trail their events) come first, then those naming one of its
// entities, then the rest, each in the table's own order.
type Focus struct {
	Start, End time.Time
	// Names are the incident's entities' identifying values (their key
	// values and names), matched whole and regardless of case.
	Names []string
}

// focusMargin widens the incident's activity for Focus.
const focusMargin = time.Hour

// mark says whether r lies within the incident's activity (it has times,
// all within) and which of names it carries.
func (f *Focus) mark(r workspace.Record, names map[string]bool) (inside bool, carried []string) {
	times := 0
	inside = true
	var visit func(v any)
	visit = func(v any) {
		switch x := v.(type) {
		case time.Time:
			times++
			if x.Before(f.Start.Add(-focusMargin)) || x.After(f.End.Add(focusMargin)) {
				inside = false
			}
		case string:
			if n := strings.ToLower(strings.TrimSpace(x)); names[n] {
				carried = append(carried, n)
			}
		case []any:
			for _, it := range x {
				visit(it)
			}
		case []string:
			for _, it := range x {
				visit(it)
			}
		}
	}
	for _, v := range r {
		visit(v)
	}
	return inside && times > 0, carried
}

// order puts recs in the order a cut keeps them: those within the
// incident's activity, then those naming its entities, then the rest, each
// in their own order. It returns how many of the first two kinds there are.
func (f *Focus) order(recs []workspace.Record) ([]workspace.Record, int) {
	names := make(map[string]bool, len(f.Names))
	for _, n := range f.Names {
		names[strings.ToLower(n)] = true
	}
	ranks := make([]int, len(recs))
	carried := make([][]string, len(recs))
	rows := map[string]int{} // rows carrying each name
	for i, r := range recs {
		var inside bool
		inside, carried[i] = f.mark(r, names)
		if !inside {
			ranks[i] = 2
		}
		for _, n := range dedupe(carried[i]) {
			rows[n]++
		}
	}
	focused := 0
	for i := range recs {
		// A name every row carries is the table's subject (the summarised
		// entity itself), not a sign of the incident.
		if ranks[i] == 2 && slices.ContainsFunc(carried[i], func(n string) bool { return rows[n] < len(recs) }) {
			ranks[i] = 1
		}
		if ranks[i] < 2 {
			focused++
		}
	}
	order := make([]int, len(recs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(ranks[a], ranks[b]) })
	out := make([]workspace.Record, len(recs))
	for i, j := range order {
		out[i] = recs[j]
	}
	return out, focused
}

// rowLimit is how a table is cut: to n rows, keeping focus's rows first
// (when set).
type rowLimit struct {
	n     int
	focus *Focus
}

// Summarize returns one summary per entity, in the entities' order. Kinds
// are summarised concurrently; within a kind, queries are batched across its
// entities. The workspace bounds its own queries in flight.
func Summarize(ctx context.Context, env Env, ents []triage.Entity) []report.Summary {
	out := make([]report.Summary, len(ents))
	byKind := map[triage.Kind][]int{}
	for i, e := range ents {
		out[i] = report.Summary{Entity: e.Key, Kind: e.Kind, Name: e.Name, Status: report.StatusOK, Facts: []report.Fact{}}
		byKind[e.Kind] = append(byKind[e.Kind], i)
	}
	var wg sync.WaitGroup
	for kind, idx := range byKind {
		wg.Go(func() {
			sums := make([]*report.Summary, len(idx))
			group := make([]triage.Entity, len(idx))
			for j, i := range idx {
				sums[j], group[j] = &out[i], ents[i]
			}
			summarizer(kind)(ctx, &env, group, sums)
		})
	}
	wg.Wait()
	for i := range out {
		finish(&out[i])
	}
	return out
}

// A kindSummarizer fills sums[i] for ents[i], all of one kind.
type kindSummarizer func(ctx context.Context, env *Env, ents []triage.Entity, sums []*report.Summary)

// summarizers holds the summarizer of each kind that has its own; every
// other kind gets generic.
var summarizers = map[triage.Kind]kindSummarizer{}

func summarizer(k triage.Kind) kindSummarizer {
	if f, ok := summarizers[k]; ok {
		return f
	}
	return generic
}

// finish sets a summary's status from its sections: error when every
// section failed, partial when some did.
func finish(s *report.Summary) {
	failed := 0
	for _, sec := range s.Sections {
		if sec.Status == report.StatusError {
			failed++
		}
	}
	switch {
	case failed > 0 && failed == len(s.Sections):
		s.Status, s.Reason = report.StatusError, "every section failed"
	case failed > 0:
		s.Status, s.Reason = report.StatusPartial, fmt.Sprintf("%d of %s failed", failed, english.Plural(len(s.Sections), "section", "sections"))
	}
}

// fact adds a fact when value is not empty.
func fact(facts *[]report.Fact, label, value string) {
	if value != "" {
		*facts = append(*facts, report.Fact{Label: label, Value: value})
	}
}

// notes is what a workspace said of an answer besides its rows.
type notes struct {
	warnings []string // the answer is partial, and why (workspace.Table.Warnings)
	from     string   // the service that answered, when the workspace names one (workspace.Table.Source)
}

// query runs a named query and returns its records. A table the workspace
// does not have is reported as the workspace's *workspace.NoTableError,
// naming it.
func (env *Env) query(ctx context.Context, name string, p workspace.Params) ([]workspace.Record, notes, error) {
	t, err := env.Workspace.Run(ctx, name, p)
	if err != nil {
		var nt *workspace.NoTableError
		if errors.As(err, &nt) {
			return nil, notes{}, nt
		}
		return nil, notes{}, fmt.Errorf("query %s: %w", name, err)
	}
	return t.Records(), notes{warnings: t.Warnings, from: t.Source}, nil
}

// section turns a query's outcome into a summary section: error with what
// failed, empty with what was asked, skipped when the table is missing,
// partial when the service said so, else ok filled by fill. The source
// names the service that answered when the workspace said which.
func section(name, source string, recs []workspace.Record, n notes, err error, empty string,
	fill func(*report.SummarySection)) report.SummarySection {
	sec := report.SummarySection{Name: name, Source: source}
	if n.from != "" && err == nil {
		sec.Source = source + " (" + n.from + ")"
	}
	var nt *workspace.NoTableError
	switch {
	case errors.As(err, &nt):
		sec.Status, sec.Reason = report.StatusSkipped, nt.Error()
	case err != nil:
		sec.Status, sec.Reason = report.StatusError, err.Error()
	case len(recs) == 0:
		sec.Status, sec.Reason = report.StatusEmpty, empty
	default:
		sec.Status = report.StatusOK
		fill(&sec)
	}
	if len(n.warnings) > 0 && sec.Status != report.StatusError {
		sec.Status = report.StatusPartial
		sec.Reason = strings.TrimSpace(sec.Reason + " the workspace marked the answer partial: " + strings.Join(n.warnings, "; "))
	}
	return sec
}

// table builds a report table of the records' fields cols name, cut to
// lim's rows: with a focus, its rows first (and the table says how many of
// them were cut). Each cell is written in its column type's one form:
// times in RFC 3339 UTC (report.FormatTime), everything else as text does.
func table(recs []workspace.Record, lim rowLimit, cols ...col) *report.Table {
	t := &report.Table{Columns: make([]report.Column, len(cols))}
	for i, c := range cols {
		t.Columns[i] = report.Column{Name: c.field, Header: c.header, Type: c.typ}
	}
	if lim.focus != nil && len(recs) > lim.n {
		var focused int
		recs, focused = lim.focus.order(recs)
		cut := max(focused-lim.n, 0)
		t.IncidentRowsLeftOut = &cut
	}
	for i, r := range recs {
		if i == lim.n {
			t.Total = len(recs)
			break
		}
		row := make([]string, len(cols))
		for j, c := range cols {
			if c.typ.IsTime() {
				row[j] = timeCell(r[c.field])
			} else {
				row[j] = text(r[c.field])
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// timeCell writes a value of a time column as report.FormatTime does: a
// time, or a time a record holds as RFC 3339 text. Anything else is left
// out: the column promises times, and sources that write times otherwise
// read them where they are decoded.
func timeCell(v any) string {
	switch x := v.(type) {
	case time.Time:
		return report.FormatTime(x)
	case string:
		if t, err := time.Parse(time.RFC3339, strings.TrimSpace(x)); err == nil {
			return report.FormatTime(t)
		}
	}
	return ""
}

func (env *Env) maxRows() rowLimit {
	n := 20
	if env.MaxRows > 0 {
		n = env.MaxRows
	}
	return rowLimit{n: n, focus: env.Focus}
}

// window returns the params start and end.
func (env *Env) window() workspace.Params {
	return workspace.Params{"start": env.Start, "end": env.End}
}

// waitingForTI is what a part built from threat intel says before the
// lookups have answered.
const waitingForTI = "waiting for the threat-intel lookups"

// tiFacts says what threat intel said of value.
func tiFacts(facts *[]report.Fact, env *Env, value string) {
	var rs []intel.Result
	for _, r := range env.TI {
		if strings.EqualFold(r.Indicator, value) {
			rs = append(rs, r)
		}
	}
	if len(rs) == 0 {
		if env.TIPending {
			fact(facts, "Threat intel", waitingForTI)
		}
		return
	}
	v := intel.Roll(rs)
	var parts []string
	for _, r := range rs {
		switch r.Status {
		case intel.StatusOK:
			parts = append(parts, fmt.Sprintf("%s: %s", r.Provider, firstNonEmpty(r.Summary, string(r.Severity))))
		case intel.StatusNotFound:
			parts = append(parts, r.Provider+": not found")
		default:
			parts = append(parts, fmt.Sprintf("%s: %s", r.Provider, strings.ReplaceAll(string(r.Status), "_", " ")))
		}
	}
	slices.Sort(parts)
	fact(facts, "Threat intel", string(v.Severity)+" ("+strings.Join(parts, "; ")+")")
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
