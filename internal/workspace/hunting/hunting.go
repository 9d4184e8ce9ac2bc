// Package hunting runs the named query catalog's hunting bodies through
// Microsoft Defender XDR's advanced hunting (Microsoft Graph,
// POST /v1.0/security/runHuntingQuery), within its limits, and routes a
// query between Log Analytics and advanced hunting (Route).
//
// Advanced hunting holds the Defender XDR tables (Device*, Email*,
// Identity*, CloudAppEvents, AlertInfo, AlertEvidence...) with their time in
// Timestamp, for the last 30 days, whether or not they are also streamed
// into Log Analytics. Its limits are the service's, kept here: calls a
// minute per tenant (queued, never provoking a 429), days of data (a longer
// window is cut and the table says so), rows per answer (an answer at the
// cap is marked incomplete). What it answers is decoded into the same
// workspace.Table, with the same cell types, as a Log Analytics answer
// (workspace.DecodeCell), and says it came from advanced hunting
// (Table.Source).
package hunting

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"

	"github.com/triage-dev/triage/internal/timespan"
	"github.com/triage-dev/triage/internal/workspace"
)

// SourceName is what a table advanced hunting answered says of itself
// (workspace.Table.Source).
const SourceName = "advanced hunting"

// The limits of advanced hunting, as Microsoft documents them for the
// Defender hunting APIs; Options overrides each.
const (
	DefaultPerMinute = 45      // calls a minute per tenant
	DefaultMaxDays   = 30      // days of data kept
	DefaultMaxRows   = 100_000 // rows an answer holds at most
)

// Retries of a throttled (429) or unavailable (503, 504) call: at most
// maxAttempts calls in all, each taking its turn at the tenant's limit; a
// Retry-After longer than maxRetryWait is not waited for.
const (
	maxAttempts  = 4
	firstBackoff = 2 * time.Second
	maxRetryWait = 2 * time.Minute
)

// noticeWait is the shortest turn in the tenant's queue that Notify is told
// of: shorter ones are the spacing of a burst, not a wait.
const noticeWait = time.Second

// maxBody bounds what is read of an answer: the service caps a result at
// about 124 MB.
const maxBody = 256 << 20

// Options are advanced hunting's limits. A zero field takes its default.
type Options struct {
	// PerMinute is how many calls a minute the tenant may make (45). Every
	// Client of a tenant in the process shares one queue, made with the
	// first Client's PerMinute.
	PerMinute int
	// MaxDays is how many days back advanced hunting keeps (30): an earlier
	// window start is moved to the first day kept, and the table says so.
	MaxDays int
	// MaxRows is the most rows an answer holds (100,000): an answer with
	// that many is marked incomplete.
	MaxRows int
	// Now is the clock (time.Now).
	Now func() time.Time
	// Notify, when set, is told of every wait a call makes that the user
	// should know of, as the other services' throttling is reported: a turn
	// in the tenant's queue of calls a minute of noticeWait or more, and a
	// wait the service asked for (429) or a back-off after a failure.
	Notify func(msg string)

	// sleep waits between calls (the package's sleep); tests replace it
	// with a fake clock's.
	sleep func(context.Context, time.Duration) error
	// maxBody is the most bytes of an answer read (the constant maxBody);
	// tests lower it.
	maxBody int64
}

// Client runs queries through advanced hunting for one tenant. It is safe
// for concurrent use.
type Client struct {
	pl     runtime.Pipeline
	url    string
	tenant string
	o      Options
	limit  *limiter
}

// New returns a client of advanced hunting at graphRoot (such as
// https://graph.microsoft.com; the national clouds have their own) for the
// tenant tenantID. pl carries the caller's policies, the Graph bearer
// token's among them (scope graphRoot/.default, permission
// ThreatHunting.Read.All). Its retry policy is turned off for these calls
// whatever the pipeline's options: the client retries 429, 503 and 504
// itself, so that every attempt takes its turn at the tenant's limit.
func New(pl runtime.Pipeline, graphRoot, tenantID string, o Options) *Client {
	if o.PerMinute <= 0 {
		o.PerMinute = DefaultPerMinute
	}
	if o.MaxDays <= 0 {
		o.MaxDays = DefaultMaxDays
	}
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultMaxRows
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.sleep == nil {
		o.sleep = sleep
	}
	if o.maxBody <= 0 {
		o.maxBody = maxBody
	}
	root := strings.TrimRight(graphRoot, "/")
	return &Client{
		pl:     pl,
		url:    root + "/v1.0/security/runHuntingQuery",
		tenant: tenantID,
		o:      o,
		limit:  tenantLimiter(root, tenantID, o.PerMinute),
	}
}

// ErrTooLarge is an answer larger than advanced hunting returns (400
// "exceeded the allowed result size").
var ErrTooLarge = errors.New("the answer exceeded the size advanced hunting allows")

// ThrottledError is advanced hunting refusing a query for a quota: the calls
// a minute, still refused after the retries, or the tenant's CPU quota,
// which blocks hunting until its cycle ends.
type ThrottledError struct {
	Tenant string
	CPU    bool          // the tenant's CPU quota, not the calls a minute
	Wait   time.Duration // what the service asked to wait; 0 if it did not say
	Err    error         // the service's answer
}

func (e *ThrottledError) Error() string {
	var s string
	if e.CPU {
		s = fmt.Sprintf("advanced hunting (tenant %s): the tenant's CPU quota for hunting is spent; queries are refused until its 15-minute cycle (or, for the daily quota, the day) ends", e.Tenant)
	} else {
		s = fmt.Sprintf("advanced hunting (tenant %s): throttled, after %d attempts", e.Tenant, maxAttempts)
	}
	if e.Wait > 0 {
		s += fmt.Sprintf("; it asks to wait %s", e.Wait.Round(time.Second))
	}
	return s + ": " + e.Err.Error()
}

func (e *ThrottledError) Unwrap() error { return e.Err }

// Query runs q's hunting body with p through advanced hunting. Parameters
// are bound as Bind renders them for workspace.Hunting (a let prelude,
// never spliced into the body). With datetime parameters start and end, the
// window is also the request's Timespan; a start earlier than the days
// advanced hunting keeps is moved to the first of them (start and the
// prelude's start alike) and the table says so in Warnings, and a window
// wholly before them is not asked at all. An answer with MaxRows rows is
// marked incomplete in Warnings. Table.Source is SourceName.
//
// Errors: a query without a hunting body; a table the tenant does not hunt
// is a *workspace.NoTableError; a refused credential or permission wraps
// workspace.ErrUnauthorized; a quota is a *ThrottledError; an answer too
// large wraps ErrTooLarge. Each names the query and the tenant.
func (c *Client) Query(ctx context.Context, q *workspace.Query, p workspace.Params) (workspace.Table, error) {
	what := fmt.Sprintf("advanced hunting (tenant %s): query %s", c.tenant, q.Name)
	if _, ok := q.Bodies[workspace.Hunting]; !ok {
		return workspace.Table{}, fmt.Errorf("%s: the query has no hunting body", what)
	}
	p, span, warning, skip := c.window(p)
	text, _, err := q.Bind(workspace.Hunting, p)
	if err != nil {
		return workspace.Table{}, err
	}
	if skip {
		return workspace.Table{Source: SourceName, Warnings: []string{warning}}, nil
	}
	req := struct {
		Query    string `json:"Query"`
		Timespan string `json:"Timespan,omitempty"`
	}{text, span}
	body, err := json.Marshal(req)
	if err != nil {
		return workspace.Table{}, fmt.Errorf("%s: %w", what, err)
	}
	payload, err := c.post(ctx, q.Name, body)
	if err != nil {
		var te *ThrottledError
		if errors.As(err, &te) { // it names the tenant itself
			return workspace.Table{}, fmt.Errorf("query %s: %w", q.Name, err)
		}
		return workspace.Table{}, fmt.Errorf("%s: %w", what, err)
	}
	t, err := decode(payload)
	if err != nil {
		return workspace.Table{}, fmt.Errorf("%s: malformed answer: %w", what, err)
	}
	t.Source = SourceName
	if warning != "" {
		t.Warnings = append(t.Warnings, warning)
	}
	if len(t.Rows) >= c.o.MaxRows {
		t.Warnings = append(t.Warnings, fmt.Sprintf("advanced hunting returns at most %d rows: the answer has %d and may be incomplete", c.o.MaxRows, len(t.Rows)))
	}
	return t, nil
}

// window returns p with its start moved into the days advanced hunting
// keeps, the request's Timespan, the warning that says what was cut, and
// whether the whole window lies before those days.
func (c *Client) window(p workspace.Params) (workspace.Params, string, string, bool) {
	start, ok1 := p["start"].(time.Time)
	end, ok2 := p["end"].(time.Time)
	if !ok1 || !ok2 || !end.After(start) {
		return p, "", "", false
	}
	start, end = start.UTC(), end.UTC()
	kept := c.o.Now().UTC().Add(-time.Duration(c.o.MaxDays) * 24 * time.Hour)
	const form = "2006-01-02 15:04 UTC"
	if !end.After(kept) {
		return p, "", fmt.Sprintf("advanced hunting keeps %d days: the window %s to %s lies before %s and was not asked",
			c.o.MaxDays, start.Format(form), end.Format(form), kept.Format(form)), true
	}
	var warning string
	if start.Before(kept) {
		warning = fmt.Sprintf("advanced hunting keeps %d days: the window was cut to %s to %s (asked from %s)",
			c.o.MaxDays, kept.Format(form), end.Format(form), start.Format(form))
		cut := make(workspace.Params, len(p))
		for k, v := range p {
			cut[k] = v
		}
		cut["start"] = kept
		p, start = cut, kept
	}
	return p, start.Format(time.RFC3339Nano) + "/" + end.Format(time.RFC3339Nano), warning, false
}

// post sends one query, waiting its turn at the tenant's limit, and retries
// 429 (after Retry-After, or backing off) and 503/504 (backing off). It
// returns the answer's body.
func (c *Client) post(ctx context.Context, name string, body []byte) ([]byte, error) {
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		now := c.o.Now()
		turn := c.limit.reserve(now).Sub(now)
		if turn >= noticeWait {
			c.notify("advanced hunting (tenant %s): query %s waits %s for its turn: the tenant's calls are held to %d a minute",
				c.tenant, name, turn.Round(time.Second), c.limit.perMinute)
		}
		if err := c.o.sleep(ctx, turn); err != nil {
			return nil, err
		}
		status, header, payload, err := c.send(ctx, body)
		if err != nil {
			return nil, err
		}
		if status == http.StatusOK {
			return payload, nil
		}
		msg := errorMessage(status, payload)
		var wait time.Duration
		switch status {
		case http.StatusTooManyRequests:
			wait = timespan.RetryAfter(header.Get("Retry-After"), c.o.Now())
			if cpuQuota.MatchString(msg) {
				return nil, &ThrottledError{Tenant: c.tenant, CPU: true, Wait: wait, Err: errors.New(msg)}
			}
			if attempt == maxAttempts || wait > maxRetryWait {
				return nil, &ThrottledError{Tenant: c.tenant, Wait: wait, Err: errors.New(msg)}
			}
		case http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			if attempt == maxAttempts {
				return nil, fmt.Errorf("the service failed (%s) after %d attempts; try again later", msg, attempt)
			}
		default:
			return nil, statusError(status, msg)
		}
		if wait <= 0 {
			wait = backoff
			backoff *= 2
		}
		c.notify("advanced hunting (tenant %s): query %s: %s; trying again in %s", c.tenant, name, msg, wait.Round(time.Second))
		if err := c.o.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// notify tells Options.Notify, when set.
func (c *Client) notify(format string, args ...any) {
	if c.o.Notify != nil {
		c.o.Notify(fmt.Sprintf(format, args...))
	}
}

// send makes one call and reads its answer.
func (c *Client) send(ctx context.Context, body []byte) (int, http.Header, []byte, error) {
	// Every attempt is one of the tenant's calls, so azcore's own retries,
	// which would not wait their turn, are off.
	ctx = policy.WithRetryOptions(ctx, policy.RetryOptions{MaxRetries: -1})
	req, err := runtime.NewRequest(ctx, http.MethodPost, c.url)
	if err != nil {
		return 0, nil, nil, err
	}
	if err := req.SetBody(streaming.NopCloser(bytes.NewReader(body)), "application/json; charset=utf-8"); err != nil {
		return 0, nil, nil, err
	}
	req.Raw().Header.Set("Accept", "application/json")
	resp, err := c.pl.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	payload, err := io.ReadAll(io.LimitReader(resp.Body, c.o.maxBody+1))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	if int64(len(payload)) > c.o.maxBody {
		return 0, nil, nil, fmt.Errorf("%w: the answer is over %d bytes", ErrTooLarge, c.o.maxBody)
	}
	return resp.StatusCode, resp.Header, payload, nil
}

var (
	// cpuQuota finds a 429 that is about the tenant's CPU quota, which no
	// short wait lifts.
	cpuQuota = regexp.MustCompile(`(?i)\bcpu\b`)
	// tooLarge is the 400 of an answer over the size limit.
	tooLarge = regexp.MustCompile(`(?i)exceeded the allowed result size`)
	// noTable is Kusto's wording for a name it cannot resolve, as Log
	// Analytics words it too.
	noTable = regexp.MustCompile(`Failed to resolve table[a-z ]*? expression named '([^']+)'`)
)

// statusError turns a refused call into an error that says what to do.
func statusError(status int, msg string) error {
	switch {
	case status == http.StatusUnauthorized:
		return fmt.Errorf("%w: the service refused the credential (401): %s (sign in again)", workspace.ErrUnauthorized, msg)
	case status == http.StatusForbidden:
		return fmt.Errorf("%w: access denied (403): %s (advanced hunting needs the Graph permission ThreatHunting.Read.All)", workspace.ErrUnauthorized, msg)
	case status == http.StatusBadRequest && tooLarge.MatchString(msg):
		return fmt.Errorf("%w (at most 100,000 rows and about 124 MB): narrow the window or the values asked (the service said: %s)", ErrTooLarge, msg)
	case status == http.StatusBadRequest:
		if m := noTable.FindStringSubmatch(msg); m != nil {
			return &workspace.NoTableError{Table: m[1], Err: errors.New(msg)}
		}
	}
	return fmt.Errorf("the service answered %d: %s", status, msg)
}

// errorMessage reads Graph's {"error": {"code", "message"}} answer, or
// says what the status was when the body has none.
func errorMessage(status int, payload []byte) string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(payload, &e) == nil && (e.Error.Code != "" || e.Error.Message != "") {
		switch {
		case e.Error.Code == "":
			return e.Error.Message
		case e.Error.Message == "":
			return e.Error.Code
		}
		return e.Error.Code + ": " + e.Error.Message
	}
	return fmt.Sprintf("%d %s", status, http.StatusText(status))
}
