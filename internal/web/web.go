// Package web is triage's local web UI: the incident queue, the guided triage
// of one incident with its sections streamed as they complete, the pivot to
// any entity's summary, indicator lookup, the providers' state, and the
// write-back actions (comment, status, classification, owner, severity).
//
// It is plain net/http with html/template pages embedded in the binary. Every
// page works without JavaScript; web.js adds the live progress (server-sent
// events) and the theme toggle. Pages are served with a strict
// Content-Security-Policy (no inline script or style), every POST carries a
// CSRF token bound to a SameSite=Strict session cookie and must come from the
// server's own origin, and the Host header must name the listening address
// (against DNS rebinding). Every body is limited to what its route takes
// before anything reads it, and only urlencoded forms are read. Another site
// may only link to a page (a top-level navigation), and a page that starts
// work asks for a click when opened from another site. With Options.Token
// (a server reachable from other machines) every request must prove the
// token, given once in a URL and then kept in a cookie. Titles, entity values, URLs and command lines are
// attacker-controlled: they are only ever written through html/template's
// escaping.
//
// The package knows nothing of the command line: workspaces, providers and
// the other sources come in through Options.
package web

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/priority"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// Env is one open workspace and what the pages use with it.
type Env struct {
	// Sources are what the pages read: the workspace (required), the
	// threat-intel engine (nil: no provider, lookups say so) and the
	// summaries' enrichment sources (each may be nil).
	sources.Sources
	// Providers lists the threat-intel providers as `triage providers`
	// shows them; nil shows none.
	Providers func(ctx context.Context) ([]ProviderRow, error)
	// Record, when set, is given every triage the UI completes (one that
	// could not read its incident is none), once its lookups are done: the
	// record of triages (package history). It reports its own failures.
	Record func(context.Context, *report.Report)
	// History, when set, reads the record of triages (package history):
	// the queue shows each incident's latest verdict and priority, and the
	// incident page what changed since its last triage. Nil: neither.
	History History
	// Close releases the workspace and the rest; nil means
	// Workspace.Close.
	Close func() error
	// AsOf, when set, is when the workspace's data ends (the demo's
	// anchor): windows that end now (the queue's, the entity pivot's) end
	// there instead.
	AsOf time.Time
	// Priority is how triages score incidents (config.Config.Priority);
	// the zero value is the default weights.
	Priority priority.Settings
}

// now is the end of windows that end now in env's workspace.
func (s *Server) now(env *Env) time.Time {
	if !env.AsOf.IsZero() {
		return env.AsOf
	}
	return s.opts.Now()
}

// ProviderRow is one threat-intel provider on the providers page. It never
// holds a key, only whether one is set.
type ProviderRow struct {
	Name string
	// State is what the configuration makes of the provider, as the
	// registry worked it out; Reason says why it does not run, or is
	// skipped.
	State    intel.ProviderState
	Reason   string
	NeedsKey bool
	KeySet   bool
	External bool
	Kinds    []string
	Quota    string         // the quota as text, with today's use
	Used     map[string]int // requests in the last "hour", "day", "30 days"
	Cached   int            // cached answers
}

// Options configures the web UI.
type Options struct {
	// Workspaces names the workspaces offered, in order.
	Workspaces []string
	// Default is the workspace shown first; "" means Workspaces[0].
	Default string
	// Open opens the named workspace. It is called at most once per name
	// at a time, lazily; the Env is kept until Close.
	Open func(ctx context.Context, name string) (*Env, error)
	// Entity builds the entity an analyst pivots to from a kind ("ip",
	// "account", "Host", ...) and a value, as `triage summarize` does. Nil
	// limits the pivot to entities of triaged incidents.
	Entity func(kind, value string) (triage.Entity, error)
	// Addr is the address the server listens on (host:port): the Host
	// header of every request must name it (or localhost on a loopback
	// address). "" accepts any Host (tests that set their own).
	Addr string
	// Limits bounds the server's connections, timeouts and event
	// streams; zero fields take their defaults.
	Limits Limits
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives the causes of errors whose public message a page shows;
	// nil discards them.
	Log *slog.Logger
	// Token, when set, is the secret every request must prove: given once
	// as ?token= in a page's address, it is exchanged for cookies (see
	// Server.authorized); without it every route answers 401. "" lets
	// every request in, for a server on a loopback address.
	Token string
}

// Server is the web UI: an http.Handler. Close it to stop the triages in
// flight and close the workspaces.
type Server struct {
	opts   Options
	mux    *http.ServeMux
	secret []byte // the CSRF tokens' key
	log    *slog.Logger
	pages  *pages
	static *staticFiles

	limits  Limits   // Options.Limits with their defaults
	streams *streams // the open event streams

	ctx    context.Context // cancelled by Close: background triages
	cancel context.CancelFunc

	mu   sync.Mutex
	envs map[string]*envSlot
	runs *runs
}

type envSlot struct {
	ready chan struct{} // closed once env or err is set
	env   *Env
	err   error
}

// New returns the web UI's handler.
func New(o Options) (*Server, error) {
	if len(o.Workspaces) == 0 || o.Open == nil {
		return nil, errors.New("web: no workspace to show")
	}
	if o.Default == "" {
		o.Default = o.Workspaces[0]
	}
	if !slices.Contains(o.Workspaces, o.Default) {
		return nil, fmt.Errorf("web: default workspace %q is not one of %s", o.Default, strings.Join(o.Workspaces, ", "))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	pg, err := parsePages()
	if err != nil {
		return nil, err
	}
	st, err := newStaticFiles()
	if err != nil {
		return nil, err
	}
	pg.asset = st.url
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		opts: o, mux: http.NewServeMux(), secret: secret, log: log, pages: pg, static: st,
		ctx: ctx, cancel: cancel, envs: map[string]*envSlot{},
	}
	s.runs = newRuns(s)
	s.limits = o.Limits.withDefaults()
	s.streams = newStreams(s.limits)
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	m := s.mux
	m.Handle("GET /static/{name}", s.static)
	m.HandleFunc("GET /{$}", s.queue)
	m.HandleFunc("GET /incidents/{number}", s.askFirst("runs a triage of the incident", s.incident))
	m.HandleFunc("GET /incidents/{number}/events", s.askFirst("runs a triage of the incident", s.events))
	m.HandleFunc("GET /incidents/{number}/sections/{step}", s.section)
	m.HandleFunc("GET /incidents/{number}/report", s.download)
	m.HandleFunc("POST /incidents/{number}/run", s.rerun)
	m.HandleFunc("POST /incidents/{number}/comment", s.comment)
	m.HandleFunc("POST /incidents/{number}/update", s.update)
	m.HandleFunc("GET /entities/{kind}/{value}", s.askFirst("looks the entity up and summarises it", s.entity))
	m.HandleFunc("GET /lookup", s.lookup)
	m.HandleFunc("POST /lookup", s.lookup)
	m.HandleFunc("GET /providers", s.providers)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "There is no page here.", nil)
	})
}

// ServeHTTP checks the Host header, sets the security headers, limits the
// body to what the route takes, asks for the token when one is set,
// checks POSTs against cross-site requests and serves the page.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if !s.hostAllowed(r.Host) {
		http.Error(w, "triage: this server answers only to "+s.opts.Addr+" (the Host header names another: DNS rebinding?)", http.StatusMisdirectedRequest)
		return
	}
	adm := s.admit(w, r)
	if !s.authorized(w, r) {
		return
	}
	if adm.status != 0 {
		s.fail(w, r, adm.status, adm.msg, nil)
		return
	}
	// Another site may link here (a top-level navigation), but not make
	// the browser load pages in a frame or in the background: that could
	// start triages.
	if crossSiteSubresource(r) {
		s.fail(w, r, http.StatusForbidden, "Refused: another site asked your browser for this page in a frame or in the background. Open triage's pages directly or follow a link.", nil)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/static/") {
		h.Set("Cache-Control", "no-store")
	}
	sess := s.session(w, r)
	r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess))
	if r.Method == http.MethodPost {
		if status, msg := s.checkPost(r, sess, adm.limit); msg != "" {
			s.fail(w, r, status, msg, nil)
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// hostAllowed reports whether host (a Host header) names the server: its
// listening address, or localhost with its port when it listens on a
// loopback address. On an unspecified address (0.0.0.0) any IP literal
// with the port is accepted, but no name: a rebound DNS name is refused.
func (s *Server) hostAllowed(host string) bool {
	if s.opts.Addr == "" {
		return true
	}
	lh, lp, err := net.SplitHostPort(s.opts.Addr)
	if err != nil {
		return false
	}
	h, p, err := net.SplitHostPort(host)
	if err != nil {
		h, p = host, "80"
	}
	if p != lp {
		return false
	}
	h = strings.Trim(h, "[]")
	lip := net.ParseIP(lh)
	ip := net.ParseIP(h)
	switch {
	case strings.EqualFold(h, lh):
		return true
	case strings.EqualFold(h, "localhost"):
		return lh == "" || lip != nil && (lip.IsLoopback() || lip.IsUnspecified())
	case ip == nil:
		return false
	case lh == "" || lip != nil && lip.IsUnspecified():
		return true
	case lip != nil && lip.Equal(ip):
		return true
	case lip != nil && lip.IsLoopback() && ip.IsLoopback():
		return true
	}
	return false
}

// env returns the open workspace name, opening it on first use. Concurrent
// callers wait for one opening.
func (s *Server) env(ctx context.Context, name string) (*Env, error) {
	if !slices.Contains(s.opts.Workspaces, name) {
		return nil, fmt.Errorf("no workspace named %q: %w", name, workspace.ErrNotFound)
	}
	s.mu.Lock()
	slot, ok := s.envs[name]
	if !ok {
		slot = &envSlot{ready: make(chan struct{})}
		s.envs[name] = slot
		go func() {
			env, err := s.opts.Open(s.ctx, name)
			if err != nil {
				err = fmt.Errorf("open workspace %s: %w", name, err)
			}
			if err == nil {
				s.prepare(name, env)
			}
			s.mu.Lock()
			slot.env, slot.err = env, err
			if err != nil {
				if s.envs[name] == slot {
					delete(s.envs, name) // try again next time
				}
			}
			s.mu.Unlock()
			close(slot.ready)
		}()
	}
	s.mu.Unlock()
	select {
	case <-slot.ready:
		return slot.env, slot.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// prepare pays a workspace's start-up costs in the background, so that
// the first triage does not: a local workspace's deferred indexes.
func (s *Server) prepare(name string, env *Env) {
	b, ok := env.Workspace.(interface{ BuildIndexes(context.Context) error })
	if !ok {
		return
	}
	s.runs.wg.Go(func() {
		if err := b.BuildIndexes(s.ctx); err != nil && s.ctx.Err() == nil {
			s.log.Warn("build indexes", "workspace", name, "err", err)
		}
	})
}

// Warm opens the default workspace in the background, so that the first
// page need not wait for it.
func (s *Server) Warm() {
	go s.env(s.ctx, s.opts.Default)
}

// Close stops the triages in flight and closes every workspace opened.
func (s *Server) Close() error {
	s.cancel()
	s.runs.wait()
	s.mu.Lock()
	slots := s.envs
	s.envs = map[string]*envSlot{}
	s.mu.Unlock()
	var errs []error
	for name, slot := range slots {
		<-slot.ready
		if slot.env == nil {
			continue
		}
		var err error
		if slot.env.Close != nil {
			err = slot.env.Close()
		} else {
			err = slot.env.Workspace.Close()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("close workspace %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// wsName returns the workspace the request's URL names (?ws=), or the
// default. It never reads the body: a refused request's is left unread.
func (s *Server) wsName(r *http.Request) string {
	if ws := r.URL.Query().Get("ws"); ws != "" {
		return ws
	}
	return s.opts.Default
}
