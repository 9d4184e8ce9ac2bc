// Package rdap finds who registered an IP address or a domain, through RDAP
// servers found with the IANA bootstrap registries.
//
// An address is looked up with GET {server}ip/{address} and a name with GET
// {server}domain/{name} (RFC 9082), where {server} is the base URL that the
// IANA bootstrap file for the address family or the top-level domain gives
// for it (RFC 9224, longest match); the answer is read as an RFC 9083 object.
// Private and other special-purpose addresses are refused without a request:
// no registry holds them.
//
// The bootstrap files are fetched once per Client (concurrent callers share
// one fetch), kept on disk in CacheDir between runs, refreshed when older than
// BootstrapMaxAge, and used stale when a refresh fails.
//
// A lookup sends one request (redirects followed), plus one per retry of a
// 429 or 503 answer.
//
// Errors start with "rdap: " and the value looked up, and match ErrNotFound,
// ErrNotPublic, ErrMalformed, *RateLimitError or context.DeadlineExceeded
// where they apply. They name the RDAP server (its base URL, without any
// user information) but never carry request headers.
package rdap

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/triage-dev/triage/internal/enrich"
)

// DefaultBootstrap is where IANA publishes the bootstrap files ipv4.json,
// ipv6.json, dns.json and asn.json.
const DefaultBootstrap = "https://data.iana.org/rdap/"

// Defaults for the zero values of the Client's fields.
const (
	DefaultBootstrapMaxAge = 7 * 24 * time.Hour
	DefaultTimeout         = 15 * time.Second
	DefaultMaxRetries      = 3
	DefaultMaxWait         = 30 * time.Second
)

// MaxBody is the largest answer read, bootstrap files included: 2 MiB. A
// longer answer is an error wrapping ErrMalformed, never silently cut.
const MaxBody = 2 << 20

// Client looks up RDAP records. The zero value is ready to use. A Client is
// safe for concurrent use; its fields must not change, and it must not be
// copied, once it has been used.
type Client struct {
	// Bootstrap is the base URL of the bootstrap files; "" means
	// DefaultBootstrap.
	Bootstrap string
	// HTTP sends the requests and follows redirects; nil means
	// http.DefaultClient.
	HTTP *http.Client
	// CacheDir is where the bootstrap files are kept between runs, as
	// rdap-bootstrap-{file} with the time they were fetched; "" keeps them in
	// memory only. A file that cannot be written is not an error.
	CacheDir string
	// BootstrapMaxAge is how long a bootstrap file is used before it is
	// fetched again; 0 means DefaultBootstrapMaxAge.
	BootstrapMaxAge time.Duration
	// Timeout bounds one request, redirects and body included; 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxRetries is how many times a request answered 429 or 503 is sent
	// again; 0 means DefaultMaxRetries and a negative value none. The wait
	// before each retry is the answer's Retry-After, else 1s, 2s, 4s...
	MaxRetries int
	// MaxWait is the longest wait before a retry; a longer Retry-After is
	// returned as a *RateLimitError at once. 0 means DefaultMaxWait.
	MaxWait time.Duration
	// Now is the clock (bootstrap age, Retry-After dates); nil means
	// time.Now.
	Now func() time.Time

	// sleep waits before a retry; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error

	mu   sync.Mutex
	regs map[string]*regState // by bootstrap file name
}

// ErrNotFound means there is no record: the server answered 404, or no
// bootstrap entry covers the value. It matches enrich.ErrUnknown.
var ErrNotFound = enrich.Unknown("no RDAP record")

// ErrNotPublic means the address is private or reserved for a special
// purpose, so no registry holds it; no request is made.
var ErrNotPublic = errors.New("no public registration")

// ErrMalformed means an answer could not be read: not JSON, not the object
// asked for, or larger than MaxBody.
var ErrMalformed = errors.New("malformed RDAP answer")

// RateLimitError means a server kept throttling requests (429, or 503 with
// Retry-After) beyond MaxRetries, or asked for a wait longer than MaxWait.
type RateLimitError struct {
	// RetryAfter is the wait the server asked for; 0 when it did not say.
	RetryAfter time.Duration
	// Server is the base URL of the server.
	Server string
}

func (e *RateLimitError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("rate limited by %s; retry after %s", e.Server, e.RetryAfter)
	}
	return fmt.Sprintf("rate limited by %s", e.Server)
}

// Network returns the registration of the network that holds addr, from
// GET {server}ip/{addr}. An IPv4-mapped IPv6 address is looked up as IPv4.
// A private or special-purpose address is refused with an error wrapping
// ErrNotPublic, without any request. From the RDAP object: Org is the vCard
// fn of the entity with role "registrant"; AbuseEmail the e-mail of the
// first entity with role "abuse", nested entities included; Registered and
// Updated the network's own events "registration" and "last changed";
// Source the RDAP base URL that answered (after redirects).
func (c *Client) Network(ctx context.Context, addr netip.Addr) (enrich.Network, error) {
	if !addr.IsValid() {
		return enrich.Network{}, errors.New("rdap: ip: no address given")
	}
	addr = addr.Unmap()
	fail := func(err error) (enrich.Network, error) {
		return enrich.Network{}, fmt.Errorf("rdap: ip %s: %w", addr, err)
	}
	if why := notPublic(addr); why != "" {
		return fail(fmt.Errorf("%s: %w", why, ErrNotPublic))
	}
	addr = addr.WithZone("")
	file := "ipv4.json"
	if addr.Is6() {
		file = "ipv6.json"
	}
	reg, err := c.registry(ctx, file)
	if err != nil {
		return fail(err)
	}
	base, ok := reg.matchIP(addr)
	if !ok {
		return fail(fmt.Errorf("%w: the IANA bootstrap names no RDAP server for it", ErrNotFound))
	}
	var obj object
	server, err := c.query(ctx, base, "ip", addr.String(), "ip network", &obj)
	if err != nil {
		return fail(err)
	}
	return obj.network(server), nil
}

// Domain returns the registration of a domain name, from
// GET {server}domain/{name} at the server of its longest matching suffix
// in the bootstrap (normally its top-level domain). The name may end with a
// dot and may be internationalised: it is sent lower-case in A-label form.
// Input that is not a domain name (an address, a URL, an e-mail, a single
// label) is refused without any request. The registry of the top-level
// domain is asked, so a subdomain such as www.example.com is usually not
// found. From the RDAP object: Registrar is the vCard fn of the entity with
// role "registrar"; Created, Updated and Expires the events "registration",
// "last changed" and "expiration"; Source the RDAP base URL that answered
// (after redirects).
func (c *Client) Domain(ctx context.Context, name string) (enrich.Registration, error) {
	n, err := normalizeName(name)
	if err != nil {
		return enrich.Registration{}, fmt.Errorf("rdap: domain %q: %w", clip(clean(name)), err)
	}
	fail := func(err error) (enrich.Registration, error) {
		return enrich.Registration{}, fmt.Errorf("rdap: domain %s: %w", n, err)
	}
	reg, err := c.registry(ctx, "dns.json")
	if err != nil {
		return fail(err)
	}
	base, ok := reg.matchName(n)
	if !ok {
		return fail(fmt.Errorf("%w: the IANA bootstrap names no RDAP server for it", ErrNotFound))
	}
	var obj object
	server, err := c.query(ctx, base, "domain", n, "domain", &obj)
	if err != nil {
		return fail(err)
	}
	return obj.domain(n, server), nil
}

var _ enrich.Registry = (*Client)(nil)

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) maxAge() time.Duration {
	if c.BootstrapMaxAge > 0 {
		return c.BootstrapMaxAge
	}
	return DefaultBootstrapMaxAge
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Client) maxRetries() int {
	switch {
	case c.MaxRetries < 0:
		return 0
	case c.MaxRetries == 0:
		return DefaultMaxRetries
	}
	return c.MaxRetries
}

func (c *Client) maxWait() time.Duration {
	if c.MaxWait > 0 {
		return c.MaxWait
	}
	return DefaultMaxWait
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}
