package cli

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/triage-dev/triage/internal/azauth"
	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/demo/demodb"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/cache"
	"github.com/triage-dev/triage/internal/intel/registry"
	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/defender"
	"github.com/triage-dev/triage/internal/workspace/local"
	"github.com/triage-dev/triage/internal/workspace/sentinel"
)

// globalOptions are the flags every command takes, and the threat-intel
// flags of the commands that look indicators up.
type globalOptions struct {
	config    string
	workspace string
	queries   string
	demoScale int

	// workspaces is every --workspace given, in order: watch goes over
	// them all; the other commands use workspace, the last one.
	workspaces []string

	// writes: the command may change incidents, so the demo workspace is
	// opened as a private copy rather than read-only.
	writes bool

	wait    time.Duration // --wait, when waitSet: the lookups' wait budget
	waitSet bool

	refresh      bool     // --refresh: bypass the intel cache
	allProviders bool     // --all: non-primary providers too
	providers    []string // --provider: only these
}

// env is what a command works with once its workspace is open.
type env struct {
	// Sources are the open workspace, the threat-intel engine and the
	// entity summaries' sources (each nil when off). Workspace is nil for
	// lookup and providers, whose workspace is lazy, opened when
	// sentinel-ti first needs it.
	sources.Sources
	lazy      *lazyWorkspace
	wsName    string // the selected workspace's name, opened or not
	cfg       *config.Config
	providers []registry.Status
	store     *cache.Store // nil when no external provider runs
	// asOf is when the workspace's data ends, for a workspace that is a
	// snapshot (the demo); zero means now.
	asOf time.Time

	closeGeo interface{ Close() error } // the GeoIP databases, when open
}

// now is the end of windows that end "now": the workspace's asOf, else
// the clock.
func (e *env) now(s *IO) time.Time {
	if !e.asOf.IsZero() {
		return e.asOf
	}
	return s.Now()
}

// Close closes what the command opened.
func (e *env) Close() error {
	if e.store != nil {
		e.store.Close()
	}
	if e.closeGeo != nil {
		e.closeGeo.Close()
	}
	if e.lazy != nil {
		return e.lazy.Close()
	}
	return e.Workspace.Close()
}

// open opens the selected workspace and the providers that go with it.
func open(ctx context.Context, s *IO, g *globalOptions) (*env, error) {
	sel, err := selectWorkspace(ctx, s, g)
	if err != nil {
		return nil, err
	}
	ws, asOf, err := openWorkspace(ctx, s, g, sel)
	if err != nil {
		return nil, err
	}
	e := &env{Sources: sources.Sources{Workspace: ws}, wsName: sel.wc.Name, cfg: sel.cfg, asOf: asOf}
	if err := e.openIntel(ctx, s, g, pipeline.TIQuery(ws, s.Now)); err != nil {
		ws.Close()
		return nil, err
	}
	e.openEnrich(s, sel.wc)
	return e, nil
}

// openLookup prepares what lookup and providers use: the configuration and
// the threat-intel engine. Only sentinel-ti reads the workspace, so the
// workspace is opened when sentinel-ti first looks something up, once:
// `providers`, and lookups sentinel-ti is not asked about, open nothing (on
// the demo, they never build its file).
func openLookup(ctx context.Context, s *IO, g *globalOptions) (*env, error) {
	sel, err := selectWorkspace(ctx, s, g)
	if err != nil {
		return nil, err
	}
	lazy := &lazyWorkspace{name: sel.wc.Name, open: func(ctx context.Context) (workspace.Workspace, error) {
		ws, _, err := openWorkspace(ctx, s, g, sel)
		return ws, err
	}}
	e := &env{lazy: lazy, wsName: sel.wc.Name, cfg: sel.cfg}
	if err := e.openIntel(ctx, s, g, lazy.tiQuery(s.Now)); err != nil {
		return nil, err
	}
	return e, nil
}

// selection is the configuration and the workspace a command names, with
// nothing opened yet.
type selection struct {
	cfg *config.Config
	wc  config.Workspace
	cat *workspace.Catalog
}

// selectWorkspace loads the configuration and the query catalog and finds
// the selected workspace's settings. For a Sentinel workspace it reads the
// configuration's Key Vault secrets too, as commands always have: the
// providers' keys may be kept there.
func selectWorkspace(ctx context.Context, s *IO, g *globalOptions) (selection, error) {
	if g.demoScale < 1 {
		return selection{}, &FlagError{fmt.Errorf("--demo-scale must be at least 1, got %d", g.demoScale)}
	}
	cfg, err := config.Load(s.ConfigOptions(g.config))
	if err != nil {
		return selection{}, &ConfigError{err}
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(s.Err, "triage: warning:", w)
	}
	wc, err := cfg.Workspace(g.workspace)
	if err != nil {
		return selection{}, &ConfigError{err}
	}
	cat, err := workspace.LoadCatalog(g.queries)
	if err != nil {
		return selection{}, &ConfigError{fmt.Errorf("query catalog: %w", err)}
	}
	if wc.Kind == config.KindSentinel || wc.Kind == config.KindDefender {
		if err := resolveSecrets(ctx, s, cfg); err != nil {
			return selection{}, err
		}
		if w, err := cfg.Workspace(wc.Name); err == nil {
			wc = w // with secrets read
		}
	}
	return selection{cfg: cfg, wc: wc, cat: cat}, nil
}

// openWorkspace opens the selected workspace, and says when its data ends
// if it is a snapshot (the demo).
func openWorkspace(ctx context.Context, s *IO, g *globalOptions, sel selection) (workspace.Workspace, time.Time, error) {
	wc := sel.wc
	switch wc.Kind {
	case config.KindDemo:
		d, err := openDemo(ctx, s, sel.cfg, sel.cat, g)
		if err != nil {
			return nil, time.Time{}, err
		}
		d.SetLimits(sel.cfg.Limits)
		return d, d.AsOf, nil
	case config.KindLocal:
		// Checked here: a nil *local.Workspace in the interface would not be nil.
		ws, err := local.Open(ctx, wc.Name, wc.Path, sel.cat)
		if err != nil {
			return nil, time.Time{}, err
		}
		ws.SetLimits(sel.cfg.Limits)
		return ws, time.Time{}, nil
	case config.KindSentinel:
		ws, err := openSentinel(s, wc, sel.cat, sel.cfg.Limits)
		return ws, time.Time{}, err
	case config.KindDefender:
		ws, err := openDefender(s, wc, sel.cat, sel.cfg.Limits)
		return ws, time.Time{}, err
	}
	return nil, time.Time{}, &ConfigError{fmt.Errorf("workspace %s: unknown kind %q", wc.Name, wc.Kind)}
}

// lazyWorkspace is a workspace opened on first use, once, however many
// lookups ask for it at the same time.
type lazyWorkspace struct {
	name string
	open func(context.Context) (workspace.Workspace, error)

	mu     sync.Mutex
	opened bool
	ws     workspace.Workspace
	err    error
}

// get opens the workspace on the first call and returns it, or why it
// could not be opened, on every call. Concurrent callers wait for the
// first.
func (l *lazyWorkspace) get(ctx context.Context) (workspace.Workspace, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.opened {
		if ws, err := l.open(ctx); err != nil {
			l.err = err
		} else {
			l.ws = ws
		}
		l.opened = true
	}
	return l.ws, l.err
}

// tiQuery is sentinel-ti's query on the workspace, opening it on its first
// call. A workspace that cannot be opened fails that provider's lookups,
// which say why; the other providers' answers stand.
func (l *lazyWorkspace) tiQuery(now func() time.Time) intel.WorkspaceTI {
	return func(ctx context.Context, values []string) ([]intel.TIMatch, error) {
		ws, err := l.get(ctx)
		if err != nil {
			return nil, fmt.Errorf("open workspace %s: %w", l.name, err)
		}
		return pipeline.TIQuery(ws, now)(ctx, values)
	}
}

// Close closes the workspace if it was opened.
func (l *lazyWorkspace) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ws == nil {
		return nil
	}
	return l.ws.Close()
}

// openSentinel opens a Sentinel workspace whose secrets selectWorkspace
// has read. Nothing reaches the network before the first call on the
// workspace.
func openSentinel(s *IO, wc config.Workspace, cat *workspace.Catalog, lim triage.Limits) (workspace.Workspace, error) {
	cred, err := azauth.Credential(azauth.Options{Auth: wc.Auth, TenantID: wc.TenantID, Endpoints: wc.Endpoints, Prompt: s.Err})
	if err != nil {
		return nil, &ConfigError{fmt.Errorf("workspace %s: %w", wc.Name, err)}
	}
	ws, err := sentinel.Open(sentinel.Options{
		Workspace: wc, Credential: cred, Catalog: cat, Limits: lim, Transport: azureTransport,
		Notify: func(msg string) { fmt.Fprintln(s.Err, "triage:", msg) },
	})
	if err != nil {
		return nil, &ConfigError{err}
	}
	return ws, nil
}

// openDefender opens a Defender XDR workspace (Microsoft Graph) whose
// secrets selectWorkspace has read. Nothing reaches the network before the
// first call on the workspace.
func openDefender(s *IO, wc config.Workspace, cat *workspace.Catalog, lim triage.Limits) (workspace.Workspace, error) {
	cred, err := azauth.Credential(azauth.Options{Auth: wc.Auth, TenantID: wc.TenantID, Endpoints: wc.Endpoints, Prompt: s.Err})
	if err != nil {
		return nil, &ConfigError{fmt.Errorf("workspace %s: %w", wc.Name, err)}
	}
	ws, err := defender.Open(defender.Options{
		Workspace: wc, Credential: cred, Catalog: cat, Limits: lim,
		Notify: func(msg string) { fmt.Fprintln(s.Err, "triage:", msg) },
	})
	if err != nil {
		return nil, &ConfigError{err}
	}
	return ws, nil
}

// resolveSecrets reads the configuration's Key Vault references, signing in
// as key_vault says. A secret that cannot be read is a warning: the setting
// that needs it reports it when used.
func resolveSecrets(ctx context.Context, s *IO, cfg *config.Config) error {
	kv := cfg.KeyVault
	cred, err := azauth.Credential(azauth.Options{Auth: kv.Auth, TenantID: kv.TenantID, Endpoints: kv.Endpoints, Prompt: s.Err})
	if err != nil {
		return &ConfigError{fmt.Errorf("key_vault: %w", err)}
	}
	if err := cfg.ResolveSecrets(ctx, azauth.NewSecretStore(cred, nil)); err != nil {
		if ctx.Err() != nil {
			return err
		}
		fmt.Fprintln(s.Err, "triage: warning:", err)
	}
	return nil
}

// openDemo opens the demo workspace from its cached file, building the
// file first when there is none for today, and saying so on a terminal.
func openDemo(ctx context.Context, s *IO, cfg *config.Config, cat *workspace.Catalog, g *globalOptions) (*demodb.Workspace, error) {
	line := &statusLine{w: s.Err}
	defer line.Clear()
	return demodb.Open(ctx, demodb.Options{
		Dir: cfg.DemoDir, Now: s.Now(), Scale: g.demoScale, Catalog: cat, Writable: g.writes,
		Building: func(string) {
			if s.ErrTTY {
				line.Show("triage: preparing today's demo workspace (once a day, a few seconds)...")
			}
		},
		Warn: func(msg string) {
			line.Clear()
			fmt.Fprintln(s.Err, "triage: warning:", msg)
		},
	})
}
