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
