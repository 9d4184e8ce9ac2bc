// Package sentineltest is a fake Microsoft Sentinel and Log Analytics
// service for tests: one TLS server speaking the incidents API (list with
// $filter and paging, get, update with etag checks, alerts, entities,
// comments) and the Log Analytics query API, all backed by records loaded
// into a local workspace. Log queries are answered by recognising the named
// query in the request's KQL, reading its parameters back from the let
// prelude and running the query's SQL body on the same records, so a test
// sees the catalog's queries answered as Log Analytics would answer them. The
// KQL itself is not executed. Faults (throttling, errors, partial results)
// are injected per request.
package sentineltest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

// The identifiers of the fake workspace.
const (
	Subscription  = "3b701f84-d04b-4479-89b1-fa8827eb537e"
	ResourceGroup = "soc-rg"
	WorkspaceName = "contoso-sentinel"
	WorkspaceID   = "8ecf8077-cf51-4820-aadd-14040956f35d"
	APIVersion    = "2025-09-01"
)

// Fault is a canned answer that replaces the service's.
type Fault struct {
	Status int
	Header http.Header
	Body   string // JSON
}

// Server is the fake service. Its exported fields may be set before the
// first request.
type Server struct {
	*httptest.Server
	// PageSize is the number of incidents or comments per list page.
	PageSize int
	// Fault, when set, is asked first about every request; a non-nil Fault
	// is the answer. It is called with the server's lock not held.
	Fault func(r *http.Request, body []byte) *Fault
	// PartialQueries adds a PartialError to every log query answer.
	PartialQueries bool

	ws  *local.Workspace
	cat *workspace.Catalog

	mu        sync.Mutex
	incidents map[string]*incident // by lower-case name
	comments  map[string][]comment // by lower-case incident name
	log       []string
	listed    int // incidents served by list requests
}

type incident struct {
	inc   triage.Incident
	etag  int
	extra map[string]any // properties the fake does not model, kept on update
}

type comment struct {
	ID, Message     string
	Created, Edited time.Time
}

// New starts a fake holding recs (table name -> records, as
// workspacetest.Records returns them) and stops it when the test ends.
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
	err = ws.Load(ctx, workspacetest.Emitter(recs))
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{PageSize: 2, ws: ws, cat: cat, incidents: map[string]*incident{}, comments: map[string][]comment{}}
	err = ws.ListIncidents(ctx, workspace.IncidentFilter{}, func(inc triage.Incident) error {
		s.incidents[strings.ToLower(inc.Name)] = &incident{inc: inc, etag: 1}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		s.Close()
		ws.Close()
	})
	return s
}

// Workspace returns the configuration of a Sentinel workspace named name
// that points at the fake.
func (s *Server) Workspace(name string) config.Workspace {
	return config.Workspace{
		Name: name, Kind: config.KindSentinel, Cloud: config.CloudCustom,
		TenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47", SubscriptionID: Subscription,
		ResourceGroup: ResourceGroup, WorkspaceName: WorkspaceName, WorkspaceID: WorkspaceID,
		Endpoints: config.Endpoints{
			ResourceManager: s.URL, ResourceManagerAudience: "https://management.core.windows.net",
			LogAnalytics: s.URL, AuthorityHost: s.URL,
		},
	}
}

// Requests returns "METHOD path" of every request served, in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Listed returns how many incidents the list requests have served in
// all, every page: what a client's $filter left the service to send.
func (s *Server) Listed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listed
}

// AddAlert adds an alert to an incident as Sentinel does when a rule
// groups a new alert into it: alert is its SecurityAlert record (with its
// SystemAlertId), answered from then on by log queries and the incident's
// alerts, and the incident counts it, its etag and last modification
// time move on.
func (s *Server) AddAlert(t testing.TB, name string, alert map[string]any) {
	t.Helper()
	id, _ := alert["SystemAlertId"].(string)
	if id == "" {
		t.Fatal("sentineltest: AddAlert: the alert has no SystemAlertId")
	}
	err := s.ws.Load(context.Background(), workspacetest.Emitter(map[string][]map[string]any{"SecurityAlert": {alert}}))
	if err != nil {
		t.Fatalf("sentineltest: AddAlert: %v", err)
	}
	s.Touch(name, func(inc *triage.Incident) {
		inc.AlertIDs = append(slices.Clone(inc.AlertIDs), id)
		inc.AlertCount++
	})
}

// Comments returns the comments of an incident, oldest first.
func (s *Server) Comments(name string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, c := range s.comments[strings.ToLower(name)] {
		out = append(out, c.Message)
	}
	return out
}

// Incident returns the stored state of an incident.
func (s *Server) Incident(name string) (triage.Incident, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.incidents[strings.ToLower(name)]
	if !ok {
		return triage.Incident{}, false
	}
	return x.inc, true
}

// Touch changes an incident as another analyst would (its etag moves on).
func (s *Server) Touch(name string, fn func(*triage.Incident)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.incidents[strings.ToLower(name)]
	fn(&x.inc)
	x.etag++
	x.inc.LastModified = time.Now().UTC()
}

// SetProperty sets a property of an incident that the fake does not model
// (e.g. providerIncidentId), answered with the incident from then on.
func (s *Server) SetProperty(name, key string, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.incidents[strings.ToLower(name)]
	if x.extra == nil {
		x.extra = map[string]any{}
	}
	x.extra[key] = v
}

var (
	incidentsPath = regexp.MustCompile(`^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.OperationalInsights/workspaces/([^/]+)/providers/Microsoft\.SecurityInsights/incidents(?:/([^/]+)(?:/(alerts|entities|comments)(?:/([^/]+))?)?)?$`)
	queryPath     = regexp.MustCompile(`^/v1/workspaces/([^/]+)/query$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.log = append(s.log, r.Method+" "+r.URL.Path)
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
		writeError(w, http.StatusUnauthorized, "AuthenticationFailed", "no bearer token")
		return
	}
	if m := queryPath.FindStringSubmatch(r.URL.Path); m != nil && r.Method == http.MethodPost {
		if !strings.EqualFold(m[1], WorkspaceID) {
			writeError(w, http.StatusNotFound, "WorkspaceNotFound", "workspace "+m[1]+" not found")
			return
		}
		s.query(w, r, body)
		return
	}
	m := incidentsPath.FindStringSubmatch(r.URL.Path)
	if m == nil || m[1] != Subscription || !strings.EqualFold(m[2], ResourceGroup) || !strings.EqualFold(m[3], WorkspaceName) {
		writeError(w, http.StatusNotFound, "ResourceNotFound", "no such resource: "+r.URL.Path)
		return
	}
	if v := r.URL.Query().Get("api-version"); v != APIVersion {
		writeError(w, http.StatusBadRequest, "InvalidApiVersionParameter", "api-version "+v+" is not "+APIVersion)
		return
	}
	name, sub, subID := m[4], m[5], m[6]
	switch {
	case name == "" && r.Method == http.MethodGet:
		s.list(w, r)
	case sub == "" && r.Method == http.MethodGet:
		s.get(w, name)
	case sub == "" && r.Method == http.MethodPut:
		s.put(w, r, name, body)
	case sub == "alerts" && r.Method == http.MethodPost:
		s.alerts(w, r, name)
	case sub == "entities" && r.Method == http.MethodPost:
		s.entities(w, r, name)
	case sub == "comments" && subID == "" && r.Method == http.MethodGet:
		s.listComments(w, r, name)
	case sub == "comments" && subID != "" && r.Method == http.MethodPut:
		s.putComment(w, name, subID, body)
	default:
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method+" "+r.URL.Path)
	}
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) base(r *http.Request) string {
	return s.URL + strings.SplitN(r.URL.Path, "/incidents", 2)[0] + "/incidents"
}

func (s *Server) armIncident(x *incident) map[string]any {
	inc := x.inc
	owner := map[string]any{"objectId": nil, "email": nil, "assignedTo": nil, "userPrincipalName": nil}
	set := func(k, v string) {
		if v != "" {
			owner[k] = v
		}
	}
	set("objectId", inc.Owner.ObjectID)
	set("email", inc.Owner.Email)
	set("assignedTo", inc.Owner.AssignedTo)
	set("userPrincipalName", inc.Owner.UPN)
	labels := []any{}
	for _, l := range inc.Labels {
		labels = append(labels, map[string]any{"labelName": l, "labelType": "User"})
	}
	ts := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	props := map[string]any{
		"title": inc.Title, "description": inc.Description, "severity": inc.Severity, "status": inc.Status,
		"owner": owner, "labels": labels, "incidentNumber": inc.Number, "incidentUrl": inc.URL,
		"createdTimeUtc": ts(inc.Created), "firstActivityTimeUtc": ts(inc.FirstActivity),
		"lastActivityTimeUtc": ts(inc.LastActivity), "lastModifiedTimeUtc": ts(inc.LastModified),
		"providerName": "Azure Sentinel", "relatedAnalyticRuleIds": []any{},
		"additionalData": map[string]any{
			"alertsCount": inc.AlertCount, "bookmarksCount": 0, "commentsCount": len(s.comments[strings.ToLower(inc.Name)]),
			"alertProductNames": orEmpty(inc.ProductNames), "tactics": orEmpty(inc.Tactics),
		},
	}
	if inc.Classification != "" {
		props["classification"] = inc.Classification
	}
	if inc.ClassificationReason != "" {
		props["classificationReason"] = inc.ClassificationReason
	}
	if inc.ClassificationComment != "" {
		props["classificationComment"] = inc.ClassificationComment
	}
	for k, v := range x.extra {
		props[k] = v
	}
	return map[string]any{
		"id":   "/subscriptions/" + Subscription + "/resourceGroups/" + ResourceGroup + "/providers/Microsoft.OperationalInsights/workspaces/" + WorkspaceName + "/providers/Microsoft.SecurityInsights/incidents/" + inc.Name,
		"name": inc.Name, "type": "Microsoft.SecurityInsights/incidents",
		"etag": x.etagText(), "properties": props,
	}
}

func (x *incident) etagText() string {
	return fmt.Sprintf(`"%08d-0000-0000-0000-%012d"`, x.inc.Number, x.etag)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// list serves incidents newest first, PageSize per page, honouring a
// $filter made of "and"-joined createdTimeUtc or lastModifiedTimeUtc
// ge/lt, incidentNumber eq and
// parenthesised "or" groups of severity/status eq.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	match, err := parseFilter(r.URL.Query().Get("$filter"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "$filter: "+err.Error())
		return
	}
	s.mu.Lock()
	var all []*incident
	for _, x := range s.incidents {
		if match(x.inc) {
			all = append(all, x)
		}
	}
	slices.SortFunc(all, func(a, b *incident) int {
		if c := b.inc.Created.Compare(a.inc.Created); c != 0 {
			return c
		}
		return b.inc.Number - a.inc.Number
	})
	page, next := s.page(r, len(all))
	value := []any{}
	for _, x := range all[page[0]:page[1]] {
		value = append(value, s.armIncident(x))
	}
	s.listed += page[1] - page[0]
	s.mu.Unlock()
	out := map[string]any{"value": value}
	if next != "" {
		out["nextLink"] = next
	}
	writeJSON(w, http.StatusOK, out)
}

// page returns the [from, to) window of n items for this request and the
// next page's link ("" on the last page).
func (s *Server) page(r *http.Request, n int) ([2]int, string) {
	from, _ := strconv.Atoi(r.URL.Query().Get("$skipToken"))
	from = min(max(from, 0), n)
	size := s.PageSize
	if size <= 0 {
		size = 50
	}
	to := min(from+size, n)
	if to >= n {
		return [2]int{from, to}, ""
	}
	q := r.URL.Query()
	q.Set("$skipToken", strconv.Itoa(to))
	return [2]int{from, to}, s.URL + r.URL.Path + "?" + q.Encode()
}

var (
	timeCond   = regexp.MustCompile(`^properties/(createdTimeUtc|lastModifiedTimeUtc) (ge|lt) (\S+)$`)
	numberCond = regexp.MustCompile(`^properties/incidentNumber eq (\d+)$`)
	enumCond   = regexp.MustCompile(`^properties/(severity|status) eq '(\w+)'$`)
)

func parseFilter(f string) (func(triage.Incident) bool, error) {
	var conds []func(triage.Incident) bool
	if strings.TrimSpace(f) == "" {
		return func(triage.Incident) bool { return true }, nil
	}
	for _, part := range strings.Split(f, " and ") {
		part = strings.TrimSpace(part)
		if m := timeCond.FindStringSubmatch(part); m != nil {
			t, err := time.Parse(time.RFC3339Nano, m[3])
			if err != nil {
				return nil, err
			}
			field, ge := m[1], m[2] == "ge"
			conds = append(conds, func(i triage.Incident) bool {
				if field == "lastModifiedTimeUtc" {
					return ge == !i.LastModified.Before(t)
				}
				return ge == !i.Created.Before(t)
			})
			continue
		}
		if m := numberCond.FindStringSubmatch(part); m != nil {
			n, _ := strconv.Atoi(m[1])
			conds = append(conds, func(i triage.Incident) bool { return i.Number == n })
			continue
		}
		var or []func(triage.Incident) bool
		for _, alt := range strings.Split(strings.Trim(part, "()"), " or ") {
			m := enumCond.FindStringSubmatch(strings.TrimSpace(alt))
			if m == nil {
				return nil, fmt.Errorf("unsupported condition %q", alt)
			}
			field, val := m[1], m[2]
			or = append(or, func(i triage.Incident) bool {
				if field == "severity" {
					return string(i.Severity) == val
				}
				return string(i.Status) == val
			})
		}
		conds = append(conds, func(i triage.Incident) bool {
			for _, c := range or {
				if c(i) {
					return true
				}
			}
			return false
		})
	}
	return func(i triage.Incident) bool {
		for _, c := range conds {
			if !c(i) {
				return false
			}
		}
		return true
	}, nil
}

func (s *Server) lookup(w http.ResponseWriter, name string) *incident {
	x, ok := s.incidents[strings.ToLower(name)]
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", "incident "+name+" not found")
		return nil
	}
	return x
}

func (s *Server) get(w http.ResponseWriter, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if x := s.lookup(w, name); x != nil {
		writeJSON(w, http.StatusOK, s.armIncident(x))
	}
}

// put replaces the writable properties after checking the etag (If-Match,
// else the body's): a stale one is 412 Precondition Failed.
func (s *Server) put(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	var in struct {
		Etag       string         `json:"etag"`
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Properties == nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "malformed incident body")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.lookup(w, name)
	if x == nil {
		return
	}
	etag := r.Header.Get("If-Match")
	if etag == "" {
		etag = in.Etag
	}
	if etag != "" && etag != x.etagText() {
		writeError(w, http.StatusPreconditionFailed, "PreconditionFailed", "the incident was changed: etag "+etag+" is not "+x.etagText())
		return
	}
	p := in.Properties
	str := func(k string) string { v, _ := p[k].(string); return v }
	for _, k := range []string{"title", "severity", "status"} {
		if str(k) == "" {
			writeError(w, http.StatusBadRequest, "BadRequest", "properties."+k+" is required")
			return
		}
	}
	if str("status") == "Closed" && str("classification") == "" {
		writeError(w, http.StatusBadRequest, "BadRequest", "closing an incident requires a classification")
		return
	}
	inc := &x.inc
	inc.Title, inc.Severity, inc.Status = str("title"), triage.Severity(str("severity")), triage.Status(str("status"))
	inc.Description = str("description")
	inc.Classification = triage.Classification(str("classification"))
	inc.ClassificationReason, inc.ClassificationComment = str("classificationReason"), str("classificationComment")
	inc.Owner = triage.Owner{}
	if o, ok := p["owner"].(map[string]any); ok {
		get := func(k string) string { v, _ := o[k].(string); return v }
		inc.Owner = triage.Owner{ObjectID: get("objectId"), Email: get("email"), AssignedTo: get("assignedTo"), UPN: get("userPrincipalName")}
	}
	inc.Labels = nil
	if ls, ok := p["labels"].([]any); ok {
		for _, l := range ls {
			if m, ok := l.(map[string]any); ok {
				if n, _ := m["labelName"].(string); n != "" {
					inc.Labels = append(inc.Labels, n)
				}
			}
		}
	}
	x.etag++
	inc.LastModified = time.Now().UTC()
	writeJSON(w, http.StatusOK, s.armIncident(x))
}

// alertRows reads the latest SecurityAlert row of each alert of an incident.
func (s *Server) alertRows(ctx context.Context, inc triage.Incident) ([]workspace.Record, error) {
	t, err := s.ws.Run(ctx, "alerts_by_id", workspace.Params{"ids": orEmpty(inc.AlertIDs)})
	if err != nil {
		return nil, err
	}
	return t.Records(), nil
}

// alerts serves ListAlerts: every alert id of the incident, from its
// SecurityAlert row when there is one, else only its id.
func (s *Server) alerts(w http.ResponseWriter, r *http.Request, name string) {
	s.mu.Lock()
	x := s.lookup(w, name)
	s.mu.Unlock()
	if x == nil {
		return
	}
	rows, err := s.alertRows(r.Context(), x.inc)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	byID := map[string]workspace.Record{}
	for _, row := range rows {
		byID[row.String("SystemAlertId")] = row
	}
	value := []any{}
	for _, id := range x.inc.AlertIDs {
		props := map[string]any{"systemAlertId": id, "friendlyName": id}
		if row, ok := byID[id]; ok {
			a, _, _ := triage.ParseSecurityAlert(row)
			props = map[string]any{
				"systemAlertId": id, "alertDisplayName": a.Name, "friendlyName": a.Name, "alertType": a.AlertType,
				"severity": a.Severity, "status": a.Status, "productName": a.Product, "vendorName": a.Vendor,
				"description": a.Description, "compromisedEntity": a.CompromisedEntity, "tactics": orEmpty(a.Tactics),
			}
			if !a.TimeGenerated.IsZero() {
				props["timeGenerated"] = a.TimeGenerated.Format(time.RFC3339Nano)
			}
		}
		value = append(value, map[string]any{"id": s.base(r) + "/" + name + "/alerts/" + id, "name": id,
			"type": "Microsoft.SecurityInsights/Entities", "kind": "SecurityAlert", "properties": props})
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": value})
}

// entities serves ListEntities: the entities of the incident's alerts as
// the API shapes them (kind, camelCase properties), without the links
// between them, as the real API's list can be partial.
func (s *Server) entities(w http.ResponseWriter, r *http.Request, name string) {
	s.mu.Lock()
	x := s.lookup(w, name)
	s.mu.Unlock()
	if x == nil {
		return
	}
	rows, err := s.alertRows(r.Context(), x.inc)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	set := triage.NewSet()
	for _, row := range rows {
		_, ents, _ := triage.ParseSecurityAlert(row)
		for _, e := range ents {
			set.Add(e)
		}
	}
	list := []any{}
	counts := map[triage.Kind]int{}
	for i, e := range set.Entities() {
		props := map[string]any{"friendlyName": e.Name}
		for k, v := range e.Properties {
			props[k] = v
		}
		id := fmt.Sprintf("e%07d-0000-4000-8000-%012d", i, x.inc.Number)
		list = append(list, map[string]any{"id": s.base(r) + "/entities/" + id, "name": id,
			"type": "Microsoft.SecurityInsights/entities", "kind": e.Kind, "properties": props})
		counts[e.Kind]++
	}
	meta := []any{}
	for k, n := range counts {
		meta = append(meta, map[string]any{"entityKind": k, "count": n})
	}
	writeJSON(w, http.StatusOK, map[string]any{"entities": list, "metaData": meta})
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lookup(w, name) == nil {
		return
	}
	cs := s.comments[strings.ToLower(name)]
	page, next := s.page(r, len(cs))
	value := []any{}
	for _, c := range cs[page[0]:page[1]] {
		value = append(value, armComment(s.base(r)+"/"+name, c))
	}
	out := map[string]any{"value": value}
	if next != "" {
		out["nextLink"] = next
	}
	writeJSON(w, http.StatusOK, out)
}

func armComment(base string, c comment) map[string]any {
	return map[string]any{
		"id": base + "/comments/" + c.ID, "name": c.ID, "type": "Microsoft.SecurityInsights/Incidents/Comments",
		"etag": `"` + strconv.FormatInt(c.Edited.UnixNano(), 16) + `"`,
		"properties": map[string]any{
			"message": c.Message, "createdTimeUtc": c.Created.Format(time.RFC3339Nano),
			"lastModifiedTimeUtc": c.Edited.Format(time.RFC3339Nano),
			"author":              map[string]any{"name": "triage test", "objectId": "2046feea-040d-4a46-9e2b-91c2941bfa70"},
		},
	}
}

func (s *Server) putComment(w http.ResponseWriter, name, id string, body []byte) {
	var in struct {
		Properties struct {
			Message string `json:"message"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Properties.Message == "" {
		writeError(w, http.StatusBadRequest, "BadRequest", "properties.message is required")
		return
	}
	if n := len([]rune(in.Properties.Message)); n > workspace.MaxCommentLength {
		writeError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("message is %d characters, over %d", n, workspace.MaxCommentLength))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lookup(w, name) == nil {
		return
	}
	key := strings.ToLower(name)
	now := time.Now().UTC()
	cs := s.comments[key]
	status := http.StatusCreated
	var c comment
	if i := slices.IndexFunc(cs, func(c comment) bool { return c.ID == id }); i >= 0 {
		cs[i].Message, cs[i].Edited = in.Properties.Message, now
		c, status = cs[i], http.StatusOK
	} else {
		c = comment{ID: id, Message: in.Properties.Message, Created: now, Edited: now}
		s.comments[key] = append(cs, c)
	}
	writeJSON(w, status, armComment(s.URL, c))
}

// query answers a Log Analytics query by running the named query's SQL body.
func (s *Server) query(w http.ResponseWriter, r *http.Request, body []byte) {
	var in struct {
		Query    string `json:"query"`
		Timespan string `json:"timespan"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "BadArgumentError", "malformed body")
		return
	}
	// The named query whose body ends the text: what comes before it is the
	// prelude of parameters (a body may have let statements of its own).
	var q *workspace.Query
	for _, name := range s.cat.Names() {
		c, _ := s.cat.Get(name)
		body := c.Bodies[workspace.KQL]
		if body != "" && strings.HasSuffix(in.Query, body) && (q == nil || len(body) > len(q.Bodies[workspace.KQL])) {
			q = c // the longest: a body may end with another's text
		}
	}
	if q == nil {
		// Log Analytics answers a query that starts from a table the
		// workspace lacks with SEM0100; the fake lacks what its local
		// workspace does not know.
		_, text, _ := parseLets(in.Query)
		if table := firstWord(text); table != "" && !slices.Contains(local.Tables(), table) {
			writeNoTable(w, table)
			return
		}
		writeQueryError(w, "this fake answers only the built-in named queries")
		return
	}
	params, rest, err := parseLets(strings.TrimSuffix(in.Query, q.Bodies[workspace.KQL]))
	if err == nil && rest != "" {
		err = fmt.Errorf("%.40q is not a let statement of a parameter", rest)
	}
	if err != nil {
		writeQueryError(w, "the query's let statements: "+err.Error())
		return
	}
	if q.Name == "incidents_in_window" {
		// Kusto folds case across Unicode, SQLite only for ASCII: leave
		// non-ASCII owner and title filters to the client, which applies
		// the whole filter again.
		for _, k := range []string{"owner", "title_contains"} {
			if v, _ := params[k].(string); !isASCII(v) {
				params[k] = ""
			}
		}
	}
	t, err := s.ws.Run(r.Context(), q.Name, workspace.Params(params))
	var nt *workspace.NoTableError
	if errors.As(err, &nt) {
		writeNoTable(w, nt.Table)
		return
	}
	if err != nil {
		writeQueryError(w, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, s.laTable(t))
}

// firstWord is the identifier a KQL body starts with when it is a table
// name (capitalised, as Log Analytics names tables, not a lower-case
// operator such as union), or "".
func firstWord(text string) string {
	text = strings.TrimSpace(text)
	end := strings.IndexFunc(text, func(r rune) bool {
		return !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	})
	if end < 0 {
		end = len(text)
	}
	if end == 0 || text[0] < 'A' || text[0] > 'Z' {
		return ""
	}
	return text[:end]
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func writeQueryError(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{
		"code": "BadArgumentError", "message": "The request had some invalid properties",
		"innererror": map[string]any{"code": "SyntaxError", "message": msg},
	}})
}

// writeNoTable answers as Log Analytics does a query over a table the
// workspace lacks: the semantic error SEM0100 two inner errors deep.
func writeNoTable(w http.ResponseWriter, table string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{
		"code": "BadArgumentError", "message": "The request had some invalid properties",
		"innererror": map[string]any{
			"code": "SemanticError", "message": "A semantic error occurred.",
			"innererror": map[string]any{
				"code":    "SEM0100",
				"message": "'where' operator: Failed to resolve table or column expression named '" + table + "'",
			},
		},
	}})
}

// laTable renders t as Log Analytics does: datetimes as RFC 3339 text,
// dynamic values as JSON text, numbers as numbers.
func (s *Server) laTable(t workspace.Table) map[string]any {
	cols := []any{}
	for _, c := range t.Columns {
		cols = append(cols, map[string]any{"name": c.Name, "type": c.Type})
	}
	rows := []any{}
	for _, row := range t.Rows {
		out := make([]any, len(row))
		for j, v := range row {
			out[j] = laCell(t.Columns[j].Type, v)
		}
		rows = append(rows, out)
	}
	res := map[string]any{"tables": []any{map[string]any{"name": "PrimaryResult", "columns": cols, "rows": rows}}}
	if s.PartialQueries {
		res["error"] = map[string]any{"code": "PartialError", "message": "There were some errors when processing your query.",
			"details": []any{map[string]any{"code": "EngineError", "message": "Query result set has exceeded the internal record count limit"}}}
	}
	return res
}

func laCell(typ string, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
	}
	if typ == "dynamic" {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(v)
		return strings.TrimSpace(b.String())
	}
	return v
}
