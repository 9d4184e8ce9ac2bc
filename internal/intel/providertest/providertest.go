// Package providertest checks how a threat-intelligence provider client
// behaves when its service misbehaves: every fault an HTTP API can produce
// (a timeout, a refused connection, 401, 403, 404, 429 with and without
// Retry-After, 500, 503, a body that is not JSON, an oversized body, a slow
// body) must come back as the right intel error with a clear message, and the
// API key must never appear in an error or a result.
package providertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
)

// Key is the API key tests give providers; Faults checks it never leaks.
const Key = "TESTKEY-0123456789abcdef-must-not-leak"

// New builds the provider under test against baseURL with client, using Key
// as its key and timeout as its request timeout.
type New func(baseURL string, client *http.Client, timeout time.Duration) intel.Provider

// Options tunes Faults for a provider.
type Options struct {
	// NotFoundIsOK is set for providers whose API answers 404 for an
	// indicator it has not seen and that report that as an ok result
	// ("not observed") rather than ErrNotFound.
	NotFoundIsOK bool
}

// Faults runs every fault case against the provider looking up ind.
func Faults(t *testing.T, newProvider New, ind ioc.Indicator, opts Options) {
	t.Helper()
	type check func(t *testing.T, r intel.Result, err error)
	is := func(target error) check {
		return func(t *testing.T, r intel.Result, err error) {
			t.Helper()
			if !errors.Is(err, target) {
				t.Errorf("error = %v, want one wrapping %v", err, target)
			}
		}
	}
	rateLimited := func(want time.Duration) check {
		return func(t *testing.T, r intel.Result, err error) {
			t.Helper()
			var rl *intel.RateLimitError
			if !errors.As(err, &rl) {
				t.Fatalf("error = %v, want a *intel.RateLimitError", err)
			}
			if rl.RetryAfter != want {
				t.Errorf("RetryAfter = %s, want %s", rl.RetryAfter, want)
			}
		}
	}
	status := func(code int, header map[string]string, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for k, v := range header {
				w.Header().Set(k, v)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			fmt.Fprint(w, body)
		}
	}
	notFound := is(intel.ErrNotFound)
	if opts.NotFoundIsOK {
		notFound = func(t *testing.T, r intel.Result, err error) {
			t.Helper()
			if err != nil && !errors.Is(err, intel.ErrNotFound) {
				t.Errorf("404: error = %v, want an ok result or ErrNotFound", err)
			}
		}
	}
	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    check
	}{
		{"401", status(401, nil, `{"error":{"code":"WrongCredentialsError","message":"Wrong API key"}}`), is(intel.ErrUnauthorized)},
		{"403", status(403, nil, `{"message":"Forbidden"}`), is(intel.ErrUnauthorized)},
		{"404", status(404, nil, `{"error":{"code":"NotFoundError","message":"not found"}}`), notFound},
		{"429 with Retry-After", status(429, map[string]string{"Retry-After": "7"}, `{}`), rateLimited(7 * time.Second)},
		{"429 without Retry-After", status(429, nil, `{}`), rateLimited(0)},
		{"500", status(500, nil, `oops`), is(intel.ErrTransient)},
		{"503", status(503, nil, `<html>down</html>`), is(intel.ErrTransient)},
		{"not JSON", status(200, nil, `<html><body>maintenance</body></html>`), is(intel.ErrMalformed)},
		{"cut-off JSON", status(200, nil, `{"data": {"attributes": {`), is(intel.ErrMalformed)},
		{"oversized body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"pad":"`)
			chunk := strings.Repeat("x", 1<<16)
			for range (64 << 20) / len(chunk) {
				if _, err := fmt.Fprint(w, chunk); err != nil {
					return
				}
			}
			fmt.Fprint(w, `"}`)
		}, is(intel.ErrMalformed)},
		{"slow body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			fmt.Fprint(w, `{"data":`)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, is(context.DeadlineExceeded)},
		{"no answer", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, is(context.DeadlineExceeded)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			// Short, for the slow cases; the oversized body needs the time
			// to send the allowed bytes, on a loaded machine too.
			timeout := 300 * time.Millisecond
			if tc.name == "oversized body" {
				timeout = 10 * time.Second
			}
			p := newProvider(srv.URL, srv.Client(), timeout)
			r, err := p.Lookup(context.Background(), ind)
			if err == nil && !(tc.name == "404" && opts.NotFoundIsOK) {
				t.Fatalf("Lookup succeeded (%+v), want an error", r)
			}
			tc.want(t, r, err)
			noKey(t, r, err)
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		p := newProvider("http://"+addr, &http.Client{}, time.Second)
		r, err := p.Lookup(context.Background(), ind)
		is(intel.ErrTransient)(t, r, err)
		noKey(t, r, err)
	})
}

// noKey fails when Key appears in the error or anywhere in the result.
func noKey(t *testing.T, r intel.Result, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), Key) {
		t.Errorf("the API key leaked into the error: %v", err)
	}
	b, _ := json.Marshal(r)
	if strings.Contains(string(b), Key) {
		t.Errorf("the API key leaked into the result: %s", b)
	}
}

// NoKey fails when Key appears in err or r; for providers' own tests.
func NoKey(t *testing.T, r intel.Result, err error) { t.Helper(); noKey(t, r, err) }
