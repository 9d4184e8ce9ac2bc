package mcpserver

// The tools' arguments. Their JSON schemas, the descriptions included, are
// inferred from these types by the SDK; the values are the agent's and are
// checked by the Backend with the CLI's own parsers.

// On names the workspace a tool reads or changes: one of those the server
// serves (its input schema lists them), by default the first.
type On struct {
	Workspace string `json:"workspace,omitempty" jsonschema:"the workspace (default: the server's default workspace)"`
}

// Window is the time window a tool reads: since (a length of time ending
// now, "48h", "7d") or start/end. On the demo workspace "now" is where its
// data ends.
type Window struct {
	Since string `json:"since,omitempty" jsonschema:"window ending now, as a length of time: 90m, 48h, 7d (ignored when start is given)"`
	Start string `json:"start,omitempty" jsonschema:"window start, RFC 3339 (2026-11-20T08:00:00Z) or a date (2026-11-20)"`
	End   string `json:"end,omitempty" jsonschema:"window end, RFC 3339 or a date (default: now)"`
}

// ListIncidentsArgs are list_incidents' arguments.
type ListIncidentsArgs struct {
	On
	Window
	Severity []string `json:"severity,omitempty" jsonschema:"only these severities: high, medium, low, informational"`
	Status   []string `json:"status,omitempty" jsonschema:"only these statuses: new, active, closed"`
	Owner    string   `json:"owner,omitempty" jsonschema:"only incidents of this owner (UPN, name or object id), or unassigned"`
	Title    string   `json:"title,omitempty" jsonschema:"only incidents whose title contains this text (case-insensitive)"`
	Limit    int      `json:"limit,omitempty" jsonschema:"most incidents to return in this page (default 50, at most 500)"`
	Cursor   string   `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page, to read the next one with the same filters"`
}

// TriageArgs are triage_incident's arguments.
type TriageArgs struct {
	On
	Incident string   `json:"incident" jsonschema:"the incident's number (121) or name (GUID)"`
	Sections []string `json:"sections,omitempty" jsonschema:"only these members of the report (default: all); the incident, its window and workspace always come"`
	Wait     string   `json:"wait,omitempty" jsonschema:"how long threat-intel lookups may wait for providers' quotas: 20s, 2m, 0 (never wait) or forever (default: the server's)"`
	Start    string   `json:"start,omitempty" jsonschema:"start of the window of related activity, RFC 3339 (default: the incident's first activity)"`
	End      string   `json:"end,omitempty" jsonschema:"end of the window of related activity, RFC 3339 (default: now)"`
}

// SummarizeArgs are summarize_entity's arguments.
type SummarizeArgs struct {
	On
	Kind  string `json:"kind" jsonschema:"the entity kind: ip, account, host, url, domain, filehash, mailbox or azureresource"`
	Value string `json:"value" jsonschema:"the entity: an address, account (alice@contoso.com, CONTOSO\\alice, a SID or object id), host name or FQDN, URL, domain, hash, mailbox or Azure resource id or name"`
	Window
}

// LookupArgs are lookup_indicators' arguments.
type LookupArgs struct {
	On
	Values []string `json:"values,omitempty" jsonschema:"indicators to look up: IP addresses, domains, host names, URLs, MD5/SHA-1/SHA-256 hashes, e-mail addresses (defanged or not)"`
	Text   string   `json:"text,omitempty" jsonschema:"free text whose indicators are extracted and looked up (defanged or not)"`
	Hits   bool     `json:"hits,omitempty" jsonschema:"return only results rated warning or high (the verdict is still over every result)"`
	Wait   string   `json:"wait,omitempty" jsonschema:"how long lookups may wait for providers' quotas: 20s, 2m, 0 (never wait) or forever (default: the server's)"`
}

// RelatedArgs are related_alerts' arguments.
type RelatedArgs struct {
	On
	Kind  string `json:"kind" jsonschema:"the entity kind: ip, account, host, url, domain, filehash, mailbox or azureresource"`
	Value string `json:"value" jsonschema:"the entity, as for summarize_entity"`
	Window
}

// RunQueryArgs are run_named_query's arguments.
type RunQueryArgs struct {
	On
	Name   string         `json:"name" jsonschema:"the named query (see the tool's description for the list)"`
	Params map[string]any `json:"params,omitempty" jsonschema:"the query's parameters by name: strings, numbers, booleans, lists of strings; datetimes as RFC 3339, timespans as 90m or 7d"`
}

// ProvidersArgs are providers' arguments.
type ProvidersArgs struct {
	On
}

// CommentArgs are comment_incident's arguments.
type CommentArgs struct {
	On
	Incident string `json:"incident" jsonschema:"the incident's number or name (GUID)"`
	Text     string `json:"text" jsonschema:"the comment, Markdown, at most 30000 characters"`
	Confirm  string `json:"confirmation_token,omitempty" jsonschema:"leave out on the first call; to post, call again with the same arguments and the confirmation_token the first call returned"`
}

// UpdateArgs are update_incident's arguments.
type UpdateArgs struct {
	On
	Incident              string   `json:"incident" jsonschema:"the incident's number or name (GUID)"`
	Status                string   `json:"status,omitempty" jsonschema:"new status: new, active or closed (closing needs a classification)"`
	Severity              string   `json:"severity,omitempty" jsonschema:"new severity: informational, low, medium or high"`
	Owner                 *string  `json:"owner,omitempty" jsonschema:"assign to this user (UPN or object id); none unassigns"`
	AddLabels             []string `json:"add_labels,omitempty" jsonschema:"labels to add"`
	RemoveLabels          []string `json:"remove_labels,omitempty" jsonschema:"labels to remove"`
	Classification        *string  `json:"classification,omitempty" jsonschema:"classification: true-positive, benign-positive, false-positive or undetermined"`
	ClassificationReason  *string  `json:"classification_reason,omitempty" jsonschema:"suspicious-activity (true positive), suspicious-but-expected (benign positive), incorrect-alert-logic or inaccurate-data (false positive)"`
	ClassificationComment *string  `json:"classification_comment,omitempty" jsonschema:"the classification's comment"`
	Confirm               string   `json:"confirmation_token,omitempty" jsonschema:"leave out on the first call; to apply the change, call again with the same arguments and the confirmation_token the first call returned"`
}
