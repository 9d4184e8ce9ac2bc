package pipeline

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/summary"
)

// Unfinished counts the lookups of r that the wait budget left: their
// provider's quota (or Retry-After) outlasted it. Finish makes them.
func Unfinished(r *report.Report) int {
	n := 0
	for _, res := range r.TI.Results {
		if res.Status == intel.StatusRateLimited {
			n++
		}
	}
	return n
}

// Finish makes, as the providers' quotas allow, the lookups the wait
// budget left in r, until ctx's deadline (a request whose turn would come
// after it is not made), and returns a new report with their answers: the
// threat intel and its verdict, and the entity summaries built again. It
// calls o.Progress as Run does: for the threat-intel section when it
// starts waiting (saying for what) and when it is done, then for the
// summaries. r is not changed; with nothing left, Finish returns r.
func Finish(ctx context.Context, o Options, r *report.Report) *report.Report {
	n := Unfinished(r)
	if n == 0 || o.Intel == nil {
		return r
	}
	out := *r
	out.Sections = slices.Clone(r.Sections)
	section := func(name string, st report.Status, reason string) {
		s := report.Section{Name: name, Status: st, Reason: reason}
		if i := slices.IndexFunc(out.Sections, func(s report.Section) bool { return s.Name == name }); i >= 0 {
			out.Sections[i] = s
		} else {
			out.Sections = append(out.Sections, s)
		}
		if o.Progress != nil {
			o.Progress(s, &out)
		}
	}
	_, reason := tiStatus(r.TI)
	section(SectionTI, report.StatusPartial, fmt.Sprintf("%s; looking up the %s left as the providers' quotas free",
		reason, english.Plural(n, "lookup", "lookups")))

	left := map[string]bool{}
	for _, res := range r.TI.Results {
		if res.Status == intel.StatusRateLimited {
			left[string(res.Type)+" "+res.Indicator] = true
		}
	}
	// The report's indicators (with their scope, for the private-indicator
	// policy), in its priority order.
	var inds []report.Indicator
	for _, ri := range r.Indicators {
		if left[string(ri.Type)+" "+ri.Value] {
			inds = append(inds, ri)
		}
	}
	wait := intel.WaitForever
	if dl, ok := ctx.Deadline(); ok {
		wait = max(time.Until(dl), 0)
	}
	answered := map[string]intel.Result{}
	for _, res := range o.Intel.LookupWithin(ctx, toIOC(inds), wait) {
		if res.Status == intel.StatusOK || res.Status == intel.StatusNotFound {
			answered[res.Provider+"\x00"+string(res.Type)+"\x00"+res.Indicator] = res
		}
	}
	ti := r.TI
	ti.Results = slices.Clone(r.TI.Results)
	for i, res := range ti.Results {
		if a, ok := answered[res.Provider+"\x00"+string(res.Type)+"\x00"+res.Indicator]; ok {
			ti.Results[i] = a
		}
	}
	v := intel.Roll(ti.Results)
	ti.Severity, ti.Explanation, ti.Reasons, ti.Complete = v.Severity, v.Explanation, v.Reasons, v.Complete
	out.TI = ti
	st, reason := tiStatus(ti)
	section(SectionTI, st, reason)

	sums := summary.Summarize(ctx, summary.Env{
		Workspace: o.Workspace, Catalog: o.Catalog,
		Start: r.Window.Start.Add(-RelatedLookback), End: r.Window.End,
		Geo: o.Geo, Registry: o.Registry, DNS: o.DNS, TI: ti.Results, Focus: focus(r.Incident, r.Entities),
		IncidentAlerts: alertIDs(r.Alerts),
	}, r.Entities)
	out.Summaries = sums
	st, reason = summariesStatus(sums)
	section(SectionSummaries, st, reason)
	return &out
}
