package rdap

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/enrich"
)

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestIPServerSelection(t *testing.T) {
	tests := []struct {
		addr   string
		url    string // the request the client must send
		server string
	}{
		{"8.8.8.8", "https://rdap.arin.net/registry/ip/8.8.8.8", "https://rdap.arin.net/registry/"},
		{"193.0.6.139", "https://rdap.db.ripe.net/ip/193.0.6.139", "https://rdap.db.ripe.net/"},
		{"1.1.1.1", "https://rdap.apnic.net/ip/1.1.1.1", "https://rdap.apnic.net/"},
		{"200.160.2.3", "https://rdap.lacnic.net/rdap/ip/200.160.2.3", "https://rdap.lacnic.net/rdap/"},
		// AFRINIC lists its http URL first: the https one is used.
		{"196.216.2.1", "https://rdap.afrinic.net/rdap/ip/196.216.2.1", "https://rdap.afrinic.net/rdap/"},
		{"2001:4860:4860::8888", "https://rdap.arin.net/registry/ip/2001:4860:4860::8888", "https://rdap.arin.net/registry/"},
		{"2a00:1450:4001:82b::200e", "https://rdap.db.ripe.net/ip/2a00:1450:4001:82b::200e", "https://rdap.db.ripe.net/"},
		// An IPv4-mapped address is looked up as IPv4.
		{"::ffff:8.8.4.4", "https://rdap.arin.net/registry/ip/8.8.4.4", "https://rdap.arin.net/registry/"},
	}
	f := newFakeIANA(t)
	for _, tt := range tests {
		f.json(tt.url, http.StatusOK, minimalNetwork("H-"+tt.addr))
	}
	c, _ := f.newClient()
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			n, err := c.Network(context.Background(), netip.MustParseAddr(tt.addr))
			if err != nil {
				t.Fatal(err)
			}
			if n.Source != tt.server || n.Handle != "H-"+tt.addr {
				t.Errorf("got server %q handle %q, want %q %q", n.Source, n.Handle, tt.server, "H-"+tt.addr)
			}
			if got := f.count(tt.url); got != 1 {
				t.Errorf("%s requested %d times, want 1", tt.url, got)
			}
		})
	}
	// One fetch of each bootstrap file for all the lookups.
	for _, name := range []string{"ipv4.json", "ipv6.json"} {
		if got := f.count(DefaultBootstrap + name); got != 1 {
			t.Errorf("%s fetched %d times, want 1", name, got)
		}
	}
}

func TestIPLongestPrefixAndBaseWithoutSlash(t *testing.T) {
	f := newFakeNet(t)
	// The wider prefix comes first, so a first-match lookup would pick it.
	f.json("https://mirror.example/rdap/ipv4.json", http.StatusOK, bootstrapFile(
		"8.0.0.0/8 https://wide.example/rdap/",
		"8.8.8.0/24 https://narrow.example/rdap", // no trailing slash
	))
	f.json("https://narrow.example/rdap/ip/8.8.8.8", http.StatusOK, minimalNetwork("NARROW"))
	f.json("https://wide.example/rdap/ip/8.8.4.4", http.StatusOK, minimalNetwork("WIDE"))
	c, _ := f.newClient()
	c.Bootstrap = "https://mirror.example/rdap" // no trailing slash either

	for addr, want := range map[string]string{"8.8.8.8": "NARROW", "8.8.4.4": "WIDE"} {
		n, err := c.Network(context.Background(), netip.MustParseAddr(addr))
		if err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		if n.Handle != want {
			t.Errorf("%s answered by %q (%s), want %q", addr, n.Handle, n.Source, want)
		}
	}
	if n, _ := c.Network(context.Background(), netip.MustParseAddr("8.8.8.8")); n.Source != "https://narrow.example/rdap/" {
		t.Errorf("Source = %q, want https://narrow.example/rdap/", n.Source)
	}
}

func TestIPNotInBootstrap(t *testing.T) {
	f := newFakeIANA(t)
	c, _ := f.newClient()
	_, err := c.Network(context.Background(), netip.MustParseAddr("7.7.7.7"))
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if got, want := f.requests(), []string{DefaultBootstrap + "ipv4.json"}; !cmp.Equal(got, want) {
		t.Errorf("requests = %q, want only %q", got, want)
	}
}

func TestIPFields(t *testing.T) {
	tests := []struct {
		addr, url, file string
		want            enrich.Network
	}{{
		// ARIN lists "last changed" before "registration" and nests the
		// abuse contact in the registrant, after a technical contact that
		// has an e-mail too.
		addr: "8.8.8.8", url: "https://rdap.arin.net/registry/ip/8.8.8.8", file: "rdap/arin_ip_8.8.8.8.json",
		want: enrich.Network{
			Handle: "NET-8-8-8-0-2", Name: "GOGL", Type: "DIRECT ALLOCATION", CIDR: "8.8.8.0/24",
			StartAddress: "8.8.8.0", EndAddress: "8.8.8.255", ParentHandle: "NET-8-0-0-0-0",
			Org: "Google LLC", AbuseEmail: "network-abuse@google.com",
			Registered: date("2014-03-14T16:52:05-04:00"), Updated: date("2023-12-28T17:24:56-05:00"),
			Source: "https://rdap.arin.net/registry/",
		},
	}, {
		// RIPE lists a maintainer without a vCard as a registrant before
		// the organisation, and the abuse contact at the top level.
		addr: "193.0.6.139", url: "https://rdap.db.ripe.net/ip/193.0.6.139", file: "rdap/ripe_ip_193.0.6.139.json",
		want: enrich.Network{
			Handle: "193.0.0.0 - 193.0.7.255", Name: "RIPE-NCC", Type: "ASSIGNED PA", Country: "NL", CIDR: "193.0.0.0/21",
			StartAddress: "193.0.0.0", EndAddress: "193.0.7.255", ParentHandle: "193.0.0.0 - 193.0.23.255",
			Org: "Reseaux IP Europeens Network Coordination Centre (RIPE NCC)", AbuseEmail: "abuse@ripe.net",
			Registered: date("2003-03-17T12:15:57Z"), Updated: date("2017-12-04T14:39:33Z"),
			Source: "https://rdap.db.ripe.net/",
		},
	}, {
		addr: "2001:4860:4860::8888", url: "https://rdap.arin.net/registry/ip/2001:4860:4860::8888", file: "rdap/arin_ip6_2001-4860.json",
		want: enrich.Network{
			Handle: "NET6-2001-4860-1", Name: "GOOGLE-IPV6", Type: "DIRECT ALLOCATION", CIDR: "2001:4860::/32",
			StartAddress: "2001:4860::", EndAddress: "2001:4860:ffff:ffff:ffff:ffff:ffff:ffff", ParentHandle: "NET6-2001-4800-0",
			Org: "Google LLC", AbuseEmail: "network-abuse@google.com",
			Registered: date("2005-03-14T00:00:00-05:00"), Updated: date("2012-02-24T09:44:34-05:00"),
			Source: "https://rdap.arin.net/registry/",
		},
	}}
	f := newFakeIANA(t)
	for _, tt := range tests {
		f.file(tt.url, tt.file)
	}
	c, _ := f.newClient()
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			got, err := c.Network(context.Background(), netip.MustParseAddr(tt.addr))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("IP(%s) (-want +got):\n%s", tt.addr, diff)
			}
			if !got.Registered.Before(got.Updated) {
				t.Errorf("registered %s is not before updated %s", got.Registered, got.Updated)
			}
		})
	}
}

func TestIPSendsRDAPAccept(t *testing.T) {
	f := newFakeIANA(t)
	var accept string
	f.handle("https://rdap.arin.net/registry/ip/8.8.8.8", func(w http.ResponseWriter, r *http.Request) {
		accept = r.Header.Get("Accept")
		w.Write([]byte(minimalNetwork("X")))
	})
	c, _ := f.newClient()
	if _, err := c.Network(context.Background(), netip.MustParseAddr("8.8.8.8")); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(accept, "application/rdap+json") {
		t.Errorf("Accept = %q, want application/rdap+json first", accept)
	}
}

func TestIPFollowsRedirect(t *testing.T) {
	// ARIN answers for another region's space with a redirect to the
	// registry that holds it.
	f := newFakeNet(t)
	f.json(DefaultBootstrap+"ipv4.json", http.StatusOK, bootstrapFile("193.0.0.0/8 https://rdap.arin.net/registry/"))
	f.handle("https://rdap.arin.net/registry/ip/193.0.6.139", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://rdap.db.ripe.net/ip/193.0.6.139", http.StatusMovedPermanently)
	})
	f.file("https://rdap.db.ripe.net/ip/193.0.6.139", "rdap/ripe_ip_193.0.6.139.json")
	c, _ := f.newClient()
	n, err := c.Network(context.Background(), netip.MustParseAddr("193.0.6.139"))
	if err != nil {
		t.Fatal(err)
	}
	if n.Source != "https://rdap.db.ripe.net/" || n.Name != "RIPE-NCC" {
		t.Errorf("got %q from %q, want RIPE-NCC from https://rdap.db.ripe.net/", n.Name, n.Source)
	}
}

func TestIPNotPublicRefusedWithoutRequest(t *testing.T) {
	f := newFakeIANA(t)
	c, _ := f.newClient()
	for _, a := range []string{
		"10.1.2.3", "172.16.0.1", "192.168.1.10", "127.0.0.1", "169.254.169.254", "100.64.0.1",
		"0.0.0.0", "255.255.255.255", "224.0.0.251", "192.0.2.1", "198.51.100.7", "203.0.113.9",
		"198.18.0.1", "240.0.0.1", "::", "::1", "fe80::1%eth0", "fd12:3456::1", "ff02::1",
		"2001:db8::1", "64:ff9b::808:808", "::ffff:10.0.0.1", "3fff::1",
	} {
		_, err := c.Network(context.Background(), netip.MustParseAddr(a))
		if !errors.Is(err, ErrNotPublic) {
			t.Errorf("IP(%s) err = %v, want ErrNotPublic", a, err)
		} else if !strings.Contains(err.Error(), "no public registration") {
			t.Errorf("IP(%s) err = %q, does not say why", a, err)
		}
	}
	if _, err := c.Network(context.Background(), netip.Addr{}); err == nil {
		t.Error("IP(zero Addr) succeeded")
	}
	if r := f.requests(); len(r) != 0 {
		t.Errorf("requests sent: %q", r)
	}
}

func TestNotFound(t *testing.T) {
	f := newFakeIANA(t)
	f.file("https://rdap.arin.net/registry/ip/8.8.8.8", "rdap/arin_ip_8.8.8.8.json")
	notFound := string(readTestdata(t, "rdap/error_404.json"))
	f.json("https://rdap.apnic.net/ip/1.1.1.1", http.StatusNotFound, notFound)
	f.json("https://rdap.verisign.com/com/v1/domain/no-such-name-7f3a.com", http.StatusNotFound, notFound)
	c, _ := f.newClient()

	_, err := c.Network(context.Background(), netip.MustParseAddr("1.1.1.1"))
	if !errors.Is(err, ErrNotFound) || !errors.Is(err, enrich.ErrUnknown) || !strings.Contains(err.Error(), "https://rdap.apnic.net/") {
		t.Errorf("Network err = %v, want ErrNotFound (enrich.ErrUnknown) naming the server", err)
	}
	_, err = c.Domain(context.Background(), "no-such-name-7f3a.com")
	if !errors.Is(err, ErrNotFound) || !errors.Is(err, enrich.ErrUnknown) {
		t.Errorf("Domain err = %v, want ErrNotFound (enrich.ErrUnknown)", err)
	}
	// A found record is not ErrNotFound (the check above can fail).
	if _, err := c.Network(context.Background(), netip.MustParseAddr("8.8.8.8")); err != nil {
		t.Errorf("Network(8.8.8.8) = %v", err)
	}
}

func TestErrorStatusNotRetried(t *testing.T) {
	f := newFakeIANA(t)
	u := "https://rdap.arin.net/registry/ip/8.8.8.8"
	f.json(u, http.StatusBadRequest, `{"errorCode": 400, "title": "Bad Request", "description": ["Invalid query"]}`)
	c, s := f.newClient()
	_, err := c.Network(context.Background(), netip.MustParseAddr("8.8.8.8"))
	if err == nil || !strings.Contains(err.Error(), "HTTP 400: Bad Request: Invalid query") || errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want HTTP 400 with the server's title", err)
	}
	if f.count(u) != 1 || len(s.got()) != 0 {
		t.Errorf("requests %d, sleeps %v: want 1 and none", f.count(u), s.got())
	}
}

func TestDomain(t *testing.T) {
	tests := []struct {
		in, url, file string
		want          enrich.Registration
	}{{
		in: "google.com", url: "https://rdap.verisign.com/com/v1/domain/google.com", file: "rdap/verisign_domain_google.com.json",
		want: enrich.Registration{
			Handle: "2138514_DOMAIN_COM-VRSN", Name: "google.com", Registrar: "MarkMonitor Inc.",
			// Not the "last update of RDAP database" event.
			Created: date("1997-09-15T04:00:00Z"), Updated: date("2019-09-09T15:39:04Z"), Expires: date("2028-09-14T04:00:00Z"),
			Nameservers: []string{"ns1.google.com", "ns2.google.com", "ns3.google.com", "ns4.google.com"},
			Status: []string{"client delete prohibited", "client transfer prohibited", "client update prohibited",
				"server delete prohibited", "server transfer prohibited", "server update prohibited"},
			Source: "https://rdap.verisign.com/com/v1/",
		},
	}, {
		// Upper case and a final dot are normalised.
		in: "Google.COM.", url: "https://rdap.verisign.com/com/v1/domain/google.com", file: "rdap/verisign_domain_google.com.json",
		want: enrich.Registration{
			Handle: "2138514_DOMAIN_COM-VRSN", Name: "google.com", Registrar: "MarkMonitor Inc.",
			Created: date("1997-09-15T04:00:00Z"), Updated: date("2019-09-09T15:39:04Z"), Expires: date("2028-09-14T04:00:00Z"),
			Nameservers: []string{"ns1.google.com", "ns2.google.com", "ns3.google.com", "ns4.google.com"},
			Status: []string{"client delete prohibited", "client transfer prohibited", "client update prohibited",
				"server delete prohibited", "server transfer prohibited", "server update prohibited"},
			Source: "https://rdap.verisign.com/com/v1/",
		},
	}, {
		// An IDN is sent as its A-label; DENIC gives no registration date.
		in: "München.de", url: "https://rdap.denic.de/domain/xn--mnchen-3ya.de", file: "rdap/denic_domain_xn--mnchen-3ya.de.json",
		want: enrich.Registration{
			Handle: "xn--mnchen-3ya.de", Name: "xn--mnchen-3ya.de", Updated: date("2021-06-15T09:12:44+02:00"),
			Nameservers: []string{"ns1.muenchen.de", "ns2.muenchen.de"}, Status: []string{"active"},
			Source: "https://rdap.denic.de/",
		},
	}}
	f := newFakeIANA(t)
	for _, tt := range tests {
		f.file(tt.url, tt.file)
	}
	c, _ := f.newClient()
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := c.Domain(context.Background(), tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Domain(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
	if got := f.count(DefaultBootstrap + "dns.json"); got != 1 {
		t.Errorf("dns.json fetched %d times, want 1", got)
	}
}

func TestDomainServerSelection(t *testing.T) {
	f := newFakeNet(t)
	// "uk" comes first, so a first-match lookup would pick it for co.uk.
	f.json(DefaultBootstrap+"dns.json", http.StatusOK, bootstrapFile(
		"uk https://rdap.nominet.uk/uk/",
		"co.uk https://rdap.second-level.example/",
		"app,dev https://pubapi.registry.google/rdap/",
	))
	tests := map[string]string{
		"example.co.uk":     "https://rdap.second-level.example/domain/example.co.uk",
		"example.uk":        "https://rdap.nominet.uk/uk/domain/example.uk",
		"example.org.uk":    "https://rdap.nominet.uk/uk/domain/example.org.uk",
		"go.dev":            "https://pubapi.registry.google/rdap/domain/go.dev",
		"www.Example.CO.UK": "https://rdap.second-level.example/domain/www.example.co.uk",
	}
	for _, u := range tests {
		f.json(u, http.StatusOK, `{"objectClassName": "domain", "ldhName": "x"}`)
	}
	c, _ := f.newClient()
	for in, u := range tests {
		if _, err := c.Domain(context.Background(), in); err != nil {
			t.Errorf("Domain(%q): %v", in, err)
		} else if f.count(u) != 1 {
			t.Errorf("Domain(%q) did not request %s; requests: %q", in, u, f.requests())
		}
	}
	_, err := c.Domain(context.Background(), "nic.unknowntld")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown TLD: err = %v, want ErrNotFound", err)
	}
	if n := len(f.requests()); n != 1+len(tests) {
		t.Errorf("%d requests, want %d: %q", n, 1+len(tests), f.requests())
	}
}

func TestDomainRejectsNonDomains(t *testing.T) {
	f := newFakeIANA(t)
	c, _ := f.newClient()
	for _, in := range []string{
		"", ".", "com", "localhost", "8.8.8.8", "[2001:db8::1]", "2001:db8::1", "https://google.com",
		"google.com/path", "user@google.com", "google.com:443", "goo gle.com", "_dmarc.google.com",
		"-bad.com", "bad-.com", "a..b.com", "example.123", strings.Repeat("a", 64) + ".com",
		strings.Repeat("abcdefghi.", 26) + "com", "☃ .com", "ex\x00ample.com", "example.com/../admin",
	} {
		if d, err := c.Domain(context.Background(), in); err == nil {
			t.Errorf("Domain(%q) = %+v, want an error", in, d)
		}
	}
	if r := f.requests(); len(r) != 0 {
		t.Errorf("requests sent: %q", r)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter string
		wantSleep  time.Duration
	}{
		{"seconds", "2", 2 * time.Second},
		{"http date", t0.Add(3 * time.Second).Format(http.TimeFormat), 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeIANA(t)
			u := "https://rdap.arin.net/registry/ip/8.8.8.8"
			body := readTestdata(t, "rdap/arin_ip_8.8.8.8.json")
			limited := string(readTestdata(t, "rdap/error_429.json"))
			f.handle(u, func(w http.ResponseWriter, r *http.Request) {
				if f.count(u) == 1 {
					w.Header().Set("Retry-After", tt.retryAfter)
					w.WriteHeader(http.StatusTooManyRequests)
					w.Write([]byte(limited))
					return
				}
				w.Write(body)
			})
			c, s := f.newClient()
			n, err := c.Network(context.Background(), netip.MustParseAddr("8.8.8.8"))
			if err != nil {
				t.Fatal(err)
			}
			if n.Handle != "NET-8-8-8-0-2" {
				t.Errorf("Handle = %q", n.Handle)
			}
			if got := f.count(u); got != 2 {
				t.Errorf("%d requests, want 2", got)
			}
			if diff := cmp.Diff([]time.Duration{tt.wantSleep}, s.got()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRateLimitBeyondMaxWait(t *testing.T) {
	f := newFakeIANA(t)
	u := "https://rdap.db.ripe.net/ip/193.0.6.139"
	f.handle(u, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c, s := f.newClient()
	_, err := c.Network(context.Background(), netip.MustParseAddr("193.0.6.139"))
	var rl *RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v, want *RateLimitError", err)
	}
	if diff := cmp.Diff(RateLimitError{RetryAfter: 2 * time.Minute, Server: "https://rdap.db.ripe.net/"}, *rl); diff != "" {
		t.Errorf("RateLimitError (-want +got):\n%s", diff)
	}
	if f.count(u) != 1 || len(s.got()) != 0 {
		t.Errorf("%d requests and sleeps %v; want 1 and none", f.count(u), s.got())
	}
	if !strings.Contains(err.Error(), "retry after 2m0s") {
		t.Errorf("message %q does not give the wait", err)
	}
}

func TestRateLimitBeyondMaxRetries(t *testing.T) {
	f := newFakeIANA(t)
	u := "https://rdap.arin.net/registry/ip/8.8.8.8"
	f.handle(u, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c, s := f.newClient()
	c.MaxRetries = 2
	_, err := c.Network(context.Background(), netip.MustParseAddr("8.8.8.8"))
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Fatalf("err = %v, want *RateLimitError after 1s", err)
	}
	if got := f.count(u); got != 3 {
		t.Errorf("%d requests, want 3 (1 + MaxRetries)", got)
	}
	if diff := cmp.Diff([]time.Duration{time.Second, time.Second}, s.got()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
}

func TestServiceUnavailableBackoff(t *testing.T) {
	t.Run("then ok", func(t *testing.T) {
		f := newFakeIANA(t)
		u := "https://rdap.arin.net/registry/ip/8.8.8.8"
		f.handle(u, func(w http.ResponseWriter, r *http.Request) {
			if f.count(u) <= 2 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.Write([]byte(minimalNetwork("OK")))
		})
		c, s := f.newClient()
		if _, err := c.Network(context.Background(), netip.MustParseAddr("8.8.8.8")); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second}, s.got()); diff != "" {
			t.Errorf("sleeps (-want +got):\n%s", diff)
		}
	})
	t.Run("never", func(t *testing.T) {
		f := newFakeIANA(t)
		u := "https://rdap.arin.net/registry/ip/8.8.8.8"
		f.json(u, http.StatusServiceUnavailable, `{"errorCode": 503, "title": "Service Unavailable"}`)
		c, s := f.newClient()
		_, err := c.Network(context.Background(), netip.MustParseAddr("8.8.8.8"))
		var rl *RateLimitError
		if err == nil || errors.As(err, &rl) || !strings.Contains(err.Error(), "HTTP 503") {
			t.Errorf("err = %v, want HTTP 503 (an outage, not a rate limit)", err)
		}
		if got := f.count(u); got != 4 {
			t.Errorf("%d requests, want 4", got)
		}
		if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, s.got()); diff != "" {
			t.Errorf("sleeps (-want +got):\n%s", diff)
		}
	})
}

func TestRetryWaitEndsWithContext(t *testing.T) {
	f := newFakeIANA(t)
	f.handle("https://rdap.arin.net/registry/ip/8.8.8.8", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "20")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c, _ := f.newClient()
	c.sleep = nil // really wait
	preloadBootstrap(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Network(ctx, netip.MustParseAddr("8.8.8.8"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("returned after %s", d)
	}
}

func TestTimeout(t *testing.T) {
	f := newFakeIANA(t)
	f.handle("https://rdap.arin.net/registry/ip/8.8.8.8", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	c, _ := f.newClient()
	c.Timeout = 100 * time.Millisecond
	preloadBootstrap(t, c) // only the RDAP request is timed
	start := time.Now()
	_, err := c.Network(context.Background(), netip.MustParseAddr("8.8.8.8"))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "https://rdap.arin.net/registry/") {
		t.Errorf("err = %v, want a deadline naming the server", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("returned after %s, want about 100ms", d)
	}
}

func TestMalformedAnswers(t *testing.T) {
	tests := map[string]string{
		"html":       string(readTestdata(t, "rdap/malformed.html")),
		"truncated":  string(readTestdata(t, "rdap/arin_ip_8.8.8.8.json"))[:700],
		"wrong type": `{"objectClassName": "ip network", "handle": ["not", "a", "string"]}`,
		"domain":     `{"objectClassName": "domain", "ldhName": "example.com"}`,
		"no class":   `{"errorCode": 200}`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFakeIANA(t)
			f.json("https://rdap.arin.net/registry/ip/8.8.8.8", http.StatusOK, body)
			c, _ := f.newClient()
			_, err := c.Network(context.Background(), netip.MustParseAddr("8.8.8.8"))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), "https://rdap.arin.net/registry/") {
				t.Errorf("%q does not name the server", err)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	// A valid answer padded to exactly MaxBody bytes is read; one byte
	// more is an error.
	obj := minimalNetwork("BIG")
	for _, size := range []int{MaxBody, MaxBody + 1} {
		f := newFakeIANA(t)
		f.json("https://rdap.arin.net/registry/ip/8.8.8.8", http.StatusOK, obj+strings.Repeat(" ", size-len(obj)))
		c, _ := f.newClient()
		n, err := c.Network(context.Background(), netip.MustParseAddr("8.8.8.8"))
		switch {
		case size == MaxBody && (err != nil || n.Handle != "BIG"):
			t.Errorf("%d bytes: %+v, %v; want it read", size, n, err)
		case size > MaxBody && (!errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "larger than")):
			t.Errorf("%d bytes: err = %v, want ErrMalformed: larger than", size, err)
		}
	}
}

func TestNoUserInfoInErrors(t *testing.T) {
	hangUp := func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"status", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) }, "HTTP 500"},
		{"no answer", hangUp, "https://mirror.example/rdap/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeNet(t)
			f.handle("https://mirror.example/rdap/ipv4.json", tt.handler)
			c, _ := f.newClient()
			c.Bootstrap = "https://reader:s3cret-token@mirror.example/rdap/"
			_, err := c.Network(context.Background(), netip.MustParseAddr("8.8.8.8"))
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), "s3cret-token") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q: want %q without the password", err, tt.want)
			}
		})
	}
}
