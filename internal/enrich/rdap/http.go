package rdap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/triage-dev/triage/internal/timespan"
)

// firstBackoff is the wait before the first retry when the server gives no
// Retry-After; it doubles for each further retry.
const firstBackoff = time.Second

// answer is one HTTP exchange, after redirects.
type answer struct {
	status int
	header http.Header
	body   []byte
	server string // base URL of the server that answered
}

// query sends GET base+kind/value and decodes the answer, which must be an
// RDAP object of class want, into obj. It returns the base URL of the
// server that answered.
func (c *Client) query(ctx context.Context, base, kind, value, want string, obj *object) (string, error) {
	rel := kind + "/" + url.PathEscape(value)
	a, err := c.get(ctx, base, rel, "application/rdap+json, application/json;q=0.9")
	if err != nil {
		var se *statusError
		if errors.As(err, &se) && se.code == http.StatusNotFound {
			return "", fmt.Errorf("%w at %s", ErrNotFound, se.server)
		}
		return "", err
	}
	if err := json.Unmarshal(a.body, obj); err != nil {
		return "", fmt.Errorf("%s: %w: %v", a.server, ErrMalformed, err)
	}
	if obj.ObjectClassName != want {
		return "", fmt.Errorf("%s: %w: an object of class %q, not %q", a.server, ErrMalformed, clip(clean(obj.ObjectClassName)), want)
	}
	return a.server, nil
}

// get sends GET base+rel and returns a 2xx answer. A 429 or 503 answer is
// retried up to MaxRetries times after its Retry-After (at most MaxWait)
// or a doubling backoff; any other non-2xx answer is a *statusError.
func (c *Client) get(ctx context.Context, base, rel, accept string) (answer, error) {
	for attempt := 0; ; attempt++ {
		a, err := c.once(ctx, base, rel, accept)
		if err != nil {
			return answer{}, err
		}
		if a.status/100 == 2 {
			return a, nil
		}
		if a.status != http.StatusTooManyRequests && a.status != http.StatusServiceUnavailable {
			return answer{}, newStatusError(a)
		}
		wait := timespan.RetryAfter(a.header.Get("Retry-After"), c.now())
		throttled := a.status == http.StatusTooManyRequests || wait > 0
		if wait > c.maxWait() {
			return answer{}, &RateLimitError{RetryAfter: wait, Server: a.server}
		}
		if attempt >= c.maxRetries() {
			if throttled {
				return answer{}, &RateLimitError{RetryAfter: wait, Server: a.server}
			}
			return answer{}, newStatusError(a)
		}
		if wait == 0 {
			wait = min(firstBackoff<<attempt, c.maxWait())
		}
		if err := c.wait(ctx, wait); err != nil {
			return answer{}, fmt.Errorf("%s: %w", a.server, err)
		}
	}
}

// once sends one request (redirects followed by the http.Client) and reads
// at most MaxBody bytes of the answer.
func (c *Client) once(parent context.Context, base, rel, accept string) (answer, error) {
	server := redact(base)
	ctx, cancel := context.WithTimeout(parent, c.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+rel, nil)
	if err != nil {
		return answer{}, fmt.Errorf("%s: bad request URL", server)
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "triage")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return answer{}, c.transportError(parent, ctx, server, err)
	}
	defer resp.Body.Close()
	if resp.Request != nil && resp.Request.URL != nil {
		server = serverOf(resp.Request.URL, rel)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return answer{}, c.transportError(parent, ctx, server, err)
	}
	if len(body) > MaxBody {
		return answer{}, fmt.Errorf("%s: %w: the answer is larger than %d bytes", server, ErrMalformed, MaxBody)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: body, server: server}, nil
}

// transportError maps a failure to get an answer. A *url.Error names the
// whole URL; only its cause is kept.
func (c *Client) transportError(parent, ctx context.Context, server string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if perr := parent.Err(); perr != nil {
		return fmt.Errorf("%s: %w", server, perr)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: no answer within %s: %w", server, c.timeout(), context.DeadlineExceeded)
	}
	return fmt.Errorf("%s: %w", server, err)
}

// wait sleeps d unless ctx ends first.
func (c *Client) wait(ctx context.Context, d time.Duration) error {
	if c.sleep != nil {
		return c.sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// statusError is a non-2xx answer that is not retried (or no longer).
type statusError struct {
	server string
	code   int
	title  string // from an RFC 9083 error body, one line
}

func newStatusError(a answer) *statusError {
	return &statusError{server: a.server, code: a.status, title: errorTitle(a.body)}
}

func (e *statusError) Error() string {
	s := fmt.Sprintf("%s: HTTP %d", e.server, e.code)
	if e.title != "" {
		s += ": " + e.title
	}
	return s
}

// errorTitle reads the title and first description line of an RFC 9083
// error response.
func errorTitle(body []byte) string {
	var e struct {
		Title       string   `json:"title"`
		Description []string `json:"description"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	s := e.Title
	if len(e.Description) > 0 && e.Description[0] != "" {
		if s != "" {
			s += ": "
		}
		s += e.Description[0]
	}
	return clip(clean(s))
}

// serverOf is the base URL of the server that answered at u for the
// relative path rel: u without rel, or the root when u does not end with
// it (a redirect to another layout).
func serverOf(u *url.URL, rel string) string {
	s := *u
	s.RawQuery, s.Fragment, s.User = "", "", nil
	p := s.EscapedPath()
	if strings.HasSuffix(p, "/"+rel) {
		s.Path, s.RawPath = "", ""
		if b, err := url.PathUnescape(strings.TrimSuffix(p, rel)); err == nil {
			s.Path = b
			s.RawPath = strings.TrimSuffix(p, rel)
		}
	} else {
		s.Path, s.RawPath = "/", ""
	}
	return s.String()
}

// redact drops user information from a URL, for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(bad URL)"
	}
	u.User = nil
	return u.String()
}

// clean turns text from a server into one line: runs of white space,
// control and format characters become one space.
func clean(s string) string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		return r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
	})
	return strings.Join(f, " ")
}

// clip cuts s to at most 200 runes.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 200 {
		return s
	}
	return string([]rune(s)[:199]) + "…"
}
