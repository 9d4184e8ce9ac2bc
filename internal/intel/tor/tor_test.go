package tor

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
)

// t0 is when the tests' first list is fetched.
var t0 = time.Date(2025, 3, 15, 0, 0, 0, 0, time.UTC)

// clock is a settable clock safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// server serves the sample list, or what fail says, and counts requests.
type server struct {
	*httptest.Server
	requests atomic.Int32
	mu       sync.Mutex
	fail     func(w http.ResponseWriter) // nil serves the list
}

func newServer(t *testing.T) *server {
	t.Helper()
	list, err := os.ReadFile("testdata/exit-addresses")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		if r.Method != http.MethodGet || r.URL.Path != "/exit-addresses" {
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			http.NotFound(w, r)
			return
		}
		s.mu.Lock()
		fail := s.fail
		s.mu.Unlock()
		if fail != nil {
			fail(w)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write(list)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) setFail(f func(w http.ResponseWriter)) {
	s.mu.Lock()
	s.fail = f
	s.mu.Unlock()
}

func status(code int, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.WriteHeader(code)
		w.Write([]byte(body))
	}
}

func newProvider(t *testing.T, s *server, c *clock, dir string) *Provider {
	t.Helper()
	p, err := New(Options{URL: s.URL + "/exit-addresses", HTTP: s.Client(), Timeout: 2 * time.Second, CacheDir: dir, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ind(t *testing.T, s string) ioc.Indicator {
	t.Helper()
	i, err := ioc.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func TestLookup(t *testing.T) {
	s := newServer(t)
	p := newProvider(t, s, &clock{t: t0}, "")
	fetched := "2025-03-15T00:00:00Z"
	tests := []struct {
		in   string
		want intel.Result
	}{
		{"198.51.100.17", intel.Result{
			Indicator: "198.51.100.17", Type: ioc.IPv4, Severity: intel.SeverityWarning,
			Summary: "Tor exit node 0011BD2485AD45D984EC4159C88FC066E5E3300E",
			Link:    "https://metrics.torproject.org/rs.html#details/0011BD2485AD45D984EC4159C88FC066E5E3300E",
			Details: map[string]any{
				"node_id":         "0011BD2485AD45D984EC4159C88FC066E5E3300E",
				"published":       "2025-03-14T08:12:31Z",
				"last_status":     "2025-03-14T10:02:00Z",
				"address_seen":    "2025-03-14T10:05:47Z",
				"list_fetched_at": fetched,
			},
		}},
		// IPv6, written differently from the list.
		{"2001:DB8:4:1:0:0:0:7", intel.Result{
			Indicator: "2001:db8:4:1::7", Type: ioc.IPv6, Severity: intel.SeverityWarning,
			Summary: "Tor exit node 01A4C3A9D0EE7B5F3E7C6B2D1F0A9E8C7B6A5D4E",
			Link:    "https://metrics.torproject.org/rs.html#details/01A4C3A9D0EE7B5F3E7C6B2D1F0A9E8C7B6A5D4E",
			Details: map[string]any{
				"node_id":         "01A4C3A9D0EE7B5F3E7C6B2D1F0A9E8C7B6A5D4E",
				"published":       "2025-03-14T03:30:00Z",
				"last_status":     "2025-03-14T10:02:00Z",
				"address_seen":    "2025-03-14T04:02:55Z",
				"list_fetched_at": fetched,
			},
		}},
		// Two relays share the address: the one seen last speaks for it.
		{"198.51.100.99", intel.Result{
			Indicator: "198.51.100.99", Type: ioc.IPv4, Severity: intel.SeverityWarning,
			Summary: "Tor exit node 03C8F6E5D4C3B2A1F0E9D8C7B6A5F4E3D2C1B0A9",
			Link:    "https://metrics.torproject.org/rs.html#details/03C8F6E5D4C3B2A1F0E9D8C7B6A5F4E3D2C1B0A9",
			Details: map[string]any{
				"node_id":         "03C8F6E5D4C3B2A1F0E9D8C7B6A5F4E3D2C1B0A9",
				"published":       "2025-03-14T07:55:44Z",
				"last_status":     "2025-03-14T10:02:00Z",
				"address_seen":    "2025-03-14T08:40:03Z",
				"other_node_ids":  []string{"02B7E5D4C3B2A1F0E9D8C7B6A5F4E3D2C1B0A998"},
				"list_fetched_at": fetched,
			},
		}},
		{"198.51.100.18", intel.Result{
			Indicator: "198.51.100.18", Type: ioc.IPv4, Severity: intel.SeverityInformation,
			Summary: "not a Tor exit node (list of 6 addresses from 2025-03-15T00:00:00Z)",
			Details: map[string]any{"list_addresses": 6, "list_fetched_at": fetched},
		}},
		{"2001:db8:4:1::8", intel.Result{
			Indicator: "2001:db8:4:1::8", Type: ioc.IPv6, Severity: intel.SeverityInformation,
			Summary: "not a Tor exit node (list of 6 addresses from 2025-03-15T00:00:00Z)",
			Details: map[string]any{"list_addresses": 6, "list_fetched_at": fetched},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := p.Lookup(context.Background(), ind(t, tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("result (-want +got):\n%s", d)
			}
		})
	}
	if n := s.requests.Load(); n != 1 {
		t.Errorf("%d downloads, want 1", n)
	}
	if _, err := p.Lookup(context.Background(), ind(t, "example.com")); !errors.Is(err, intel.ErrUnsupported) {
		t.Errorf("domain: err = %v, want ErrUnsupported", err)
	}
}

func TestLookupBatch(t *testing.T) {
	s := newServer(t)
	p := newProvider(t, s, &clock{t: t0}, "")
	got, err := p.LookupBatch(context.Background(), []ioc.Indicator{
		ind(t, "203.0.113.45"), ind(t, "example.com"), ind(t, "203.0.113.46"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var brief []string
	for _, r := range got {
		brief = append(brief, r.Indicator+" "+string(r.Severity))
	}
	want := []string{"203.0.113.45 warning", "203.0.113.46 information"}
	if d := cmp.Diff(want, brief); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
}

// TestEngine checks the provider through the engine: a miss is an ok
// answer, and an internal address is looked up, since nothing leaves.
func TestEngine(t *testing.T) {
	s := newServer(t)
	e := &intel.Engine{Providers: []intel.Provider{newProvider(t, s, &clock{t: t0}, "")}, NoExternal: true}
	rs := e.Lookup(context.Background(), []ioc.Indicator{ind(t, "10.1.2.3"), ind(t, "192.0.2.200")})
	var brief []string
	for _, r := range rs {
		brief = append(brief, r.Indicator+" "+string(r.Status)+" "+string(r.Severity))
	}
	want := []string{"10.1.2.3 ok information", "192.0.2.200 ok warning"}
	if d := cmp.Diff(want, brief); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
}

func TestCacheDir(t *testing.T) {
	s := newServer(t)
	c := &clock{t: t0}
	dir := filepath.Join(t.TempDir(), "cache")
	ctx := context.Background()

	p1 := newProvider(t, s, c, dir)
	if _, err := p1.Lookup(ctx, ind(t, "198.51.100.17")); err != nil {
		t.Fatal(err)
	}
	c.Add(23 * time.Hour)
	p2 := newProvider(t, s, c, dir)
	r, err := p2.Lookup(ctx, ind(t, "198.51.100.17"))
	if err != nil {
		t.Fatal(err)
	}
	if n := s.requests.Load(); n != 1 {
		t.Errorf("%d downloads, want 1: the second provider should read CacheDir", n)
	}
	if got := r.Details["list_fetched_at"]; got != "2025-03-15T00:00:00Z" {
		t.Errorf("list_fetched_at = %v, want the first fetch's time", got)
	}

	// A day after the fetch, a new provider refreshes the copy in CacheDir.
	c.Add(2 * time.Hour)
	p3 := newProvider(t, s, c, dir)
	r, err = p3.Lookup(ctx, ind(t, "198.51.100.17"))
	if err != nil {
		t.Fatal(err)
	}
	if n := s.requests.Load(); n != 2 {
		t.Errorf("%d downloads, want 2", n)
	}
	if got := r.Details["list_fetched_at"]; got != "2025-03-16T01:00:00Z" {
		t.Errorf("list_fetched_at = %v, want the refresh's time", got)
	}

	// A list kept for another URL is not used.
	other, err := New(Options{URL: s.URL + "/exit-addresses?v=2", HTTP: s.Client(), CacheDir: dir, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.readCache(); err == nil {
		t.Error("readCache took the list of another URL")
	}
}

func TestCacheDirCorrupt(t *testing.T) {
	s := newServer(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, cacheFile), []byte("<html>nope</html>\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := newProvider(t, s, &clock{t: t0}, dir)
	if _, err := p.Lookup(context.Background(), ind(t, "198.51.100.17")); err != nil {
		t.Fatal(err)
	}
	if n := s.requests.Load(); n != 1 {
		t.Errorf("%d downloads, want 1", n)
	}
	if _, err := p.readCache(); err != nil {
		t.Errorf("the corrupt file was not replaced: %v", err)
	}
}

func TestCacheDirUnwritable(t *testing.T) {
	s := newServer(t)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	p := newProvider(t, s, &clock{t: t0}, filepath.Join(file, "sub"))
	r, err := p.Lookup(context.Background(), ind(t, "198.51.100.17"))
	if err != nil {
		t.Fatalf("a failing CacheDir must not fail the lookup: %v", err)
	}
	if msg, _ := r.Details["cache_error"].(string); !strings.Contains(msg, "keep the list") {
		t.Errorf("cache_error = %q, want the write failure", msg)
	}
}

func TestRefreshAfterMaxAge(t *testing.T) {
	s := newServer(t)
	c := &clock{t: t0}
	p, err := New(Options{URL: s.URL + "/exit-addresses", HTTP: s.Client(), MaxAge: time.Hour, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	lookup := func() intel.Result {
		t.Helper()
		r, err := p.Lookup(ctx, ind(t, "198.51.100.1"))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	lookup()
	c.Add(59 * time.Minute)
	lookup()
	if n := s.requests.Load(); n != 1 {
		t.Fatalf("%d downloads within MaxAge, want 1", n)
	}
	c.Add(time.Minute)
	r := lookup()
	if n := s.requests.Load(); n != 2 {
		t.Fatalf("%d downloads after MaxAge, want 2", n)
	}
	if got, want := r.Summary, "not a Tor exit node (list of 6 addresses from 2025-03-15T01:00:00Z)"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
}

func TestStaleFallback(t *testing.T) {
	s := newServer(t)
	c := &clock{t: t0}
	dir := t.TempDir()
	ctx := context.Background()
	p := newProvider(t, s, c, dir)
	if _, err := p.Lookup(ctx, ind(t, "198.51.100.17")); err != nil {
		t.Fatal(err)
	}

	s.setFail(status(503, "<html>down for maintenance</html>"))
	c.Add(25 * time.Hour)
	check := func(p *Provider, wantRequests int32) {
		t.Helper()
		r, err := p.Lookup(ctx, ind(t, "198.51.100.17"))
		if err != nil {
			t.Fatalf("Lookup: %v, want the stale list's answer", err)
		}
		if r.Severity != intel.SeverityWarning {
			t.Errorf("Severity = %s, want warning from the stale list", r.Severity)
		}
		note, _ := r.Details["stale_list"].(string)
		if !strings.HasPrefix(note, "list from 2025-03-15T00:00:00Z, refresh failed: ") || !strings.Contains(note, "HTTP 503") {
			t.Errorf("stale_list = %q", note)
		}
		if n := s.requests.Load(); n != wantRequests {
			t.Errorf("%d downloads, want %d", n, wantRequests)
		}
	}
	check(p, 2)
	// The failure is not retried at once...
	check(p, 2)
	// ...but after a minute.
	c.Add(time.Minute)
	check(p, 3)

	// A new provider falls back on the copy in CacheDir.
	check(newProvider(t, s, c, dir), 4)

	// Once the list can be downloaded again, the note goes.
	s.setFail(nil)
	c.Add(time.Minute)
	r, err := p.Lookup(ctx, ind(t, "198.51.100.17"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Details["stale_list"]; ok {
		t.Errorf("stale_list after a successful refresh: %v", r.Details)
	}
}

func TestDownloadErrors(t *testing.T) {
	is := func(target error) func(t *testing.T, err error) {
		return func(t *testing.T, err error) {
			t.Helper()
			if !errors.Is(err, target) {
				t.Errorf("err = %v, want one wrapping %v", err, target)
			}
		}
	}
	tests := []struct {
		name  string
		serve func(w http.ResponseWriter)
		check func(t *testing.T, err error)
	}{
		{"401", status(401, "no"), is(intel.ErrUnauthorized)},
		{"403", status(403, "no"), is(intel.ErrUnauthorized)},
		{"429", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
		}, func(t *testing.T, err error) {
			var rl *intel.RateLimitError
			if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
				t.Errorf("err = %v, want a RateLimitError with RetryAfter 7s", err)
			}
		}},
		{"500", status(500, "oops"), is(intel.ErrTransient)},
		{"503", status(503, "<html>down</html>"), is(intel.ErrTransient)},
		{"404 is no answer, not a miss", status(404, "gone"), func(t *testing.T, err error) {
			if err == nil || errors.Is(err, intel.ErrNotFound) || !strings.Contains(err.Error(), "HTTP 404") {
				t.Errorf("err = %v, want an HTTP 404 error that is not ErrNotFound", err)
			}
		}},
		{"HTML page", status(200, "<!DOCTYPE html>\n<html><body>Tor Check</body></html>\n"), is(intel.ErrMalformed)},
		{"empty body", status(200, ""), is(intel.ErrMalformed)},
		{"oversized body", func(w http.ResponseWriter) {
			chunk := []byte(strings.Repeat("@padding padding padding\n", 4096))
			for written := 0; written <= maxBody; written += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, is(intel.ErrMalformed)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t)
			s.setFail(tc.serve)
			p := newProvider(t, s, &clock{t: t0}, "")
			r, err := p.Lookup(context.Background(), ind(t, "198.51.100.17"))
			if err == nil {
				t.Fatalf("Lookup = %+v, want an error", r)
			}
			tc.check(t, err)
			if _, err := p.LookupBatch(context.Background(), []ioc.Indicator{ind(t, "198.51.100.17")}); err == nil {
				t.Error("LookupBatch succeeded without a list")
			}
		})
	}

	t.Run("connection refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		p, err := New(Options{URL: "http://" + addr + "/exit-addresses"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Lookup(context.Background(), ind(t, "198.51.100.17"))
		is(intel.ErrTransient)(t, err)
	})
	t.Run("no answer in time", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(release)
		p, err := New(Options{URL: srv.URL, HTTP: srv.Client(), Timeout: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Lookup(context.Background(), ind(t, "198.51.100.17"))
		is(context.DeadlineExceeded)(t, err)
	})
}

func TestConcurrentLookupsShareOneDownload(t *testing.T) {
	list, err := os.ReadFile("testdata/exit-addresses")
	if err != nil {
		t.Fatal(err)
	}
	var requests atomic.Int32
	started := make(chan struct{})
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			close(started)
		}
		<-release
		w.Write(list)
	}))
	defer srv.Close()
	p, err := New(Options{URL: srv.URL, HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}

	// A caller that gives up does not stop the download the others wait on.
	ctx, cancel := context.WithCancel(context.Background())
	quitter := make(chan error, 1)
	go func() {
		_, err := p.Lookup(ctx, ind(t, "198.51.100.17"))
		quitter <- err
	}()
	<-started
	cancel()
	if err := <-quitter; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled lookup: err = %v, want context.Canceled", err)
	}

	const n = 32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			addr := "198.51.100.17"
			if i%2 == 1 {
				addr = "203.0.113.45"
			}
			r, err := p.Lookup(context.Background(), ind(t, addr))
			if err == nil && r.Severity != intel.SeverityWarning {
				err = errors.New("miss for " + addr)
			}
			errs <- err
		})
	}
	time.Sleep(50 * time.Millisecond) // let the lookups queue behind the download
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := requests.Load(); got != 1 {
		t.Errorf("%d downloads, want 1", got)
	}
}

func TestParseList(t *testing.T) {
	good := "ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\nPublished 2025-03-14 08:12:31\n" +
		"LastStatus 2025-03-14 10:02:00\nExitAddress 198.51.100.17 2025-03-14 10:05:47\n"
	okTests := map[string]string{
		"sample":                  good,
		"CRLF":                    strings.ReplaceAll(good, "\n", "\r\n"),
		"CollecTor header":        "@type tordnsel 1.0\nDownloaded 2025-03-14 11:00:00\n" + good,
		"unknown keyword skipped": good + "Nickname relay7\n",
		"bracketed IPv6":          good + "ExitAddress [2001:db8::5] 2025-03-14 10:05:47\n",
	}
	for name, in := range okTests {
		t.Run(name, func(t *testing.T) {
			if _, err := parseList([]byte(in)); err != nil {
				t.Error(err)
			}
		})
	}
	badTests := map[string]struct{ in, want string }{
		"empty":                 {"", "no exit addresses"},
		"blank lines":           {"\n\n  \n", "no exit addresses"},
		"HTML":                  {"<html><head><title>502</title></head></html>", `line 1: "<html>`},
		"JSON":                  {`{"relays": []}`, "line 1"},
		"text page":             {"Service Unavailable\nTry again later\n", "no exit addresses"},
		"nodes without address": {"ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\nPublished 2025-03-14 08:12:31\n", "no exit addresses"},
		"short fingerprint":     {"ExitNode 0011BD\nExitAddress 198.51.100.17 2025-03-14 10:05:47\n", "line 1: ExitNode"},
		"address first":         {"ExitAddress 198.51.100.17 2025-03-14 10:05:47\n", "line 1: ExitAddress before any ExitNode"},
		"bad address":           {strings.Replace(good, "198.51.100.17", "198.51.100.300", 1), `line 4: ExitAddress: "198.51.100.300"`},
		"bad time":              {strings.Replace(good, "2025-03-14 08:12:31", "yesterday", 1), "line 2: Published"},
		"address without time":  {strings.Replace(good, " 2025-03-14 10:05:47", "", 1), "line 4"},
		"binary":                {"\x00\x01\x02garbage", "line 1"},
	}
	for name, tc := range badTests {
		t.Run(name, func(t *testing.T) {
			_, err := parseList([]byte(tc.in))
			if !errors.Is(err, intel.ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrMalformed mentioning %q", err, tc.want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	for _, o := range []Options{
		{URL: "ftp://example.com/list"},
		{URL: "not a url"},
		{URL: "https://"},
		{MaxAge: -time.Hour},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) succeeded", o)
		}
	}
	p, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.url != DefaultURL || p.maxAge != DefaultMaxAge || p.Name() != "tor" || p.External() {
		t.Errorf("defaults: %+v", p)
	}
}

// FuzzParseList checks that no input makes the parser panic or accept an
// empty list.
func FuzzParseList(f *testing.F) {
	f.Add("ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\nExitAddress 198.51.100.17 2025-03-14 10:05:47\n")
	f.Add("<html></html>")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		l, err := parseList([]byte(s))
		if err == nil && len(l.addrs) == 0 {
			t.Errorf("%q: accepted with no addresses", s)
		}
		if err != nil && !errors.Is(err, intel.ErrMalformed) {
			t.Errorf("%q: err = %v, want ErrMalformed", s, err)
		}
	})
}
