package importer

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

// Triage works on incidents: an alert no incident lists cannot be triaged,
// and an alert exported apart from its incident is not part of it until the
// incident lists it. After the rows of a file, Import therefore writes, in
// the same transaction:
//
//   - link rows: for an imported alert that names its incident
//     (IncidentLinkField) when that incident is in the workspace but does not
//     list the alert, a new row of the incident that lists it, the latest
//     row's copy with the alert added to AlertIds (and AdditionalData's
//     alertsCount raised to the number of real alerts it lists) and a
//     TimeGenerated one microsecond later, so it becomes the incident's
//     latest row. The incident may come later than its alerts: the link is
//     made by whichever import brings the second of the two.
//   - synthetic incidents: every SecurityAlert (with a SystemAlertId) that no
//     incident's latest row lists gets an incident of its own, see
//     syntheticIncident. Its number is the next free one (the highest in the
//     workspace plus one), given in order of alert time.
//   - closing rows: a synthetic incident whose alert a real incident now
//     lists is closed (Status Closed, Classification Undetermined, a comment
//     naming the real incident), so the alert is not triaged twice.
//
// Every one of these rows is made only when it is missing, so importing a
// file again writes none of them.

// IncidentLinkField is the Record field of an imported SecurityAlert row
// that names the incident the alert was exported with (its IncidentName).
const IncidentLinkField = "_ImportIncidentName"

// SyntheticProvider is the ProviderName of the incidents the importer makes
// for alerts without one; SyntheticLabel is their label.
const (
	SyntheticProvider = "triage (alert without incident)"
	SyntheticLabel    = "alert-only"
)

// namespace is the UUID namespace of the ids the importer makes up.
var namespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/triage-dev/triage/importer"))

// madeUpID returns a name-based (version 5) UUID for value in the space
// kind, so the same input always gives the same id.
func madeUpID(kind, value string) string {
	return uuid.NewSHA1(namespace, []byte(kind+"\x00"+value)).String()
}

// SyntheticIncidentName returns the IncidentName of the synthetic incident
// of the alert with this SystemAlertId.
func SyntheticIncidentName(systemAlertID string) string {
	return madeUpID("alert-incident", systemAlertID)
}

// SyntheticIncidents writes, in one transaction, the link rows, synthetic
// incidents and closing rows the workspace lacks (see Import), for a
// workspace loaded by other means than Import. It returns the number of
// synthetic incidents made. Like Import, it must not run at the same time as
// another import into the workspace.
func SyntheticIncidents(ctx context.Context, ws *local.Workspace) (int, error) {
	st, err := loadState(ctx, ws)
	if err != nil {
		return 0, fmt.Errorf("synthetic incidents: %w", err)
	}
	p, err := st.plan(ctx, ws)
	if err != nil {
		return 0, fmt.Errorf("synthetic incidents: %w", err)
	}
	if len(p.rows) == 0 {
		return 0, nil
	}
	err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
		for _, r := range p.rows {
			if err := emit(r.table, r.rec); err != nil {
				return fmt.Errorf("%s: %w", r.where, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("synthetic incidents: %w", err)
	}
	return p.synthetic, nil
}

// incidentState is what the plan needs of an incident's latest row.
type incidentState struct {
	name     string
	number   int64
	alertIDs []string
	status   string
	provider string
	created  time.Time
	tg       time.Time
	rec      map[string]any // the whole row when it comes from the file
}

// alertState is what the plan needs of an alert's latest row.
type alertState struct {
	id   string
	tg   time.Time
	link string
	rec  map[string]any
}

type state struct {
	incidents map[string]*incidentState // by lower-case IncidentName
	alerts    map[string]*alertState    // by SystemAlertId
	maxNumber int64
}

var (
	latestIncidentsQuery = &workspace.Query{
		Name: "importer: latest incidents",
		Bodies: map[workspace.Dialect]string{workspace.SQL: `
WITH latest AS (
  SELECT rowid AS rid,
         row_number() OVER (PARTITION BY IncidentName ORDER BY TimeGenerated DESC, rowid DESC) AS rn
  FROM SecurityIncident
  WHERE IncidentName IS NOT NULL
)
SELECT i.IncidentName, i.IncidentNumber, i.AlertIds, i.Status, i.ProviderName, i.CreatedTime, i.TimeGenerated
FROM SecurityIncident AS i
JOIN latest ON latest.rid = i.rowid AND latest.rn = 1`},
	}
	maxNumberQuery = &workspace.Query{
		Name:    "importer: highest incident number",
		Bodies:  map[workspace.Dialect]string{workspace.SQL: `SELECT coalesce(max(IncidentNumber), 0) AS n FROM SecurityIncident`},
		Columns: map[string]string{"n": "long"},
	}
	latestAlertsQuery = &workspace.Query{
		Name: "importer: latest alerts",
		Bodies: map[workspace.Dialect]string{workspace.SQL: `
WITH latest AS (
  SELECT rowid AS rid,
         row_number() OVER (PARTITION BY SystemAlertId ORDER BY TimeGenerated DESC, rowid DESC) AS rn
  FROM SecurityAlert
  WHERE SystemAlertId IS NOT NULL AND SystemAlertId <> ''
)
SELECT a.SystemAlertId, a.TimeGenerated, a.AlertType, a.Description, a.ProductName, a.ProviderName,
       a.StartTime, a.EndTime, a.Tactics,
       coalesce(a.DisplayName, json_extract(a.Record, '$.AlertDisplayName'), a.AlertName) AS DisplayName,
       coalesce(a.AlertSeverity, json_extract(a.Record, '$.Severity')) AS AlertSeverity,
       json_extract(a.Record, '$."` + IncidentLinkField + `"') AS ImportIncidentName
FROM SecurityAlert AS a
JOIN latest ON latest.rid = a.rowid AND latest.rn = 1`},
		Columns: map[string]string{"DisplayName": "string", "AlertSeverity": "string", "ImportIncidentName": "string"},
	}
	incidentRowsQuery = &workspace.Query{
		Name:   "importer: incidents by name",
		Params: []workspace.Param{{Name: "names", Type: workspace.TypeList}},
		Bodies: map[workspace.Dialect]string{workspace.SQL: `
WITH latest AS (
  SELECT rowid AS rid,
         row_number() OVER (PARTITION BY IncidentName ORDER BY TimeGenerated DESC, rowid DESC) AS rn
  FROM SecurityIncident
  WHERE IncidentName IN (SELECT value FROM json_each(:names))
)
SELECT i.*
FROM SecurityIncident AS i
JOIN latest ON latest.rid = i.rowid AND latest.rn = 1`},
	}
)

// loadState reads the latest row of every incident and alert.
func loadState(ctx context.Context, ws *local.Workspace) (*state, error) {
	st := &state{incidents: map[string]*incidentState{}, alerts: map[string]*alertState{}}
	t, err := ws.Query(ctx, latestIncidentsQuery, nil)
	if err != nil {
		return nil, err
	}
	for _, r := range t.Records() {
		inc := &incidentState{
			name:     r.String("IncidentName"),
			number:   r.Int("IncidentNumber"),
			alertIDs: stringList(r["AlertIds"]),
			status:   r.String("Status"),
			provider: r.String("ProviderName"),
			created:  r.Time("CreatedTime"),
			tg:       r.Time("TimeGenerated"),
		}
		st.incidents[strings.ToLower(inc.name)] = inc
	}
	if t, err = ws.Query(ctx, maxNumberQuery, nil); err != nil {
		return nil, err
	}
	if recs := t.Records(); len(recs) == 1 {
		st.maxNumber = recs[0].Int("n")
	}
	if t, err = ws.Query(ctx, latestAlertsQuery, nil); err != nil {
		return nil, err
	}
	for _, r := range t.Records() {
		a := &alertState{id: r.String("SystemAlertId"), tg: r.Time("TimeGenerated"), link: r.String("ImportIncidentName"), rec: r}
		st.alerts[a.id] = a
	}
	return st, nil
}

// addIncident makes a file's incident row the incident's latest unless the
// workspace has a later one.
func (st *state) addIncident(rec map[string]any) {
	name, _ := rec["IncidentName"].(string)
	tg, _ := rec["TimeGenerated"].(time.Time)
	n, _ := rec["IncidentNumber"].(int64)
	st.maxNumber = max(st.maxNumber, n)
	key := strings.ToLower(name)
	if cur, ok := st.incidents[key]; ok && cur.tg.After(tg) {
		return
	}
	created, _ := rec["CreatedTime"].(time.Time)
	status, _ := rec["Status"].(string)
	provider, _ := rec["ProviderName"].(string)
	st.incidents[key] = &incidentState{
		name: name, number: n, alertIDs: stringList(rec["AlertIds"]), status: status, provider: provider,
		created: created, tg: tg, rec: rec,
	}
}

// addAlert makes a file's alert row the alert's latest unless the workspace
// has a later one.
func (st *state) addAlert(rec map[string]any) {
	id, _ := rec["SystemAlertId"].(string)
	if id == "" {
		return
	}
	tg, _ := rec["TimeGenerated"].(time.Time)
	if cur, ok := st.alerts[id]; ok && cur.tg.After(tg) {
		return
	}
	link, _ := rec[IncidentLinkField].(string)
	st.alerts[id] = &alertState{id: id, tg: tg, link: link, rec: alertSummary(rec)}
}

// alertSummary keeps of an alert's record what the plan reads (see
// syntheticIncident), so that the alerts of a large file are not held whole.
func alertSummary(rec map[string]any) map[string]any {
	out := make(map[string]any, 16)
	for _, k := range []string{"SystemAlertId", "TimeGenerated", "DisplayName", "AlertDisplayName", "AlertName", "AlertType",
		"AlertSeverity", "Severity", "Description", "ProductName", "ProviderName", "StartTime", "EndTime", "Tactics"} {
		if v, ok := rec[k]; ok {
			out[k] = v
		}
	}
	return out
}

// plan is the rows that keep the incidents whole.
type plan struct {
	rows       []row
	linked     int // alerts added to their incidents
	synthetic  int // incidents made for alerts without one
	superseded int // synthetic incidents closed
}

func isSynthetic(inc *incidentState) bool { return inc.provider == SyntheticProvider }

// plan works out the link rows, closing rows and synthetic incidents of st
// (see the comment at the top of this file).
func (st *state) plan(ctx context.Context, ws *local.Workspace) (*plan, error) {
	p := &plan{}
	alerts := make([]*alertState, 0, len(st.alerts))
	for _, a := range st.alerts {
		alerts = append(alerts, a)
	}
	slices.SortFunc(alerts, func(a, b *alertState) int {
		return cmp.Or(a.tg.Compare(b.tg), strings.Compare(a.id, b.id))
	})

	// Alerts to add to the incidents they name.
	adds := map[string][]string{} // lower-case incident name -> alert ids
	for _, a := range alerts {
		inc := st.incidents[strings.ToLower(a.link)]
		if a.link == "" || inc == nil || slices.Contains(inc.alertIDs, a.id) {
			continue
		}
		adds[strings.ToLower(inc.name)] = append(adds[strings.ToLower(inc.name)], a.id)
	}
	// Alerts a real incident lists, once the links are made.
	listed := map[string]string{} // alert id -> incident name
	for _, key := range sortedKeys(st.incidents) {
		inc := st.incidents[key]
		if isSynthetic(inc) {
			continue
		}
		for _, id := range slices.Concat(inc.alertIDs, adds[key]) {
			if _, ok := listed[id]; !ok {
				listed[id] = inc.name
			}
		}
	}
	// Synthetic incidents to close.
	var closing []string
	for _, key := range sortedKeys(st.incidents) {
		inc := st.incidents[key]
		if !isSynthetic(inc) || strings.EqualFold(inc.status, string(triage.StatusClosed)) {
			continue
		}
		for _, id := range inc.alertIDs {
			if _, ok := listed[id]; ok {
				closing = append(closing, key)
				break
			}
		}
	}

	// The whole latest rows of the incidents to rewrite.
	var fetch []string
	for _, key := range slices.Concat(sortedKeys(adds), closing) {
		if inc := st.incidents[key]; inc.rec == nil {
			fetch = append(fetch, inc.name)
		}
	}
	if len(fetch) > 0 {
		t, err := ws.Query(ctx, incidentRowsQuery, workspace.Params{"names": fetch})
		if err != nil {
			return nil, err
		}
		for _, r := range t.Records() {
			if inc := st.incidents[strings.ToLower(r.String("IncidentName"))]; inc != nil && inc.rec == nil {
				inc.rec = r
			}
		}
	}

	for _, key := range sortedKeys(adds) {
		inc := st.incidents[key]
		if inc.rec == nil {
			return nil, fmt.Errorf("incident %s: its latest row could not be read", inc.name)
		}
		rec := copyRecord(inc.rec)
		ids := slices.Concat(inc.alertIDs, adds[key])
		rec["AlertIds"] = toAny(ids)
		real := 0
		for _, id := range ids {
			if a := st.alerts[id]; a == nil || stringField(a.rec, "ProviderName") != CarrierProvider {
				real++
			}
		}
		// Triage counts alertsCount, else the alert ids: entity carriers
		// are not alerts.
		ad, ok := rec["AdditionalData"].(map[string]any)
		switch {
		case ok:
			ad = copyRecord(ad)
			if n, ok := number(ad["alertsCount"]); !ok || n < int64(real) {
				ad["alertsCount"] = real
			}
			rec["AdditionalData"] = ad
		case real != len(ids):
			rec["AdditionalData"] = map[string]any{"alertsCount": real}
		}
		rec["TimeGenerated"] = inc.tg.Add(time.Microsecond)
		inc.alertIDs = ids
		p.add("SecurityIncident", rec, fmt.Sprintf("incident %s: listing its alerts %s", inc.name, strings.Join(adds[key], ", ")))
		p.linked += len(adds[key])
	}
	for _, key := range closing {
		inc := st.incidents[key]
		if inc.rec == nil {
			return nil, fmt.Errorf("incident %s: its latest row could not be read", inc.name)
		}
		var by []string
		for _, id := range inc.alertIDs {
			if name, ok := listed[id]; ok && !slices.Contains(by, name) {
				by = append(by, name)
			}
		}
		rec := copyRecord(inc.rec)
		t := inc.tg.Add(time.Microsecond)
		rec["TimeGenerated"], rec["LastModifiedTime"], rec["ClosedTime"] = t, t, t
		rec["Status"] = string(triage.StatusClosed)
		rec["Classification"] = string(triage.ClassUndetermined)
		rec["ClassificationComment"] = "Closed by triage import: the alert is now part of incident " +
			strings.Join(by, ", ") + ", which was imported after this incident was made for the alert alone."
		inc.status = string(triage.StatusClosed)
		p.add("SecurityIncident", rec, "synthetic incident "+inc.name+": closing it")
		p.superseded++
	}

	// Synthetic incidents for the alerts no incident lists.
	covered := map[string]bool{}
	for _, inc := range st.incidents {
		for _, id := range inc.alertIDs {
			covered[id] = true
		}
	}
	next := st.maxNumber
	for _, a := range alerts {
		if covered[a.id] {
			continue
		}
		next++
		rec := syntheticIncident(a, next)
		p.add("SecurityIncident", rec, "synthetic incident for alert "+a.id)
		p.synthetic++
		covered[a.id] = true
	}
	return p, nil
}

func (p *plan) add(table string, rec map[string]any, where string) {
	delete(rec, FingerprintField)
	p.rows = append(p.rows, row{table: table, rec: rec, where: where})
}

// syntheticIncident makes the incident of an alert no incident lists:
// IncidentName a version 5 UUID of the SystemAlertId
// (SyntheticIncidentName), the alert's display name as Title, its severity,
// description and times (CreatedTime and LastModifiedTime its TimeGenerated,
// FirstActivityTime and LastActivityTime its StartTime and EndTime), Status
// New, AlertIds [the alert], ProviderName SyntheticProvider and the label
// SyntheticLabel.
func syntheticIncident(a *alertState, n int64) map[string]any {
	r := a.rec
	title := firstString(r, "DisplayName", "AlertDisplayName", "AlertName", "AlertType")
	if title == "" {
		title = "Alert " + a.id
	}
	created := a.tg
	start, _ := r["StartTime"].(time.Time)
	if start.IsZero() {
		start = created
	}
	end, _ := r["EndTime"].(time.Time)
	if end.Before(start) {
		end = start
	}
	ad := map[string]any{"alertsCount": 1, "bookmarksCount": 0, "commentsCount": 0, "alertProductNames": []any{}, "tactics": []any{}}
	if pn := firstString(r, "ProductName", "ProviderName"); pn != "" {
		ad["alertProductNames"] = []any{pn}
	}
	if tactics := splitList(r["Tactics"]); len(tactics) > 0 {
		ad["tactics"] = toAny(tactics)
	}
	rec := map[string]any{
		"TimeGenerated":      created,
		"IncidentName":       SyntheticIncidentName(a.id),
		"IncidentNumber":     n,
		"Title":              title,
		"Severity":           severity(firstString(r, "AlertSeverity", "Severity")),
		"Status":             string(triage.StatusNew),
		"ProviderName":       SyntheticProvider,
		"ProviderIncidentId": a.id,
		"CreatedTime":        created,
		"FirstActivityTime":  start,
		"LastActivityTime":   end,
		"LastModifiedTime":   created,
		"AlertIds":           []any{a.id},
		"BookmarkIds":        []any{},
		"Labels":             []any{map[string]any{"labelName": SyntheticLabel, "labelType": "AutoAssigned"}},
		"AdditionalData":     ad,
	}
	if d := firstString(r, "Description"); d != "" {
		rec["Description"] = d
	}
	return rec
}

// severity spells a severity as Sentinel does when triage.ParseSeverity
// reads it as one of its four.
func severity(s string) string {
	if sev, err := triage.ParseSeverity(s); err == nil {
		return string(sev)
	}
	return s
}

func firstString(r map[string]any, names ...string) string {
	for _, n := range names {
		if s := strings.TrimSpace(stringField(r, n)); s != "" {
			return s
		}
	}
	return ""
}

func stringField(r map[string]any, name string) string {
	s, _ := r[name].(string)
	return s
}

// stringList reads a list of strings: a decoded JSON list, or JSON text of
// one.
func stringList(v any) []string {
	var out []string
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
	case []string:
		out = append(out, x...)
	case string:
		if v, ok, err := convert("dynamic", x); ok && err == nil {
			if l, isList := v.([]any); isList {
				return stringList(l)
			}
		}
	}
	return out
}

// splitList reads Tactics: a JSON list or comma-separated text.
func splitList(v any) []string {
	if l := stringList(v); len(l) > 0 {
		return l
	}
	s, _ := v.(string)
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func copyRecord[M ~map[string]any](m M) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// number reads an integer from a decoded JSON or query value.
func number(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case float64:
		return int64(x), true
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	}
	return 0, false
}
