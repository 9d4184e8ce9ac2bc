// Package report is the model of one incident's triage: a single struct that
// is the stable JSON schema. It does no I/O and draws nothing; the renderers
// live beneath it (markdown, html, comment, and render, which picks one by
// format) so that the packages that build a report do not carry them.
package report

import (
	"fmt"
	"slices"
	"time"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/triage"
)

// SchemaVersion is the version of the JSON schema. Fields may be added within
// a version; none is renamed or changes meaning.
//
// Version 2: a summary table's columns are objects (name, header, type)
// instead of strings, and its time cells are RFC 3339 UTC in every table.
const SchemaVersion = 2

// Report is the whole guided triage of one incident.
type Report struct {
	SchemaVersion int             `json:"schema_version"`
	GeneratedAt   time.Time       `json:"generated_at"`
	Workspace     string          `json:"workspace"`
	Window        Window          `json:"window"`
	Incident      triage.Incident `json:"incident"`
	Alerts        []triage.Alert  `json:"alerts"`
	Entities      []triage.Entity `json:"entities"`
	Graph         Graph           `json:"graph"`
	Indicators    []Indicator     `json:"indicators"`
	TI            TI              `json:"ti"`
	RelatedAlerts []Related       `json:"related_alerts"`
	Summaries     []Summary       `json:"summaries"`
	// Sections records how each step of the triage went, in order.
	Sections []Section        `json:"sections"`
	Problems []triage.Problem `json:"problems"`
	// Priority is how urgently the incident wants an analyst, with its
	// reasons; nil when it was not worked out.
	Priority *Priority `json:"priority,omitempty"`
	// Precedents are the facts of the workspace's past the priority reads
	// (first-seen addresses, incidents closed as benign); nil when they
	// were not looked for.
	Precedents *Precedents `json:"precedents,omitempty"`
	// SinceLast is what changed since the previous recorded triage of the
	// incident (package history); nil when it was not asked for.
	SinceLast *Changes `json:"since_last,omitempty"`
	// EntitiesLeftOut counts the incident's entities the caps on entities
	// left out (triage.Details.EntitiesLeftOut); with any, the sections
	// built from the entities are partial.
	EntitiesLeftOut int `json:"entities_left_out,omitempty"`
}

// Window is the time range the triage looked at for related activity.
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Graph links the incident to its alerts and the alerts to their entities.
type Graph struct {
	Nodes []Node `json:"nodes"`
	Edges []Edge `json:"edges"`
}

// Node types.
const (
	NodeIncident = "incident"
	NodeAlert    = "alert"
	NodeEntity   = "entity"
)

// Node is an incident, an alert or an entity. Entity nodes' IDs are their keys.
type Node struct {
	ID       string      `json:"id"`
	Type     string      `json:"type"`
	Kind     triage.Kind `json:"kind,omitempty"`
	Label    string      `json:"label"`
	Severity string      `json:"severity,omitempty"`
}

// Edge is an undirected link with the relation that made it.
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
	Rel  string `json:"rel"`
}

// Indicator is one observable the triage looked up, with where it came from.
type Indicator struct {
	Value string    `json:"value"`
	Type  ioc.Kind  `json:"type"`
	Scope ioc.Scope `json:"scope,omitempty"`
	// Internal indicators are never sent to external providers: every
	// withheld one, reserved ones too (the name is older than the
	// distinction).
	Internal bool `json:"internal"`
	// Withheld says why: internal (private addresses, internal names, the
	// organisation's configured networks, domains and accounts), reserved
	// (documentation, benchmarking and other special-use addresses, reserved
	// TLDs such as .example) or credentials (a URL with a password).
	Withheld ioc.Withholding `json:"withheld,omitempty"`
	// Sources are the entity keys, or "alert <id> text", it was found in.
	Sources []string `json:"sources"`
	// Priority is the indicator's place in the order of lookups, 1 first
	// (see pipeline.Prioritize); AlertSeverity the highest severity of the
	// alerts naming it, and Alerts how many do.
	Priority      int             `json:"priority"`
	AlertSeverity triage.Severity `json:"alert_severity,omitempty"`
	Alerts        int             `json:"alerts"`
}

// TI is the threat-intelligence section: every result and the verdict.
type TI struct {
	Severity    intel.Severity `json:"severity"`
	Explanation string         `json:"explanation"`
	Reasons     []intel.Result `json:"reasons"`
	Providers   []string       `json:"providers"`
	Results     []intel.Result `json:"results"`
	// Complete is false when some lookup failed or was not made within
	// the wait budget: the verdict may lack what it would have said.
	Complete bool `json:"complete"`
}

// Related lists the other alerts that name one of the incident's entities.
type Related struct {
	Entity string         `json:"entity"` // the entity key
	Kind   triage.Kind    `json:"kind"`
	Name   string         `json:"name"`
	Alerts []RelatedAlert `json:"alerts"`
}

// RelatedAlert is an alert outside the incident that shares an entity with it.
type RelatedAlert struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Severity triage.Severity `json:"severity"`
	Time     time.Time       `json:"time"`
	Product  string          `json:"product,omitempty"`
}

// Summary is what the triage found out about one entity.
type Summary struct {
	Entity string      `json:"entity"`
	Kind   triage.Kind `json:"kind"`
	Name   string      `json:"name"`
	Status Status      `json:"status"`
	Reason string      `json:"reason,omitempty"`
	// Facts are what is known of the entity itself: identity, scope,
	// location, registration, threat-intel verdict.
	Facts []Fact `json:"facts"`
	// Sections are what the workspace's logs and outside sources say of it,
	// each with its own status: sign-ins, logons, processes, DNS answers...
	Sections []SummarySection `json:"sections,omitempty"`
	// Location is where an address is, when a GeoIP source placed it:
	// what the map of the report draws.
	Location *Location `json:"location,omitempty"`
	// Roles are what a host is, as its own logs show it (summary.RoleServer,
	// summary.RoleDomainController); empty when they do not say.
	Roles []string `json:"roles,omitempty"`
}

// Location is a place on the map.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	// Place is the location as one line ("Seattle, Washington, United States").
	Place string `json:"place,omitempty"`
}

// SummarySection is one part of an entity's summary: one question asked of
// the logs or of an outside source ("sign-ins from this address").
type SummarySection struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Reason says why a section is empty, skipped or failed ("the
	// workspace has no SigninLogs table").
	Reason string `json:"reason,omitempty"`
	// Source names where the answer came from (tables, a service).
	Source string `json:"source,omitempty"`
	Facts  []Fact `json:"facts,omitempty"`
	Table  *Table `json:"table,omitempty"`
}

// Table is a small result shown as is: typed columns and rows of text, one
// cell per column, each written in the one form its column's type says.
type Table struct {
	Columns []Column   `json:"columns"`
	Rows    [][]string `json:"rows"`
	// Total is the number of rows before the table was cut, when it was.
	Total int `json:"total,omitempty"`
	// IncidentRowsLeftOut is set when a cut table's rows were ordered for an
	// incident, those inside its activity or naming its entities first: it
	// is how many of them the cut left out.
	IncidentRowsLeftOut *int `json:"incident_rows_left_out,omitempty"`
}

// Headers are the headers of the table's columns, in order.
func (t *Table) Headers() []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Header
	}
	return out
}

// Column is one column of a Table. The summary that builds the table sets
// all three, so that a renderer shows and draws it without guessing.
type Column struct {
	// Name is the field of the rows the column shows, as the summary's
	// query or source names it ("OperationNameValue"): for programs.
	Name string `json:"name"`
	// Header is what a reader sees above the column ("Operation").
	Header string `json:"header"`
	// Type says what the cells hold and the form they are written in.
	Type ColumnType `json:"type"`
}

// ColumnType is what the cells of a column hold. Every cell of a column is
// written in its type's one form, or is empty when the row has no value.
type ColumnType string

// The column types.
const (
	// ColLabel names what a row is about: the operation, process, peer or
	// host it counts or describes. A chart groups rows by the first label
	// column whose values differ.
	ColLabel ColumnType = "label"
	// ColText is any other text: the context of a row (the summary's own
	// entity in the form the row names it, a workload, a source table), a
	// command line, a reason, a list of names, an identifier.
	ColText ColumnType = "text"
	// ColAddress is an IP address, or several joined by ", ". A chart may
	// group rows by it as by a label.
	ColAddress ColumnType = "address"
	// ColCount is a whole number of events, in decimal digits.
	ColCount ColumnType = "count"
	// ColSuccesses and ColFailures are the numbers of a row's events that
	// succeeded and that failed, in decimal digits.
	ColSuccesses ColumnType = "successes"
	ColFailures  ColumnType = "failures"
	// ColTime is when the row's one event happened (see FormatTime).
	ColTime ColumnType = "time"
	// ColFirstSeen and ColLastSeen are the times of the first and the last
	// event a row stands for (see FormatTime).
	ColFirstSeen ColumnType = "first_seen"
	ColLastSeen  ColumnType = "last_seen"
	// ColOutcome is how an event ended, in the source's words ("Success",
	// "Failure", "Blocked"), or several of them joined by ", ".
	ColOutcome ColumnType = "outcome"
	// ColResultCode is a sign-in result code: 0 is a success, any other
	// number a failure.
	ColResultCode ColumnType = "result_code"
	// ColSeverity is an alert's severity (High, Medium, Low, Informational).
	ColSeverity ColumnType = "severity"
)

// IsTime reports whether the cells of columns of type t are times, in
// FormatTime's form.
func (t ColumnType) IsTime() bool {
	return t == ColTime || t == ColFirstSeen || t == ColLastSeen
}

// IsCount reports whether the cells of columns of type t are counts.
func (t ColumnType) IsCount() bool {
	return t == ColCount || t == ColSuccesses || t == ColFailures
}

// FormatTime writes t as the cell of a time column: RFC 3339 in UTC, to the
// second; the zero time is an empty cell.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// ParseTime reads the cell of a time column as FormatTime wrote it; ok is
// false for an empty cell or anything else.
func ParseTime(cell string) (t time.Time, ok bool) {
	t, err := time.Parse(time.RFC3339, cell)
	return t, err == nil
}

// Cut says how the table was cut ("20 of 36 rows shown; ..."), or "" when
// it was not.
func (t *Table) Cut() string {
	if t == nil || t.Total == 0 {
		return ""
	}
	s := fmt.Sprintf("%d of %s shown", len(t.Rows), english.Plural(t.Total, "row", "rows"))
	switch n := t.IncidentRowsLeftOut; {
	case n == nil:
	case *n == 0:
		s += "; the incident's come first (inside its activity or naming its entities), none of them left out"
	default:
		s += fmt.Sprintf("; the incident's come first (inside its activity or naming its entities), %d of them left out", *n)
	}
	return s + "."
}

// Fact is one labelled finding in a summary.
type Fact struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Status says how a section or summary went.
type Status string

// The section statuses.
const (
	StatusOK Status = "ok"
	// StatusPartial is a section whose source answered but marked the
	// answer incomplete (a Log Analytics partial error), or one built from
	// entities when the caps on entities left some out: usable, not whole.
	StatusPartial Status = "partial"
	StatusEmpty   Status = "empty"
	StatusSkipped Status = "skipped"
	StatusError   Status = "error"
)

// The steps of the guided triage, in order: the names of Report.Sections.
const (
	StepDetails    = "alerts and entities"
	StepGraph      = "entity graph"
	StepIndicators = "indicators"
	StepTI         = "threat intel"
	StepRelated    = "related alerts"
	StepSummaries  = "entity summaries"
)

// Section records how one step went; Reason says why for skipped and error.
type Section struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// SetSection records a step's section, in place of the step's earlier one
// when it completes again (the summaries, once threat intel answers).
func (r *Report) SetSection(s Section) {
	if i := slices.IndexFunc(r.Sections, func(x Section) bool { return x.Name == s.Name }); i >= 0 {
		r.Sections[i] = s
		return
	}
	r.Sections = append(r.Sections, s)
}

// Partial reports whether any section failed or is partial (a failed
// threat-intel lookup fails its section), so the report may be incomplete. Problems with the
// incident's own data (a malformed entity) are listed but do not make a
// report partial.
func (r *Report) Partial() bool {
	for _, s := range r.Sections {
		if s.Status == StatusError || s.Status == StatusPartial {
			return true
		}
	}
	return false
}

// Withheld is the indicators never sent to external providers for one reason.
type Withheld struct {
	Why    ioc.Withholding
	Values []string
}

// Withheld groups the indicators never sent to external providers by why
// (internal, reserved...), in the order they first appear: what the report
// says beside the threat-intel results, so that no result reads as if an
// outside service had been asked.
func (r *Report) Withheld() []Withheld {
	var out []Withheld
	for _, ind := range r.Indicators {
		if ind.Withheld == "" {
			continue
		}
		i := slices.IndexFunc(out, func(w Withheld) bool { return w.Why == ind.Withheld })
		if i < 0 {
			i = len(out)
			out = append(out, Withheld{Why: ind.Withheld})
		}
		out[i].Values = append(out[i].Values, ind.Value)
	}
	return out
}

// Priority is an incident's priority: a score from 0 (can wait) to 100
// (look now), the sum of its reasons' points capped at 100, so that it
// shows its working.
type Priority struct {
	Score   int              `json:"score"`
	Reasons []PriorityReason `json:"reasons"`
}

// PriorityReason is one fact of the triage that adds to the priority.
type PriorityReason struct {
	// Factor names the configured weight that applies ("ti_verdict",
	// "privileged_account"...).
	Factor string `json:"factor"`
	// Points is what it adds to the score; negative for what lowers it (a
	// history of the same rule closed as benign).
	Points int `json:"points"`
	// Detail says why it applies to this incident, in words an analyst
	// checks ("threat intel rates 203.0.113.7 high").
	Detail string `json:"detail"`
}
