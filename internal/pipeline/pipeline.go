// Package pipeline runs the guided triage of one incident: it reads the
// incident's alerts and entities from a workspace, builds the entity graph,
// turns entities and alert text into indicators, asks the threat-intel engine
// about them, finds the other alerts that share the incident's entities, and
// assembles the report model. Each step records its own status; one failing
// step never stops the others.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/priority"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/summary"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// The section names, in the order of the guided triage.
const (
	SectionDetails   = report.StepDetails
	SectionGraph     = report.StepGraph
	SectionIndicator = report.StepIndicators
	SectionTI        = report.StepTI
	SectionRelated   = report.StepRelated
	SectionSummaries = report.StepSummaries
)

// RelatedLookback is how far before the window related alerts are searched.
const RelatedLookback = 7 * 24 * time.Hour

// Options configures a triage run.
type Options struct {
	// Sources are what the triage reads: the workspace (required), the
	// threat-intel engine, and the summaries' enrichment sources (each may
	// be nil: the sections that need one say it is off).
	sources.Sources
	// Start and End bound the window of related activity. A zero Start is
	// the incident's first activity (or creation); a zero End is now.
	Start, End time.Time
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Progress, when set, is called as each section completes, with the
	// report so far. It may be called from several goroutines, but never
	// concurrently, and the parts of the report the completed step wrote
	// (and those of the steps before it) are settled when it is called.
	// The entity summaries may complete twice: once without threat intel,
	// when the lookups are still running, and again with it.
	Progress func(report.Section, *report.Report)
	// Priority are the weights and lists the incident's priority is
	// scored with (the zero value: the default weights, no lists).
	Priority priority.Settings
	// Wait, when not zero, is this triage's wait budget for quotas in
	// place of the engine's MaxWait (the same values: intel.NoWait,
	// intel.WaitForever): for a caller that shares one engine between
	// triages asking for different budgets (triage mcp).
	Wait time.Duration
}

// Run triages the incident ref (its number or name). It fails only when the
// incident cannot be found or read at all; every later failure is recorded in
// the report's sections and problems.
func Run(ctx context.Context, o Options, ref string) (*report.Report, error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	inc, err := o.Workspace.Incident(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("incident %s: %w", ref, err)
	}
	r := &report.Report{
		SchemaVersion: report.SchemaVersion,
		GeneratedAt:   now().UTC(),
		Workspace:     o.Workspace.Name(),
		Incident:      inc,
		Alerts:        []triage.Alert{},
		Entities:      []triage.Entity{},
		Indicators:    []report.Indicator{},
		RelatedAlerts: []report.Related{},
		Summaries:     []report.Summary{},
		Problems:      []triage.Problem{},
		TI:            report.TI{Reasons: []intel.Result{}, Results: []intel.Result{}, Providers: []string{}},
	}
	r.Window = window(inc, o.Start, o.End, now())

	var mu sync.Mutex
	section := func(name string, st report.Status, reason string) {
		mu.Lock()
		defer mu.Unlock()
		st, reason = leftOut(r, st, reason)
		s := report.Section{Name: name, Status: st, Reason: reason}
		r.SetSection(s)
		if o.Progress != nil {
			o.Progress(s, r)
		}
	}
	// set writes to r once the concurrent steps have started, so that
	// Progress may read what is settled.
	set := func(f func()) {
		mu.Lock()
		defer mu.Unlock()
		f()
	}
	problem := func(p triage.Problem) {
		mu.Lock()
		r.Problems = append(r.Problems, p)
		mu.Unlock()
	}

	d, err := o.Workspace.Details(ctx, inc)
	if d.Alerts != nil {
		r.Alerts = d.Alerts // in time order, as every rendering shows them
	}
	if d.Entities != nil {
		r.Entities = d.Entities
	}
	r.Problems = append(r.Problems, d.Problems...)
	r.EntitiesLeftOut = d.EntitiesLeftOut
	switch {
	case err != nil:
		section(SectionDetails, report.StatusError, err.Error())
	case len(d.Alerts) == 0:
		section(SectionDetails, report.StatusEmpty, "the incident has no alerts")
	default:
		section(SectionDetails, report.StatusOK, english.Plural(len(d.Alerts), "alert", "alerts")+", "+english.Plural(len(d.Entities), "entity", "entities"))
	}

	r.Graph = BuildGraph(inc, r.Alerts, r.Entities)
	section(SectionGraph, report.StatusOK, english.Plural(len(r.Graph.Nodes), "node", "nodes")+", "+english.Plural(len(r.Graph.Edges), "edge", "edges"))

	r.Indicators = Indicators(r.Alerts, r.Entities)
	// The organisation's configured names, networks and accounts are
	// withheld too, as internal: the report says what the engine will do.
	for i, ind := range toIOC(r.Indicators) {
		if w := o.Intel.Withheld(ind); w != "" {
			r.Indicators[i].Withheld, r.Indicators[i].Internal = w, true
		}
	}
	Prioritize(r.Indicators, r.Alerts, r.Entities)
	if len(r.Indicators) == 0 {
		section(SectionIndicator, report.StatusEmpty, "no entity or alert text yields an indicator")
	} else {
		section(SectionIndicator, report.StatusOK, english.Plural(len(r.Indicators), "indicator", "indicators"))
	}

	// Nothing waits for threat intel but its own section: related alerts
	// and the summaries' queries run while the lookups are in flight, and
	// the summaries are completed again with the answers.
	sumEnv := summary.Memo(summaryEnv(o, r))
	summaries := func(sums []report.Summary, note string) {
		set(func() { r.Summaries = sums })
		st, reason := summariesStatus(sums)
		section(SectionSummaries, st, reason+note)
	}
	tiDone := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		ti := withDefender(lookup(ctx, o.Intel, r.Indicators, o.Wait), r.Entities)
		st, reason := tiStatus(ti)
		set(func() { r.TI = ti })
		section(SectionTI, st, reason)
		close(tiDone)
	})
	wg.Go(func() {
		related, err := Related(ctx, o.Workspace, r.Window, r.Alerts, r.Entities, problem)
		var partial *PartialError
		var nt *workspace.NoTableError
		switch {
		case errors.As(err, &nt):
			// The workspace has no alerts table (a Defender XDR workspace
			// without Log Analytics): nothing failed.
			section(SectionRelated, report.StatusSkipped, err.Error())
		case errors.As(err, &partial):
			set(func() { r.RelatedAlerts = related })
			section(SectionRelated, report.StatusPartial, fmt.Sprintf("%s in other alerts; %v", appear(len(related)), err))
		case err != nil:
			section(SectionRelated, report.StatusError, err.Error())
		case len(related) == 0:
			section(SectionRelated, report.StatusEmpty, "no other alert in the window shares an entity")
		default:
			set(func() { r.RelatedAlerts = related })
			section(SectionRelated, report.StatusOK, appear(len(related))+" in other alerts")
		}
	})
	wg.Go(func() {
		prec := Precedents(ctx, o.Workspace, r, o.Priority.Lookback, problem)
		set(func() { r.Precedents = prec })
	})
	early := sumEnv
	early.TIPending = true
	wg.Go(func() {
		sums := summary.Summarize(ctx, early, r.Entities)
		select {
		case <-tiDone: // built again with the answers below, at once
		default:
			summaries(sums, "; threat intel still running")
		}
	})
	<-tiDone
	sumEnv.TI = r.TI.Results
	wg.Wait()
	summaries(summary.Summarize(ctx, sumEnv, r.Entities), "")
	// Scored once every fact it reads is in: the verdict, related alerts,
	// the precedents and the summaries built with the verdict.
	p := priority.Score(r, o.Priority)
	r.Priority = &p
	return r, nil
}

// leftOut makes a section partial when the caps on entities left some of
// the incident's out (each step works from the entities kept), saying so.
func leftOut(r *report.Report, st report.Status, reason string) (report.Status, string) {
	if r.EntitiesLeftOut == 0 || (st != report.StatusOK && st != report.StatusEmpty) {
		return st, reason
	}
	return report.StatusPartial, reason + "; " + english.Plural(r.EntitiesLeftOut, "entity", "entities") +
		" left out by the caps on entities (see problems)"
}

// summaryEnv is what r's entity summaries are built from, without threat
// intel.
func summaryEnv(o Options, r *report.Report) summary.Env {
	return summary.Env{
		Sources:        o.Sources,
		Start:          r.Window.Start.Add(-RelatedLookback),
		End:            r.Window.End,
		Focus:          focus(r.Incident, r.Entities),
		IncidentAlerts: alertIDs(r.Alerts),
	}
}

// focus is what the summaries' tables keep first when cut: the rows of the
// incident's activity and of its entities.
func focus(inc triage.Incident, ents []triage.Entity) *summary.Focus {
	f := &summary.Focus{Start: inc.FirstActivity, End: inc.LastActivity}
	if f.Start.IsZero() {
		f.Start = inc.Created
	}
	if f.End.IsZero() || f.End.Before(f.Start) {
		f.End = inc.Created
	}
	for _, e := range ents {
		_, value, _ := strings.Cut(e.Key, ":")
		f.Names = append(f.Names, value, e.Name)
	}
	return f
}

// alertIDs are the alerts' ids.
func alertIDs(as []triage.Alert) []string {
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	return ids
}

// summariesStatus is the summaries section's status: partial when some
// summary had a failing part, which each summary names.
func summariesStatus(sums []report.Summary) (report.Status, string) {
	if len(sums) == 0 {
		return report.StatusEmpty, "no entity to summarise"
	}
	var bad []string
	for _, s := range sums {
		if s.Status == report.StatusError || s.Status == report.StatusPartial {
			bad = append(bad, s.Name)
		}
	}
	if len(bad) > 0 {
		return report.StatusPartial, fmt.Sprintf("%s summarised; some parts failed for %d (%s): see their sections",
			english.Plural(len(sums), "entity", "entities"), len(bad), strings.Join(bad[:min(len(bad), 5)], ", "))
	}
	return report.StatusOK, english.Plural(len(sums), "entity", "entities") + " summarised"
}

// appear is "1 entity appears" or "n entities appear": the related-alerts
// step's count with its verb.
func appear(n int) string {
	return english.Plural(n, "entity appears", "entities appear")
}

// window returns the time range of related activity for an incident.
func window(inc triage.Incident, start, end, now time.Time) report.Window {
	if end.IsZero() {
		end = now
	}
	if start.IsZero() {
		start = inc.Created
		if !inc.FirstActivity.IsZero() && inc.FirstActivity.Before(start) {
			start = inc.FirstActivity
		}
	}
	return report.Window{Start: start.UTC(), End: end.UTC()}
}

func lookup(ctx context.Context, e *intel.Engine, inds []report.Indicator, wait time.Duration) report.TI {
	ti := report.TI{Reasons: []intel.Result{}, Results: []intel.Result{}, Providers: []string{}, Complete: true}
	if e == nil {
		ti.Severity, ti.Explanation = intel.SeverityUnknown, "no threat-intel provider is configured"
		return ti
	}
	for _, p := range e.Providers {
		ti.Providers = append(ti.Providers, p.Name())
	}
	if len(inds) == 0 {
		ti.Severity, ti.Explanation = intel.SeverityNone, "the incident names no indicator to look up"
		return ti
	}
	if wait == 0 {
		wait = e.MaxWait
	}
	res := e.LookupWithin(ctx, toIOC(inds), wait)
	if res != nil {
		ti.Results = res
	}
	v := intel.Roll(res)
	ti.Severity, ti.Explanation, ti.Reasons, ti.Complete = v.Severity, v.Explanation, v.Reasons, v.Complete
	return ti
}

func tiStatus(ti report.TI) (report.Status, string) {
	if st, reason, ok := defenderStatus(ti); ok {
		return st, reason
	}
	if len(ti.Providers) == 0 {
		return report.StatusSkipped, "no threat-intel provider is configured"
	}
	if len(ti.Results) == 0 {
		return report.StatusEmpty, "no indicators to look up"
	}
	failed := 0
	for _, r := range ti.Results {
		switch r.Status {
		case intel.StatusError, intel.StatusRateLimited, intel.StatusTimeout:
			failed++
		}
	}
	switch {
	case failed == len(ti.Results):
		return report.StatusError, fmt.Sprintf("every one of %s failed; verdict %s", english.Plural(failed, "lookup", "lookups"), ti.Severity)
	case failed > 0:
		return report.StatusPartial, fmt.Sprintf("%d of %s failed or were not made in time; verdict %s, incomplete",
			failed, english.Plural(len(ti.Results), "lookup", "lookups"), ti.Severity)
	}
	return report.StatusOK, fmt.Sprintf("verdict %s from %s", ti.Severity, english.Plural(len(ti.Results), "lookup", "lookups"))
}
