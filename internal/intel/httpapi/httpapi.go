// Package httpapi is the small HTTP client every threat-intelligence
// provider is built on: a base URL, headers that carry the key, a timeout,
// a limit on the body read, and one mapping of HTTP outcomes onto the intel
// errors (404 not found, 401/403 unauthorized, 429 rate limited with its
// Retry-After, 5xx and network failures transient, a deadline a timeout, a
// body that is not JSON malformed). Error messages never contain the
// request's headers or query, and any credential the client sends is
// removed from a service message they quote, so a key never leaks through
// them.
package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/timespan"
)

// DefaultMaxBody is the default limit on a response body: 4 MiB.
const DefaultMaxBody = 4 << 20

// DefaultTimeout bounds one request when the caller sets no timeout.
const DefaultTimeout = 30 * time.Second

// Client calls one provider's API.
type Client struct {
	// Provider names the provider in errors ("virustotal").
	Provider string
	// BaseURL is the API's address, without a trailing slash.
	BaseURL string
	// HTTP sends the requests; nil means a client with Timeout.
	HTTP *http.Client
	// Header is added to every request (the API key goes here).
	Header http.Header
	// Query is added to every request's query (for APIs that take the key
	// as a parameter); it never appears in errors.
	Query url.Values
	// Timeout bounds one request, body included; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxBody limits the body read; 0 means DefaultMaxBody. A longer body
	// is an error, never silently truncated.
	MaxBody int64
	// Secrets are more values never to show in an error (the parts of a
	// credential the headers carry encoded), besides the values of Header
	// and Query.
	Secrets []string
	// AllowInsecureHTTP lets the client send its credentials over http://
	// to a host other than this machine (the provider's
	// allow_insecure_http setting). Without it such a request is refused
	// before anything is sent (see Cleartext).
	AllowInsecureHTTP bool
}

// Cleartext reports whether rawURL is an http:// URL to a host other than
// this machine (localhost or a loopback address): a key sent there crosses
// the network unencrypted. It is the one rule of the configuration checks
// and of Client.
func Cleartext(rawURL string) bool {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || !strings.EqualFold(u.Scheme, "http") {
		return false
	}
	return !loopback(u.Hostname())
}

// loopback reports whether host names this machine: localhost (and names
// under it, RFC 6761) or a loopback address.
func loopback(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.Unmap().IsLoopback()
}

// sendsCredential reports whether the client's requests carry a
// credential: a header of its own, a query value or a secret.
func (c *Client) sendsCredential() bool {
	for k := range c.Header {
		if k != "Accept" && k != "User-Agent" && k != "Content-Type" {
			return true
		}
	}
	return len(c.Query) > 0 || len(c.Secrets) > 0
}

// Response is a successful (2xx) answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// URL is the request's URL without its query, for reference links.
	URL string
}

// Get sends GET BaseURL+path?query and returns a 2xx answer; any other
// outcome is an error (see the package doc).
func (c *Client) Get(ctx context.Context, path string, query url.Values) (*Response, error) {
	return c.Do(ctx, http.MethodGet, path, query, nil)
}

// GetJSON is Get that also decodes the body into v. It returns the raw body
// too, for the result envelope.
func (c *Client) GetJSON(ctx context.Context, path string, query url.Values, v any) ([]byte, error) {
	resp, err := c.Get(ctx, path, query)
	if err != nil {
		return nil, err
	}
	if err := DecodeJSON(resp.Body, v); err != nil {
		return resp.Body, fmt.Errorf("%s: %w", c.Provider, err)
	}
	return resp.Body, nil
}

// DecodeJSON decodes body into v; a body that is not JSON (an HTML error
// page, a cut-off answer) is an error wrapping intel.ErrMalformed.
func DecodeJSON(body []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", intel.ErrMalformed, err)
	}
	return nil
}

// Do sends a request with an optional JSON body.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body any) (*Response, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	u, err := url.Parse(strings.TrimRight(c.BaseURL, "/") + path)
	if err != nil {
		return nil, fmt.Errorf("%s: bad base URL %q: %v", c.Provider, c.BaseURL, err)
	}
	// Checked here as well as in the configuration: a key never crosses
	// the network in clear, however the client was set up.
	if !c.AllowInsecureHTTP && c.sendsCredential() && Cleartext(u.String()) {
		return nil, fmt.Errorf("%s: refusing to send the API key over http:// to %s, unencrypted: use https:// in its base_url, or set allow_insecure_http: true on providers.%s to allow it", c.Provider, u.Host, c.Provider)
	}
	q := u.Query()
	for k, vs := range query {
		q[k] = vs
	}
	for k, vs := range c.Query {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	ref := *u
	ref.RawQuery = ""
	if query != nil {
		ref.RawQuery = query.Encode()
	}

	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", c.Provider, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", c.Provider, err)
	}
	for k, vs := range c.Header {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "triage")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	limit := c.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w: the answer is larger than %d bytes", c.Provider, intel.ErrMalformed, limit)
	}
	if resp.StatusCode/100 == 2 {
		return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data, URL: ref.String()}, nil
	}
	return nil, c.Redact(c.statusError(resp, data))
}

// Redact returns err with every credential the client sends — the values
// of Header and Query, and Secrets — replaced by "<secret>" in its message,
// in case a service echoed one back. The result still wraps err.
func (c *Client) Redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := msg
	for _, vs := range [][]string{c.Secrets, c.Header.Values("Authorization")} {
		clean = redact(clean, vs)
	}
	for k, vs := range c.Header {
		if k != "Accept" && k != "User-Agent" && k != "Content-Type" {
			clean = redact(clean, vs)
		}
	}
	for _, vs := range c.Query {
		clean = redact(clean, vs)
	}
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

func redact(s string, secrets []string) string {
	for _, v := range secrets {
		if len(v) >= 4 { // shorter values would blank ordinary words
			s = strings.ReplaceAll(s, v, "<secret>")
		}
	}
	return s
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// transportError maps a failure to get an answer.
func (c *Client) transportError(ctx context.Context, err error) error {
	// The *url.Error names the URL, query included: keep only its cause.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: no answer in time: %w", c.Provider, context.DeadlineExceeded)
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("%s: %w: %v", c.Provider, intel.ErrTransient, err)
}

// statusError maps a non-2xx answer.
func (c *Client) statusError(resp *http.Response, body []byte) error {
	msg := serviceMessage(body)
	what := fmt.Sprintf("%s: HTTP %d", c.Provider, resp.StatusCode)
	if msg != "" {
		what += ": " + msg
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%s: %w", what, intel.ErrNotFound)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%s: %w (check the API key)", what, intel.ErrUnauthorized)
	case resp.StatusCode == http.StatusTooManyRequests:
		return &intel.RateLimitError{RetryAfter: timespan.RetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout:
		return fmt.Errorf("%s: %w", what, intel.ErrTransient)
	}
	return errors.New(what)
}

// serviceMessage is a short error message from a JSON error body, if any.
func serviceMessage(body []byte) string {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	for _, k := range []string{"message", "error", "detail", "errors"} {
		switch v := m[k].(type) {
		case string:
			return clip(v)
		case map[string]any:
			if s, ok := v["message"].(string); ok {
				return clip(s)
			}
		case []any:
			if len(v) > 0 {
				if e, ok := v[0].(map[string]any); ok {
					if s, ok := e["detail"].(string); ok {
						return clip(s)
					}
				}
			}
		}
	}
	return ""
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// OneLine turns text written by others (a pulse name, a service's message)
// into one line of at most max runes: runs of white space, control and
// format characters become one space, and a longer text is cut with "…".
func OneLine(s string, max int) string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		return r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
	})
	s = strings.Join(f, " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)[:max-1]
	return strings.TrimRight(string(r), " ") + "…"
}

// BaseURL returns the base URL a provider's client uses: base, or def when
// base is "", without its trailing slashes. It fails, naming the provider,
// when base is not an http(s) URL with a host and no query or fragment.
func BaseURL(provider, base, def string) (string, error) {
	if base == "" {
		base = def
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%s: base URL %q is not an http(s) URL", provider, base)
	}
	return strings.TrimRight(base, "/"), nil
}
