// Package defendertest is a fake of the Microsoft Graph security API for
// tests: one TLS server speaking the documented shapes of
// /security/incidents (list with $filter, $top at most 50 and
// @odata.nextLink paging, $skip, get with $expand=alerts, PATCH of the
// writable fields, comments), backed by the conformance records
// (workspacetest.Records): each SecurityIncident becomes a Graph incident
// named by its number, each SecurityAlert row of its alerts a Graph alert
// whose evidence is made from the row's entities. Log Analytics is a
// sentineltest server over the same records. Faults (throttling, errors)
// are injected per request; Touch changes an incident as a colleague would
// and Redirect merges one into another. Advanced hunting
// (POST /v1.0/security/runHuntingQuery) is huntingtest's endpoint
// (Hunting), answering what the test says. Rich is an incident with
// evidence of every kind the model maps, for Add.
package defendertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/hunting/huntingtest"
	"github.com/triage-dev/triage/internal/workspace/local"
	"github.com/triage-dev/triage/internal/workspace/sentinel/sentineltest"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

// TenantID is the fake's tenant.
const TenantID = "72f988bf-86f1-41af-91ab-2d7cd011db47"

// Fault is a canned answer that replaces the service's.
type Fault = sentineltest.Fault

// Server is the fake Graph. Its exported fields may be set before the
// first request.
type Server struct {
	*httptest.Server
	// LogAnalytics answers the workspace's log queries.
	LogAnalytics *sentineltest.Server
	// Hunting is advanced hunting: set its Answer (an empty table
	// otherwise) and PerMinute before the first call.
	Hunting *huntingtest.Handler
	// Fault, when set, is asked first about every Graph request; a non-nil
	// Fault is the answer. It is called without the server's lock.
	Fault func(r *http.Request, body []byte) *Fault

	mu        sync.Mutex
	incidents map[string]*incident // by id
	log       []string
}

type incident struct {
	g        map[string]any   // the incident's own properties
	alerts   []map[string]any // inline alerts
	comments []map[string]any
}

// New starts a fake holding recs (as workspacetest.Records returns them)
// and stops it when the test ends.
func New(t testing.TB, recs map[string][]map[string]any) *Server {
	t.Helper()
	ctx := context.Background()
	cat, err := workspace.LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := local.Open(ctx, "fake", ":memory:", cat)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.Load(ctx, workspacetest.Emitter(recs)); err != nil {
		t.Fatal(err)
	}
	s := &Server{incidents: map[string]*incident{}}
	err = ws.ListIncidents(ctx, workspace.IncidentFilter{}, func(inc triage.Incident) error {
		x := &incident{g: graphIncident(inc), comments: []map[string]any{}}
		if len(inc.AlertIDs) > 0 {
			tab, err := ws.Run(ctx, "alerts_by_id", workspace.Params{"ids": inc.AlertIDs})
			if err != nil {
				return err
			}
			for _, r := range tab.Records() {
				x.alerts = append(x.alerts, GraphAlert(r, x.g["id"].(string)))
			}
		}
		s.incidents[x.g["id"].(string)] = x
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.LogAnalytics = sentineltest.New(t, recs)
	s.Hunting = huntingtest.NewHandler(t)
	s.Server = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Workspace returns the configuration of a defender workspace named name
// that points at the fake (Graph) and its Log Analytics.
func (s *Server) Workspace(name string) config.Workspace {
	return config.Workspace{
		Name: name, Kind: config.KindDefender, Cloud: config.CloudCustom, TenantID: TenantID,
		WorkspaceID: sentineltest.WorkspaceID,
		Endpoints: config.Endpoints{
			Graph: s.URL, LogAnalytics: s.LogAnalytics.URL, AuthorityHost: s.URL,
		},
	}
}

// Requests returns "METHOD path?query" of every Graph request, in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Comments returns the comments of an incident, oldest first.
func (s *Server) Comments(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	if x := s.incidents[id]; x != nil {
		for _, c := range x.comments {
			out = append(out, c["comment"].(string))
		}
	}
	return out
}

// Incident returns a copy of an incident's properties as stored (without
// alerts and comments).
func (s *Server) Incident(id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.incidents[id]
	if !ok {
		return nil, false
	}
	out := map[string]any{}
	for k, v := range x.g {
		out[k] = v
	}
	return out, true
}

// Touch changes an incident's properties as another analyst would; its
// lastUpdateDateTime moves on.
func (s *Server) Touch(id string, fn func(g map[string]any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.incidents[id]
	fn(x.g)
	x.g["lastUpdateDateTime"] = s.later(x.g)
}

// later is a lastUpdateDateTime after an incident's current one (the
// records' times are in the past; the clock could repeat one).
func (s *Server) later(g map[string]any) string {
	prev, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(g["lastUpdateDateTime"]))
	now := time.Now().UTC()
	if !now.After(prev) {
		now = prev.Add(time.Millisecond)
	}
	return now.Format(time.RFC3339Nano)
}

// Redirect merges incident from into incident to, as Defender does: from
// is redirected to to, which takes its alerts.
func (s *Server) Redirect(from, to string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, t := s.incidents[from], s.incidents[to]
	f.g["status"], f.g["redirectIncidentId"] = "redirected", to
	f.g["lastUpdateDateTime"] = s.later(f.g)
	for _, a := range f.alerts {
		a["incidentId"] = to
		t.alerts = append(t.alerts, a)
	}
	f.alerts = nil
	t.g["lastUpdateDateTime"] = s.later(t.g)
}

// Add stores an incident given as Graph properties (with "id") and its
// alerts, as Graph shapes them.
func (s *Server) Add(g map[string]any, alerts ...map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.incidents[fmt.Sprint(g["id"])] = &incident{g: g, alerts: alerts, comments: []map[string]any{}}
}

var incidentPath = regexp.MustCompile(`^/v1\.0/security/incidents(?:/([^/]+)(/comments)?)?$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	s.log = append(s.log, r.Method+" "+r.URL.RequestURI())
	s.mu.Unlock()
	if s.Fault != nil {
		if f := s.Fault(r, body); f != nil {
			for k, v := range f.Header {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(f.Status)
			io.WriteString(w, f.Body)
			return
		}
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		writeError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
		return
	}
	if r.URL.Path == huntingtest.Path {
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.Hunting.ServeHTTP(w, r)
		return
	}
	m := incidentPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		writeError(w, http.StatusNotFound, "ResourceNotFound", "Resource not found for the segment '"+r.URL.Path+"'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, comments := m[1], m[2] != ""
	switch {
	case id == "" && r.Method == http.MethodGet:
		s.list(w, r)
	case id != "" && !comments && r.Method == http.MethodGet:
		if x := s.find(w, id); x != nil {
			writeJSON(w, http.StatusOK, s.render(x, r.URL.Query().Get("$expand") == "alerts"))
		}
	case id != "" && !comments && r.Method == http.MethodPatch:
		s.patch(w, id, body)
	case id != "" && comments && r.Method == http.MethodPost:
		s.comment(w, id, body)
	default:
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method+" "+r.URL.Path)
	}
}

func (s *Server) find(w http.ResponseWriter, id string) *incident {
	x := s.incidents[id]
	if x == nil {
		writeError(w, http.StatusNotFound, "NotFound", "incident "+id+" not found")
	}
	return x
}

func (s *Server) render(x *incident, expand bool) map[string]any {
	out := map[string]any{"@odata.type": "#microsoft.graph.security.incident"}
	for k, v := range x.g {
		out[k] = v
	}
	out["comments"] = x.comments
	if expand {
		out["alerts"] = orEmpty(x.alerts)
	}
	return out
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// list serves GET /security/incidents: $filter, $top (at most 50, as
// Graph), $skip, $expand=alerts; newest first (ties by id, higher first);
// the next page's link carries $skip.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	top := 50
	if v := q.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "BadRequest", "Invalid $top value "+v)
			return
		}
		if n > 50 {
			writeError(w, http.StatusBadRequest, "BadRequest", "The limit of '50' for Top query has been exceeded. The value from the incoming request is '"+v+"'.")
			return
		}
		top = n
	}
	skip, _ := strconv.Atoi(q.Get("$skip"))
	match, err := parseFilter(q.Get("$filter"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "Invalid filter clause: "+err.Error())
		return
	}
	var all []*incident
	for _, x := range s.incidents {
		if match(x.g) {
			all = append(all, x)
		}
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := fmt.Sprint(all[i].g["createdDateTime"]), fmt.Sprint(all[j].g["createdDateTime"])
		if a != b {
			return a > b
		}
		ai, _ := strconv.Atoi(fmt.Sprint(all[i].g["id"]))
		bi, _ := strconv.Atoi(fmt.Sprint(all[j].g["id"]))
		return ai > bi
	})
	end := min(skip+top, len(all))
	page := []map[string]any{}
	for _, x := range all[min(skip, len(all)):end] {
		page = append(page, s.render(x, q.Get("$expand") == "alerts"))
	}
	out := map[string]any{"@odata.context": s.URL + "/v1.0/$metadata#security/incidents", "value": page}
	if end < len(all) {
		q.Set("$skip", strconv.Itoa(end))
		q.Set("$top", strconv.Itoa(top))
		out["@odata.nextLink"] = s.URL + r.URL.Path + "?" + q.Encode()
	}
	writeJSON(w, http.StatusOK, out)
}

// patch applies the documented writable fields; anything else is refused.
func (s *Server) patch(w http.ResponseWriter, id string, body []byte) {
	x := s.find(w, id)
	if x == nil {
		return
	}
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "malformed body")
		return
	}
	for k, v := range in {
		switch k {
		case "status", "assignedTo", "classification", "determination", "customTags":
		default:
			writeError(w, http.StatusBadRequest, "BadRequest", "property "+k+" is not writable")
			return
		}
		if k == "customTags" {
			if _, ok := v.([]any); !ok {
				writeError(w, http.StatusBadRequest, "BadRequest", "customTags must be a collection")
				return
			}
		}
	}
	for k, v := range in {
		x.g[k] = v
	}
	x.g["lastUpdateDateTime"] = s.later(x.g)
	writeJSON(w, http.StatusOK, s.render(x, false))
}

// comment serves POST .../comments: it returns the comment collection.
func (s *Server) comment(w http.ResponseWriter, id string, body []byte) {
	x := s.find(w, id)
	if x == nil {
		return
	}
	var in struct {
		Type    string `json:"@odata.type"`
		Comment string `json:"comment"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Comment == "" || in.Type != "microsoft.graph.security.alertComment" {
		writeError(w, http.StatusBadRequest, "BadRequest", "want {@odata.type: microsoft.graph.security.alertComment, comment}")
		return
	}
	x.comments = append(x.comments, map[string]any{
		"@odata.type": "microsoft.graph.security.alertComment", "comment": in.Comment,
		"createdByDisplayName": "triage test", "createdDateTime": time.Now().UTC().Format(time.RFC3339Nano),
	})
	x.g["lastUpdateDateTime"] = s.later(x.g)
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": "...", "value": x.comments})
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// filterTerm is one "field op value" of a $filter.
var filterTerm = regexp.MustCompile(`^(\w+) (eq|ne|ge|gt|le|lt) ('[^']*'|[0-9TZ:.+-]+)$`)

// parseFilter reads the $filter forms a client sends: terms joined by
// "and", each a comparison or a parenthesised "or" of comparisons.
func parseFilter(f string) (func(map[string]any) bool, error) {
	if strings.TrimSpace(f) == "" {
		return func(map[string]any) bool { return true }, nil
	}
	var ands [][]func(map[string]any) bool
	for _, part := range strings.Split(f, " and ") {
		part = strings.TrimSpace(part)
		part = strings.TrimSuffix(strings.TrimPrefix(part, "("), ")")
		var ors []func(map[string]any) bool
		for _, t := range strings.Split(part, " or ") {
			m := filterTerm.FindStringSubmatch(strings.TrimSpace(t))
			if m == nil {
				return nil, fmt.Errorf("%q", t)
			}
			field, op, val := m[1], m[2], m[3]
			switch field {
			case "createdDateTime", "lastUpdateDateTime":
				want, err := time.Parse(time.RFC3339Nano, val)
				if err != nil {
					return nil, fmt.Errorf("%q: %v", t, err)
				}
				ors = append(ors, func(g map[string]any) bool {
					got, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(g[field]))
					c := got.Compare(want)
					return map[string]bool{"eq": c == 0, "ne": c != 0, "ge": c >= 0, "gt": c > 0, "le": c <= 0, "lt": c < 0}[op]
				})
			case "severity", "status", "classification", "determination", "assignedTo":
				if op != "eq" || !strings.HasPrefix(val, "'") {
					return nil, fmt.Errorf("%q: only eq of a string", t)
				}
				v := strings.Trim(val, "'")
				ors = append(ors, func(g map[string]any) bool { return strings.EqualFold(fmt.Sprint(g[field]), v) })
			default:
				return nil, fmt.Errorf("%s is not filterable", field)
			}
		}
		ands = append(ands, ors)
	}
	return func(g map[string]any) bool {
		for _, ors := range ands {
			ok := false
			for _, o := range ors {
				ok = ok || o(g)
			}
			if !ok {
				return false
			}
		}
		return true
	}, nil
}

// graphIncident is a model incident as Graph shapes it.
func graphIncident(inc triage.Incident) map[string]any {
	status := map[triage.Status]string{triage.StatusNew: "active", triage.StatusActive: "inProgress", triage.StatusClosed: "resolved"}[inc.Status]
	class, det := "unknown", "unknown"
	switch inc.Classification {
	case triage.ClassTruePositive:
		class, det = "truePositive", "malware"
	case triage.ClassBenignPositive:
		class, det = "informationalExpectedActivity", "confirmedActivity"
	case triage.ClassFalsePositive:
		class, det = "falsePositive", "notMalicious"
	}
	var owner any
	if o := firstOf(inc.Owner.UPN, inc.Owner.AssignedTo); o != "" {
		owner = o
	}
	return map[string]any{
		"id":                 strconv.Itoa(inc.Number),
		"tenantId":           TenantID,
		"displayName":        inc.Title,
		"description":        inc.Description,
		"severity":           strings.ToLower(string(inc.Severity)),
		"status":             status,
		"classification":     class,
		"determination":      det,
		"assignedTo":         owner,
		"customTags":         orEmpty(inc.Labels),
		"systemTags":         []string{},
		"createdDateTime":    inc.Created.UTC().Format(time.RFC3339Nano),
		"lastUpdateDateTime": inc.LastModified.UTC().Format(time.RFC3339Nano),
		"incidentWebUrl":     inc.URL,
		"redirectIncidentId": nil,
		"resolvingComment":   inc.ClassificationComment,
		"summary":            nil,
	}
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// GraphAlert is a SecurityAlert row as a Graph alert of incident id, its
// evidence made from the row's entities (Evidence); Entities that are not
// JSON come as a JSON string, evidence Graph itself would never send, so
// that a client's handling of malformed evidence is exercised.
func GraphAlert(r workspace.Record, incidentID string) map[string]any {
	var techniques []string
	json.Unmarshal([]byte(r.String("Techniques")), &techniques)
	category := ""
	if t := strings.Split(r.String("Tactics"), ","); len(t) > 0 {
		category = strings.TrimSpace(t[0])
	}
	id := r.String("SystemAlertId")
	a := map[string]any{
		"@odata.type":           "#microsoft.graph.security.alert",
		"id":                    id,
		"providerAlertId":       id,
		"incidentId":            incidentID,
		"title":                 r.String("DisplayName"),
		"description":           r.String("Description"),
		"severity":              strings.ToLower(r.String("AlertSeverity")),
		"status":                map[string]string{"New": "new", "InProgress": "inProgress", "Resolved": "resolved", "Dismissed": "resolved"}[r.String("Status")],
		"classification":        "unknown",
		"determination":         "unknown",
		"serviceSource":         "microsoftDefenderForIdentity",
		"detectionSource":       r.String("ProviderName"),
		"productName":           r.String("ProductName"),
		"detectorId":            r.String("AlertType"),
		"category":              category,
		"mitreTechniques":       orEmpty(techniques),
		"alertWebUrl":           "https://security.microsoft.com/alerts/" + url.PathEscape(id) + "?tid=" + TenantID,
		"incidentWebUrl":        "https://security.microsoft.com/incident2/" + incidentID + "/overview?tid=" + TenantID,
		"tenantId":              TenantID,
		"createdDateTime":       timeText(r["TimeGenerated"]),
		"lastUpdateDateTime":    timeText(r["TimeGenerated"]),
		"firstActivityDateTime": timeText(r["StartTime"]),
		"lastActivityDateTime":  timeText(r["EndTime"]),
		"comments":              []any{},
		"systemTags":            []any{},
	}
	text := r.String("Entities")
	if !json.Valid([]byte(text)) {
		a["evidence"] = text
		return a
	}
	_, ents, _ := triage.ParseSecurityAlert(map[string]any{"SystemAlertId": id, "Entities": text})
	a["evidence"] = Evidence(ents, timeText(r["TimeGenerated"]))
	return a
}

func timeText(v any) any {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return nil
}

// Evidence turns entities into Graph evidence items, with the fields
// /work/shared/docs/defender-api.md names for the kinds it maps; an entity
// of another kind becomes an item of type <kind>Evidence with its
// properties as they are.
func Evidence(ents []triage.Entity, created any) []map[string]any {
	out := []map[string]any{}
	for _, e := range ents {
		p := func(k string) any {
			if v := e.Prop(k); v != "" {
				return v
			}
			return nil
		}
		var item map[string]any
		switch e.Kind {
		case triage.KindIP:
			item = map[string]any{"@odata.type": "#microsoft.graph.security.ipEvidence", "ipAddress": p("address")}
		case triage.KindAccount:
			upn := ""
			if e.Prop("accountName") != "" && e.Prop("upnSuffix") != "" {
				upn = e.Prop("accountName") + "@" + e.Prop("upnSuffix")
			}
			item = map[string]any{"@odata.type": "#microsoft.graph.security.userEvidence", "userAccount": map[string]any{
				"accountName": p("accountName"), "domainName": p("ntDomain"), "userSid": p("sid"),
				"azureAdUserId": p("aadUserId"), "userPrincipalName": nilIfEmpty(upn), "displayName": p("displayName"),
			}}
		case triage.KindHost:
			fqdn := e.Prop("hostName")
			if d := e.Prop("dnsDomain"); d != "" && fqdn != "" {
				fqdn += "." + d
			}
			item = map[string]any{"@odata.type": "#microsoft.graph.security.deviceEvidence",
				"hostName": p("hostName"), "deviceDnsName": nilIfEmpty(fqdn), "ntDomain": p("ntDomain"),
				"osPlatform": p("osFamily"), "azureAdDeviceId": p("azureID"), "mdeDeviceId": p("mdatpDeviceId")}
		case triage.KindURL:
			item = map[string]any{"@odata.type": "#microsoft.graph.security.urlEvidence", "url": p("url")}
		case triage.KindFileHash:
			item = map[string]any{"@odata.type": "#microsoft.graph.security.fileHashEvidence", "algorithm": strings.ToLower(e.Prop("algorithm")), "value": p("hashValue")}
		case triage.KindFile:
			item = map[string]any{"@odata.type": "#microsoft.graph.security.fileEvidence", "fileDetails": map[string]any{
				"fileName": p("fileName"), "filePath": p("directory")}}
		case triage.KindMailbox:
			item = map[string]any{"@odata.type": "#microsoft.graph.security.mailboxEvidence",
				"primaryAddress": p("mailboxPrimaryAddress"), "upn": p("upn"), "displayName": p("displayName")}
		default:
			item = map[string]any{"@odata.type": "#microsoft.graph.security." + lowerFirst(string(e.Kind)) + "Evidence"}
			for k, v := range e.Properties {
				item[k] = v
			}
		}
		item["createdDateTime"] = created
		item["verdict"] = "unknown"
		item["remediationStatus"] = "none"
		item["roles"] = []any{}
		item["tags"] = []any{}
		out = append(out, item)
	}
	return out
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
