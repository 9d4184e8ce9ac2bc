package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"time"

	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/pipeline"
	reporthtml "github.com/triage-dev/triage/internal/report/html"
	"github.com/triage-dev/triage/internal/summary"
	"github.com/triage-dev/triage/internal/triage"
)

// The entity page's windows of activity.
var entityWindows = []timeWindow{
	{"1d", "last day", 24 * time.Hour},
	{"7d", "last 7 days", 7 * 24 * time.Hour},
	{"30d", "last 30 days", 30 * 24 * time.Hour},
}

type entityPage struct {
	base
	Kind, Value string
	Path        string
	Entity      triage.Entity
	Since       string
	Windows     []timeWindow
	Start, End  time.Time
	Status      string
	Reason      string
	Summary     template.HTML // rendered by package report
	Incidents   []int         // triaged incidents that name the entity
	Error       string
}

// entity is the pivot: the summary of one entity outside any incident.
func (s *Server) entity(w http.ResponseWriter, r *http.Request) {
	ws := s.wsName(r)
	kind, value := r.PathValue("kind"), r.PathValue("value")
	p := &entityPage{
		base: s.newBase(r, kind+" "+clip(80, value), "queue", ws), Kind: kind, Value: value,
		Path: r.URL.Path, Since: r.URL.Query().Get("since"), Windows: entityWindows,
	}
	i := slices.IndexFunc(entityWindows, func(w timeWindow) bool { return w.Name == p.Since })
	if i < 0 {
		p.Since, i = "7d", 1
	}
	env, err := s.env(r.Context(), ws)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "The workspace could not be opened.", err)
		return
	}
	p.End = s.now(env).UTC()
	p.Start = p.End.Add(-entityWindows[i].D)
	// An entity of a triaged incident is summarised with every property
	// its alerts gave; any other is built from its kind and value.
	key := kind + ":" + value
	found := false
	for _, run := range s.runs.all(ws) {
		run.mu.Lock()
		rep := run.report
		run.mu.Unlock()
		if rep == nil {
			continue
		}
		for _, e := range rep.Entities {
			if e.Key == key {
				if !found {
					p.Entity, found = e, true
				}
				p.Incidents = append(p.Incidents, rep.Incident.Number)
			}
		}
	}
	slices.Sort(p.Incidents)
	if !found {
		if s.opts.Entity == nil {
			s.fail(w, r, http.StatusNotFound, "This entity is not one of a triaged incident's: open the incident first.", nil)
			return
		}
		e, err := s.opts.Entity(kind, value)
		if err != nil {
			s.fail(w, r, http.StatusBadRequest, "This entity cannot be summarised on its own.", err)
			return
		}
		p.Entity = e
	}
	var inds []ioc.Indicator
	for _, ind := range pipeline.Indicators(nil, []triage.Entity{p.Entity}) {
		inds = append(inds, ioc.Indicator{Kind: ind.Type, Value: ind.Value, Scope: ind.Scope})
	}
	senv := summary.Env{Sources: env.Sources, Start: p.Start, End: p.End}
	if env.Intel != nil && len(inds) > 0 {
		senv.TI = env.Intel.Lookup(r.Context(), inds)
	}
	sums := summary.Summarize(r.Context(), senv, []triage.Entity{p.Entity})
	if len(sums) == 0 {
		s.fail(w, r, http.StatusInternalServerError, "The entity could not be summarised.", fmt.Errorf("no summary for %s", key))
		return
	}
	sum := sums[0]
	p.Status, p.Reason = string(sum.Status), sum.Reason
	var buf bytes.Buffer
	hopts := reporthtml.Options{EntityHref: func(k string) string { return entityPath(ws, k) }}
	if err := reporthtml.Summary(&buf, &sum, hopts); err != nil {
		s.log.Warn("render summary", "entity", key, "err", err)
		p.Error = err.Error()
	} else {
		p.Summary = template.HTML(buf.String()) // rendered and escaped by package report
	}
	s.render(w, r, http.StatusOK, "entity", p)
}
