// Package mcpserver serves triage to AI agents over the Model Context
// Protocol (the official Go SDK): one tool per thing the CLI does
// (list_incidents, triage_incident, summarize_entity, lookup_indicators,
// related_alerts, providers, run_named_query, and, only when the server is
// started with writes allowed, comment_incident and update_incident), and
// each recorded triage report as a resource.
//
// The package owns the protocol and its safety rules, not the work: every
// tool calls a Backend, which the CLI implements with the very functions
// its commands use (the same configuration, workspace, intel engine,
// pipeline and JSON), so a tool's structured output is what the matching
// command prints with --json. What this package adds:
//
//   - schemas and descriptions written for a model, none of which carries
//     a value read from a workspace or a provider: attacker-controlled
//     strings reach the model only inside structured output;
//   - a bound on every output's size, the cut said in the output itself
//     ("truncated"), see Bound;
//   - two-step writes: a write tool's first call returns the exact change
//     and a confirmation token (random, single-use, bound to the exact
//     arguments, expiring), and only a second call with that token writes,
//     see confirmations;
//   - one log line per tool call (tool, arguments, outcome, duration),
//     through slog, never a secret: the arguments are the agent's own.
package mcpserver

import (
	"context"
	"encoding/json"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

// Backend does the work of the tools. The CLI implements it with its
// commands' own functions; every method returns the value the matching
// command prints with --json (or its error, whose message the command
// prints), so the two never drift apart.
//
// Methods may be called concurrently. An error is returned to the agent as
// a tool error carrying its message, which must therefore hold no secret
// (the CLI's messages hold none).
type Backend interface {
	// Workspaces are the names of the workspaces served, the default (the
	// one a call that names none reads) first.
	Workspaces() []string

	// ListIncidents lists the incidents a's window and filters select,
	// newest first, as `triage incidents --json`, with the window it
	// resolved (a "since" ends at the workspace's now).
	ListIncidents(ctx context.Context, a ListIncidentsArgs) (IncidentList, error)
	// Triage runs the guided triage of a.Incident, as `triage run`, and
	// records it in the history. progress, when not nil, is called as each
	// step completes.
	Triage(ctx context.Context, a TriageArgs, progress func(report.Section)) (*report.Report, error)
	// Summarize is `triage summarize KIND VALUE --format json`.
	Summarize(ctx context.Context, a SummarizeArgs) (json.RawMessage, error)
	// Lookup is `triage lookup --json`: the indicators, the verdict and
	// every provider's result.
	Lookup(ctx context.Context, a LookupArgs) (any, error)
	// RelatedAlerts finds the alerts of a window that name an entity, as
	// the triage's related alerts step does.
	RelatedAlerts(ctx context.Context, a RelatedArgs) (any, error)
	// Providers is `triage providers --json`.
	Providers(ctx context.Context, a ProvidersArgs) (any, error)
	// Queries lists the catalog's named queries with their parameters.
	Queries() []QueryInfo
	// RunQuery runs a catalog query by name with the given parameters,
	// validated and typed by the catalog.
	RunQuery(ctx context.Context, a RunQueryArgs) (any, error)

	// PlanComment checks a comment and says what would be posted;
	// ApplyComment posts it. version is the Plan's.
	PlanComment(ctx context.Context, a CommentArgs) (Plan, error)
	ApplyComment(ctx context.Context, a CommentArgs, version string) (any, error)
	// PlanUpdate checks a change of an incident and says what would be
	// sent, as `triage update --dry-run`; ApplyUpdate sends it only if the
	// incident is still at version (its etag), else it fails saying what
	// changed and writes nothing.
	PlanUpdate(ctx context.Context, a UpdateArgs) (Plan, error)
	ApplyUpdate(ctx context.Context, a UpdateArgs, version string) (any, error)

	// Reports lists the latest recorded triage of every incident of the
	// workspaces served; Report returns one of them as the report's JSON,
	// or an error wrapping ErrNoReport.
	Reports(ctx context.Context) ([]RecordedReport, error)
	Report(ctx context.Context, workspace string, incident int) (json.RawMessage, error)
	// Outputs are the schemas of the outputs of the methods above that
	// return any or raw JSON, whose Go types only the Backend knows.
	Outputs() Outputs
}

// Outputs are the JSON schemas of a Backend's outputs (each made with
// OutputSchema from the Go type the method returns), one per tool.
type Outputs struct {
	Summarize, Lookup, RelatedAlerts, Providers, RunQuery *jsonschema.Schema
}

// IncidentList is the answer of Backend.ListIncidents.
type IncidentList struct {
	Incidents []triage.Incident
	// Window is the window listed, both ends resolved.
	Window report.Window
}

// Plan is a write checked but not made: Change is what would be written
// (for an update, `triage update --dry-run`'s JSON), Version the incident's
// version (etag) it was worked out against.
type Plan struct {
	Change  any
	Version string
}

// RecordedReport names one recorded triage.
type RecordedReport struct {
	Workspace string `json:"workspace"`
	Incident  int    `json:"incident"`
	At        string `json:"at"`
	Verdict   string `json:"verdict"`
}

// QueryInfo describes a named query for the model: its name, what it
// does and its typed parameters.
type QueryInfo struct {
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	Params      []ParamInfo `json:"params"`
}

// ParamInfo is one parameter of a named query.
type ParamInfo struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description,omitempty"`
	Required    bool   `json:"required"`
}
