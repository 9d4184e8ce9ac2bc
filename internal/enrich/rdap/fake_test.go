package rdap

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// t0 is the tests' clock.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// origHeader carries the URL the client asked for to the fake server.
const origHeader = "X-Fake-Original-Url"

// fakeNet is one httptest server standing in for every host: the client's
// transport sends it each request with the URL the client meant, so the
// bootstrap files and answers can name the real servers. A request for a URL
// without a route fails the test.
type fakeNet struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	routes map[string]http.HandlerFunc
	hits   map[string]int
	order  []string
}

func newFakeNet(t *testing.T) *fakeNet {
	t.Helper()
	f := &fakeNet{t: t, routes: map[string]http.HandlerFunc{}, hits: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// newFakeIANA is a fakeNet that serves testdata/bootstrap/* at the IANA
// address.
func newFakeIANA(t *testing.T) *fakeNet {
	t.Helper()
	f := newFakeNet(t)
	for _, name := range []string{"ipv4.json", "ipv6.json", "dns.json"} {
		f.file(DefaultBootstrap+name, "bootstrap/"+name)
	}
	return f
}

func (f *fakeNet) serve(w http.ResponseWriter, r *http.Request) {
	orig := r.Header.Get(origHeader)
	f.mu.Lock()
	f.hits[orig]++
	f.order = append(f.order, orig)
	h := f.routes[orig]
	f.mu.Unlock()
	if h == nil {
		f.t.Errorf("unexpected request for %s", orig)
		http.Error(w, "no route", http.StatusTeapot)
		return
	}
	h(w, r)
}

// handle routes a URL, as the client spells it, to h.
func (f *fakeNet) handle(rawURL string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[rawURL] = h
}

// file serves testdata/name at rawURL.
func (f *fakeNet) file(rawURL, name string) {
	f.t.Helper()
	body := readTestdata(f.t, name)
	f.handle(rawURL, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rdap+json")
		w.Write(body)
	})
}

// json serves body at rawURL with status.
func (f *fakeNet) json(rawURL string, status int, body string) {
	f.handle(rawURL, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rdap+json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	})
}

// count is how many requests rawURL received.
func (f *fakeNet) count(rawURL string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[rawURL]
}

// requests lists every request received, in order.
func (f *fakeNet) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.order)
}

// client returns an http.Client whose requests all reach the fake server.
func (f *fakeNet) client() *http.Client {
	target, _ := url.Parse(f.srv.URL)
	return &http.Client{Transport: &rewriter{target: target, base: f.srv.Client().Transport}}
}

type rewriter struct {
	target *url.URL
	base   http.RoundTripper
}

func (rt *rewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	r2 := req.Clone(req.Context())
	orig := *req.URL
	orig.User = nil
	r2.Header.Set(origHeader, orig.String())
	r2.URL.Scheme, r2.URL.Host, r2.Host = "http", rt.target.Host, ""
	resp, err := rt.base.RoundTrip(r2)
	if resp != nil {
		resp.Request = req // as a real transport would: the URL asked for
	}
	return resp, err
}

// sleeps records the waits before retries instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}

// newClient is a Client on f with the clock at t0 and recorded sleeps.
func (f *fakeNet) newClient() (*Client, *sleeps) {
	s := &sleeps{}
	return &Client{HTTP: f.client(), Now: func() time.Time { return t0 }, sleep: s.sleep}, s
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bootstrapFile writes an RFC 9224 file: each service is "entry,entry url,url".
func bootstrapFile(services ...string) string {
	var parts []string
	for _, s := range services {
		entries, urls, _ := strings.Cut(s, " ")
		parts = append(parts, fmt.Sprintf("[%s, %s]", jsonList(entries), jsonList(urls)))
	}
	return `{"version": "1.0", "publication": "2026-03-01T00:00:00Z", "services": [` + strings.Join(parts, ", ") + `]}`
}

func jsonList(csv string) string {
	items := strings.Split(csv, ",")
	for i, s := range items {
		items[i] = `"` + s + `"`
	}
	return "[" + strings.Join(items, ", ") + "]"
}

// minimalNetwork is the smallest valid "ip network" answer.
func minimalNetwork(handle string) string {
	return `{"objectClassName": "ip network", "handle": "` + handle + `", "rdapConformance": ["rdap_level_0"]}`
}

// preloadBootstrap gives c a fresh copy of testdata/bootstrap/ipv4.json on
// disk, so that its lookups make no bootstrap request.
func preloadBootstrap(t *testing.T, c *Client) {
	t.Helper()
	c.CacheDir = t.TempDir()
	c.writeDisk("ipv4.json", DefaultBootstrap+"ipv4.json", c.now(), readTestdata(t, "bootstrap/ipv4.json"))
	if _, _, ok := c.readDisk("ipv4.json", DefaultBootstrap+"ipv4.json"); !ok {
		t.Fatal("bootstrap copy not written")
	}
}
