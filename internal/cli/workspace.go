package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/triage-dev/triage/internal/azauth"
	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/demo/demodb"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/cache"
	"github.com/triage-dev/triage/internal/intel/registry"
	"github.com/triage-dev/triage/internal/summary"
	"github.com/triage-dev/triage/internal/workspace"
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

	// writes: the command may change incidents, so the demo workspace is
	// opened as a private copy rather than read-only.
	writes bool

	refresh      bool     // --refresh: bypass the intel cache
	allProviders bool     // --all: non-primary providers too
	providers    []string // --provider: only these
}

// env is what a command works with once its workspace is open.
type env struct {
	ws        workspace.Workspace
	catalog   *workspace.Catalog
	cfg       *config.Config
	intel     *intel.Engine
	providers []registry.Status
	store     *cache.Store // nil when no external provider runs
	// asOf is when the workspace's data ends, for a workspace that is a
	// snapshot (the demo); zero means now.
	asOf time.Time

	// The entity summaries' sources; nil when off.
	geo      summary.Locator
	registry summary.Registry
	dns      summary.Resolver
	closeGeo interface{ Close() error }
}

// now is the end of windows that end "now": the workspace's asOf, else
// the clock.
func (e *env) now(s *IO) time.Time {
	if !e.asOf.IsZero() {
		return e.asOf
	}
	return s.Now()
}

func (e *env) Close() error {
	if e.store != nil {
		e.store.Close()
	}
	if e.closeGeo != nil {
		e.closeGeo.Close()
	}
	return e.ws.Close()
}

// open opens the selected workspace and the providers that go with it.
func open(ctx context.Context, s *IO, g *globalOptions) (*env, error) {
	if g.demoScale < 1 {
		return nil, &FlagError{fmt.Errorf("--demo-scale must be at least 1, got %d", g.demoScale)}
	}
	cfg, err := config.Load(s.ConfigOptions(g.config))
	if err != nil {
		return nil, &ConfigError{err}
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(s.Err, "triage: warning:", w)
	}
	wc, err := cfg.Workspace(g.workspace)
	if err != nil {
		return nil, &ConfigError{err}
	}
	cat, err := workspace.LoadCatalog(g.queries)
	if err != nil {
		return nil, &ConfigError{fmt.Errorf("query catalog: %w", err)}
	}
	var ws workspace.Workspace
	var asOf time.Time
	switch wc.Kind {
	case config.KindDemo:
		var d *demodb.Workspace
		if d, err = openDemo(ctx, s, cfg, cat, g); err == nil {
			ws, asOf = d, d.AsOf
		}
	case config.KindLocal:
		ws, err = local.Open(ctx, wc.Name, wc.Path, cat)
	case config.KindSentinel:
		ws, err = openSentinel(ctx, s, cfg, wc, cat)
	default:
		err = &ConfigError{fmt.Errorf("workspace %s: unknown kind %q", wc.Name, wc.Kind)}
	}
	if err != nil {
		return nil, err
	}
	e := &env{ws: ws, catalog: cat, cfg: cfg, asOf: asOf}
	if err := e.openIntel(ctx, s, g); err != nil {
		ws.Close()
		return nil, err
	}
	e.openEnrich(s, wc)
	return e, nil
}

// openSentinel reads the Key Vault secrets the configuration refers to and
// opens a Sentinel workspace. Nothing reaches the network before the first
// call on the workspace, except Key Vault when a secret is kept there.
func openSentinel(ctx context.Context, s *IO, cfg *config.Config, wc config.Workspace, cat *workspace.Catalog) (workspace.Workspace, error) {
	if err := resolveSecrets(ctx, s, cfg); err != nil {
		return nil, err
	}
	if w, err := cfg.Workspace(wc.Name); err == nil {
		wc = w // with secrets read
	}
	cred, err := azauth.Credential(azauth.Options{Auth: wc.Auth, TenantID: wc.TenantID, Endpoints: wc.Endpoints, Prompt: s.Err})
	if err != nil {
		return nil, &ConfigError{fmt.Errorf("workspace %s: %w", wc.Name, err)}
	}
	ws, err := sentinel.Open(sentinel.Options{
		Workspace: wc, Credential: cred, Catalog: cat,
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
