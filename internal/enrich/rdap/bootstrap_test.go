package rdap

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/enrich"
)

const (
	ipv4URL  = DefaultBootstrap + "ipv4.json"
	arin8888 = "https://rdap.arin.net/registry/ip/8.8.8.8"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func lookup8888(t *testing.T, c *Client) enrich.Network {
	t.Helper()
	n, err := c.Network(context.Background(), netip.MustParseAddr("8.8.8.8"))
	if err != nil {
		t.Fatalf("IP(8.8.8.8): %v", err)
	}
	return n
}

func readDiskCopy(t *testing.T, dir, file string) diskCopy {
	t.Helper()
	var d diskCopy
	b, err := os.ReadFile(filepath.Join(dir, "rdap-bootstrap-"+file))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestBootstrapCachedOnDisk(t *testing.T) {
	dir := t.TempDir()
	f := newFakeIANA(t)
	f.file(arin8888, "rdap/arin_ip_8.8.8.8.json")

	c1, _ := f.newClient()
	c1.CacheDir = dir
	lookup8888(t, c1)
	d := readDiskCopy(t, dir, "ipv4.json")
	if d.URL != ipv4URL || !d.Fetched.Equal(t0) {
		t.Errorf("disk copy from %q at %s, want %q at %s", d.URL, d.Fetched, ipv4URL, t0)
	}

	// A second Client, six days later, reads the file from disk.
	c2 := &Client{HTTP: f.client(), CacheDir: dir, Now: func() time.Time { return t0.Add(6 * 24 * time.Hour) }}
	if n := lookup8888(t, c2); n.Source != "https://rdap.arin.net/registry/" {
		t.Errorf("Source = %q", n.Source)
	}
	if got := f.count(ipv4URL); got != 1 {
		t.Errorf("ipv4.json fetched %d times, want 1 (the second Client reads the disk)", got)
	}
	if got := f.count(arin8888); got != 2 {
		t.Errorf("%d lookups reached ARIN, want 2", got)
	}
}

func TestBootstrapDiskCopyOfAnotherSourceIgnored(t *testing.T) {
	dir := t.TempDir()
	f := newFakeIANA(t)
	f.file(arin8888, "rdap/arin_ip_8.8.8.8.json")
	f.json("https://mirror.example/rdap/ipv4.json", http.StatusOK, bootstrapFile("8.0.0.0/8 https://rdap.arin.net/registry/"))

	c1, _ := f.newClient()
	c1.CacheDir = dir
	c1.Bootstrap = "https://mirror.example/rdap/"
	lookup8888(t, c1)

	c2, _ := f.newClient()
	c2.CacheDir = dir
	lookup8888(t, c2)
	if got := f.count(ipv4URL); got != 1 {
		t.Errorf("IANA's ipv4.json fetched %d times, want 1: the copy on disk came from the mirror", got)
	}
}

func TestBootstrapRefreshedWhenOld(t *testing.T) {
	dir := t.TempDir()
	f := newFakeIANA(t)
	f.file(arin8888, "rdap/arin_ip_8.8.8.8.json")
	c1, _ := f.newClient()
	c1.CacheDir = dir
	lookup8888(t, c1)

	// Eight days later IANA names another server for 8.0.0.0/8.
	f.json(ipv4URL, http.StatusOK, bootstrapFile("8.0.0.0/8 https://rdap.new.example/"))
	f.json("https://rdap.new.example/ip/8.8.8.8", http.StatusOK, minimalNetwork("NEW"))
	later := t0.Add(8 * 24 * time.Hour)
	c2 := &Client{HTTP: f.client(), CacheDir: dir, Now: func() time.Time { return later }}
	if n := lookup8888(t, c2); n.Handle != "NEW" {
		t.Errorf("answered by %q (%s), want the server of the refreshed file", n.Handle, n.Source)
	}
	if got := f.count(ipv4URL); got != 2 {
		t.Errorf("ipv4.json fetched %d times, want 2", got)
	}
	if d := readDiskCopy(t, dir, "ipv4.json"); !d.Fetched.Equal(later) {
		t.Errorf("disk copy fetched at %s, want %s", d.Fetched, later)
	}

	// A shorter BootstrapMaxAge refreshes sooner.
	c3 := &Client{HTTP: f.client(), CacheDir: dir, BootstrapMaxAge: time.Hour, Now: func() time.Time { return later.Add(2 * time.Hour) }}
	lookup8888(t, c3)
	if got := f.count(ipv4URL); got != 3 {
		t.Errorf("ipv4.json fetched %d times, want 3", got)
	}
}

func TestBootstrapStaleCopyUsedWhenRefreshFails(t *testing.T) {
	t.Run("disk", func(t *testing.T) {
		dir := t.TempDir()
		f := newFakeIANA(t)
		f.file(arin8888, "rdap/arin_ip_8.8.8.8.json")
		c1, _ := f.newClient()
		c1.CacheDir = dir
		lookup8888(t, c1)

		f.json(ipv4URL, http.StatusInternalServerError, "")
		c2 := &Client{HTTP: f.client(), CacheDir: dir, Now: func() time.Time { return t0.Add(30 * 24 * time.Hour) }}
		if n := lookup8888(t, c2); n.Handle != "NET-8-8-8-0-2" {
			t.Errorf("Handle = %q", n.Handle)
		}
		if got := f.count(ipv4URL); got != 2 {
			t.Errorf("ipv4.json fetched %d times, want 2 (one failed refresh)", got)
		}
		// The failed refresh is not tried again on every lookup.
		lookup8888(t, c2)
		if got := f.count(ipv4URL); got != 2 {
			t.Errorf("ipv4.json fetched %d times after a second lookup, want still 2", got)
		}
		if d := readDiskCopy(t, dir, "ipv4.json"); !d.Fetched.Equal(t0) {
			t.Errorf("disk copy rewritten at %s", d.Fetched)
		}
	})
	t.Run("memory", func(t *testing.T) {
		f := newFakeIANA(t)
		f.file(arin8888, "rdap/arin_ip_8.8.8.8.json")
		clk := &clock{t: t0}
		c := &Client{HTTP: f.client(), Now: clk.Now}
		lookup8888(t, c)

		f.json(ipv4URL, http.StatusNotFound, "")
		clk.Set(t0.Add(8 * 24 * time.Hour))
		lookup8888(t, c)
		if got := f.count(ipv4URL); got != 2 {
			t.Errorf("ipv4.json fetched %d times, want 2", got)
		}
		// After staleRetry the refresh is tried again, and succeeds.
		f.file(ipv4URL, "bootstrap/ipv4.json")
		clk.Set(t0.Add(8*24*time.Hour + staleRetry + time.Minute))
		lookup8888(t, c)
		lookup8888(t, c)
		if got := f.count(ipv4URL); got != 3 {
			t.Errorf("ipv4.json fetched %d times, want 3", got)
		}
	})
}

func TestBootstrapFailureWithoutCopy(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
		is     error
	}{
		{"server error", http.StatusInternalServerError, "", "HTTP 500", nil},
		{"missing", http.StatusNotFound, "", "HTTP 404", nil},
		{"not json", http.StatusOK, "<html>maintenance</html>", "https://data.iana.org/rdap/", ErrMalformed},
		{"no services", http.StatusOK, `{"version": "1.0", "services": []}`, "no usable service", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeNet(t)
			f.json(ipv4URL, tt.status, tt.body)
			c, _ := f.newClient()
			_, err := c.Network(context.Background(), netip.MustParseAddr("8.8.8.8"))
			if err == nil || !strings.Contains(err.Error(), "bootstrap ipv4.json") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a bootstrap error with %q", err, tt.want)
			}
			if errors.Is(err, ErrNotFound) {
				t.Errorf("err = %v matches ErrNotFound: a missing bootstrap is not a missing record", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want %v", err, tt.is)
			}
			// Nothing bad is kept: once the file is back, it is fetched.
			f.file(ipv4URL, "bootstrap/ipv4.json")
			f.json(arin8888, http.StatusOK, minimalNetwork("OK"))
			lookup8888(t, c)
			if got := f.count(ipv4URL); got != 2 {
				t.Errorf("ipv4.json fetched %d times, want 2", got)
			}
		})
	}
}

func TestConcurrentLookupsShareOneBootstrapFetch(t *testing.T) {
	f := newFakeNet(t)
	body := readTestdata(t, "bootstrap/ipv4.json")
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f.handle(ipv4URL, func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(started) })
		<-release
		w.Write(body)
	})
	f.file(arin8888, "rdap/arin_ip_8.8.8.8.json")
	f.file("https://rdap.db.ripe.net/ip/193.0.6.139", "rdap/ripe_ip_193.0.6.139.json")
	c, _ := f.newClient()

	const n = 16
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			addr := "8.8.8.8"
			if i%2 == 1 {
				addr = "193.0.6.139"
			}
			if _, err := c.Network(context.Background(), netip.MustParseAddr(addr)); err != nil {
				t.Errorf("IP(%s): %v", addr, err)
				failed.Add(1)
			}
		}()
	}
	<-started
	// Give the other lookups time to reach the bootstrap; without a
	// shared fetch they would send their own requests meanwhile.
	time.Sleep(100 * time.Millisecond)
	close(release)
	wg.Wait()
	if got := f.count(ipv4URL); got != 1 {
		t.Errorf("ipv4.json fetched %d times by %d concurrent lookups, want 1", got, n)
	}
	if got := f.count(arin8888) + f.count("https://rdap.db.ripe.net/ip/193.0.6.139"); got != n-int(failed.Load()) {
		t.Errorf("%d lookups answered, want %d", got, n)
	}
}

func TestBootstrapWaitEndsWithCallerContext(t *testing.T) {
	f := newFakeNet(t)
	release := make(chan struct{})
	body := readTestdata(t, "bootstrap/ipv4.json")
	f.handle(ipv4URL, func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Write(body)
	})
	f.file(arin8888, "rdap/arin_ip_8.8.8.8.json")
	c, _ := f.newClient()

	// The first caller gives up; the fetch it started goes on for the
	// others.
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.Network(ctx, netip.MustParseAddr("8.8.8.8"))
		errc <- err
	}()
	for f.count(ipv4URL) == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: err = %v", err)
	}
	done := make(chan enrich.Network)
	go func() {
		n, _ := c.Network(context.Background(), netip.MustParseAddr("8.8.8.8"))
		done <- n
	}()
	close(release)
	if n := <-done; n.Handle != "NET-8-8-8-0-2" {
		t.Errorf("second caller got %+v", n)
	}
	if got := f.count(ipv4URL); got != 1 {
		t.Errorf("ipv4.json fetched %d times, want 1", got)
	}
}

func TestParseRegistry(t *testing.T) {
	data := `{"version": "1.0", "services": [
		[["10.0.0.0/8", "not a prefix", "2001:db8::/32"], ["ftp://x.example/", "http://plain.example/a", "https://secure.example/a/"]],
		[["11.0.0.0/8"], ["mailto:x@example.com"]],
		[["hostmaster@example.com"], ["12.0.0.0/8"], ["https://tagged.example/"]],
		[["13.0.0.0/8"]]
	]}`
	r, err := parseRegistry("ipv4.json", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range r.nets {
		got[s.prefix.String()] = s.base
	}
	want := map[string]string{"10.0.0.0/8": "https://secure.example/a/", "12.0.0.0/8": "https://tagged.example/"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("services (-want +got):\n%s", diff)
	}
	if base := pickBase([]string{"http://plain.example/a"}); base != "http://plain.example/a/" {
		t.Errorf("pickBase(http only) = %q", base)
	}
	if _, err := parseRegistry("ipv4.json", []byte(`{"services": [[["2001:db8::/32"], ["https://x.example/"]]]}`)); err == nil {
		t.Error("a file with no IPv4 service parsed as ipv4.json")
	}
}

func TestParseRegistryThreeElementService(t *testing.T) {
	// The object-tag registry puts a contact before the entries.
	r, err := parseRegistry("dns.json", []byte(`{"services": [[["hostmaster@example.com"], ["Example"], ["https://tag.example/rdap/"]]]}`))
	if err != nil {
		t.Fatal(err)
	}
	if base, ok := r.matchName("x.example"); !ok || base != "https://tag.example/rdap/" {
		t.Errorf("matchName = %q, %v", base, ok)
	}
}
