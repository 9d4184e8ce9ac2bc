package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/intel"
	reporthtml "github.com/triage-dev/triage/internal/report/html"
	"github.com/triage-dev/triage/internal/triage"
)

//go:embed templates
var templateFS embed.FS

// pages holds one template set per page, each with the shared layout.
type pages struct {
	sets  map[string]*template.Template
	asset func(name string) string
}

// The pages.
var pageNames = []string{"queue", "incident", "confirm", "entity", "lookup", "providers", "error", "open"}

func parsePages() (*pages, error) {
	p := &pages{sets: map[string]*template.Template{}}
	funcs := template.FuncMap{
		"asset":   func(name string) string { return p.asset(name) },
		"time":    formatTime,
		"isotime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		// The class functions are the report's, so a page and a report
		// show a value the same way; templates pass values of any type.
		"sevclass": func(v any) string { return reporthtml.SeverityClass(triage.Severity(fmt.Sprint(v))) },
		"ticlass":  func(v any) string { return reporthtml.TIClass(intel.Severity(fmt.Sprint(v))) },
		"stclass":  reporthtml.StatusClass,
		"clip":     clipVisible,
		"join":     func(ss []string) string { return strings.Join(ss, ", ") },
		"lower":    strings.ToLower,
		"slug":     slug,
		"query":    queryString,
		"plural":   english.Plural,
		// Every value a page shows goes through visible or clip (see visible.go).
		"visible": visible,
	}
	base, err := template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	for _, name := range pageNames {
		t, err := base.Clone()
		if err == nil {
			_, err = t.ParseFS(templateFS, "templates/"+name+".html")
		}
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		p.sets[name] = t
	}
	return p, nil
}

// base is what the layout of every page needs.
type base struct {
	Title      string
	Nav        string // the current section of the navigation: queue, lookup, providers
	WS         string // the workspace
	Workspaces []string
	// Refresh reloads the page every two seconds when script is off: an
	// incident page whose triage is running.
	Refresh bool

	srv  *Server
	sess string
}

// Token returns the CSRF token of a form that posts to action.
func (b *base) Token(action string) string { return b.srv.token(b.sess, action) }

// newBase returns the layout data of a page in workspace ws.
func (s *Server) newBase(r *http.Request, title, nav, ws string) base {
	return base{Title: title, Nav: nav, WS: ws, Workspaces: s.opts.Workspaces, srv: s, sess: sessionOf(r)}
}

// render writes the page name with data, whole or not at all.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages.sets[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.Error("render page", "page", name, "path", r.URL.Path, "err", err)
		http.Error(w, "triage: the page could not be rendered; the server's log says why", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errorPage struct {
	base
	Status  int
	Message string
	Detail  string
}

// fail shows msg on an error page with status. The cause is logged and
// shown as the page's detail: the UI runs on the analyst's own machine, so
// the cause is theirs to read.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg string, cause error) {
	p := &errorPage{base: s.newBase(r, http.StatusText(status), "", s.wsName(r)), Status: status, Message: msg}
	if cause != nil {
		s.log.Warn("request failed", "path", r.URL.Path, "status", status, "err", cause)
		p.Detail = cause.Error()
	}
	s.render(w, r, status, "error", p)
}

// formatTime shows a time in UTC to the minute; the zero time is "—".
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// clip shortens s to n characters with an ellipsis, for labels whose full
// value is shown elsewhere (a title attribute, its own page).
func clip(n int, s string) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// queryString builds "?k=v&..." from pairs, leaving out empty values.
func queryString(kv ...any) template.URL {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v := fmt.Sprint(kv[i+1])
		if v != "" {
			q.Set(fmt.Sprint(kv[i]), v)
		}
	}
	if len(q) == 0 {
		return ""
	}
	return template.URL("?" + q.Encode())
}

// incidentPath is the path of an incident's page.
func incidentPath(n int) string { return "/incidents/" + strconv.Itoa(n) }

// entityPath is the path of the page of the entity with key ("Ip:10.0.0.1").
func entityPath(ws, key string) string {
	kind, value, ok := strings.Cut(key, ":")
	if !ok {
		kind, value = "entity", key
	}
	return "/entities/" + url.PathEscape(kind) + "/" + url.PathEscape(value) + "?" + url.Values{"ws": {ws}}.Encode()
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// ownerText shows an owner, or "unassigned".
func ownerText(o triage.Owner) string {
	if s := o.String(); s != "" {
		return s
	}
	return "unassigned"
}

// slug makes a CSS class name of a fixed vocabulary word ("not configured").
func slug(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			return r
		case 'A' <= r && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, s)
}
