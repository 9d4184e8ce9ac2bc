// Package sentinel is the Microsoft Sentinel workspace: incidents, their
// alerts and entities through the Sentinel incidents API
// (armsecurityinsights, api-version 2025-09-01), log queries through Log
// Analytics (azlogs), and write-back of comments and incident changes.
//
// Every endpoint comes from configuration, so the workspace runs against any
// Azure cloud or a test double. Log queries are bounded to a configured
// number in flight (the service allows 5 per user); throttled requests wait
// for the service's Retry-After within a budget and report longer waits
// instead of giving up silently. A query answered with a partial error comes
// back with Table.Warnings set, never as a clean result.
package sentinel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"
	si "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/securityinsights/armsecurityinsights/v2"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/timespan"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// APIVersion is the Sentinel incidents API version every request carries
// (generally available; the SDK's own default is a preview).
const APIVersion = "2025-09-01"

// Defaults for Options' zero values.
const (
	DefaultMaxConcurrentQueries = 5
	DefaultQueryTimeout         = 3 * time.Minute
	// DefaultRetryBudget is the longest a request waits for one throttling
	// Retry-After before the wait is reported as an error.
	DefaultRetryBudget = 60 * time.Second
)

// Options configures a Sentinel workspace.
type Options struct {
	// Workspace is the configured workspace: its ids, endpoints, query
	// limits. WorkspaceID is needed for log queries; SubscriptionID,
	// ResourceGroup and WorkspaceName for the incidents API.
	Workspace config.Workspace
	// Credential signs requests in.
	Credential azcore.TokenCredential
	// Catalog holds the named queries (their kql bodies are run); nil
	// means the built-in catalog.
	Catalog *workspace.Catalog
	// Transport replaces the HTTP client (tests); nil uses the default.
	Transport policy.Transporter
	// RetryBudget bounds one throttling wait (default DefaultRetryBudget);
	// RetryDelay is the first back-off of a transient failure (default
	// 800 ms, the SDK's).
	RetryBudget time.Duration
	RetryDelay  time.Duration
	// Notify, when set, is told about waits the user should know of
	// ("throttled by Log Analytics; retrying in 20s").
	Notify func(msg string)
	// Limits caps the entities Details reads of an alert and of an
	// incident; zero fields are triage's defaults.
	Limits triage.Limits
}

// Workspace is a Microsoft Sentinel workspace. It implements
// workspace.Workspace and workspace.Writer.
type Workspace struct {
	cfg       config.Workspace
	cat       *workspace.Catalog
	incidents *si.IncidentsClient        // nil without the incidents API
	comments  *si.IncidentCommentsClient // nil without the incidents API
	logs      *azlogs.Client             // nil without a workspace id
	slots     chan struct{}              // log queries in flight
	timeout   time.Duration
	limits    triage.Limits
}

var (
	_ workspace.Workspace = (*Workspace)(nil)
	_ workspace.Writer    = (*Workspace)(nil)
)

// Open builds the clients of a Sentinel workspace. It does no network I/O:
// a wrong id or credential shows up on the first call.
func Open(opts Options) (*Workspace, error) {
	wc := opts.Workspace
	if opts.Credential == nil {
		return nil, fmt.Errorf("sentinel workspace %s: no credential", wc.Name)
	}
	cat := opts.Catalog
	if cat == nil {
		var err error
		if cat, err = workspace.LoadCatalog(""); err != nil {
			return nil, fmt.Errorf("sentinel workspace %s: %w", wc.Name, err)
		}
	}
	if wc.WorkspaceID == "" && !wc.IncidentsAPI() {
		return nil, fmt.Errorf("sentinel workspace %s: set workspace_id (for log queries) and subscription_id, resource_group, workspace_name (for incidents)", wc.Name)
	}
	w := &Workspace{cfg: wc, cat: cat, timeout: wc.QueryTimeout, limits: opts.Limits}
	if w.timeout <= 0 {
		w.timeout = DefaultQueryTimeout
	}
	n := wc.MaxConcurrentQueries
	if n <= 0 {
		n = DefaultMaxConcurrentQueries
	}
	w.slots = make(chan struct{}, n)

	cred := &signIn{cred: opts.Credential, workspace: wc.Name}
	base := clientOptions(opts)
	ep := wc.Endpoints
	if wc.IncidentsAPI() {
		if ep.ResourceManager == "" {
			return nil, fmt.Errorf("sentinel workspace %s: no resource manager endpoint", wc.Name)
		}
		o := base
		o.APIVersion = APIVersion
		o.Cloud = cloud.Configuration{
			ActiveDirectoryAuthorityHost: ep.AuthorityHost,
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{cloud.ResourceManager: {
				Endpoint: ep.ResourceManager, Audience: firstOf(ep.ResourceManagerAudience, ep.ResourceManager),
			}},
		}
		cf, err := si.NewClientFactory(wc.SubscriptionID, cred, &arm.ClientOptions{ClientOptions: o, DisableRPRegistration: true})
		if err != nil {
			return nil, fmt.Errorf("sentinel workspace %s: incidents client: %w", wc.Name, err)
		}
		w.incidents = cf.NewIncidentsClient()
		w.comments = cf.NewIncidentCommentsClient()
	}
	if wc.WorkspaceID != "" {
		if ep.LogAnalytics == "" {
			return nil, fmt.Errorf("sentinel workspace %s: no log analytics endpoint", wc.Name)
		}
		o := base
		o.Cloud = cloud.Configuration{
			ActiveDirectoryAuthorityHost: ep.AuthorityHost,
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{azlogs.ServiceName: {
				Endpoint: ep.LogAnalytics, Audience: ep.LogAnalytics,
			}},
		}
		lc, err := azlogs.NewClient(cred, &azlogs.ClientOptions{ClientOptions: o})
		if err != nil {
			return nil, fmt.Errorf("sentinel workspace %s: log analytics client: %w", wc.Name, err)
		}
		w.logs = lc
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
		Retry: policy.RetryOptions{
			MaxRetries:    4,
			RetryDelay:    opts.RetryDelay,
			MaxRetryDelay: budget,
		},
		Telemetry: policy.TelemetryOptions{ApplicationID: "triage"},
	}
	if opts.Notify != nil {
		o.PerRetryPolicies = []policy.Policy{throttleNotice{opts.Notify}}
	}
	return o
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// Name returns the configured workspace name.
func (w *Workspace) Name() string { return w.cfg.Name }

// Dialect is KQL.
func (w *Workspace) Dialect() workspace.Dialect { return workspace.KQL }

// Run runs the named query of the workspace's catalog through Log Analytics
// (see Query). An unknown name is an error naming it and wrapping
// workspace.ErrNotFound.
func (w *Workspace) Run(ctx context.Context, name string, p workspace.Params) (workspace.Table, error) {
	q, err := w.cat.Get(name)
	if err != nil {
		return workspace.Table{}, fmt.Errorf("sentinel workspace %s: %w", w.cfg.Name, err)
	}
	return w.Query(ctx, q, p)
}

// Close releases nothing: the clients hold no resources of their own.
func (w *Workspace) Close() error { return nil }

// throttleNotice tells the user when a request is throttled and will be
// retried after the service's Retry-After.
type throttleNotice struct{ notify func(string) }

func (t throttleNotice) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		if d := retryAfter(resp.Header); d > 0 {
			t.notify(fmt.Sprintf("throttled by %s; the service asks to wait %s", resp.Request.URL.Host, d.Round(time.Second)))
		}
	}
	return resp, err
}

// retryAfter reads Azure's millisecond variants of Retry-After, else
// Retry-After itself (timespan.RetryAfter); 0 when absent.
func retryAfter(h http.Header) time.Duration {
	for _, k := range []string{"Retry-After-Ms", "X-Ms-Retry-After-Ms"} {
		if v := h.Get(k); v != "" {
			if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms > 0 {
				return time.Duration(ms) * time.Millisecond
			}
		}
	}
	return timespan.RetryAfter(h.Get("Retry-After"), time.Now())
}

// signIn wraps the credential so that a failure to get a token is reported
// as a sign-in problem of this workspace.
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

// AuthError is a failure to sign in, or a token or permission the service
// refused. It wraps workspace.ErrUnauthorized.
type AuthError struct {
	Workspace string
	Status    int // the HTTP status the service answered, 0 when signing in failed
	Err       error
}

func (e *AuthError) Error() string {
	switch e.Status {
	case 0:
		return fmt.Sprintf("sentinel workspace %s: signing in to Azure failed: %v (check auth in the configuration, or run az login)", e.Workspace, e.Err)
	case http.StatusForbidden:
		return fmt.Sprintf("sentinel workspace %s: access denied (403): %v (reading incidents needs Microsoft Sentinel Reader, writing them Microsoft Sentinel Responder, log queries Log Analytics Reader)", e.Workspace, e.Err)
	}
	return fmt.Sprintf("sentinel workspace %s: the service refused the credential (%d): %v (sign in again, e.g. az login)", e.Workspace, e.Status, e.Err)
}

func (e *AuthError) Unwrap() []error { return []error{workspace.ErrUnauthorized, e.Err} }

// classify turns an SDK error into one that says what went wrong and what to
// do, keeping the original wrapped. what names the call ("incident 42").
func (w *Workspace) classify(err error, what string) error {
	if err == nil {
		return nil
	}
	var ae *AuthError
	if errors.As(err, &ae) {
		return err
	}
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return fmt.Errorf("sentinel workspace %s: %s: %w", w.cfg.Name, what, err)
	}
	msg := responseMessage(re)
	switch re.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return &AuthError{Workspace: w.cfg.Name, Status: re.StatusCode, Err: fmt.Errorf("%s: %s", what, msg)}
	case http.StatusNotFound:
		return fmt.Errorf("sentinel workspace %s: %s: %w (%s)", w.cfg.Name, what, workspace.ErrNotFound, msg)
	case http.StatusTooManyRequests:
		var wait time.Duration
		if re.RawResponse != nil {
			wait = retryAfter(re.RawResponse.Header)
		}
		return &workspace.ThrottledError{Workspace: "sentinel workspace " + w.cfg.Name, Service: "the service", Wait: wait, Err: fmt.Errorf("%s: %w", what, err)}
	}
	if re.StatusCode >= 500 {
		return fmt.Errorf("sentinel workspace %s: %s: the service failed (%d: %s) after retries; try again later",
			w.cfg.Name, what, re.StatusCode, msg)
	}
	return fmt.Errorf("sentinel workspace %s: %s: %d %s: %s", w.cfg.Name, what, re.StatusCode, re.ErrorCode, msg)
}

// responseMessage is the service's error message without the SDK's
// multi-line dump of the request.
func responseMessage(re *azcore.ResponseError) string {
	if re.RawResponse != nil {
		if msg := errorBodyMessage(re.RawResponse); msg != "" {
			return msg
		}
	}
	if re.ErrorCode != "" {
		return re.ErrorCode
	}
	return http.StatusText(re.StatusCode)
}

// errorBodyMessage reads {"error":{"code","message","innererror":{...}}}.
func errorBodyMessage(resp *http.Response) string {
	body, err := readPayload(resp)
	if err != nil || len(body) == 0 {
		return ""
	}
	var e struct {
		Error struct {
			Code       string `json:"code"`
			Message    string `json:"message"`
			InnerError *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"innererror"`
		} `json:"error"`
	}
	if jsonUnmarshal(body, &e) != nil || e.Error.Message == "" {
		return ""
	}
	msg := e.Error.Message
	if ie := e.Error.InnerError; ie != nil && ie.Message != "" && !strings.Contains(msg, ie.Message) {
		msg += " (" + strings.TrimPrefix(ie.Code+": ", ": ") + ie.Message + ")"
	}
	if e.Error.Code != "" {
		msg = e.Error.Code + ": " + msg
	}
	return msg
}
