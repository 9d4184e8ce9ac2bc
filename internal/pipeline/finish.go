package pipeline

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/priority"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/summary"
)

// Unfinished counts the lookups the wait budget left in r (see
// intel.Unfinished). Finish makes them.
func Unfinished(r *report.Report) int { return intel.Unfinished(r.TI.Results) }

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
		st, reason = leftOut(&out, st, reason)
		s := report.Section{Name: name, Status: st, Reason: reason}
		out.SetSection(s)
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

	env := summaryEnv(o, r)
	env.TI = ti.Results
	sums := summary.Summarize(ctx, env, r.Entities)
	out.Summaries = sums
	st, reason = summariesStatus(sums)
	section(SectionSummaries, st, reason)
	// Scored again: the verdict and the summaries changed.
	p := priority.Score(&out, o.Priority)
	out.Priority = &p
	return &out
}
