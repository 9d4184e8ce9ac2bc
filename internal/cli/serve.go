package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/web"
)

type serveOptions struct {
	listen          string
	tlsCert, tlsKey string
	watch           bool         // --watch: run watch's loop in the server
	w               watchOptions // its --interval, --window, --post, --label, --log-format
}

func newServeCmd(s *IO, g *globalOptions) *cobra.Command {
	o := &serveOptions{w: watchOptions{window: 48 * time.Hour, interval: time.Minute, logFormat: "text"}}
	cmd := &cobra.Command{
		Use:   "serve [--listen ADDR]",
		Short: "Serve the web UI: the queue, guided triage, entity pivot, lookup and actions",
		Long: `Serve triage's web UI on this machine: the incident queue with its timeline
and filters, the guided triage of an incident with its sections shown as they
complete, every entity's own summary, indicator lookup, the providers' state,
and comment and status, classification, owner and severity changes (each
confirmed before it is sent).

It listens on 127.0.0.1:8080 by default (--listen; port 0 picks a free one)
and prints its URL on stderr. Listening on anything but a loopback address
lets other machines reach your workspaces and credentials: triage warns,
and asks every browser for a token, printed once in the URL
(http://HOST:PORT/?token=...) and exchanged on first use for a cookie, or
the token given in TRIAGE_SERVE_TOKEN (at least 16 characters; asked for on
loopback too when set). --tls-cert and --tls-key serve HTTPS with that
certificate and key (PEM files).

Every configured workspace, and every one triage import -w NAME
made in the data dir, can be chosen in the page (--workspace picks the first
one shown, and may be a workspace file); each is opened when first used and
kept open.
The demo workspace keeps the changes made to it until the server stops.

With --watch the server also runs triage watch's loop over the workspace
--workspace picks (or each one given), as triage watch does: every
--interval it triages the new and changed incidents (on its first pass
those created within --window, 48 hours unless given; then those changed
since), records each triage (the queue shows it), with --post posts its
summary comment and with --label adds the label; its log lines go to
stderr (--log-format text or json), and it stops with the server.

Stop it with Ctrl-C.`,
		Example: `  triage serve
  triage serve --listen 127.0.0.1:0
  triage serve --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem
  triage serve -w contoso --all
  triage serve -w contoso --watch --post --label triaged
  triage serve -w contoso --watch --window 7d --log-format json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fl := cmd.Flags()
			for _, f := range []string{"interval", "window", "post", "label", "log-format"} {
				if !o.watch && fl.Changed(f) {
					return &FlagError{fmt.Errorf("--%s goes with --watch", f)}
				}
			}
			if err := o.w.check(fl.Changed("label")); err != nil {
				return err
			}
			return serveRun(cmd.Context(), s, g, o)
		},
	}
	cmd.Flags().StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to listen on (host:port)")
	cmd.Flags().StringVar(&o.tlsCert, "tls-cert", "", "serve HTTPS with this certificate (PEM file; with --tls-key)")
	cmd.Flags().StringVar(&o.tlsKey, "tls-key", "", "the private key of --tls-cert (PEM file)")
	cmd.Flags().BoolVar(&o.watch, "watch", false, "also triage new and changed incidents as they come, as triage watch does")
	cmd.Flags().Var(durationValue{&o.w.interval}, "interval", "with --watch: time between passes")
	cmd.Flags().BoolVar(&o.w.post, "post", false, "with --watch: post each triage's summary comment on its incident")
	cmd.Flags().StringVar(&o.w.label, "label", "", "with --watch: add this label to each incident triaged")
	cmd.Flags().Var(durationValue{&o.w.window}, "window", "with --watch: watch the incidents created within this window ending now, e.g. 48h, 7d")
	cmd.Flags().StringVar(&o.w.logFormat, "log-format", "text", "with --watch: log format: {text|json}")
	intelFlags(cmd, g)
	waitFlag(cmd, g)
	return cmd
}

func serveRun(ctx context.Context, s *IO, g *globalOptions, o *serveOptions) error {
	if _, _, err := net.SplitHostPort(o.listen); err != nil {
		return &FlagError{fmt.Errorf("--listen %q: want host:port, e.g. 127.0.0.1:8080", o.listen)}
	}
	tlsConf, err := serveTLS(o.tlsCert, o.tlsKey)
	if err != nil {
		return err
	}
	lo := s.ConfigOptions(g.config)
	cfg, err := config.Load(lo)
	if err != nil {
		return &ConfigError{err}
	}
	def, err := cfg.Workspace(g.workspace)
	if err != nil {
		return &ConfigError{err}
	}
	// The picker offers the configured workspaces and those import made in
	// the data dir; a workspace file given with --workspace is offered too.
	names := servedWorkspaces(s, cfg, def.Name)

	// The pages and the watch share the workspaces, each opened once: two
	// openings of a workspace file at once would contend for it.
	envs := &serveEnvs{s: s, g: g, open: map[string]*env{}}
	defer envs.Close()

	// The watch, asked for, is ready before the server listens: what stops
	// it from running stops the server from starting.
	var watch *watchSet
	if o.watch {
		targets, err := watchTargets(cfg, g.workspaces, false)
		if err != nil {
			return err
		}
		st, err := openHistory(ctx, s, cfg)
		if err != nil {
			return fmt.Errorf("serve --watch: %w", err)
		}
		defer st.Close()
		watch = newWatchSet(s, g, st, &o.w, targets)
		watch.openEnv, watch.owned = envs.get, false
	}

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	token, generated, err := serveToken(lo.Getenv, addr.IP.IsLoopback())
	if err != nil {
		ln.Close()
		return &ConfigError{err}
	}
	if !addr.IP.IsLoopback() {
		fmt.Fprintf(s.Err, "triage: warning: listening on %s, not a loopback address: other machines can reach this UI, its workspaces and credentials, with its token\n", addr)
		if tlsConf == nil {
			fmt.Fprintln(s.Err, "triage: warning: without --tls-cert and --tls-key, the token and the pages cross the network in clear")
		}
	}
	srv, err := web.New(web.Options{
		Workspaces: names, Default: def.Name,
		Open: func(ctx context.Context, name string) (*web.Env, error) {
			e, err := envs.get(ctx, name)
			if err != nil {
				return nil, err
			}
			return serveEnv(ctx, s, e), nil
		},
		Entity: entityOf,
		Addr:   addr.String(),
		Token:  token,
		Now:    s.Now,
		Log:    slog.New(slog.NewTextHandler(s.Err, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		ln.Close()
		return err
	}
	hs := srv.HTTPServer() // timeouts suited to the UI's pages and streams
	ln = srv.Listener(ln)  // at most web.DefaultMaxConns connections at once
	done := make(chan error, 1)
	if tlsConf != nil {
		hs.TLSConfig = tlsConf
	}
	go func() {
		if tlsConf != nil {
			done <- hs.ServeTLS(ln, "", "")
			return
		}
		done <- hs.Serve(ln)
	}()
	srv.Warm()
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	if watch != nil {
		go func() {
			defer close(watched)
			watch.loop(watchCtx)
		}()
	} else {
		close(watched)
	}
	// The watch stops with the server, finishing the write in flight,
	// before the workspaces and the history are closed.
	stop := func() {
		stopWatch()
		<-watched
	}
	defer stop()
	// The generated token is printed here only, in the URL to open; a
	// configured one is the analyst's to give.
	u := browserURL(addr, tlsConf != nil)
	switch {
	case generated:
		fmt.Fprintf(s.Err, "triage: serving %s?token=%s\n", u, token)
	case token != "":
		fmt.Fprintf(s.Err, "triage: serving %s (open it with ?token= and the token in %s)\n", u, serveTokenEnv)
	default:
		fmt.Fprintf(s.Err, "triage: serving %s\n", u)
	}

	select {
	case err = <-done:
	case <-ctx.Done():
		fmt.Fprintln(s.Err, "triage: stopping")
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = hs.Shutdown(sctx)
	}
	stop()
	if cerr := srv.Close(); cerr != nil {
		fmt.Fprintln(s.Err, "triage: warning:", cerr)
	}
	if errors.Is(err, http.ErrServerClosed) || ctx.Err() != nil && err == nil {
		return nil
	}
	return err
}

// servedWorkspaces are the workspaces a server (serve, mcp) offers: the
// configured ones and those import made in the data dir, sorted, with def,
// the one --workspace names (a workspace file too), first.
func servedWorkspaces(s *IO, cfg *config.Config, def string) []string {
	names := make([]string, 0, len(cfg.Workspaces))
	for n := range cfg.Workspaces {
		names = append(names, n)
	}
	found, err := cfg.DataDirWorkspaces()
	if err != nil {
		fmt.Fprintln(s.Err, "triage: warning:", err)
	}
	for _, w := range found {
		names = append(names, w.Name)
	}
	sort.Strings(names)
	if i := slices.Index(names, def); i >= 0 {
		names = slices.Delete(names, i, i+1)
	}
	return slices.Insert(names, 0, def)
}

// serveEnvs are the workspaces serve opened, each once, for the pages and
// the watch; serve closes them when it stops.
type serveEnvs struct {
	s *IO
	g *globalOptions
	// readOnly opens them for reading only (mcp without --allow-writes);
	// serve's UI writes.
	readOnly bool

	mu   sync.Mutex
	open map[string]*env
	// quotas are the threat-intel quotas of every workspace's engine: one
	// process spends one quota per provider (shareQuotas).
	quotas intel.Quotas
}

// get returns workspace name, opening it (with its providers) on first
// use. A workspace that failed to open is tried again on the next call.
func (v *serveEnvs) get(ctx context.Context, name string) (*env, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if e, ok := v.open[name]; ok {
		return e, nil
	}
	g := *v.g
	g.workspace = name
	g.writes = !v.readOnly // the UI's actions, mcp's write tools
	e, err := open(ctx, v.s, &g)
	if err != nil {
		return nil, err
	}
	shareQuotas(e, &v.quotas)
	v.open[name] = e
	return e, nil
}

// Close closes every workspace opened.
func (v *serveEnvs) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	var errs []error
	for _, e := range v.open {
		errs = append(errs, e.Close())
	}
	v.open = map[string]*env{}
	return errors.Join(errs...)
}

// serveEnv is workspace e and its providers for the web UI. Its Close
// leaves e open: serveEnvs closes it.
func serveEnv(ctx context.Context, s *IO, e *env) *web.Env {
	env := &web.Env{
		Sources: e.Sources, Close: func() error { return nil }, AsOf: e.asOf, Priority: e.cfg.Priority,
		Record: func(ctx context.Context, r *report.Report) { recordTriage(ctx, s, e.cfg, r, false) },
		Providers: func(ctx context.Context) ([]web.ProviderRow, error) {
			rows, err := providerRows(ctx, e, s.Now())
			out := make([]web.ProviderRow, len(rows))
			for i, r := range rows {
				out[i] = web.ProviderRow{
					Name: r.Name, State: r.State, Reason: r.Reason, NeedsKey: r.NeedsKey, KeySet: r.KeySet,
					External: r.External, Quota: r.QuotaText, Used: r.Used, Cached: r.Cached,
				}
				out[i].Kinds = strings.Split(kindsText(r.Kinds), ",")
			}
			return out, err
		},
	}
	// The queue's verdicts and priorities and the incident page's "since
	// the last triage" read the history; without one the pages do without.
	hist, err := openHistory(ctx, s, e.cfg)
	switch {
	case err == nil:
		env.History = hist
		env.Close = hist.Close
	case !errors.Is(err, errNoDataDir):
		fmt.Fprintln(s.Err, "triage: warning: the pages show no triage history:", err)
	}
	return env
}
