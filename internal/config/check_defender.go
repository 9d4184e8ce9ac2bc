package config

import (
	"fmt"
	"strings"

	"github.com/triage-dev/triage/internal/triage"
)

// GraphPermission is a Microsoft Graph permission a defender workspace's
// features need, and what it is for.
type GraphPermission struct {
	Name string `json:"name"` // e.g. SecurityIncident.Read.All
	For  string `json:"for"`  // the features that need it
	// Alternatives also grant it (ReadWrite covers Read).
	Alternatives []string `json:"alternatives,omitempty"`
}

// DefenderPermissions are the Graph permissions (application roles or
// delegated scopes) of a defender workspace's features, the one list that
// config check explains and that a token's claims are compared with.
var DefenderPermissions = []GraphPermission{
	{Name: "SecurityIncident.Read.All", For: "listing and showing incidents",
		Alternatives: []string{"SecurityIncident.ReadWrite.All"}},
	{Name: "SecurityAlert.Read.All", For: "reading incidents' alerts and their evidence",
		Alternatives: []string{"SecurityAlert.ReadWrite.All"}},
	{Name: "SecurityIncident.ReadWrite.All", For: "comment, update and run --post"},
	{Name: "ThreatHunting.Read.All", For: "advanced hunting queries"},
}

// MissingGraphPermissions returns the DefenderPermissions that none of
// granted (a token's roles or scp claims) covers, comparing names
// case-insensitively.
func MissingGraphPermissions(granted []string) []GraphPermission {
	have := map[string]bool{}
	for _, g := range granted {
		have[strings.ToLower(strings.TrimSpace(g))] = true
	}
	var out []GraphPermission
	for _, p := range DefenderPermissions {
		ok := have[strings.ToLower(p.Name)]
		for _, a := range p.Alternatives {
			ok = ok || have[strings.ToLower(a)]
		}
		if !ok {
			out = append(out, p)
		}
	}
	return out
}

// permissionsText explains the permissions in one sentence.
func permissionsText() string {
	var parts []string
	for _, p := range DefenderPermissions {
		parts = append(parts, p.Name+" for "+p.For)
	}
	return "Microsoft Graph permissions (admin consent; a delegated user also needs a Defender role such as Security Reader, or Security Operator to write): " + strings.Join(parts, "; ")
}

// checkDefender examines a defender workspace, without calling out.
func (c *Config) checkDefender(r *report, w Workspace, def, key string) []Finding {
	switch {
	case w.Cloud == CloudGermany:
		r.err("Azure Germany was closed in October 2021 and is not supported: set %s.cloud in triage.yaml to one of %s", key, strings.Join(CloudNames, ", "))
	case w.Cloud == CloudChina:
		r.err("Microsoft Graph's security API (Defender XDR incidents and advanced hunting) is not available in Azure China (21Vianet): a defender workspace cannot use it")
	case w.Endpoints.Graph == "":
		r.err("cloud %q has no graph endpoint: set %s.endpoints.graph in triage.yaml", w.Cloud, key)
	}
	switch {
	case w.TenantID == "":
		r.warn("no tenant id: signing in uses the account's home tenant; if Defender is in another tenant, set %s.tenant_id in triage.yaml", key)
	case !validTenant(w.TenantID):
		r.err("tenant id %q is neither a GUID nor a domain: set %s.tenant_id in triage.yaml", w.TenantID, key)
	}
	switch {
	case w.WorkspaceID == "":
		r.warn("no workspace_id: only the queries on Defender XDR's own tables (devices, their processes, files and connections) run, through advanced hunting; the others (sign-ins, Azure and Office activity, related alerts, sentinel-ti's threat intelligence) need Sentinel's Log Analytics workspace: set %s.workspace_id to use them", key)
	case !triage.IsGUID(w.WorkspaceID):
		r.err("workspace id %q is not a GUID: set %s.workspace_id in triage.yaml", w.WorkspaceID, key)
	case w.Endpoints.LogAnalytics == "":
		r.err("cloud %q has no log_analytics endpoint: set %s.endpoints.log_analytics in triage.yaml", w.Cloud, key)
	}
	warnHTTP(r, w.Endpoints)
	usable := c.checkAuth(r, w.Auth, w.TenantID, key+".auth")
	summary := fmt.Sprintf("%sDefender XDR workspace (Microsoft Graph %s)", def, w.Endpoints.Graph)
	if w.TenantID != "" {
		summary += ", tenant " + w.TenantID
	}
	if w.WorkspaceID != "" {
		summary += fmt.Sprintf(", log queries through Log Analytics workspace %s (%s), and advanced hunting for the Defender XDR tables it does not hold", w.WorkspaceID, w.Endpoints.LogAnalytics)
	} else {
		summary += ", log queries on Defender XDR tables through advanced hunting"
	}
	summary += ", " + w.Cloud + " cloud; sign-in: " + strings.Join(usable, " then ") + "; " + permissionsText()
	return r.findings(summary)
}
