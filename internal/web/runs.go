package web

import (
	"bytes"
	"context"
	"html/template"
	"strconv"
	"sync"
	"time"

	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/report"
	reporthtml "github.com/triage-dev/triage/internal/report/html"
)

// steps are the triage's steps in order, with the short names the URLs use.
var steps = []struct{ Name, Slug, Title string }{
	{report.StepDetails, "details", "Alerts and entities"},
	{report.StepGraph, "graph", "Entity graph"},
	{report.StepIndicators, "indicators", "Indicators"},
	{report.StepTI, "ti", "Threat intelligence"},
	{report.StepRelated, "related", "Related alerts"},
	{report.StepSummaries, "summaries", "Entity summaries"},
}

func stepSlug(name string) string {
	for _, st := range steps {
		if st.Name == name {
			return st.Slug
		}
	}
	return "other"
}

// maxRuns is how many finished triages are kept for reuse.
const maxRuns = 64

// runTimeout bounds one triage.
const runTimeout = 15 * time.Minute

type runKey struct {
	ws     string
	number int
}

// run is one triage of an incident, running or finished. Its sections are
// rendered as they complete; watchers wait on changed.
type run struct {
	key     runKey
	started time.Time

	mu       sync.Mutex
	sections []doneSection // in order of completion
	done     bool
	finished time.Time
	err      error // the triage could not start: the incident cannot be read
	report   *report.Report
	outcome  outcome       // once done
	changed  chan struct{} // closed and replaced on every change
}

// outcome is what the finished triage adds to the incident's header, as
// HTML fragments of package report/html: the priority (scored once every
// step is done) and what changed since the last triage (empty for the
// first).
type outcome struct {
	Priority  template.HTML `json:"priority"`
	SinceLast template.HTML `json:"since_last"`
}

// doneSection is a completed step, rendered.
type doneSection struct {
	Step   string `json:"step"`
	Slug   string `json:"slug"`
	Status string `json:"status"`
	Reason string `json:"reason"`
	HTML   string `json:"html"`
	// Verdict is the threat-intel verdict, on the threat-intel step.
	Verdict *verdictView `json:"verdict,omitempty"`
}

// verdictView is the incident's threat-intel verdict, for its header.
type verdictView struct {
	Severity    string `json:"severity"`
	Class       string `json:"class"` // ti-… class
	Explanation string `json:"explanation"`
}

func newVerdict(rep *report.Report) *verdictView {
	return &verdictView{Severity: visible(rep.TI.Severity), Class: "ti-" + reporthtml.TIClass(rep.TI.Severity), Explanation: visible(rep.TI.Explanation)}
}

// snapshot returns the run's state and a channel closed on its next change.
func (r *run) snapshot() (secs []doneSection, done bool, err error, changed <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]doneSection(nil), r.sections...), r.done, r.err, r.changed
}

func (r *run) notify() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// runs keeps one triage per workspace and incident.
type runs struct {
	srv *Server
	mu  sync.Mutex
	m   map[runKey]*run
	wg  sync.WaitGroup
}

func newRuns(s *Server) *runs { return &runs{srv: s, m: map[runKey]*run{}} }

// get returns the incident's triage, starting one when there is none or,
// with again, when the last one is finished.
func (rs *runs) get(env *Env, key runKey, again bool) *run {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if r, ok := rs.m[key]; ok {
		r.mu.Lock()
		done := r.done
		r.mu.Unlock()
		if !again || !done {
			return r
		}
	}
	r := &run{key: key, started: rs.srv.opts.Now(), changed: make(chan struct{})}
	rs.m[key] = r
	rs.evict()
	rs.wg.Go(func() { rs.srv.triage(env, r) })
	return r
}

// lookup returns the incident's triage, or nil.
func (rs *runs) lookup(key runKey) *run {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.m[key]
}

// all returns the runs of workspace ws.
func (rs *runs) all(ws string) []*run {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	var out []*run
	for k, r := range rs.m {
		if k.ws == ws {
			out = append(out, r)
		}
	}
	return out
}

// evict drops the oldest finished runs beyond maxRuns.
func (rs *runs) evict() {
	for len(rs.m) > maxRuns {
		var oldest *run
		for _, r := range rs.m {
			r.mu.Lock()
			if r.done && (oldest == nil || r.finished.Before(oldest.finished)) {
				oldest = r
			}
			r.mu.Unlock()
		}
		if oldest == nil {
			return
		}
		delete(rs.m, oldest.key)
	}
}

func (rs *runs) wait() { rs.wg.Wait() }

// triage runs the pipeline for r, rendering each section as it completes.
func (s *Server) triage(env *Env, r *run) {
	ctx, cancel := context.WithTimeout(s.ctx, runTimeout)
	defer cancel()
	hopts := reporthtml.Options{EntityHref: func(key string) string { return entityPath(r.key.ws, key) }}
	opts := pipeline.Options{
		Sources: env.Sources, Now: s.opts.Now, Priority: env.Priority,
		Progress: func(sec report.Section, rep *report.Report) {
			// The step's part of rep is settled now: render it now.
			d := doneSection{Step: sec.Name, Slug: stepSlug(sec.Name), Status: string(sec.Status), Reason: sec.Reason,
				HTML: s.renderSection(rep, sec, hopts)}
			if sec.Name == report.StepTI {
				d.Verdict = newVerdict(rep)
			}
			r.mu.Lock()
			r.sections = append(r.sections, d)
			r.notify()
			r.mu.Unlock()
		},
	}
	rep, err := pipeline.Run(ctx, opts, strconv.Itoa(r.key.number))
	if err != nil {
		s.log.Warn("triage", "workspace", r.key.ws, "incident", r.key.number, "err", err)
	}
	if err == nil && pipeline.Unfinished(rep) > 0 {
		// What the wait budget left is looked up as the quotas free, while
		// the page shows the rest; the page updates when the answers land.
		rep = pipeline.Finish(ctx, opts, rep)
	}
	var out outcome
	if err == nil {
		// Compared before it is recorded: the last triage is the one before.
		c, herr := sinceLast(ctx, env.History, rep)
		if herr != nil {
			s.log.Warn("since the last triage", "workspace", r.key.ws, "incident", r.key.number, "err", herr)
		}
		rep.SinceLast = c
		out = s.renderOutcome(rep, hopts)
	}
	if err == nil && env.Record != nil {
		env.Record(ctx, rep)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done, r.err, r.report, r.finished, r.outcome = true, err, rep, s.opts.Now(), out
	r.notify()
}

// renderSection renders the part of rep that step sec filled in, or the
// reason it cannot be shown.
func (s *Server) renderSection(rep *report.Report, sec report.Section, o reporthtml.Options) string {
	var buf bytes.Buffer
	if err := reporthtml.Section(&buf, rep, sec.Name, o); err != nil {
		s.log.Warn("render section", "step", sec.Name, "err", err)
		buf.Reset()
		sectionError.Execute(&buf, struct{ Title, Status, Reason, Err string }{stepTitle(sec.Name), visible(sec.Status), visible(sec.Reason), visible(err.Error())})
	}
	return buf.String()
}

// renderOutcome renders the finished triage's priority and what changed
// since the last triage; a block that cannot be rendered is left out, and
// said in the log.
func (s *Server) renderOutcome(rep *report.Report, o reporthtml.Options) outcome {
	var out outcome
	var buf bytes.Buffer
	if err := reporthtml.Priority(&buf, rep, o); err != nil {
		s.log.Warn("render priority", "incident", rep.Incident.Number, "err", err)
	} else {
		out.Priority = template.HTML(buf.String())
	}
	buf.Reset()
	if err := reporthtml.SinceLast(&buf, rep, o); err != nil {
		s.log.Warn("render since last", "incident", rep.Incident.Number, "err", err)
	} else {
		out.SinceLast = template.HTML(buf.String())
	}
	return out
}

func stepTitle(name string) string {
	for _, st := range steps {
		if st.Name == name {
			return st.Title
		}
	}
	return name
}

// sectionError shows a step that could not be rendered: its status, and
// why, in its box.
var sectionError = template.Must(template.New("").Parse(`<section><div class="panel-head"><h2>{{.Title}}</h2> <span class="status">{{.Status}}</span></div>` +
	`<p class="muted value">{{.Reason}}</p>` +
	`<p class="section-error" role="alert"><strong>This section could not be shown:</strong> {{.Err}}</p></section>`))
