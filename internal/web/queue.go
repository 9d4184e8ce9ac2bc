package web

import (
	"cmp"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/history"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/report/chart"
	reporthtml "github.com/triage-dev/triage/internal/report/html"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// The queue's time windows, by the name its form uses.
var windows = []timeWindow{
	{"1h", "last hour", time.Hour},
	{"6h", "last 6 hours", 6 * time.Hour},
	{"1d", "last day", 24 * time.Hour},
	{"2d", "last 2 days", 48 * time.Hour},
	{"7d", "last 7 days", 7 * 24 * time.Hour},
	{"30d", "last 30 days", 30 * 24 * time.Hour},
}

type timeWindow struct {
	Name  string // in URLs
	Label string
	D     time.Duration
}

// defaultWindow is the queue's window when none is asked for: the
// notebook's last 2 days.
const defaultWindow = "2d"

// pageSize is how many incidents one page of the queue lists.
const pageSize = 200

// The severities and statuses, in the order the filters offer them.
var (
	severities = []triage.Severity{triage.SeverityHigh, triage.SeverityMedium, triage.SeverityLow, triage.SeverityInformational}
	statuses   = []triage.Status{triage.StatusNew, triage.StatusActive, triage.StatusClosed}
)

// The queue's sortable columns and the default direction of each.
var sortColumns = []sortColumn{
	{"number", "Number", "desc"},
	{"title", "Title", "asc"},
	{"severity", "Severity", "desc"},
	{"status", "Status", "asc"},
	{"owner", "Owner", "asc"},
	{"created", "Created", "desc"},
	{"alerts", "Alerts", "desc"},
	{"priority", "Priority", "desc"}, // with a history only
}

type sortColumn struct{ Key, Label, Dir string }

// queueQuery is the queue's form, as read from the URL.
type queueQuery struct {
	WS         string
	Window     string // one of windows, or "custom"
	Start, End string // the custom window as typed
	Severity   string
	Status     string
	Owner      string
	Q          string
	Sort, Dir  string
	Page       int

	start, end time.Time
	errs       []string
}

// readQueueQuery reads the queue's form; with triaged (the workspace has
// a history) the queue sorts by priority unless asked otherwise, without
// it never.
func readQueueQuery(r *http.Request, ws string, now time.Time, triaged bool) queueQuery {
	v := r.URL.Query()
	q := queueQuery{
		WS: ws, Window: v.Get("window"), Start: strings.TrimSpace(v.Get("start")), End: strings.TrimSpace(v.Get("end")),
		Severity: v.Get("severity"), Status: v.Get("status"), Owner: strings.TrimSpace(v.Get("owner")),
		Q: strings.TrimSpace(v.Get("q")), Sort: v.Get("sort"), Dir: v.Get("dir"),
	}
	q.Page, _ = strconv.Atoi(v.Get("page"))
	q.Page = max(q.Page, 1)
	if q.Window == "" && (q.Start != "" || q.End != "") {
		q.Window = "custom"
	}
	if q.Window == "" {
		q.Window = defaultWindow
	}
	q.end = now
	if q.Window == "custom" {
		q.start, q.end = now.Add(-48*time.Hour), now
		if q.Start != "" {
			t, err := parseWhen(q.Start)
			if err != nil {
				q.errs = append(q.errs, "Start: "+err.Error())
			} else {
				q.start = t
			}
		}
		if q.End != "" {
			t, err := parseWhen(q.End)
			if err != nil {
				q.errs = append(q.errs, "End: "+err.Error())
			} else {
				q.end = t
			}
		}
		if !q.start.Before(q.end) {
			q.errs = append(q.errs, "The start must be before the end; showing the last 2 days.")
			q.start, q.end = now.Add(-48*time.Hour), now
		}
	} else {
		i := slices.IndexFunc(windows, func(w timeWindow) bool { return w.Name == q.Window })
		if i < 0 {
			q.errs = append(q.errs, "Unknown window; showing the last 2 days.")
			q.Window, i = defaultWindow, 3
		}
		q.start = now.Add(-windows[i].D)
	}
	if q.Severity != "" {
		sev, err := triage.ParseSeverity(q.Severity)
		if err != nil {
			q.errs = append(q.errs, "Unknown severity; showing every severity.")
		}
		q.Severity = string(sev)
	}
	if q.Status != "" {
		st, err := triage.ParseStatus(q.Status)
		if err != nil {
			q.errs = append(q.errs, "Unknown status; showing every status.")
		}
		q.Status = string(st)
	}
	if !slices.ContainsFunc(sortColumns, func(c sortColumn) bool { return c.Key == q.Sort }) || q.Sort == "priority" && !triaged {
		q.Sort = "created"
		if triaged && v.Get("sort") == "" {
			q.Sort = "priority"
		}
	}
	if q.Dir != "asc" && q.Dir != "desc" {
		q.Dir = "desc"
		for _, c := range sortColumns {
			if c.Key == q.Sort {
				q.Dir = c.Dir
			}
		}
	}
	return q
}

// parseWhen reads a time typed in the queue's form: RFC 3339, a
// datetime-local value (taken as UTC) or a date.
func parseWhen(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, &whenError{s}
}

type whenError struct{ s string }

func (e *whenError) Error() string {
	return "cannot read " + strconv.Quote(clip(40, e.s)) + " as a time: use 2026-11-26, 2026-11-26T14:30 (UTC) or RFC 3339"
}

// filter is the workspace filter of the query.
func (q *queueQuery) filter() workspace.IncidentFilter {
	f := workspace.IncidentFilter{Start: q.start, End: q.end, Owner: q.Owner}
	if q.Severity != "" {
		f.Severities = []triage.Severity{triage.Severity(q.Severity)}
	}
	if q.Status != "" {
		f.Statuses = []triage.Status{triage.Status(q.Status)}
	}
	if _, err := strconv.Atoi(q.Q); err != nil {
		f.Title = q.Q
	}
	return f
}

// link returns the queue's URL with the query's values, changed by kv pairs.
func (q *queueQuery) link(kv ...string) template.URL {
	vals := map[string]string{
		"ws": q.WS, "window": q.Window, "severity": q.Severity, "status": q.Status,
		"owner": q.Owner, "q": q.Q, "sort": q.Sort, "dir": q.Dir,
	}
	if q.Window == "custom" {
		vals["start"], vals["end"] = q.Start, q.End
	}
	for i := 0; i+1 < len(kv); i += 2 {
		vals[kv[i]] = kv[i+1]
	}
	args := make([]any, 0, 2*len(vals))
	for _, k := range []string{"ws", "window", "start", "end", "severity", "status", "owner", "q", "sort", "dir", "page"} {
		args = append(args, k, vals[k])
	}
	return "/" + queryString(args...)
}

type queuePage struct {
	base
	Query      queueQuery
	Windows    []timeWindow
	Severities []triage.Severity
	Statuses   []triage.Status
	Start, End time.Time
	AsOf       time.Time // Env.AsOf
	Error      string    // the workspace could not be read
	Problems   []string
	Chart      template.HTML
	Counts     []sevCount
	Total      int
	Columns    []queueColumn
	Triaged    bool // the workspace has a history: the verdict and priority columns
	Rows       []queueRow
	From, To   int
	Prev, Next template.URL
}

type sevCount struct {
	Severity triage.Severity
	N        int
	Href     template.URL
}

type queueColumn struct {
	Label string
	Href  template.URL // "" for a column that does not sort
	Sort  string       // aria-sort: ascending, descending, none
}

type queueRow struct {
	Number   int
	Href     string
	Title    string
	Severity triage.Severity
	Status   triage.Status
	Class    triage.Classification
	Owner    string
	Created  time.Time
	Alerts   int
	Tactics  string
	// Triage is the incident's latest recorded triage, nil when none is
	// (or there is no history).
	Triage *rowTriage

	tactics []string
}

// rowTriage is a queue row's latest triage.
type rowTriage struct {
	Verdict      string
	VerdictClass string // ti-… class
	Complete     bool
	Priority     *int
	// Stale is set when the incident changed since (history.Record.Current).
	Stale bool
	// Reasons are the priority's reasons, as the record carries them;
	// Title is them as one line, for the cell's title. Both are read from
	// rec for the rows shown only (reasonTitles).
	Reasons []report.PriorityReason
	Title   string
	rec     history.Record
}

func (s *Server) queue(w http.ResponseWriter, r *http.Request) {
	ws := s.wsName(r)
	env, err := s.env(r.Context(), ws)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "The workspace could not be opened.", err)
		return
	}
	now := s.now(env)
	q := readQueueQuery(r, ws, now, env.History != nil)
	p := &queuePage{
		base: s.newBase(r, "Incidents", "queue", ws), Query: q, Windows: windows,
		Severities: severities, Statuses: statuses, Start: q.start, End: q.end, Problems: q.errs, AsOf: env.AsOf,
		Triaged: env.History != nil,
	}
	triaged := s.latestTriages(r.Context(), env, p)
	// The incidents are kept as small rows: a queue may hold tens of
	// thousands.
	incs := make([]queueRow, 0, 256)
	num, numErr := strconv.Atoi(q.Q)
	counts := map[triage.Severity]int{}
	events := make([]chart.Event, 0, 256)
	wsq := "?ws=" + urlQueryEscape(ws)
	err = env.Workspace.ListIncidents(r.Context(), q.filter(), func(inc triage.Incident) error {
		if numErr == nil && inc.Number != num && !strings.Contains(inc.Title, q.Q) {
			return nil
		}
		href := incidentPath(inc.Number) + wsq
		incs = append(incs, queueRow{
			Number: inc.Number, Href: href,
			Title: inc.Title, Severity: inc.Severity, Status: inc.Status, Class: inc.Classification,
			Owner: inc.Owner.String(), Created: inc.Created, Alerts: inc.AlertCount,
			tactics: inc.Tactics, Triage: triaged.row(inc),
		})
		counts[inc.Severity]++
		events = append(events, chart.Event{
			Time: inc.Created, Class: reporthtml.SeverityClass(inc.Severity),
			Label: "#" + strconv.Itoa(inc.Number) + " " + clip(120, inc.Title), Href: href,
		})
		return nil
	})
	if err != nil {
		s.log.Warn("list incidents", "workspace", ws, "err", err)
		p.Error = err.Error()
	}
	sortRows(incs, q.Sort, q.Dir)
	p.Total = len(incs)

	for _, sev := range severities {
		p.Counts = append(p.Counts, sevCount{Severity: sev, N: counts[sev], Href: q.link("severity", string(sev), "page", "")})
	}
	p.Chart = chart.Histogram(events, chart.TimeOptions{
		Title: "Incidents over time by severity", Start: q.start, End: q.end,
		Classes: []string{"high", "medium", "low", "informational"}, Width: 1200,
	})

	for _, c := range sortColumns {
		if c.Key == "priority" {
			if !p.Triaged {
				continue
			}
			p.Columns = append(p.Columns, queueColumn{Label: "Verdict", Sort: "none"})
		}
		col := queueColumn{Label: c.Label, Sort: "none"}
		dir := c.Dir
		if c.Key == q.Sort {
			col.Sort = map[string]string{"asc": "ascending", "desc": "descending"}[q.Dir]
			dir = map[string]string{"asc": "desc", "desc": "asc"}[q.Dir]
		}
		col.Href = q.link("sort", c.Key, "dir", dir, "page", "")
		p.Columns = append(p.Columns, col)
	}

	pages := max((len(incs)+pageSize-1)/pageSize, 1)
	pg := min(q.Page, pages)
	lo, hi := (pg-1)*pageSize, min(pg*pageSize, len(incs))
	p.From, p.To = lo+1, hi
	if pg > 1 {
		p.Prev = q.link("page", strconv.Itoa(pg-1))
	}
	if pg < pages {
		p.Next = q.link("page", strconv.Itoa(pg+1))
	}
	p.Rows = incs[lo:hi]
	for i := range p.Rows {
		p.Rows[i].Tactics = strings.Join(p.Rows[i].tactics, ", ")
	}
	reasonTitles(p.Rows)
	s.render(w, r, http.StatusOK, "queue", p)
}

// sortRows sorts by the column key in direction dir, then newest first.
func sortRows(rows []queueRow, key, dir string) {
	var fold []string // lower-cased sort keys, for title and owner
	if key == "title" || key == "owner" {
		fold = make([]string, len(rows))
		for i, r := range rows {
			fold[i] = strings.ToLower(map[bool]string{true: r.Title, false: r.Owner}[key == "title"])
		}
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	by := func(i, j int) int {
		a, b := &rows[i], &rows[j]
		switch key {
		case "priority":
			return cmp.Compare(*a.Triage.Priority, *b.Triage.Priority)
		case "number":
			return cmp.Compare(a.Number, b.Number)
		case "title", "owner":
			return cmp.Compare(fold[i], fold[j])
		case "severity":
			return cmp.Compare(a.Severity.Rank(), b.Severity.Rank())
		case "status":
			return cmp.Compare(statusRank(a.Status), statusRank(b.Status))
		case "alerts":
			return cmp.Compare(a.Alerts, b.Alerts)
		}
		return a.Created.Compare(b.Created)
	}
	slices.SortStableFunc(idx, func(i, j int) int {
		var c int
		if key == "priority" {
			// The scored incidents first, in either direction; the rest
			// newest first.
			pi, pj := rows[i].scored(), rows[j].scored()
			if pi != pj {
				if pi {
					return -1
				}
				return 1
			}
			if pi {
				c = by(i, j)
			}
		} else {
			c = by(i, j)
		}
		if dir == "desc" {
			c = -c
		}
		if c == 0 {
			c = rows[j].Created.Compare(rows[i].Created)
		}
		if c == 0 {
			c = cmp.Compare(rows[j].Number, rows[i].Number)
		}
		return c
	})
	sorted := make([]queueRow, len(rows))
	for n, i := range idx {
		sorted[n] = rows[i]
	}
	copy(rows, sorted)
}

func statusRank(s triage.Status) int {
	switch s {
	case triage.StatusNew:
		return 1
	case triage.StatusActive:
		return 2
	case triage.StatusClosed:
		return 3
	}
	return 4
}
