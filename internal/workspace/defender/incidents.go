package defender

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// graphIncident is a Graph security incident, as far as triage reads it.
type graphIncident struct {
	ID                 string            `json:"id"`
	DisplayName        string            `json:"displayName"`
	Description        string            `json:"description"`
	Severity           string            `json:"severity"`
	Status             string            `json:"status"`
	Classification     string            `json:"classification"`
	Determination      string            `json:"determination"`
	AssignedTo         string            `json:"assignedTo"`
	CustomTags         []string          `json:"customTags"`
	SystemTags         []string          `json:"systemTags"`
	CreatedDateTime    graphTime         `json:"createdDateTime"`
	LastUpdateDateTime graphTime         `json:"lastUpdateDateTime"`
	IncidentWebURL     string            `json:"incidentWebUrl"`
	RedirectIncidentID string            `json:"redirectIncidentId"`
	TenantID           string            `json:"tenantId"`
	ResolvingComment   string            `json:"resolvingComment"`
	Alerts             []json.RawMessage `json:"alerts"`
}

// page is one page of a Graph collection.
type page struct {
	Value    []json.RawMessage `json:"value"`
	NextLink string            `json:"@odata.nextLink"`
}

// ListIncidents pages through /security/incidents, $top at most 50, each
// next page by its @odata.nextLink as returned, with the window, the
// modification time, severities and statuses as a server-side $filter, and applies the whole filter again
// to what comes back (the last word: owner and title are filtered here
// only). Incidents come with their alerts ($expand=alerts), for the
// alert-derived fields; when the first page fails with a server error, the
// listing starts again without them, as Graph has failed with the expand
// on large tenants.
func (w *Workspace) ListIncidents(ctx context.Context, f workspace.IncidentFilter, fn func(triage.Incident) error) error {
	err := w.list(ctx, f, true, fn)
	var se *ServiceError
	if errors.As(err, &se) && strings.HasSuffix(se.What, "page 1") {
		return w.list(ctx, f, false, fn)
	}
	return err
}

func (w *Workspace) list(ctx context.Context, f workspace.IncidentFilter, expand bool, fn func(triage.Incident) error) error {
	q := url.Values{"$top": {strconv.Itoa(w.pageSize)}}
	if s := listFilter(f); s != "" {
		q.Set("$filter", s)
	}
	if expand {
		q.Set("$expand", "alerts")
	}
	next := w.api + "/security/incidents?" + q.Encode()
	seen := map[string]bool{}
	for n := 1; next != ""; n++ {
		if n > 1 && !sameOrigin(next, w.api) {
			return fmt.Errorf("defender workspace %s: list incidents: page %d: the next link %q leaves %s; not followed", w.cfg.Name, n, next, w.api)
		}
		data, err := w.call(ctx, http.MethodGet, next, nil, fmt.Sprintf("list incidents, page %d", n))
		if err != nil {
			return err
		}
		var p page
		if err := json.Unmarshal(data, &p); err != nil {
			return fmt.Errorf("defender workspace %s: list incidents, page %d: malformed answer: %w", w.cfg.Name, n, err)
		}
		for i, raw := range p.Value {
			inc, err := w.fromGraph(raw)
			if err != nil {
				return fmt.Errorf("defender workspace %s: list incidents, page %d item %d: %w", w.cfg.Name, n, i, err)
			}
			// A page that moved under the listing may repeat one.
			if seen[inc.Name] || !f.Match(inc) {
				continue
			}
			seen[inc.Name] = true
			if err := fn(inc); err != nil {
				return err
			}
		}
		next = resolveLink(w.api, p.NextLink)
	}
	return nil
}

// resolveLink is a next link as returned, made absolute against api when
// it is relative (Graph sends absolute links; a proxy may not).
func resolveLink(api, link string) string {
	if link == "" {
		return ""
	}
	base, err1 := url.Parse(api)
	ref, err2 := url.Parse(link)
	if err1 != nil || err2 != nil || ref.IsAbs() {
		return link
	}
	return base.ResolveReference(ref).String()
}

// sameOrigin reports whether link is on the scheme and host of api: a
// signed-in request is never sent elsewhere.
func sameOrigin(link, api string) bool {
	a, err1 := url.Parse(link)
	b, err2 := url.Parse(api)
	return err1 == nil && err2 == nil && strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host)
}

// listFilter is the OData $filter of f's window, modification time,
// severities and statuses
// (fixed words and formatted times: nothing a user typed is spliced in).
func listFilter(f workspace.IncidentFilter) string {
	var parts []string
	if !f.Start.IsZero() {
		parts = append(parts, "createdDateTime ge "+odataTime(f.Start, false))
	}
	if !f.End.IsZero() {
		parts = append(parts, "createdDateTime lt "+odataTime(f.End, true))
	}
	if !f.ModifiedSince.IsZero() {
		// A watch's later passes: only what changed since its cursor, not
		// the whole queue (rounded down: the bound is inclusive).
		parts = append(parts, "lastUpdateDateTime ge "+odataTime(f.ModifiedSince, false))
	}
	anyOf := func(field string, vals []string) {
		var or []string
		for _, v := range vals {
			if !slices.Contains(or, field+" eq '"+v+"'") {
				or = append(or, field+" eq '"+v+"'")
			}
		}
		if len(or) > 0 {
			parts = append(parts, "("+strings.Join(or, " or ")+")")
		}
	}
	var sev, st []string
	for _, s := range f.Severities {
		sev = append(sev, graphSeverities(s)...)
	}
	for _, s := range f.Statuses {
		st = append(st, graphStatuses(s)...)
	}
	anyOf("severity", sev)
	anyOf("status", st)
	return strings.Join(parts, " and ")
}

// maxRedirects bounds the merges followed from one incident.
const maxRedirects = 8

// Incident finds an incident by its Graph id (a number; a Defender portal
// link or a path naming one is reduced to it), with its alerts. A merged incident
// (status redirected) is followed to the one it was merged into, which is
// returned with Source["redirectedFrom"] naming the incidents followed.
func (w *Workspace) Incident(ctx context.Context, ref string) (triage.Incident, error) {
	id := refID(ref)
	if id == "" {
		return triage.Incident{}, fmt.Errorf("incident: empty reference")
	}
	if _, err := strconv.ParseUint(id, 10, 63); err != nil {
		return triage.Incident{}, fmt.Errorf("defender workspace %s: incident %q: %w (Defender XDR incidents are named by their number)", w.cfg.Name, ref, workspace.ErrNotFound)
	}
	inc, err := w.get(ctx, id)
	if err != nil {
		return triage.Incident{}, err
	}
	var from []string
	for inc.Source["status"] == statusRedirected && inc.Source["redirectIncidentId"] != "" {
		to := inc.Source["redirectIncidentId"]
		if len(from) == maxRedirects || slices.Contains(from, to) || to == inc.Name {
			return triage.Incident{}, fmt.Errorf("defender workspace %s: incident %s: redirected in a loop or too often (%s → %s)", w.cfg.Name, id, strings.Join(append(from, inc.Name), " → "), to)
		}
		from = append(from, inc.Name)
		next, err := w.get(ctx, to)
		if err != nil {
			return triage.Incident{}, fmt.Errorf("defender workspace %s: incident %s was merged into %s, which cannot be read: %w", w.cfg.Name, inc.Name, to, err)
		}
		inc = next
	}
	if len(from) > 0 {
		inc.Source["redirectedFrom"] = strings.Join(from, ", ")
	}
	return inc, nil
}

// refID is the incident id a reference names: the reference itself, the
// last segment of a path, or the segment after incident2/incidents in a
// Defender portal link (".../incident2/42/overview?tid=...").
func refID(ref string) string {
	s := strings.TrimSpace(ref)
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.Host != "" {
		seg := strings.Split(strings.Trim(u.Path, "/"), "/")
		for i, x := range seg {
			if (x == "incident2" || x == "incidents") && i+1 < len(seg) {
				return seg[i+1]
			}
		}
		s = u.Path
	}
	s = strings.TrimRight(s, "/")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// get reads one incident by id with its alerts.
func (w *Workspace) get(ctx context.Context, id string) (triage.Incident, error) {
	data, err := w.getRaw(ctx, id)
	if err != nil {
		return triage.Incident{}, err
	}
	inc, err := w.fromGraph(data)
	if err != nil {
		return triage.Incident{}, fmt.Errorf("defender workspace %s: incident %s: %w", w.cfg.Name, id, err)
	}
	return inc, nil
}

func (w *Workspace) getRaw(ctx context.Context, id string) ([]byte, error) {
	return w.call(ctx, http.MethodGet, w.incidentURL(id)+"?$expand=alerts", nil, "incident "+id)
}

func (w *Workspace) incidentURL(id string) string {
	return w.api + "/security/incidents/" + url.PathEscape(id)
}

// fromGraph maps a Graph incident onto the model. Its ETag is made of
// lastUpdateDateTime (Graph gives none). Alert-derived fields (count, ids,
// products, tactics, activity times) are filled when the alerts are there.
func (w *Workspace) fromGraph(raw []byte) (triage.Incident, error) {
	var g graphIncident
	if err := json.Unmarshal(raw, &g); err != nil {
		return triage.Incident{}, fmt.Errorf("malformed incident: %w", err)
	}
	n, err := strconv.ParseInt(g.ID, 10, 64)
	if err != nil || n <= 0 {
		return triage.Incident{}, fmt.Errorf("incident id %q is not a number", g.ID)
	}
	inc := triage.Incident{
		Name: g.ID, Number: int(n), Title: g.DisplayName, Description: g.Description,
		Severity: fromGraphSeverity(g.Severity), Status: fromGraphStatus(g.Status),
		Owner: ownerOf(g.AssignedTo), Labels: g.CustomTags,
		Created: g.CreatedDateTime.UTC(), LastModified: g.LastUpdateDateTime.UTC(),
		ClassificationComment: g.ResolvingComment,
		URL:                   g.IncidentWebURL,
		ETag:                  `W/"` + g.LastUpdateDateTime.UTC().Format(time.RFC3339Nano) + `"`,
	}
	if g.CreatedDateTime.IsZero() {
		inc.Created = time.Time{}
	}
	inc.Classification, inc.ClassificationReason = fromGraphClassification(g.Classification, g.Determination, inc.Status == triage.StatusClosed)
	if inc.URL == "" && (w.cfg.Cloud == config.CloudPublic || w.cfg.Cloud == "") {
		inc.URL = workspace.DefenderPortalURL(g.ID, firstNonEmpty(g.TenantID, w.cfg.TenantID))
	}
	inc.Source = map[string]string{}
	for k, v := range map[string]string{
		"status": g.Status, "severity": g.Severity, "classification": g.Classification,
		"determination": g.Determination, "assignedTo": g.AssignedTo,
		"redirectIncidentId": g.RedirectIncidentID, "systemTags": strings.Join(g.SystemTags, ", "),
	} {
		if v != "" {
			inc.Source[k] = v
		}
	}
	for _, a := range g.Alerts {
		var x graphAlert
		if json.Unmarshal(a, &x) != nil || x.ID == "" {
			continue // Details reports it
		}
		inc.AlertIDs = append(inc.AlertIDs, x.ID)
		if p := firstNonEmpty(x.ProductName, x.ServiceSource); p != "" && !slices.Contains(inc.ProductNames, p) {
			inc.ProductNames = append(inc.ProductNames, p)
		}
		if x.Category != "" && !slices.Contains(inc.Tactics, x.Category) {
			inc.Tactics = append(inc.Tactics, x.Category)
		}
		if t := x.FirstActivityDateTime; !t.IsZero() && (inc.FirstActivity.IsZero() || t.Before(inc.FirstActivity)) {
			inc.FirstActivity = t.UTC()
		}
		if t := x.LastActivityDateTime; t.After(inc.LastActivity) {
			inc.LastActivity = t.UTC()
		}
	}
	inc.AlertCount = len(inc.AlertIDs)
	return inc, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
