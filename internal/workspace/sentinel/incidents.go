package sentinel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	si "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/securityinsights/armsecurityinsights/v2"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// ListIncidents pages through the incidents API (every page, following
// nextLink) with the window, modification time, severities and statuses as a server-side
// $filter and newest first as $orderby, and applies the whole filter again
// to what comes back. Without the incidents API it reads the SecurityIncident
// table through the catalog query incidents_in_window.
func (w *Workspace) ListIncidents(ctx context.Context, f workspace.IncidentFilter, fn func(triage.Incident) error) error {
	if w.incidents == nil {
		return w.listFromTable(ctx, f, fn)
	}
	opts := &si.IncidentsClientListOptions{Orderby: ptr("properties/createdTimeUtc desc")}
	if s := listFilter(f); s != "" {
		opts.Filter = &s
	}
	pager := w.incidents.NewListPager(w.cfg.ResourceGroup, w.cfg.WorkspaceName, opts)
	for page := 1; pager.More(); page++ {
		resp, err := pager.NextPage(ctx)
		if err != nil {
			return w.classify(err, fmt.Sprintf("list incidents, page %d", page))
		}
		for i, x := range resp.Value {
			inc, err := fromARM(x)
			if err != nil {
				return fmt.Errorf("sentinel workspace %s: list incidents, page %d item %d: %w", w.cfg.Name, page, i, err)
			}
			inc = w.linked(inc, providerID(x))
			if !f.Match(inc) {
				continue
			}
			if err := fn(inc); err != nil {
				return err
			}
		}
	}
	return nil
}

// listFilter is the OData $filter for f's window, modification time,
// severities and statuses (times formatted here, values from fixed enums:
// nothing from the user is spliced in unchecked).
func listFilter(f workspace.IncidentFilter) string {
	var parts []string
	if !f.Start.IsZero() {
		parts = append(parts, "properties/createdTimeUtc ge "+f.Start.UTC().Format(time.RFC3339Nano))
	}
	if !f.End.IsZero() {
		parts = append(parts, "properties/createdTimeUtc lt "+f.End.UTC().Format(time.RFC3339Nano))
	}
	if !f.ModifiedSince.IsZero() {
		parts = append(parts, "properties/lastModifiedTimeUtc ge "+f.ModifiedSince.UTC().Format(time.RFC3339Nano))
	}
	any := func(field string, vals []string) {
		var or []string
		for _, v := range vals {
			if odataWord(v) {
				or = append(or, field+" eq '"+v+"'")
			}
		}
		if len(or) > 0 {
			parts = append(parts, "("+strings.Join(or, " or ")+")")
		}
	}
	any("properties/severity", strs(f.Severities))
	any("properties/status", strs(f.Statuses))
	return strings.Join(parts, " and ")
}

// odataWord reports whether s is a plain word safe in an OData literal.
func odataWord(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

func strs[S ~string](xs []S) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func (w *Workspace) listFromTable(ctx context.Context, f workspace.IncidentFilter, fn func(triage.Incident) error) error {
	q, err := w.cat.Get("incidents_in_window")
	if err != nil {
		return fmt.Errorf("list incidents: %w", err)
	}
	end := f.End
	if end.IsZero() {
		end = time.Now().Add(24 * time.Hour)
	}
	t, err := w.Query(ctx, q, workspace.Params{
		"start": f.Start, "end": end, "modified_since": f.ModifiedSince,
		"severities": strs(f.Severities), "statuses": strs(f.Statuses),
		"owner": f.Owner, "title_contains": f.Title,
	})
	if err != nil {
		return fmt.Errorf("list incidents: %w", err)
	}
	if len(t.Warnings) > 0 {
		return fmt.Errorf("sentinel workspace %s: list incidents: the result is partial: %s", w.cfg.Name, strings.Join(t.Warnings, "; "))
	}
	for i, r := range t.Records() {
		inc, err := tableIncident(r)
		if err != nil {
			return fmt.Errorf("sentinel workspace %s: list incidents: row %d: %w", w.cfg.Name, i, err)
		}
		inc = w.linked(inc, r.String("ProviderIncidentId"))
		if !f.Match(inc) {
			continue
		}
		if err := fn(inc); err != nil {
			return err
		}
	}
	return nil
}

// Incident finds an incident by number or by name (its GUID; a full
// resource id is reduced to its last segment). By number it asks the
// incidents API with a $filter on incidentNumber and checks every incident
// returned, all pages, since the number is not part of the resource path.
func (w *Workspace) Incident(ctx context.Context, ref string) (triage.Incident, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return triage.Incident{}, fmt.Errorf("incident: empty reference")
	}
	n, numErr := strconv.ParseInt(ref, 10, 32)
	name := ref
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if w.incidents == nil {
		return w.incidentFromTable(ctx, ref, n, numErr == nil, name)
	}
	if numErr != nil {
		inc, _, err := w.get(ctx, name)
		if err != nil {
			return inc, err
		}
		return w.withAlertIDs(ctx, inc)
	}
	pager := w.incidents.NewListPager(w.cfg.ResourceGroup, w.cfg.WorkspaceName, &si.IncidentsClientListOptions{
		Filter: ptr(fmt.Sprintf("properties/incidentNumber eq %d", n)),
	})
	for page := 1; pager.More(); page++ {
		resp, err := pager.NextPage(ctx)
		if err != nil {
			return triage.Incident{}, w.classify(err, fmt.Sprintf("incident %d: list page %d", n, page))
		}
		for _, x := range resp.Value {
			if x == nil || x.Properties == nil || x.Properties.IncidentNumber == nil || int64(*x.Properties.IncidentNumber) != n {
				continue
			}
			inc, err := fromARM(x)
			if err != nil {
				return inc, fmt.Errorf("sentinel workspace %s: incident %d: %w", w.cfg.Name, n, err)
			}
			inc = w.linked(inc, providerID(x))
			return w.withAlertIDs(ctx, inc)
		}
	}
	return triage.Incident{}, fmt.Errorf("sentinel workspace %s: incident %d: %w", w.cfg.Name, n, workspace.ErrNotFound)
}

// withAlertIDs fills inc.AlertIDs from ListAlerts (the incident itself does
// not list them). It is best effort: when the alerts cannot be read the
// incident comes back without them, and Details, which reads them again,
// reports why.
func (w *Workspace) withAlertIDs(ctx context.Context, inc triage.Incident) (triage.Incident, error) {
	resp, err := w.incidents.ListAlerts(ctx, w.cfg.ResourceGroup, w.cfg.WorkspaceName, inc.Name, nil)
	if err != nil {
		return inc, ctx.Err()
	}
	for _, a := range resp.Value {
		if id := alertID(a); id != "" && !slices.Contains(inc.AlertIDs, id) {
			inc.AlertIDs = append(inc.AlertIDs, id)
		}
	}
	return inc, nil
}

// get reads one incident by name, returning the SDK's model too.
func (w *Workspace) get(ctx context.Context, name string) (triage.Incident, *si.Incident, error) {
	resp, err := w.incidents.Get(ctx, w.cfg.ResourceGroup, w.cfg.WorkspaceName, name, nil)
	if err != nil {
		return triage.Incident{}, nil, w.classify(err, "incident "+name)
	}
	inc, err := fromARM(&resp.Incident)
	if err != nil {
		return triage.Incident{}, nil, fmt.Errorf("sentinel workspace %s: incident %s: %w", w.cfg.Name, name, err)
	}
	inc = w.linked(inc, providerID(&resp.Incident))
	return inc, &resp.Incident, nil
}

func (w *Workspace) incidentFromTable(ctx context.Context, ref string, n int64, byNumber bool, name string) (triage.Incident, error) {
	qname, p := "incident_by_name", workspace.Params{"name": name}
	if byNumber {
		qname, p = "incident_by_number", workspace.Params{"number": n}
	}
	q, err := w.cat.Get(qname)
	if err != nil {
		return triage.Incident{}, fmt.Errorf("incident %q: %w", ref, err)
	}
	t, err := w.Query(ctx, q, p)
	if err != nil {
		return triage.Incident{}, fmt.Errorf("incident %q: %w", ref, err)
	}
	recs := t.Records()
	if len(recs) == 0 {
		return triage.Incident{}, fmt.Errorf("sentinel workspace %s: incident %q: %w", w.cfg.Name, ref, workspace.ErrNotFound)
	}
	inc, err := tableIncident(recs[0])
	return w.linked(inc, recs[0].String("ProviderIncidentId")), err
}

// linked points inc's URL at the Defender portal when the workspace is
// configured with portal: defender and the incident has a Defender id (its
// providerIncidentId, set once the workspace is onboarded to the Defender
// portal); otherwise the incident keeps its own URL. Built links are for
// the global cloud (and custom endpoints, which stand in for it): national
// clouds' incidents keep their own URLs.
func (w *Workspace) linked(inc triage.Incident, providerIncidentID string) triage.Incident {
	if w.cfg.Portal != config.PortalDefender || providerIncidentID == "" || inc.Name == "" ||
		w.cfg.Cloud != config.CloudPublic && w.cfg.Cloud != config.CloudCustom && w.cfg.Cloud != "" {
		return inc
	}
	inc.URL = workspace.DefenderPortalURL(providerIncidentID, w.cfg.TenantID)
	return inc
}

func providerID(x *si.Incident) string {
	if x == nil || x.Properties == nil {
		return ""
	}
	return deref(x.Properties.ProviderIncidentID)
}

// tableIncident reads a SecurityIncident row. Its ETag is weak, made of the
// last modification time: the table has none, and such an incident is
// read-only here (writing needs the incidents API).
func tableIncident(r workspace.Record) (triage.Incident, error) {
	inc, err := workspace.IncidentFromRecord(r)
	if err == nil {
		inc.ETag = `W/"` + inc.LastModified.UTC().Format(time.RFC3339Nano) + `"`
	}
	return inc, err
}

// fromARM converts the incidents API's model.
func fromARM(x *si.Incident) (triage.Incident, error) {
	if x == nil || x.Name == nil || *x.Name == "" {
		return triage.Incident{}, fmt.Errorf("incident without a name")
	}
	inc := triage.Incident{Name: *x.Name, ETag: deref(x.Etag)}
	p := x.Properties
	if p == nil {
		return triage.Incident{}, fmt.Errorf("incident %s has no properties", inc.Name)
	}
	inc.Title = deref(p.Title)
	inc.Description = deref(p.Description)
	inc.Severity = triage.Severity(deref(p.Severity))
	inc.Status = triage.Status(deref(p.Status))
	inc.Classification = triage.Classification(deref(p.Classification))
	inc.ClassificationReason = string(deref(p.ClassificationReason))
	inc.ClassificationComment = deref(p.ClassificationComment)
	if p.IncidentNumber != nil {
		inc.Number = int(*p.IncidentNumber)
	}
	if o := p.Owner; o != nil {
		inc.Owner = triage.Owner{ObjectID: deref(o.ObjectID), Email: deref(o.Email), AssignedTo: deref(o.AssignedTo), UPN: deref(o.UserPrincipalName)}
	}
	for _, l := range p.Labels {
		if l != nil && deref(l.LabelName) != "" {
			inc.Labels = append(inc.Labels, *l.LabelName)
		}
	}
	inc.Created = derefTime(p.CreatedTimeUTC)
	inc.FirstActivity = derefTime(p.FirstActivityTimeUTC)
	inc.LastActivity = derefTime(p.LastActivityTimeUTC)
	inc.LastModified = derefTime(p.LastModifiedTimeUTC)
	inc.URL = deref(p.IncidentURL)
	if ad := p.AdditionalData; ad != nil {
		if ad.AlertsCount != nil {
			inc.AlertCount = int(*ad.AlertsCount)
		}
		for _, s := range ad.AlertProductNames {
			if s != nil {
				inc.ProductNames = append(inc.ProductNames, *s)
			}
		}
		for _, t := range ad.Tactics {
			if t != nil {
				inc.Tactics = append(inc.Tactics, string(*t))
			}
		}
	}
	return inc, nil
}

// Details reads the incident's alerts (ListAlerts) and entities
// (ListEntities) from the incidents API, and each alert's SecurityAlert row
// from Log Analytics for its full Entities (the API's entity list can be
// partial). Entities from both are merged by identity key, within the
// workspace's caps (Options.Limits), as in every workspace. A source that fails is a Problem naming it, as long as another
// gave something; the error is for an incident nothing could be read of.
func (w *Workspace) Details(ctx context.Context, inc triage.Incident) (triage.Details, error) {
	where := "incident " + label(inc)
	asm := triage.NewAssembly(where, w.limits)
	ids := append([]string(nil), inc.AlertIDs...)
	var apiAlerts []*si.SecurityAlert
	var apiEntities []byte
	var apiErr error
	if w.incidents != nil {
		apiAlerts, apiEntities, apiErr = w.apiDetails(ctx, inc.Name)
		if apiErr != nil {
			asm.Problem(triage.Problem{Where: where, What: strings.ReplaceAll(apiErr.Error(), "\n", "; ")})
		}
		for _, a := range apiAlerts {
			if id := alertID(a); id != "" && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	rows, rowErr := w.alertRows(ctx, ids)
	if rowErr != nil {
		asm.Problem(triage.Problem{Where: where, What: "SecurityAlert rows: " + rowErr.Error() +
			"; the entities are the incidents API's, which can be partial"})
	}
	if apiErr != nil && len(apiAlerts) == 0 && len(apiEntities) == 0 && len(rows) == 0 {
		return triage.Details{}, apiErr // nothing could be read
	}
	if w.incidents == nil && rowErr != nil {
		return triage.Details{}, rowErr
	}

	seen := map[string]bool{}
	add := func(a triage.Alert, ents []triage.Entity, probs []triage.Problem) {
		asm.Alert(a, ents, probs)
		seen[a.ID] = true
	}
	for _, id := range ids {
		if row, ok := rows[id]; ok {
			add(triage.ParseSecurityAlert(row))
		}
	}
	for _, a := range apiAlerts {
		id := alertID(a)
		if id == "" || seen[id] {
			continue
		}
		if rowErr == nil && w.logs != nil {
			asm.Problem(triage.Problem{Where: where + " alert " + id,
				What: "no SecurityAlert row with this SystemAlertId; its entities come from the incidents API only"})
		}
		add(triage.ParseSecurityAlert(apiAlertRow(a)))
	}
	for _, id := range ids {
		if !seen[id] && rowErr == nil {
			asm.Problem(triage.Problem{Where: where + " alert " + id, What: "no SecurityAlert row with this SystemAlertId"})
			seen[id] = true
		}
	}
	if len(apiEntities) > 0 {
		asm.Entities(triage.ParseAPIEntities(apiEntities, where+" entities"))
	}
	if len(ids) == 0 && apiErr == nil {
		asm.Problem(triage.Problem{Where: where, What: "the incident has no alerts"})
	}
	return asm.Details(), nil
}

// apiDetails calls ListAlerts and ListEntities, each on its own: one that
// fails does not hide what the other gave. The entities are returned as the
// raw body so that nothing the SDK's models do not know is lost.
func (w *Workspace) apiDetails(ctx context.Context, name string) ([]*si.SecurityAlert, []byte, error) {
	var alerts []*si.SecurityAlert
	ar, aerr := w.incidents.ListAlerts(ctx, w.cfg.ResourceGroup, w.cfg.WorkspaceName, name, nil)
	if aerr != nil {
		aerr = w.classify(aerr, "alerts of incident "+name)
	} else {
		alerts = ar.Value
	}
	var raw *http.Response
	var body []byte
	_, eerr := w.incidents.ListEntities(policy.WithCaptureResponse(ctx, &raw), w.cfg.ResourceGroup, w.cfg.WorkspaceName, name, nil)
	if eerr != nil {
		eerr = w.classify(eerr, "entities of incident "+name)
	} else if body, eerr = readPayload(raw); eerr != nil {
		eerr = fmt.Errorf("sentinel workspace %s: entities of incident %s: %w", w.cfg.Name, name, eerr)
	}
	return alerts, body, errors.Join(aerr, eerr)
}

// alertRows reads the latest SecurityAlert row of each id, by id.
func (w *Workspace) alertRows(ctx context.Context, ids []string) (map[string]map[string]any, error) {
	if len(ids) == 0 || w.logs == nil {
		return nil, nil
	}
	q, err := w.cat.Get("alerts_by_id")
	if err != nil {
		return nil, err
	}
	t, err := w.Query(ctx, q, workspace.Params{"ids": ids})
	if err != nil {
		return nil, err
	}
	if len(t.Warnings) > 0 {
		err = fmt.Errorf("partial result: %s", strings.Join(t.Warnings, "; "))
	}
	rows := make(map[string]map[string]any, len(t.Rows))
	for _, r := range t.Records() {
		rows[r.String("SystemAlertId")] = r
	}
	return rows, err
}

func alertID(a *si.SecurityAlert) string {
	if a == nil {
		return ""
	}
	if a.Properties != nil && deref(a.Properties.SystemAlertID) != "" {
		return *a.Properties.SystemAlertID
	}
	return deref(a.Name)
}

// apiAlertRow maps a ListAlerts item onto SecurityAlert column names, so that
// one parser reads both.
func apiAlertRow(a *si.SecurityAlert) map[string]any {
	row := map[string]any{"SystemAlertId": alertID(a)}
	p := a.Properties
	if p == nil {
		return row
	}
	set := func(k string, v any) {
		switch x := v.(type) {
		case *string:
			if x != nil {
				row[k] = *x
			}
		case *time.Time:
			if x != nil {
				row[k] = *x
			}
		default:
			row[k] = v
		}
	}
	set("DisplayName", p.AlertDisplayName)
	set("AlertType", p.AlertType)
	set("AlertSeverity", string(deref(p.Severity)))
	set("ProductName", p.ProductName)
	set("VendorName", p.VendorName)
	set("Status", string(deref(p.Status)))
	set("Description", p.Description)
	set("CompromisedEntity", p.CompromisedEntity)
	set("StartTime", p.StartTimeUTC)
	set("EndTime", p.EndTimeUTC)
	set("TimeGenerated", p.TimeGenerated)
	var tactics []string
	for _, t := range p.Tactics {
		if t != nil {
			tactics = append(tactics, string(*t))
		}
	}
	row["Tactics"] = strings.Join(tactics, ",")
	if len(p.AdditionalData) > 0 {
		if b, err := json.Marshal(p.AdditionalData); err == nil {
			row["ExtendedProperties"] = string(b)
		}
	}
	return row
}

func label(inc triage.Incident) string {
	if inc.Number != 0 {
		return strconv.Itoa(inc.Number)
	}
	return inc.Name
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func derefTime(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return p.UTC()
}
