package rdap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// staleRetry is how long a stale bootstrap file is used after a failed
// refresh before the refresh is tried again.
const staleRetry = time.Hour

// registry is one parsed bootstrap file (RFC 9224): address prefixes or
// domain suffixes, each with the base URL of its RDAP server.
type registry struct {
	nets  []netService
	names map[string]string // lower-case suffix → base URL
}

type netService struct {
	prefix netip.Prefix
	base   string
}

// matchIP returns the base URL of the longest prefix holding a.
func (r *registry) matchIP(a netip.Addr) (string, bool) {
	best, base := -1, ""
	for _, s := range r.nets {
		if s.prefix.Bits() > best && s.prefix.Contains(a) {
			best, base = s.prefix.Bits(), s.base
		}
	}
	return base, best >= 0
}

// matchName returns the base URL of the longest suffix of name (whole
// labels) in the registry.
func (r *registry) matchName(name string) (string, bool) {
	for s := name; ; {
		if base, ok := r.names[s]; ok {
			return base, true
		}
		i := strings.IndexByte(s, '.')
		if i < 0 {
			return "", false
		}
		s = s[i+1:]
	}
}

// parseRegistry reads a bootstrap file: {"services": [[[entries...],
// [urls...]], ...]}. Entries that cannot be read are skipped; a file with
// no usable service is an error.
func parseRegistry(file string, data []byte) (*registry, error) {
	var f struct {
		Services [][][]string `json:"services"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, err
	}
	r := &registry{names: map[string]string{}}
	for _, svc := range f.Services {
		if len(svc) < 2 {
			continue
		}
		// The object-tag registry puts a contact first: the last two
		// elements are the entries and the URLs.
		entries, urls := svc[len(svc)-2], svc[len(svc)-1]
		base := pickBase(urls)
		if base == "" {
			continue
		}
		for _, e := range entries {
			e = strings.TrimSpace(e)
			switch file {
			case "dns.json":
				e = strings.ToLower(strings.TrimSuffix(e, "."))
				if _, dup := r.names[e]; e != "" && !dup {
					r.names[e] = base
				}
			default:
				p, err := netip.ParsePrefix(e)
				if err != nil || p.Addr().Is4() != (file == "ipv4.json") {
					continue
				}
				r.nets = append(r.nets, netService{prefix: p.Masked(), base: base})
			}
		}
	}
	if len(r.nets) == 0 && len(r.names) == 0 {
		return nil, errors.New("no usable service in it")
	}
	return r, nil
}

// pickBase chooses a service's base URL: the first https one, else the
// first http one; it ends with a slash.
func pickBase(urls []string) string {
	var http string
	for _, raw := range urls {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || u.Host == "" {
			continue
		}
		u.Scheme = strings.ToLower(u.Scheme)
		u.RawQuery, u.Fragment = "", ""
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
			if u.RawPath != "" {
				u.RawPath += "/"
			}
		}
		switch u.Scheme {
		case "https":
			return u.String()
		case "http":
			if http == "" {
				http = u.String()
			}
		}
	}
	return http
}

// regState is what a Client knows of one bootstrap file.
type regState struct {
	reg     *registry
	fetched time.Time // when reg was fetched from the network
	failed  time.Time // last failed refresh, while reg is stale
	loading *loadCall // the load under way, if any
}

// loadCall is one load of a bootstrap file, shared by all the callers that
// need it meanwhile.
type loadCall struct {
	done chan struct{}
	reg  *registry
	err  error
}

// registry returns the bootstrap file, loading it when the Client has no
// fresh copy. Concurrent callers share one load, which runs on its own
// (bounded by Timeout and the retries) so that one caller giving up does
// not fail the others.
func (c *Client) registry(ctx context.Context, file string) (*registry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.regs == nil {
		c.regs = map[string]*regState{}
	}
	st := c.regs[file]
	if st == nil {
		st = &regState{}
		c.regs[file] = st
	}
	now := c.now()
	if st.reg != nil && (c.fresh(st.fetched, now) || (!st.failed.IsZero() && now.Sub(st.failed) < staleRetry)) {
		reg := st.reg
		c.mu.Unlock()
		return reg, nil
	}
	l := st.loading
	if l == nil {
		l = &loadCall{done: make(chan struct{})}
		st.loading = l
		go c.load(context.WithoutCancel(ctx), file, st, l)
	}
	c.mu.Unlock()
	select {
	case <-l.done:
		return l.reg, l.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *Client) fresh(fetched, now time.Time) bool {
	return now.Sub(fetched) < c.maxAge()
}

func (c *Client) bootstrapBase() string {
	b := c.Bootstrap
	if b == "" {
		b = DefaultBootstrap
	}
	if !strings.HasSuffix(b, "/") {
		b += "/"
	}
	return b
}

// load reads a bootstrap file from disk when the copy there is fresh, else
// fetches it, and falls back to the stale copy (memory or disk) when the
// fetch fails.
func (c *Client) load(ctx context.Context, file string, st *regState, l *loadCall) {
	base := c.bootstrapBase()
	c.mu.Lock()
	old, oldAt := st.reg, st.fetched
	c.mu.Unlock()
	if c.CacheDir != "" {
		if reg, at, ok := c.readDisk(file, base+file); ok && (old == nil || at.After(oldAt)) {
			old, oldAt = reg, at
		}
	}
	now := c.now()
	if old != nil && c.fresh(oldAt, now) {
		c.finish(st, l, old, oldAt, time.Time{}, nil)
		return
	}
	reg, err := c.fetchRegistry(ctx, base, file)
	switch {
	case err == nil:
		at := c.now()
		if c.CacheDir != "" {
			c.writeDisk(file, base+file, at, reg.raw)
		}
		c.finish(st, l, reg.registry, at, time.Time{}, nil)
	case old != nil:
		c.finish(st, l, old, oldAt, now, nil)
	default:
		c.finish(st, l, nil, time.Time{}, time.Time{}, err)
	}
}

func (c *Client) finish(st *regState, l *loadCall, reg *registry, at, failed time.Time, err error) {
	c.mu.Lock()
	st.loading = nil
	if reg != nil {
		st.reg, st.fetched, st.failed = reg, at, failed
	}
	l.reg, l.err = reg, err
	c.mu.Unlock()
	close(l.done)
}

type fetched struct {
	*registry
	raw []byte
}

func (c *Client) fetchRegistry(ctx context.Context, base, file string) (fetched, error) {
	a, err := c.get(ctx, base, file, "application/json")
	if err != nil {
		return fetched{}, fmt.Errorf("bootstrap %s: %w", file, err)
	}
	reg, err := parseRegistry(file, a.body)
	if err != nil {
		return fetched{}, fmt.Errorf("bootstrap %s from %s: %w: %v", file, a.server, ErrMalformed, err)
	}
	return fetched{registry: reg, raw: a.body}, nil
}

// diskCopy is a bootstrap file kept in CacheDir.
type diskCopy struct {
	URL     string          `json:"url"`
	Fetched time.Time       `json:"fetched"`
	Body    json.RawMessage `json:"body"`
}

func (c *Client) diskPath(file string) string {
	return filepath.Join(c.CacheDir, "rdap-bootstrap-"+file)
}

// readDisk returns the copy of file kept in CacheDir, if it was fetched
// from src and can be read.
func (c *Client) readDisk(file, src string) (*registry, time.Time, bool) {
	data, err := os.ReadFile(c.diskPath(file))
	if err != nil || len(data) > 2*MaxBody {
		return nil, time.Time{}, false
	}
	var d diskCopy
	if json.Unmarshal(data, &d) != nil || d.URL != src || d.Fetched.IsZero() {
		return nil, time.Time{}, false
	}
	reg, err := parseRegistry(file, d.Body)
	if err != nil {
		return nil, time.Time{}, false
	}
	return reg, d.Fetched, true
}

// writeDisk keeps a fetched file in CacheDir, replacing the old copy in one
// step. Failures are ignored: the cache only saves requests.
func (c *Client) writeDisk(file, src string, at time.Time, body []byte) {
	data, err := json.Marshal(diskCopy{URL: src, Fetched: at.UTC(), Body: body})
	if err != nil {
		return
	}
	if err := os.MkdirAll(c.CacheDir, 0o700); err != nil {
		return
	}
	tmp, err := os.CreateTemp(c.CacheDir, ".rdap-bootstrap-*.tmp")
	if err != nil {
		return
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), c.diskPath(file)) != nil {
		os.Remove(tmp.Name())
	}
}
