package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/httpapi"
	"github.com/triage-dev/triage/internal/intel/providertest"
	"github.com/triage-dev/triage/internal/ioc"
)

// echo is the smallest provider: one GET, the key as a header and a query
// parameter, a JSON answer.
type echo struct{ c httpapi.Client }

func (echo) Name() string             { return "echo" }
func (echo) Supports(k ioc.Kind) bool { return true }
func (echo) External() bool           { return true }
func (p echo) Lookup(ctx context.Context, ind ioc.Indicator) (intel.Result, error) {
	var v struct{ Score int }
	raw, err := p.c.GetJSON(ctx, "/check/"+url.PathEscape(ind.Value), url.Values{"v": {"1"}}, &v)
	if err != nil {
		return intel.Result{}, err
	}
	return intel.Result{Raw: raw, Summary: "checked"}, nil
}

func newEcho(base string, hc *http.Client, timeout time.Duration) intel.Provider {
	return echo{httpapi.Client{Provider: "echo", BaseURL: base, HTTP: hc, Timeout: timeout, MaxBody: 1 << 20,
		Header: http.Header{"X-Key": {providertest.Key}}, Query: url.Values{"key": {providertest.Key}}}}
}

func TestFaults(t *testing.T) {
	providertest.Faults(t, newEcho, ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.7"}, providertest.Options{})
}

func TestOK(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Key") != providertest.Key || r.URL.Query().Get("key") != providertest.Key || r.URL.Path != "/check/198.51.100.7" {
			w.WriteHeader(400)
			return
		}
		w.Write([]byte(`{"Score": 3}`))
	}))
	defer srv.Close()
	r, err := newEcho(srv.URL, srv.Client(), time.Second).Lookup(context.Background(), ioc.Indicator{Kind: ioc.IPv4, Value: "198.51.100.7"})
	if err != nil || string(r.Raw) != `{"Score": 3}` {
		t.Fatalf("Lookup = %+v, %v", r, err)
	}
}

// TestRedact: a service that quotes back any credential the client sent —
// a header, a query parameter, or a secret the header carries encoded —
// never gets it into the error, which still maps to the right intel error.
func TestRedact(t *testing.T) {
	for _, secret := range []string{"header-key-1", "query-key-22", "plain-pass-333"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"message": "credential ` + secret + ` refused"}`))
		}))
		c := httpapi.Client{Provider: "echo", BaseURL: srv.URL, HTTP: srv.Client(),
			Header:  http.Header{"X-Key": {"header-key-1"}},
			Query:   url.Values{"key": {"query-key-22"}},
			Secrets: []string{"plain-pass-333"}}
		_, err := c.Get(context.Background(), "/x", nil)
		srv.Close()
		if !errors.Is(err, intel.ErrUnauthorized) {
			t.Fatalf("%s: err = %v, want ErrUnauthorized", secret, err)
		}
		if msg := err.Error(); strings.Contains(msg, secret) || !strings.Contains(msg, "credential <secret> refused") {
			t.Errorf("%s: error %q, want the credential replaced by <secret>", secret, msg)
		}
	}
}

func TestCleartext(t *testing.T) {
	for u, want := range map[string]bool{
		"http://ti.example.com/api":   true,
		"HTTP://203.0.113.7:8080":     true,
		"http://[2001:db8::1]/":       true,
		"http://localhost.evil.com/":  true,
		"https://ti.example.com/api":  false,
		"http://127.0.0.1:8080":       false,
		"http://127.8.9.10/":          false,
		"http://[::1]:9000/":          false,
		"http://localhost:3000/x":     false,
		"http://api.localhost/":       false,
		"http://[::ffff:127.0.0.1]/x": false,
		"":                            false,
	} {
		if got := httpapi.Cleartext(u); got != want {
			t.Errorf("Cleartext(%q) = %v, want %v", u, got, want)
		}
	}
}

// roundTrip is an http.RoundTripper from a function.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A key is never sent over http:// to another machine, unless the provider
// allows it; a client without a key, and loopback, may use http://.
func TestNoKeyInClear(t *testing.T) {
	sent := 0
	hc := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		sent++
		return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
	})}
	keyed := httpapi.Client{Provider: "echo", BaseURL: "http://ti.example.com/api", HTTP: hc, Header: http.Header{"X-Key": {providertest.Key}}}
	_, err := keyed.Get(context.Background(), "/x", nil)
	if err == nil || sent != 0 || !strings.Contains(err.Error(), "allow_insecure_http: true on providers.echo") {
		t.Errorf("keyed http:// request: %d sent, error %v", sent, err)
	}
	if err != nil && strings.Contains(err.Error(), providertest.Key) {
		t.Errorf("the error shows the key: %v", err)
	}
	for _, c := range []httpapi.Client{
		{Provider: "echo", BaseURL: "http://ti.example.com/api", HTTP: hc, Query: url.Values{"key": {providertest.Key}}},
		{Provider: "echo", BaseURL: "http://ti.example.com/api", HTTP: hc, Secrets: []string{providertest.Key}},
	} {
		if _, err := c.Get(context.Background(), "/x", nil); err == nil {
			t.Errorf("a key in %v went over http://", c)
		}
	}
	if sent != 0 {
		t.Fatalf("%d requests sent", sent)
	}
	for _, c := range []httpapi.Client{
		{Provider: "echo", BaseURL: "http://ti.example.com/api", HTTP: hc, Header: keyed.Header, AllowInsecureHTTP: true},
		{Provider: "echo", BaseURL: "http://ti.example.com/api", HTTP: hc},
		{Provider: "echo", BaseURL: "http://127.0.0.1:1/api", HTTP: hc, Header: keyed.Header},
		{Provider: "echo", BaseURL: "https://ti.example.com/api", HTTP: hc, Header: keyed.Header},
	} {
		before := sent
		if _, err := c.Get(context.Background(), "/x", nil); err != nil || sent != before+1 {
			t.Errorf("%s with a key %v, allowed %v: %v", c.BaseURL, c.Header != nil, c.AllowInsecureHTTP, err)
		}
	}
}
