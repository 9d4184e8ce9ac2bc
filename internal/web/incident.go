package web

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/triage-dev/triage/internal/report"
	reporthtml "github.com/triage-dev/triage/internal/report/html"
	"github.com/triage-dev/triage/internal/report/render"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

type incidentPage struct {
	base
	Path     string // the incident page's path
	Incident triage.Incident
	Owner    string
	Portal   string // the incident's URL in the portal, when it is https
	Sections []sectionView
	Running  bool
	Failed   string // the triage could not run
	Done     int    // sections completed
	Steps    int
	Verdict  *verdictView // once threat intel is done
	Outcome  outcome      // once the triage is done
	Events   string       // the URL of the server-sent events
	Comments []workspace.Comment
	Writable bool
	Flash    string // what the last action did
	Update   updateForm
	Comment  string
}

// sectionView is one step's box on the incident page.
type sectionView struct {
	Slug, Title, Status, Reason string
	HTML                        template.HTML // rendered by package report
	Done                        bool
}

// incidentNumber reads the {number} of the path.
func incidentNumber(r *http.Request) (int, bool) {
	n, err := strconv.Atoi(r.PathValue("number"))
	return n, err == nil && n > 0
}

// openIncident opens the request's workspace and reads its incident; on
// failure it has shown the error page.
func (s *Server) openIncident(w http.ResponseWriter, r *http.Request) (*Env, triage.Incident, bool) {
	n, ok := incidentNumber(r)
	if !ok {
		s.fail(w, r, http.StatusNotFound, "Incidents are named by their number: /incidents/42.", nil)
		return nil, triage.Incident{}, false
	}
	env, err := s.env(r.Context(), s.wsName(r))
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "The workspace could not be opened.", err)
		return nil, triage.Incident{}, false
	}
	inc, err := env.Workspace.Incident(r.Context(), strconv.Itoa(n))
	switch {
	case errors.Is(err, workspace.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, fmt.Sprintf("Workspace %s has no incident %d.", s.wsName(r), n), err)
		return nil, triage.Incident{}, false
	case err != nil:
		s.fail(w, r, http.StatusBadGateway, fmt.Sprintf("Incident %d could not be read.", n), err)
		return nil, triage.Incident{}, false
	}
	return env, inc, true
}

func (s *Server) incident(w http.ResponseWriter, r *http.Request) {
	env, inc, ok := s.openIncident(w, r)
	if !ok {
		return
	}
	ws := s.wsName(r)
	run := s.runs.get(env, runKey{ws, inc.Number}, false)
	p := &incidentPage{
		base:     s.newBase(r, fmt.Sprintf("Incident %d", inc.Number), "queue", ws),
		Path:     incidentPath(inc.Number),
		Incident: inc, Owner: ownerText(inc.Owner),
		Events: incidentPath(inc.Number) + "/events?ws=" + urlQueryEscape(ws),
		Update: newUpdateForm(inc),
	}
	if u := inc.URL; len(u) > 8 && u[:8] == "https://" {
		p.Portal = u
	}
	s.fillRun(p, run)
	p.Refresh = p.Running
	switch r.URL.Query().Get("done") {
	case "comment":
		p.Flash = "Your comment was added."
	case "update":
		p.Flash = "The incident was updated."
	case "run":
		p.Flash = "The triage runs again."
	}
	if wr, ok := env.Workspace.(workspace.Writer); ok {
		p.Writable = true
		cs, err := wr.Comments(r.Context(), inc)
		if err != nil {
			s.log.Warn("comments", "incident", inc.Number, "err", err)
		}
		p.Comments = cs
	}
	s.render(w, r, http.StatusOK, "incident", p)
}

// fillRun puts the triage's state on the page.
func (s *Server) fillRun(p *incidentPage, run *run) {
	secs, done, err, _ := run.snapshot()
	byStep := map[string]doneSection{}
	for _, d := range secs {
		byStep[d.Step] = d
	}
	for _, st := range steps {
		v := sectionView{Slug: st.Slug, Title: st.Title, Status: "waiting", Reason: "waiting for the steps before"}
		if d, ok := byStep[st.Name]; ok {
			v.Status, v.Reason, v.HTML, v.Done = d.Status, d.Reason, template.HTML(d.HTML), true
			if d.Verdict != nil {
				p.Verdict = d.Verdict
			}
		} else if done {
			v.Status, v.Reason = "error", "the triage stopped before this step"
		}
		p.Sections = append(p.Sections, v)
	}
	// A step may complete twice (the summaries, once threat intel answers).
	p.Done, p.Steps, p.Running = len(byStep), len(steps), !done
	run.mu.Lock()
	p.Outcome = run.outcome
	run.mu.Unlock()
	if err != nil {
		p.Failed = err.Error()
	}
}

// events streams the incident's triage as server-sent events: one
// "section" event per completed step (its name, status, reason and HTML),
// then one "done" event. A client has only so many streams (Limits); each
// write has WriteTimeout to complete (timedWriter), and a comment every
// Heartbeat keeps a quiet stream writing, so that a client that is gone is
// found.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	release, ok := s.streams.open(r)
	if !ok {
		w.Header().Set("Retry-After", "10")
		s.fail(w, r, http.StatusTooManyRequests, "Too many live updates are open from your address: close some of triage's tabs, then reload this page.", nil)
		return
	}
	defer release()
	env, inc, ok := s.openIncident(w, r)
	if !ok {
		return
	}
	run := s.runs.get(env, runKey{s.wsName(r), inc.Number}, false)
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	secs, _, _, _ := run.snapshot()
	sent := lastEventID(r, len(secs))
	heartbeat := time.NewTicker(s.limits.Heartbeat)
	defer heartbeat.Stop()
	for {
		secs, done, err, changed := run.snapshot()
		if done {
			// The sections as rendered from the finished report.
			sent = 0
		}
		for ; sent < len(secs); sent++ {
			b, _ := json.Marshal(secs[sent])
			if _, err := fmt.Fprintf(w, "id: %d\nevent: section\ndata: %s\n\n", sent+1, b); err != nil {
				return
			}
		}
		if done {
			msg := ""
			if err != nil {
				msg = visible(err.Error())
			}
			run.mu.Lock()
			o := run.outcome
			run.mu.Unlock()
			b, _ := json.Marshal(struct {
				Error string `json:"error"`
				outcome
			}{msg, o})
			fmt.Fprintf(w, "event: done\ndata: %s\n\n", b)
			rc.Flush()
			return
		}
		if rc.Flush() != nil {
			return
		}
		select {
		case <-changed:
		case <-heartbeat.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
		case <-r.Context().Done():
			return
		case <-s.streams.done:
			return
		}
	}
}

// section serves one completed step's fragment.
func (s *Server) section(w http.ResponseWriter, r *http.Request) {
	n, ok := incidentNumber(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	run := s.runs.lookup(runKey{s.wsName(r), n})
	if run == nil {
		http.Error(w, "this incident has no triage yet: open its page", http.StatusNotFound)
		return
	}
	secs, _, _, _ := run.snapshot()
	for _, d := range secs {
		if d.Slug == r.PathValue("step") {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, d.HTML)
			return
		}
	}
	http.Error(w, "this step has not completed", http.StatusNotFound)
}

// download serves the finished triage as a report: ?format=html, json or md.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	n, ok := incidentNumber(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	run := s.runs.lookup(runKey{s.wsName(r), n})
	var rep *report.Report
	if run != nil {
		run.mu.Lock()
		rep = run.report
		run.mu.Unlock()
	}
	if rep == nil {
		s.fail(w, r, http.StatusNotFound, "This incident's triage has not finished: open its page and wait for it.", nil)
		return
	}
	name := fmt.Sprintf("incident-%d", n)
	var write func(io.Writer) error
	var ct string
	switch f := r.URL.Query().Get("format"); f {
	case "html", "":
		ct, name = "text/html; charset=utf-8", name+".html"
		write = func(w io.Writer) error { return reporthtml.Write(w, rep, reporthtml.Options{}) }
	case "json":
		ct, name = "application/json", name+".json"
		write = func(w io.Writer) error { return render.Report(w, rep, render.JSON) }
	case "md":
		ct, name = "text/markdown; charset=utf-8", name+".md"
		write = func(w io.Writer) error { return render.Report(w, rep, render.Markdown) }
	default:
		s.fail(w, r, http.StatusBadRequest, "The report comes as html, json or md.", nil)
		return
	}
	// The report is written to the client as it is rendered, never whole
	// in memory: a large report's download costs the server a buffer, and
	// a client that stops reading is cut by the write timeout. An error
	// once the report has started can only cut it.
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	cw := &countingWriter{w: w}
	bw := bufio.NewWriterSize(cw, 32<<10)
	err := write(bw)
	if err == nil {
		err = bw.Flush()
	}
	switch {
	case err == nil:
	case !cw.tried:
		w.Header().Del("Content-Disposition")
		s.fail(w, r, http.StatusInternalServerError, "The report could not be written.", err)
	default:
		s.log.Info("report download cut", "incident", n, "type", ct, "sent", cw.n, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// countingWriter counts the bytes written through it, and whether a write
// was tried: after one, the response has started, or failed.
type countingWriter struct {
	w     io.Writer
	n     int64
	tried bool
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.tried = true
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// rerun starts the incident's triage again.
func (s *Server) rerun(w http.ResponseWriter, r *http.Request) {
	env, inc, ok := s.openIncident(w, r)
	if !ok {
		return
	}
	ws := s.wsName(r)
	s.runs.get(env, runKey{ws, inc.Number}, true)
	http.Redirect(w, r, incidentPath(inc.Number)+"?ws="+urlQueryEscape(ws)+"&done=run", http.StatusSeeOther)
}
