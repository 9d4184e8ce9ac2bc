package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/demo"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/sentinelti"
	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

// globalOptions are the flags every command takes.
type globalOptions struct {
	config    string
	workspace string
	queries   string
	demoScale int
}

// env is what a command works with once its workspace is open.
type env struct {
	ws      workspace.Workspace
	catalog *workspace.Catalog
	intel   *intel.Engine
}

func (e *env) Close() error { return e.ws.Close() }

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
	switch wc.Kind {
	case config.KindDemo:
		ws, err = openDemo(ctx, cat, s.Now(), g.demoScale)
	case config.KindLocal:
		ws, err = local.Open(ctx, wc.Name, wc.Path, cat)
	default:
		err = &ConfigError{fmt.Errorf("workspace %s: %s workspaces are not supported yet", wc.Name, wc.Kind)}
	}
	if err != nil {
		return nil, err
	}
	e := &env{ws: ws, catalog: cat}
	e.intel = &intel.Engine{NoExternal: cfg.Intel.NoExternal, Now: s.Now}
	if cfg.Providers["sentinel-ti"].Enabled {
		e.intel.Providers = append(e.intel.Providers, sentinelti.New(pipeline.TIQuery(ws, cat, s.Now)))
	}
	return e, nil
}

// openDemo builds the demo workspace in memory, anchored at now.
func openDemo(ctx context.Context, cat *workspace.Catalog, now time.Time, scale int) (*local.Workspace, error) {
	ws, err := local.Open(ctx, "demo", ":memory:", cat)
	if err != nil {
		return nil, fmt.Errorf("demo workspace: %w", err)
	}
	err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
		return demo.Generate(demo.Options{Now: now, Scale: scale}, emit)
	})
	if err != nil {
		ws.Close()
		return nil, fmt.Errorf("demo workspace: %w", err)
	}
	return ws, nil
}
