// Package tor tells whether an IP address is a Tor exit node, from the Tor
// Project's bulk exit list (DefaultURL, the exit-addresses format).
//
// The whole list is downloaded and every address is looked up locally, so
// no indicator leaves the organisation: the provider is not External, and
// internal addresses may be looked up too (they simply never match).
//
// The list is fetched on the first lookup (concurrent lookups share one
// download), kept with its fetch time in memory and, when CacheDir is set, in
// a file there between runs. A list younger than MaxAge (a day by default) is
// used as it is; an older one is refreshed. When a refresh fails and an older
// list is at hand, that list answers and every result says so in its
// Details; a failed refresh is not retried for a minute (or for as long as a
// 429 asked).
//
// Severity follows msticpy's Tor provider: an exit node is a warning. A miss
// is an answer too, since the list was checked: an ok result with severity
// information (msticpy's "Not found." row with Result True), never
// intel.ErrNotFound.
package tor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/httpapi"
	"github.com/triage-dev/triage/internal/ioc"
)

// DefaultURL is the Tor Project's list of exit addresses.
const DefaultURL = "https://check.torproject.org/exit-addresses"

// DefaultMaxAge is how long a downloaded list is used before it is refreshed.
const DefaultMaxAge = 24 * time.Hour

// Spec declares the provider to the rest of triage. The list is kept in
// the provider's directory, and its cache_ttl is the list's MaxAge.
var Spec = intel.Spec{
	Name:           "tor",
	MsticpyNames:   []string{"tor", "torexitnodes"},
	Kinds:          []ioc.Kind{ioc.IPv4, ioc.IPv6},
	DefaultBaseURL: DefaultURL,
	New: func(s intel.Setup) (intel.Provider, error) {
		return intel.Provide(New(Options{URL: s.BaseURL, HTTP: s.HTTP, Timeout: s.Timeout, CacheDir: s.Dir, MaxAge: s.CacheTTL, Now: s.Now}))
	},
}

// failBackoff is how long a failed download is not retried.
const failBackoff = time.Minute

// Options configures the provider. The zero value downloads DefaultURL with
// http.DefaultClient and keeps the list in memory only.
type Options struct {
	// URL is where the list is downloaded from; "" means DefaultURL.
	URL string
	// HTTP sends the request; nil means http.DefaultClient.
	HTTP *http.Client
	// Timeout bounds one download, body included; 0 means
	// httpapi.DefaultTimeout.
	Timeout time.Duration
	// CacheDir is the directory the list is kept in between runs; "" keeps
	// it in memory only. It is created when the list is first written.
	CacheDir string
	// MaxAge is how old a list may be before it is refreshed; 0 means
	// DefaultMaxAge.
	MaxAge time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Provider looks addresses up in the Tor exit list. It is safe for
// concurrent use.
type Provider struct {
	url      string
	ref      string // url without userinfo or query, for messages
	client   *http.Client
	timeout  time.Duration
	cacheDir string
	maxAge   time.Duration
	now      func() time.Time

	mu       sync.Mutex
	list     *exitList     // the newest list loaded; nil before the first
	loading  chan struct{} // closed when the load in flight ends; nil when none
	err      error         // why the last refresh failed; nil after a success
	retryAt  time.Time     // no new download before this after a failure
	cacheErr error         // why the list could not be written to CacheDir
}

var _ intel.BatchProvider = (*Provider)(nil)

// New checks o and returns a provider. It does no I/O.
func New(o Options) (*Provider, error) {
	p := &Provider{
		url:      o.URL,
		client:   o.HTTP,
		timeout:  o.Timeout,
		cacheDir: o.CacheDir,
		maxAge:   o.MaxAge,
		now:      o.Now,
	}
	if p.url == "" {
		p.url = DefaultURL
	}
	u, err := url.Parse(p.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tor: URL %q is not an http or https URL", p.url)
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	p.ref = u.String()
	if p.client == nil {
		p.client = http.DefaultClient
	}
	if p.timeout < 0 || p.maxAge < 0 {
		return nil, errors.New("tor: Timeout and MaxAge must not be negative")
	}
	if p.timeout == 0 {
		p.timeout = httpapi.DefaultTimeout
	}
	if p.maxAge == 0 {
		p.maxAge = DefaultMaxAge
	}
	if p.now == nil {
		p.now = time.Now
	}
	return p, nil
}

// Name implements intel.Provider.
func (*Provider) Name() string { return Spec.Name }

// External implements intel.Provider: false, as the list is downloaded in
// bulk and searched locally, so no indicator is sent anywhere.
func (*Provider) External() bool { return Spec.External }

// Supports implements intel.Provider: the kinds of Spec, IPv4 and IPv6
// addresses.
func (*Provider) Supports(k ioc.Kind) bool { return Spec.Supports(k) }

// Lookup implements intel.Provider. It loads the list if needed, and returns
// an ok result for a hit (warning) and for a miss (information). Errors are
// those of the download when no list is at hand: intel.ErrUnauthorized for
// 401/403, *intel.RateLimitError for 429, intel.ErrTransient for 5xx and
// network failures, intel.ErrMalformed for a body that is not an exit list.
func (p *Provider) Lookup(ctx context.Context, ind ioc.Indicator) (intel.Result, error) {
	if !p.Supports(ind.Kind) {
		return intel.Result{}, fmt.Errorf("tor: %s: %w", ind, intel.ErrUnsupported)
	}
	a, err := addr(ind)
	if err != nil {
		return intel.Result{}, err
	}
	v, err := p.current(ctx)
	if err != nil {
		return intel.Result{}, err
	}
	return v.answer(ind, a), nil
}

// LookupBatch implements intel.BatchProvider: one list answers every
// address. Indicators of other kinds, and values that are not addresses, are
// left out of the answer.
func (p *Provider) LookupBatch(ctx context.Context, inds []ioc.Indicator) ([]intel.Result, error) {
	v, err := p.current(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]intel.Result, 0, len(inds))
	for _, ind := range inds {
		if !p.Supports(ind.Kind) {
			continue
		}
		a, err := addr(ind)
		if err != nil {
			continue
		}
		out = append(out, v.answer(ind, a))
	}
	return out, nil
}

func addr(ind ioc.Indicator) (netip.Addr, error) {
	a, err := netip.ParseAddr(ind.Value)
	if err != nil || (ind.Kind == ioc.IPv4) != a.Unmap().Is4() {
		return netip.Addr{}, fmt.Errorf("tor: %q is not an %s address", ind.Value, ind.Kind)
	}
	return a.WithZone("").Unmap(), nil
}

// view is the list a lookup answers from, with what to say about it.
type view struct {
	list *exitList
	// stale is set when the list is older than MaxAge because a refresh failed.
	stale string
	// cacheErr is set when the list could not be kept in CacheDir.
	cacheErr string
}

func (v view) answer(ind ioc.Indicator, a netip.Addr) intel.Result {
	r := intel.Result{Indicator: ind.Value, Type: ind.Kind}
	d := map[string]any{"list_fetched_at": v.list.fetched.UTC().Format(time.RFC3339)}
	if v.stale != "" {
		d["stale_list"] = v.stale
	}
	if v.cacheErr != "" {
		d["cache_error"] = v.cacheErr
	}
	r.Details = d
	exits := v.list.addrs[a]
	if len(exits) == 0 {
		r.Severity = intel.SeverityInformation
		r.Summary = fmt.Sprintf("not a Tor exit node (list of %d addresses from %s)",
			len(v.list.addrs), v.list.fetched.UTC().Format(time.RFC3339))
		d["list_addresses"] = len(v.list.addrs)
		return r
	}
	// The relay seen most recently at the address speaks for it.
	top := exits[0]
	for _, e := range exits[1:] {
		if e.seen.After(top.seen) {
			top = e
		}
	}
	r.Severity = intel.SeverityWarning
	r.Summary = "Tor exit node " + top.node.id
	r.Link = "https://metrics.torproject.org/rs.html#details/" + top.node.id
	d["node_id"] = top.node.id
	d["address_seen"] = stamp(top.seen)
	d["published"] = stamp(top.node.published)
	d["last_status"] = stamp(top.node.lastStatus)
	var others []string
	for _, e := range exits {
		if e.node.id != top.node.id {
			others = append(others, e.node.id)
		}
	}
	if len(others) > 0 {
		d["other_node_ids"] = others
	}
	return r
}

// stamp formats a list time; "" when the list did not give it.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// current returns the list to answer from, loading it when there is none or
// it is older than MaxAge. Concurrent callers share one load; a caller whose
// ctx ends stops waiting but does not stop the load.
func (p *Provider) current(ctx context.Context) (view, error) {
	p.mu.Lock()
	if p.loading == nil && p.needLoad(p.now()) {
		done := make(chan struct{})
		p.loading = done
		go p.load(context.WithoutCancel(ctx), done)
	}
	done := p.loading
	p.mu.Unlock()
	if done != nil {
		select {
		case <-done:
		case <-ctx.Done():
			return view{}, fmt.Errorf("tor: waiting for the exit list: %w", ctx.Err())
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.list == nil {
		return view{}, p.err
	}
	v := view{list: p.list}
	if p.err != nil && !p.fresh(p.list, p.now()) {
		v.stale = fmt.Sprintf("list from %s, refresh failed: %v", p.list.fetched.UTC().Format(time.RFC3339), p.err)
	}
	if p.cacheErr != nil {
		v.cacheErr = p.cacheErr.Error()
	}
	return v, nil
}

// needLoad reports whether a load must start. p.mu is held.
func (p *Provider) needLoad(now time.Time) bool {
	if p.list != nil && p.fresh(p.list, now) {
		return false
	}
	return p.err == nil || !now.Before(p.retryAt)
}

func (p *Provider) fresh(l *exitList, now time.Time) bool {
	return now.Sub(l.fetched) < p.maxAge
}

// load brings in a list: from CacheDir when the copy there is fresh,
// otherwise by downloading it. It closes done when it ends.
func (p *Provider) load(ctx context.Context, done chan struct{}) {
	var (
		l              *exitList
		err            error
		cacheErr       error
		wroteCacheFile bool
	)
	if p.cacheDir != "" {
		if c, cerr := p.readCache(); cerr == nil {
			p.mu.Lock()
			if p.list == nil || c.fetched.After(p.list.fetched) {
				p.list = c
			}
			p.mu.Unlock()
			c.raw = nil
			if p.fresh(c, p.now()) {
				l = c
			}
		}
	}
	if l == nil {
		l, err = p.fetch(ctx)
		if err == nil && p.cacheDir != "" {
			cacheErr = p.writeCache(l)
			wroteCacheFile = true
		}
		if l != nil {
			l.raw = nil
		}
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	defer close(done)
	p.loading = nil
	if err != nil {
		p.err = err
		p.retryAt = p.now().Add(failBackoff)
		var rl *intel.RateLimitError
		if errors.As(err, &rl) && rl.RetryAfter > failBackoff {
			p.retryAt = p.now().Add(rl.RetryAfter)
		}
		return
	}
	p.list, p.err = l, nil
	if wroteCacheFile {
		p.cacheErr = cacheErr
	}
}
