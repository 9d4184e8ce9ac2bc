// Package defender is the Microsoft Defender XDR workspace: the unified
// incident queue, incidents' alerts with their typed evidence, and
// write-back (status, classification and determination, owner, tags,
// comments) through the Microsoft Graph security API (v1.0,
// /security/incidents), and the catalog's log queries through Sentinel's
// Log Analytics workspace when one is configured.
//
// Graph names an incident by a numeric id: an incident's Name is that id as
// text and its Number the same id as a number, so `triage show 42` and
// `triage show` with the name both find Graph incident 42. Graph words
// (statuses, severities, classifications, determinations) are mapped onto
// the model's (vocab.go) and the originals kept in Incident.Source. A
// merged incident (status redirected) is followed to the one it was merged
// into, and the report says so.
//
// Graph has no etag on incidents: an incident's ETag here is made of its
// lastUpdateDateTime, and Update reads the incident again immediately
// before its PATCH and refuses, with a *workspace.ConflictError listing
// what changed, when it is not as the caller read it. A race window between
// that read and the PATCH remains; the service offers nothing to close it.
//
// Every request carries `Prefer: include-unknown-enum-members`, pages hold
// at most 50 incidents ($top), next pages are followed by @odata.nextLink
// exactly as returned, and throttled requests (429, 503, 504) wait for the
// service's Retry-After within a budget, as in package sentinel.
package defender

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/timespan"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/hunting"
	"github.com/triage-dev/triage/internal/workspace/sentinel"
)

// MaxPageSize is the most incidents Graph returns in one page: a larger
// $top is refused with 400.
const MaxPageSize = 50

// DefaultRetryBudget is the longest a request waits for one throttling
// Retry-After before the wait is reported as a *workspace.ThrottledError.
const DefaultRetryBudget = 60 * time.Second

// maxBody bounds a Graph response read into memory: an incident with its
// alerts and their evidence.
const maxBody = 64 << 20

// Options configures a Defender workspace.
type Options struct {
	// Workspace is the configured workspace: tenant, Graph endpoint, and
	// the Log Analytics workspace id and endpoint for log queries.
	Workspace config.Workspace
	// Credential signs requests in (a token for {graph}/.default).
	Credential azcore.TokenCredential
	// Catalog holds the named queries; nil means the built-in catalog.
	Catalog *workspace.Catalog
	// Transport replaces the HTTP client (tests); nil uses the default.
	Transport policy.Transporter
	// RetryBudget bounds one throttling wait (default DefaultRetryBudget);
	// RetryDelay is the first back-off of a transient failure (default
	// 800 ms, the SDK's).
	RetryBudget time.Duration
	RetryDelay  time.Duration
	// Notify, when set, is told about waits the user should know of.
	Notify func(msg string)
	// Limits caps the entities Details reads of an alert and of an
	// incident; zero fields are triage's defaults.
	Limits triage.Limits
	// PageSize is the $top of incident list pages: 1 to MaxPageSize
	// (the default).
	PageSize int
	// Hunting is advanced hunting's limits; zero fields are its defaults,
	// and a nil Notify is Notify.
	Hunting hunting.Options
}

// Workspace is a Microsoft Defender XDR workspace. It implements
// workspace.Workspace and workspace.Writer.
type Workspace struct {
	cfg      config.Workspace
	cat      *workspace.Catalog
	pl       runtime.Pipeline
	api      string // {graph}/v1.0
	limits   triage.Limits
	pageSize int
	// logAnalytics runs a query through Log Analytics; nil without a
	// workspace id.
	logAnalytics func(context.Context, *workspace.Query, workspace.Params) (workspace.Table, error)
	hunting      *hunting.Client
}

var (
	_ workspace.Workspace = (*Workspace)(nil)
	_ workspace.Writer    = (*Workspace)(nil)
)

// Open builds the Graph pipeline of a Defender workspace (and, with a
// workspace id, its Log Analytics client). It does no network I/O.
func Open(opts Options) (*Workspace, error) {
	wc := opts.Workspace
	if opts.Credential == nil {
		return nil, fmt.Errorf("defender workspace %s: no credential", wc.Name)
	}
	if wc.Cloud == config.CloudChina {
		return nil, fmt.Errorf("defender workspace %s: Microsoft Graph's security API is not available in Azure China (21Vianet)", wc.Name)
	}
	graph := strings.TrimRight(wc.Endpoints.Graph, "/")
	if graph == "" {
		return nil, fmt.Errorf("defender workspace %s: no graph endpoint: set endpoints.graph", wc.Name)
	}
	cat := opts.Catalog
	if cat == nil {
		var err error
		if cat, err = workspace.LoadCatalog(""); err != nil {
			return nil, fmt.Errorf("defender workspace %s: %w", wc.Name, err)
		}
	}
	n := opts.PageSize
	if n <= 0 || n > MaxPageSize {
		n = MaxPageSize
	}
	w := &Workspace{cfg: wc, cat: cat, api: graph + "/v1.0", limits: opts.Limits, pageSize: n}
	w.pl = NewPipeline(opts.Credential, wc.Name, graph, clientOptions(opts))
	ho := opts.Hunting
	if ho.Notify == nil {
		ho.Notify = opts.Notify // a turn in the tenant's queue is a wait like a throttled request
	}
	w.hunting = hunting.New(w.pl, graph, wc.TenantID, ho)
	if wc.WorkspaceID != "" {
		lc := wc
		lc.SubscriptionID, lc.ResourceGroup, lc.WorkspaceName = "", "", ""
		la, err := sentinel.Open(sentinel.Options{
			Workspace: lc, Credential: opts.Credential, Catalog: cat, Transport: opts.Transport,
			RetryBudget: opts.RetryBudget, RetryDelay: opts.RetryDelay, Notify: opts.Notify,
		})
		if err != nil {
			return nil, fmt.Errorf("defender workspace %s: log analytics: %w", wc.Name, err)
		}
		w.logAnalytics = la.Query
	}
	return w, nil
}

func clientOptions(opts Options) policy.ClientOptions {
	budget := opts.RetryBudget
	if budget <= 0 {
		budget = DefaultRetryBudget
	}
	o := policy.ClientOptions{
		Transport: opts.Transport,
		Retry:     policy.RetryOptions{MaxRetries: 4, RetryDelay: opts.RetryDelay, MaxRetryDelay: budget},
		Telemetry: policy.TelemetryOptions{ApplicationID: "triage"},
	}
	if opts.Notify != nil {
		o.PerRetryPolicies = []policy.Policy{throttleNotice{opts.Notify}}
	}
	return o
}

// NewPipeline is the HTTP pipeline of Microsoft Graph requests: a bearer
// token for {graph}/.default (from cred, failures reported as an *AuthError
// of the workspace), `Prefer: include-unknown-enum-members`, and o's
// retries and transport. Advanced hunting uses the same pipeline.
func NewPipeline(cred azcore.TokenCredential, name, graph string, o policy.ClientOptions) runtime.Pipeline {
	scope := strings.TrimRight(graph, "/") + "/.default"
	auth := runtime.NewBearerTokenPolicy(&signIn{cred: cred, workspace: name}, []string{scope}, nil)
	return runtime.NewPipeline("triage-defender", "v1", runtime.PipelineOptions{
		PerCall:  []policy.Policy{preferUnknownEnums{}},
		PerRetry: []policy.Policy{auth},
	}, &o)
}

// Pipeline is the workspace's Graph pipeline (signed in, retrying), for
// other Graph clients of the same tenant such as advanced hunting.
func (w *Workspace) Pipeline() runtime.Pipeline { return w.pl }

// GraphRoot is the Graph endpoint without /v1.0.
func (w *Workspace) GraphRoot() string { return strings.TrimSuffix(w.api, "/v1.0") }

// Name returns the configured workspace name.
func (w *Workspace) Name() string { return w.cfg.Name }

// Dialect is KQL.
func (w *Workspace) Dialect() workspace.Dialect { return workspace.KQL }

// Close releases nothing.
func (w *Workspace) Close() error { return nil }

// Run runs the named query of the catalog where its tables are: through
// Log Analytics when the workspace has one and it holds them, through
// advanced hunting otherwise when the query has a hunting body
// (hunting.Route; the table's Source says which). A query that neither can
// run fails with an error wrapping a *workspace.NoTableError for its first
// table (and ErrNoLogAnalytics without a workspace id), so that callers
// pass the section over as for any table the workspace lacks.
func (w *Workspace) Run(ctx context.Context, name string, p workspace.Params) (workspace.Table, error) {
	q, err := w.cat.Get(name)
	if err != nil {
		return workspace.Table{}, fmt.Errorf("defender workspace %s: %w", w.cfg.Name, err)
	}
	la := w.logAnalytics
	if la == nil {
		la = func(context.Context, *workspace.Query, workspace.Params) (workspace.Table, error) {
			return workspace.Table{}, &workspace.NoTableError{Table: hunting.FirstTable(q.Bodies[workspace.KQL]), Err: ErrNoLogAnalytics}
		}
	}
	t, err := hunting.Route(ctx, q, p, la, w.hunting)
	if err != nil {
		return t, fmt.Errorf("defender workspace %s: query %s: %w", w.cfg.Name, q.Name, err)
	}
	return t, nil
}

// ErrNoLogAnalytics is wrapped by Run's error on a workspace without a
// workspace_id.
var ErrNoLogAnalytics = errors.New("Log Analytics is not configured: set workspace_id to run log queries")

// preferUnknownEnums asks Graph for enum members past unknownFutureValue
// (such as the status awaitingAction), which it otherwise hides.
type preferUnknownEnums struct{}

func (preferUnknownEnums) Do(req *policy.Request) (*http.Response, error) {
	req.Raw().Header.Set("Prefer", "include-unknown-enum-members")
	return req.Next()
}

// huntingPath ends the URL of advanced hunting's calls.
const huntingPath = "/security/runHuntingQuery"

// throttleNotice tells the user when a request is throttled.
type throttleNotice struct{ notify func(string) }

func (t throttleNotice) Do(req *policy.Request) (*http.Response, error) {
	if strings.HasSuffix(req.Raw().URL.Path, huntingPath) {
		return req.Next() // advanced hunting tells its own waits, naming the query
	}
	resp, err := req.Next()
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		if d := timespan.RetryAfter(resp.Header.Get("Retry-After"), time.Now()); d > 0 {
			t.notify(fmt.Sprintf("throttled by %s; the service asks to wait %s", resp.Request.URL.Host, d.Round(time.Second)))
		}
	}
	return resp, err
}

// signIn reports a failure to get a token as a sign-in problem of this
// workspace.
type signIn struct {
	cred      azcore.TokenCredential
	workspace string
}

func (s *signIn) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := s.cred.GetToken(ctx, o)
	if err != nil && ctx.Err() == nil {
		return tok, &AuthError{Workspace: s.workspace, Err: err}
	}
	return tok, err
}

// AuthError is a failure to sign in, or a token or permission Graph
// refused. It wraps workspace.ErrUnauthorized.
type AuthError struct {
	Workspace string
	Status    int // the HTTP status, 0 when signing in failed
	Err       error
}

func (e *AuthError) Error() string {
	switch e.Status {
	case 0:
		return fmt.Sprintf("defender workspace %s: signing in for Microsoft Graph failed: %v (check auth in the configuration, or run az login)", e.Workspace, e.Err)
	case http.StatusForbidden:
		return fmt.Sprintf("defender workspace %s: access denied (403): %v (reading incidents needs the Graph permissions SecurityIncident.Read.All and SecurityAlert.Read.All, writing them SecurityIncident.ReadWrite.All; triage config check lists them)", e.Workspace, e.Err)
	}
	return fmt.Sprintf("defender workspace %s: Microsoft Graph refused the credential (%d): %v (sign in again, e.g. az login)", e.Workspace, e.Status, e.Err)
}

func (e *AuthError) Unwrap() []error { return []error{workspace.ErrUnauthorized, e.Err} }

// call sends one Graph request (body marshalled as JSON when not nil) and
// returns the response body of a 2xx answer; any other answer is an error
// that says what went wrong, naming what (e.g. "incident 42").
func (w *Workspace) call(ctx context.Context, method, url string, body any, what string) ([]byte, error) {
	req, err := runtime.NewRequest(ctx, method, url)
	if err != nil {
		return nil, fmt.Errorf("defender workspace %s: %s: %w", w.cfg.Name, what, err)
	}
	req.Raw().Header.Set("Accept", "application/json")
	if body != nil {
		if err := runtime.MarshalAsJSON(req, body); err != nil {
			return nil, fmt.Errorf("defender workspace %s: %s: %w", w.cfg.Name, what, err)
		}
	}
	resp, err := w.pl.Do(req)
	if err != nil {
		var ae *AuthError
		if errors.As(err, &ae) || ctx.Err() != nil {
			return nil, err
		}
		return nil, fmt.Errorf("defender workspace %s: %s: %w", w.cfg.Name, what, err)
	}
	defer resp.Body.Close()
	data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if rerr != nil {
		return nil, fmt.Errorf("defender workspace %s: %s: reading the answer: %w", w.cfg.Name, what, rerr)
	}
	if len(data) > maxBody {
		return nil, fmt.Errorf("defender workspace %s: %s: the answer is larger than %d MB", w.cfg.Name, what, maxBody>>20)
	}
	if resp.StatusCode/100 == 2 {
		return data, nil
	}
	return nil, w.classify(resp, data, what)
}

// classify turns a non-2xx answer into an error that says what to do.
func (w *Workspace) classify(resp *http.Response, body []byte, what string) error {
	msg := graphMessage(body)
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return &AuthError{Workspace: w.cfg.Name, Status: resp.StatusCode, Err: fmt.Errorf("%s: %s", what, msg)}
	case http.StatusNotFound:
		return fmt.Errorf("defender workspace %s: %s: %w (%s)", w.cfg.Name, what, workspace.ErrNotFound, msg)
	case http.StatusTooManyRequests:
		return &workspace.ThrottledError{Workspace: "defender workspace " + w.cfg.Name, Service: "Microsoft Graph", Wait: timespan.RetryAfter(resp.Header.Get("Retry-After"), time.Now()),
			Err: fmt.Errorf("%s: %s", what, msg)}
	}
	if resp.StatusCode >= 500 {
		return &ServiceError{Workspace: w.cfg.Name, What: what, Status: resp.StatusCode, Message: msg}
	}
	return fmt.Errorf("defender workspace %s: %s: %d: %s", w.cfg.Name, what, resp.StatusCode, msg)
}

// ServiceError is a Graph failure (5xx) that outlasted the retries.
type ServiceError struct {
	Workspace, What string
	Status          int
	Message         string
}

func (e *ServiceError) Error() string {
	return fmt.Sprintf("defender workspace %s: %s: Microsoft Graph failed (%d: %s) after retries; try again later", e.Workspace, e.What, e.Status, e.Message)
}

// graphMessage reads Graph's {"error":{"code","message"}}; "" when absent.
func graphMessage(body []byte) string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(bytes.TrimSpace(body), &e) != nil || e.Error.Message == "" && e.Error.Code == "" {
		return ""
	}
	return strings.TrimPrefix(e.Error.Code+": "+e.Error.Message, ": ")
}
